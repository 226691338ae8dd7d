//! `helmctl template` prints what `helm template` prints: the manifest in
//! Helm's kind order with `# Source:` headers, hooks after it, `--show-only`,
//! and values from `-f` and the `--set` family, compared with Helm v4 (the
//! oracle's client-side dry-run install).

use helmd_oracle::template::{HelmRelease, TemplateCase, helm_template_batch};
use helmd_test_support::binaries;

use crate::fixtures::{helmctl, write_files as write};

fn helm(case: TemplateCase) -> Result<HelmRelease, String> {
    helm_template_batch(&[case])
        .expect("the template oracle runs")
        .remove(0)
}

const STORE: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        "apiVersion: v2\nname: store\nversion: 0.3.0\n",
    ),
    (
        "values.yaml",
        "replicas: 2\nimage: {repo: store, tag: latest}\nports: [80]\nextra: {}\n",
    ),
    (
        "templates/_helpers.tpl",
        "{{- define \"store.name\" -}}{{ .Release.Name }}-store{{- end }}\n",
    ),
    (
        "templates/app.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"store.name\" . }}\n  namespace: {{ .Release.Namespace }}\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n        - image: \"{{ .Values.image.repo }}:{{ .Values.image.tag }}\"\n          ports: {{ toJson .Values.ports }}\n\n\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {{ include \"store.name\" . }}\nspec:\n  ports:\n  {{- range .Values.ports }}\n    - port: {{ . }}\n  {{- end }}\n",
    ),
    (
        "templates/config.yaml",
        "{{- range $k, $v := .Values.extra }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ $k }}\ndata:\n  value: {{ $v | quote }}\n{{- end }}\n---\n# a document holding only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ .Release.Namespace }}\n",
    ),
    (
        "templates/empty.yaml",
        "{{- if false }}\nkind: Secret\n{{- end }}\n  \n",
    ),
    (
        "templates/sub/crd-user.yaml",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n",
    ),
    (
        "templates/sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n---apiVersion: v1\nkind: Secret\nmetadata:\n  name: glued-separator\n",
    ),
    ("templates/NOTES.txt", "Installed {{ .Release.Name }}.\n"),
];

#[test]
fn template_yaml_output_equals_helm_template_with_values_and_set_flags() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("store");
    write(&chart, STORE);
    let values = dir.path().join("prod.yaml");
    std::fs::write(&values, "image: {tag: \"1.4\"}\nextra: {b-conf: two}\n").expect("values");
    let (ok, stdout, stderr) = helmctl(&[
        "template",
        "web",
        chart.to_str().expect("utf-8"),
        "-f",
        values.to_str().expect("utf-8"),
        "--namespace",
        "shop",
        "--set",
        "replicas=3,extra.a-conf=one",
        "--set-json",
        "ports=[80,443]",
        "--set-string",
        "extra.c-conf=007",
        "--set-literal",
        "extra.d-conf=a,b=c",
    ]);
    assert!(ok, "{stderr}");
    let helm = helm(TemplateCase {
        chart_dir: chart.clone(),
        release_name: "web".into(),
        namespace: "shop".into(),
        values_yaml: vec![std::fs::read_to_string(&values).expect("values")],
        set: vec!["replicas=3,extra.a-conf=one".into()],
        set_json: vec!["ports=[80,443]".into()],
        set_string: vec!["extra.c-conf=007".into()],
        set_literal: vec!["extra.d-conf=a,b=c".into()],
    })
    .expect("Helm renders the chart");
    assert_eq!(stdout, helm.template_text());
    assert!(stdout.contains("value: \"a,b=c\""), "{stdout}");
    assert!(!stdout.contains("Installed web"), "notes are not printed");
}

