//! Benchmarks of template parsing and execution on a deployment-like template
//! (`cargo bench -p helmd-gotmpl`; plain harness printing time per iteration).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use helmd_gotmpl::{Arity, FuncError, FuncMap, MissingKey, Options, Templates};
use helmd_yaml::Value;

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

const HELPERS: &str = r#"{{- define "app.name" -}}{{ .Chart.Name }}{{- end -}}
{{- define "app.fullname" -}}{{ printf "%s-%s" .Release.Name (include "app.name" .) }}{{- end -}}
{{- define "app.labels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
{{ include "app.labels" . | indent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
      {{- range $name, $c := .Values.containers }}
        - name: {{ $name }}
          image: "{{ $c.image.repository }}:{{ $c.image.tag }}"
          {{- if $c.env }}
          env:
          {{- range $c.env }}
            - name: {{ .name }}
              value: {{ .value | quote }}
          {{- end }}
          {{- end }}
          {{- with $c.resources }}
          resources: {{ . }}
          {{- end }}
      {{- end }}
"#;

fn set() -> Templates {
    let mut funcs = FuncMap::new();
    funcs.insert("include", Arity::Exact(2), |cx, a| {
        let name = a[0].as_str().unwrap_or_default().to_string();
        cx.execute_template(&name, &a[1])
            .map(Value::from)
            .map_err(|e| FuncError::Template {
                prefix: String::new(),
                error: Box::new(e),
            })
    });
    funcs.insert("indent", Arity::Exact(2), |_, a| {
        let pad = " ".repeat(a[0].as_str().map_or(4, |_| 4));
        Ok(Value::from(format!(
            "{pad}{}",
            a[1].as_str()
                .unwrap_or_default()
                .replace('\n', &format!("\n{pad}"))
        )))
    });
    funcs.insert("quote", Arity::AtLeast(0), |_, a| {
        Ok(Value::from(format!("{:?}", helmd_gotmpl::fmt::sprint(a))))
    });
    let options = Options {
        missing_key: MissingKey::Zero,
        ..Options::default()
    };
    Templates::new(Arc::new(funcs), options)
}

fn data() -> Value {
    let mut values = String::from("replicaCount: 3\ncontainers:\n");
    for i in 0..10 {
        values.push_str(&format!(
            "  c{i}:\n    image: {{repository: repo/c{i}, tag: v{i}}}\n    env: [{{name: A, value: x}}, {{name: B, value: 2}}]\n    resources: {{cpu: 1}}\n"
        ));
    }
    let top = format!(
        "Values:\n{}\nRelease: {{Name: rel, Service: Helm}}\nChart: {{Name: app}}\n",
        values
            .lines()
            .map(|l| format!("  {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    helmd_yaml::parse_yaml(&top).unwrap_or(Value::Nil)
}

fn main() {
    bench("parse (helpers + deployment)", || {
        let mut t = set();
        black_box(t.add("_helpers.tpl", HELPERS).is_ok());
        black_box(t.add("deployment.yaml", DEPLOYMENT).is_ok());
    });
    let mut t = set();
    let parsed = t
        .add("_helpers.tpl", HELPERS)
        .and_then(|_| t.add("deployment.yaml", DEPLOYMENT));
    if let Err(e) = parsed {
        println!("parse failed: {e}");
        return;
    }
    let data = data();
    match t.execute("deployment.yaml", &data) {
        Ok(out) => println!("output: {} bytes", out.len()),
        Err(e) => println!("execute failed: {e}"),
    }
    bench("execute deployment", || {
        black_box(t.execute("deployment.yaml", black_box(&data)).ok());
    });
    bench("printf %v of values", || {
        black_box(helmd_gotmpl::fmt::sprintf(
            "%v",
            std::slice::from_ref(&data),
        ));
    });
}
