//! Benchmarks of YAML parsing and emitting on a values file of typical size
//! (`cargo bench -p helmd-yaml`; plain harness printing time per iteration).

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Runs `f` repeatedly for about a second and prints the mean time per call.
fn bench(name: &str, mut f: impl FnMut()) {
    for _ in 0..10 {
        f();
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(1) {
        f();
        n += 1;
    }
    let per = start.elapsed().as_secs_f64() / n as f64;
    println!("{name:<28} {:>10.1} µs/iter ({n} iterations)", per * 1e6);
}

fn values_text() -> String {
    let mut s = String::from("global:\n  imageRegistry: \"\"\n  storageClass: standard\n");
    for i in 0..20 {
        s.push_str(&format!(
            "component{i}:\n  enabled: yes\n  replicaCount: {i}\n  image:\n    repository: bitnami/app{i}\n    tag: 1.2.{i}\n    pullPolicy: IfNotPresent\n  resources:\n    limits: {{cpu: 500m, memory: 512Mi}}\n    requests: {{cpu: 250m, memory: 256Mi}}\n  podAnnotations: {{prometheus.io/scrape: \"true\", prometheus.io/port: \"9090\"}}\n  extraEnv:\n  - name: A{i}\n    value: \"x\"\n  - name: B{i}\n    value: 0.5\n  config: |\n    line one\n    line two {i}\n"
        ));
    }
    s
}

fn main() {
    let text = values_text();
    let value = helmd_yaml::parse_yaml(&text).unwrap_or(helmd_yaml::Value::Nil);
    println!("values file: {} bytes", text.len());
    bench("parse_yaml", || {
        black_box(helmd_yaml::parse_yaml(black_box(&text)).ok());
    });
    bench("to_yaml", || {
        black_box(helmd_yaml::to_yaml(black_box(&value)).ok());
    });
    bench("to_yaml_pretty", || {
        black_box(helmd_yaml::to_yaml_pretty(black_box(&value)).ok());
    });
    bench("to_json", || {
        black_box(helmd_yaml::to_json(black_box(&value)).ok());
    });
    let json = helmd_yaml::to_json(&value).unwrap_or_default();
    bench("parse_json", || {
        black_box(helmd_yaml::parse_json(black_box(&json)).ok());
    });
}
