//! Benchmarks: parsing a generated 10,000-entry index.yaml and resolving constraints
//! against it; cold vs cached pulls from a real HTTP repository and a real registry.
//! Run with `cargo bench -p helmd-source`; prints medians.

use std::time::{Duration, Instant};

use helmd_source::repo::HttpRepository;
use helmd_source::repo::index::IndexFile;
use helmd_source::{ChartRequest, ChartSource, Credentials, Digest, SourceConfig, Transport};
use helmd_test_support::http_repo::{HttpRepoOptions, HttpRepoServer};
use helmd_test_support::registry::{RegistryOptions, RegistryServer};

const CHARTS: usize = 100;
const VERSIONS_PER_CHART: usize = 100;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(f());
                start.elapsed()
            })
            .collect(),
    )
}

/// 100 charts × 100 versions, shaped like a real index (digest, urls, created, ...).
fn big_index() -> String {
    let mut out = String::from("apiVersion: v1\nentries:\n");
    for c in 0..CHARTS {
        out.push_str(&format!("  chart-{c}:\n"));
        for v in 0..VERSIONS_PER_CHART {
            let version = format!("{}.{}.{}", v / 25, (v / 5) % 5, v % 5);
            out.push_str(&format!(
                "  - apiVersion: v2\n    name: chart-{c}\n    version: {version}\n    appVersion: \"{version}\"\n    \
                 description: Chart number {c} for benchmarking\n    created: \"2026-11-23T13:00:00Z\"\n    \
                 digest: {}\n    urls:\n    - charts/chart-{c}-{version}.tgz\n",
                Digest::of(format!("{c}-{v}").as_bytes()).hex()
            ));
        }
    }
    out
}

fn bench_index() {
    let text = big_index();
    let parse = time(7, || {
        IndexFile::parse(text.as_bytes(), "bench").expect("parse")
    });
    let index = IndexFile::parse(text.as_bytes(), "bench").expect("parse");
    let constraints = ["", "^2", "~1.3", ">=1.2.0 <3.0.0 || 0.x", "3.4.4"];
    let resolve = time(7, || {
        for c in 0..CHARTS {
            for constraint in constraints {
                index
                    .get(&format!("chart-{c}"), constraint, "bench")
                    .expect("resolve");
            }
        }
    });
    let lookups = (CHARTS * constraints.len()) as u32;
    println!(
        "index.yaml: {} entries, {} KiB: parse {parse:?}; resolve {:?} per constraint ({lookups} lookups)",
        CHARTS * VERSIONS_PER_CHART,
        text.len() / 1024,
        resolve / lookups
    );
}

fn chart(name: &str, version: &str) -> Vec<u8> {
    let yaml = format!("apiVersion: v2\nname: {name}\nversion: {version}\n");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    let mut header = tar::Header::new_gnu();
    header.set_size(yaml.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, format!("{name}/Chart.yaml"), yaml.as_bytes())
        .expect("append");
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("finish")
}

fn fresh_source(dir: &std::path::Path, i: usize) -> ChartSource {
    ChartSource::new(SourceConfig {
        cache_dir: dir.join(format!("c{i}")),
        cache_max_bytes: 1 << 30,
    })
    .expect("cache")
}

async fn pulls(label: &str, request: ChartRequest, dir: &std::path::Path) {
    let runs = 15;
    let mut cold = Vec::new();
    for i in 0..runs {
        let src = fresh_source(dir, i);
        let start = Instant::now();
        src.pull(&request).await.expect("cold pull");
        cold.push(start.elapsed());
    }
    let src = fresh_source(dir, runs);
    src.pull(&request).await.expect("warm-up");
    let mut cached = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        assert!(src.pull(&request).await.expect("cached pull").from_cache);
        cached.push(start.elapsed());
    }
    println!(
        "{label}: cold pull {:?}, cached pull {:?} (medians of {runs})",
        median(cold),
        median(cached)
    );
}

/// Fetch + parse of the 10,000-entry index over HTTP: helmd-source, then Helm v4
/// (helm_python's `repo_index`, which also hands the result to Python as JSON).
async fn bench_index_side_by_side() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("index.yaml"), big_index()).expect("write");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("server");
    let mut samples = Vec::new();
    for _ in 0..7 {
        let repo = HttpRepository::new(&server.url(), Transport::default(), false).expect("repo");
        let start = Instant::now();
        repo.index().await.expect("index");
        samples.push(start.elapsed());
    }
    let ours = median(samples);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/helm_registry.py");
    let venv = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/venv");
    let helm = tokio::task::spawn_blocking(move || -> Option<f64> {
        let python = std::process::Command::new(venv).output().ok()?;
        let python = String::from_utf8(python.stdout).ok()?;
        let url = server.url();
        let out = std::process::Command::new(python.trim())
            .args([script, "bench-index", &format!("{url}/"), "7"])
            .output()
            .ok()?;
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
        json["median_seconds"].as_f64()
    })
    .await
    .ok()
    .flatten();
    match helm {
        Some(seconds) => println!(
            "index.yaml fetch + parse over HTTP: helmd-source {ours:?}, Helm v4 {:?}",
            Duration::from_secs_f64(seconds)
        ),
        None => {
            println!("index.yaml fetch + parse over HTTP: helmd-source {ours:?}, Helm v4 not run")
        }
    }
}

async fn bench_pulls() {
    helmd_source::install_crypto_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("mkdir");
    let archive = chart("demo", "1.0.0");
    std::fs::write(repo.join("demo-1.0.0.tgz"), &archive).expect("write");
    std::fs::write(
        repo.join("index.yaml"),
        format!(
            "apiVersion: v1\nentries:\n  demo:\n  - name: demo\n    version: 1.0.0\n    digest: {}\n    urls: [demo-1.0.0.tgz]\n",
            Digest::of(&archive).hex()
        ),
    )
    .expect("write");
    let server = HttpRepoServer::start(&repo, HttpRepoOptions::default())
        .await
        .expect("server");
    let request = ChartRequest::Repo {
        url: server.url(),
        chart: "demo".into(),
        version: Some("1.0.0".into()),
        transport: Transport::default(),
        pass_credentials_all: false,
    };
    pulls("HTTP repository", request, dir.path()).await;

    let registry = RegistryServer::start(RegistryOptions::tls())
        .await
        .expect("registry");
    let transport = Transport::default()
        .with_credentials(Credentials::basic(registry.username(), registry.password()))
        .with_ca_pem(registry.ca_pem().unwrap_or_default());
    let remote = format!("oci://{}/bench", registry.host());
    fresh_source(dir.path(), 99)
        .push(&remote, &archive, None, &transport)
        .await
        .expect("push");
    let request = ChartRequest::Oci {
        reference: format!("{remote}/demo"),
        version: Some("1.0.0".into()),
        transport,
    };
    pulls(
        "OCI registry (TLS, basic auth)",
        request,
        &dir.path().join("oci"),
    )
    .await;
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less args; keep it quick then.
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    bench_index();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(bench_pulls());
    runtime.block_on(bench_index_side_by_side());
}