#[test]
fn template_show_only_prints_the_named_templates_documents_like_helm() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("store");
    write(&chart, STORE);
    let helm = helm(TemplateCase {
        chart_dir: chart.clone(),
        release_name: "web".into(),
        namespace: "default".into(),
        ..TemplateCase::default()
    })
    .expect("Helm renders the chart");
    // Helm selects whole documents of its output by their `# Source:` path and
    // prints each as `---\n{doc}\n`; its splitter drops the whitespace before a
    // separator but keeps the trailing newline of the last document.
    let text = helm.template_text();
    let docs: Vec<String> = text
        .split("---\n# Source: ")
        .filter(|d| !d.is_empty())
        .map(str::to_string)
        .collect();
    let last = docs.len().saturating_sub(1);
    let pick = |prefixes: &[&str]| -> String {
        prefixes
            .iter()
            .flat_map(|p| {
                docs.iter()
                    .enumerate()
                    .filter(move |(_, d)| d.starts_with(p))
            })
            .map(|(i, d)| {
                let doc = if i == last { d.as_str() } else { d.trim_end() };
                format!("---\n# Source: {doc}\n")
            })
            .collect()
    };
    let path = chart.to_str().expect("utf-8");
    let (ok, stdout, stderr) = helmctl(&[
        "template",
        "web",
        path,
        "-s",
        "templates/sa.yaml",
        "--show-only",
        "templates/app.yaml",
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout,
        pick(&["store/templates/sa.yaml", "store/templates/app.yaml"])
    );
    let (ok, stdout, stderr) = helmctl(&["template", "web", path, "-s", "templates/*/*.yaml"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, pick(&["store/templates/sub/"]));
    let (ok, _, stderr) = helmctl(&["template", "web", path, "-s", "templates/nope.yaml"]);
    assert!(!ok);
    assert!(
        stderr.contains("could not find template templates/nope.yaml in chart"),
        "{stderr}"
    );
}

const HOOKED: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        "apiVersion: v2\nname: hooked\nversion: 1.0.0\n",
    ),
    (
        "templates/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-1\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
    ),
    (
        "templates/tests/check.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: check\n  annotations:\n    helm.sh/hook: test\n",
    ),
    (
        "templates/odd.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: odd\n  annotations:\n    helm.sh/hook: not-an-event\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n",
    ),
];

#[test]
fn template_prints_hooks_after_helms_manifest_and_honours_no_hooks_and_skip_tests() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("hooked");
    write(&chart, HOOKED);
    let helm = helm(TemplateCase {
        chart_dir: chart.clone(),
        release_name: "rel".into(),
        namespace: "default".into(),
        ..TemplateCase::default()
    })
    .expect("Helm renders the chart");
    let manifest = helm.template_text();
    let path = chart.to_str().expect("utf-8");
    let (ok, stdout, stderr) = helmctl(&["template", "rel", path, "--no-hooks"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout, manifest,
        "hooks and unknown hooks leave the manifest"
    );
    let job = "---\n# Source: hooked/templates/job.yaml\napiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-1\"\n";
    let pod = "---\n# Source: hooked/templates/tests/check.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: check\n  annotations:\n    helm.sh/hook: test\n\n";
    let (ok, stdout, stderr) = helmctl(&["template", "rel", path]);
    assert!(ok, "{stderr}");
    // Hooks follow in install order of their kinds (Pod before Job).
    assert_eq!(stdout, format!("{manifest}{pod}{job}"));
    let (ok, stdout, stderr) = helmctl(&["template", "rel", path, "--skip-tests"]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, format!("{manifest}{job}"));
}

#[test]
fn template_reports_a_malformed_document_like_helm() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("bad");
    write(
        &chart,
        &[
            ("Chart.yaml", "apiVersion: v2\nname: bad\nversion: 1.0.0\n"),
            ("templates/ok.yaml", "kind: ConfigMap\n"),
            (
                "templates/x.yaml",
                "kind: ConfigMap\nmetadata:\n  name: [\n",
            ),
        ],
    );
    let helm = helm(TemplateCase {
        chart_dir: chart.clone(),
        release_name: "rel".into(),
        namespace: "default".into(),
        ..TemplateCase::default()
    })
    .expect_err("Helm refuses the document");
    let (ok, stdout, stderr) = helmctl(&["template", "rel", chart.to_str().expect("utf-8")]);
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(&helm),
        "helmctl said {stderr:?}, Helm said {helm:?}"
    );
    assert!(
        stderr.contains("Use --debug flag to render out invalid YAML"),
        "{stderr}"
    );
}

