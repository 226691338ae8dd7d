//! `helmctl template` prints what `helm template` prints: the manifest in
//! Helm's kind order with `# Source:` headers, hooks after it, `--show-only`,
//! and values from `-f` and the `--set` family, compared with the real `helm`
//! CLI of the current Helm v4 (4.3.2, built from Go modules): Helm 4.3 changed
//! how documents are split (a document keeps the newline before the next `---`),
//! which the Python oracle's Helm 4.2 does not have.

use helmd_oracle::template::TemplateCase;
use helmd_test_support::binaries;

use crate::fixtures::{helmctl, write_files as write};

/// What the real `helm template` prints for `case` plus `extra` flags; its error
/// (the text after `Error: `) when it fails.
fn helm_template(case: &TemplateCase, extra: &[&str]) -> Result<String, String> {
    let home = tempfile::tempdir().expect("helm home");
    let mut cmd = crate::fixtures::helm_cli("helm4", home.path());
    cmd.arg("template")
        .arg(&case.release_name)
        .arg(&case.chart_dir)
        .arg("--namespace")
        .arg(&case.namespace);
    for (i, values) in case.values_yaml.iter().enumerate() {
        let file = home.path().join(format!("values-{i}.yaml"));
        std::fs::write(&file, values).expect("values file");
        cmd.arg("-f").arg(file);
    }
    for (flag, list) in [
        ("--set-json", &case.set_json),
        ("--set", &case.set),
        ("--set-string", &case.set_string),
        ("--set-literal", &case.set_literal),
    ] {
        for v in list {
            cmd.arg(flag).arg(v);
        }
    }
    let out = cmd.args(extra).output().expect("run helm");
    if out.status.success() {
        return Ok(String::from_utf8(out.stdout).expect("utf-8"));
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let err = err.trim_start_matches("Error: ");
    Err(err.lines().next().unwrap_or_default().to_owned())
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
    let helm = helm_template(
        &TemplateCase {
            chart_dir: chart.clone(),
            release_name: "web".into(),
            namespace: "shop".into(),
            values_yaml: vec![std::fs::read_to_string(&values).expect("values")],
            set: vec!["replicas=3,extra.a-conf=one".into()],
            set_json: vec!["ports=[80,443]".into()],
            set_string: vec!["extra.c-conf=007".into()],
            set_literal: vec!["extra.d-conf=a,b=c".into()],
        },
        &[],
    )
    .expect("Helm renders the chart");
    assert_eq!(stdout, helm);
    assert!(stdout.contains("value: \"a,b=c\""), "{stdout}");
    assert!(!stdout.contains("Installed web"), "notes are not printed");
}

#[test]
fn template_show_only_prints_the_named_templates_documents_like_helm() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("store");
    write(&chart, STORE);
    let case = TemplateCase {
        chart_dir: chart.clone(),
        release_name: "web".into(),
        namespace: "default".into(),
        ..TemplateCase::default()
    };
    let path = chart.to_str().expect("utf-8");
    for flags in [
        &[
            "-s",
            "templates/sa.yaml",
            "--show-only",
            "templates/app.yaml",
        ][..],
        &["-s", "templates/*/*.yaml"],
    ] {
        let helm = helm_template(&case, flags).expect("Helm renders the chart");
        let mut args = vec!["template", "web", path];
        args.extend_from_slice(flags);
        let (ok, stdout, stderr) = helmctl(&args);
        assert!(ok, "{stderr}");
        assert_eq!(stdout, helm, "{flags:?}");
    }
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
    let case = TemplateCase {
        chart_dir: chart.clone(),
        release_name: "rel".into(),
        namespace: "default".into(),
        ..TemplateCase::default()
    };
    let manifest = helm_template(&case, &["--no-hooks"]).expect("Helm renders the chart");
    let path = chart.to_str().expect("utf-8");
    let (ok, stdout, stderr) = helmctl(&["template", "rel", path, "--no-hooks"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout, manifest,
        "hooks and unknown hooks leave the manifest"
    );
    // Hooks follow in install order of their kinds (Pod before Job).
    let (ok, stdout, stderr) = helmctl(&["template", "rel", path]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout, helm_template(&case, &[]).expect("Helm renders"));
    assert!(stdout.find("kind: Pod").unwrap_or(0) < stdout.find("kind: Job").unwrap_or(0));
    let (ok, stdout, stderr) = helmctl(&["template", "rel", path, "--skip-tests"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout,
        helm_template(&case, &["--skip-tests"]).expect("Helm renders")
    );
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
    let helm = helm_template(
        &TemplateCase {
            chart_dir: chart.clone(),
            release_name: "rel".into(),
            namespace: "default".into(),
            ..TemplateCase::default()
        },
        &[],
    )
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
    let helm = helm_template(
        &TemplateCase {
            chart_dir: chart.clone(),
            release_name: "rel".into(),
            namespace: "default".into(),
            set_literal: vec!["cert=-----BEGIN-----\nabc\n".into()],
            set_string: vec!["big=1000000".into()],
            ..TemplateCase::default()
        },
        &[],
    )
    .expect("Helm renders");
    assert_eq!(stdout, helm);
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
        // `helm template --include-crds`: the CRDs head the manifest.
        let expected = helm_template(
            &TemplateCase {
                chart_dir: chart.clone(),
                release_name: "rel".into(),
                namespace: "default".into(),
                values_yaml: vec![values.to_owned()],
                ..TemplateCase::default()
            },
            &["--include-crds"],
        )
        .expect("Helm renders the chart");
        let values_path = file.to_str().expect("utf-8");
        let (ok, stdout, stderr) =
            helmctl(&["template", "rel", path, "-f", values_path, "--include-crds"]);
        assert!(ok, "{stderr}");
        assert_eq!(stdout, expected, "values {values}");
    }
}