#[test]
fn template_set_file_and_set_errors_read_like_helm() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("files");
    write(
        &chart,
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: files\nversion: 1.0.0\n",
            ),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  cert: {{ .Values.cert | quote }}\n  big: {{ .Values.big | quote }}\n",
            ),
        ],
    );
    let cert = dir.path().join("tls.crt");
    std::fs::write(&cert, "-----BEGIN-----\nabc\n").expect("cert");
    let path = chart.to_str().expect("utf-8");
    let (ok, stdout, stderr) = helmctl(&[
        "template",
        "rel",
        path,
        "--set-file",
        &format!("cert={}", cert.display()),
        "--set",
        "big=1000000",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("cert: \"-----BEGIN-----\\nabc\\n\""),
        "{stdout}"
    );
    // --set types integers as int64, so they print whole (a values file's float64 would print 1e+06).
    assert!(stdout.contains("big: \"1000000\""), "{stdout}");
    let helm = helm(TemplateCase {
        chart_dir: chart.clone(),
        release_name: "rel".into(),
        namespace: "default".into(),
        set_literal: vec!["cert=-----BEGIN-----\nabc\n".into()],
        set_string: vec!["big=1000000".into()],
        ..TemplateCase::default()
    })
    .expect("Helm renders");
    assert_eq!(stdout, helm.template_text());
    let cases: [(&[&str], &str); 4] = [
        (
            &["--set", "a"],
            "failed parsing --set data: key \"a\" has no value",
        ),
        (
            &["--set-string", "a[x]=1"],
            "failed parsing --set-string data: error parsing index: strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            &["--set-json", "a=tru"],
            "failed parsing --set-json data a=tru",
        ),
        (
            &["--set-file", "a=/does/not/exist"],
            "failed parsing --set-file data: open /does/not/exist: no such file or directory",
        ),
    ];
    for (flags, message) in cases {
        let mut args = vec!["template", "rel", path];
        args.extend_from_slice(flags);
        let (ok, _, stderr) = helmctl(&args);
        assert!(!ok);
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
    }
}

#[test]
fn template_include_crds_prints_only_enabled_subcharts_crds_like_helm() {
    let chart = binaries::workspace_root().join("tests/charts/deps/crds");
    let path = chart.to_str().expect("utf-8");
    for values in ["{}\n", "opt: {enabled: true}\ntags: {extras: false}\n"] {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("values.yaml");
        std::fs::write(&file, values).expect("values");
        let helm = helm(TemplateCase {
            chart_dir: chart.clone(),
            release_name: "rel".into(),
            namespace: "default".into(),
            values_yaml: vec![values.to_owned()],
            ..TemplateCase::default()
        })
        .expect("Helm renders the chart");
        // `helm template --include-crds`: the CRDs head the manifest.
        let crds: String = helmd_oracle::oracle::helm_enabled_crds(&chart, values)
            .expect("Helm lists the CRDs")
            .into_iter()
            .map(|c| format!("---\n# Source: {}\n{}\n", c.filename, c.data))
            .collect();
        let expected = format!("{}\n", format!("{crds}{}", helm.manifest).trim());
        let values_path = file.to_str().expect("utf-8");
        let (ok, stdout, stderr) =
            helmctl(&["template", "rel", path, "-f", values_path, "--include-crds"]);
        assert!(ok, "{stderr}");
        assert_eq!(stdout, expected, "values {values}");
    }
}
