//! `helmctl template`: renders a chart offline and prints `{template path: text}` exactly
//! as Helm v4 (the oracle) renders it.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use helmd_oracle::{Case, helm_render_batch};
use helmd_test_support::binaries;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

fn helmctl(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(binaries::binary("helmd-client", "helmctl").expect("helmctl binary"))
        .args(args)
        .output()
        .expect("run helmctl");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const CHART: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 1.2.3\nappVersion: \"2.0\"\n",
    ),
    (
        "values.yaml",
        "replicas: 2\nimage: {repo: shop, tag: latest}\nlabels: {tier: web}\n",
    ),
    (
        "templates/_helpers.tpl",
        "{{- define \"shop.labels\" -}}\napp: {{ .Chart.Name }}\n{{ toYaml .Values.labels }}\n{{- end }}\n",
    ),
    (
        "templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-shop\n  namespace: {{ .Release.Namespace }}\n  labels:\n    {{- include \"shop.labels\" . | nindent 4 }}\nspec:\n  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n        - image: \"{{ .Values.image.repo }}:{{ .Values.image.tag }}\"\n          env: {{ toJson .Values.env }}\n# upgrade={{ .Release.IsUpgrade }} kube={{ .Capabilities.KubeVersion }} hpa={{ .Capabilities.APIVersions.Has \"example.com/v9\" }}\n",
    ),
    (
        "templates/NOTES.txt",
        "{{ .Release.Name }} is {{ if .Release.IsInstall }}installed{{ else }}upgraded{{ end }}\n",
    ),
];

#[test]
fn template_json_output_equals_helm_v4() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("shop");
    write(&chart, CHART);
    let values = dir.path().join("prod.yaml");
    std::fs::write(
        &values,
        "replicas: 1000000\nenv: [{name: MODE, value: prod}]\nimage: {tag: \"1.4\"}\n",
    )
    .expect("values");

    let (ok, stdout, stderr) = helmctl(&[
        "template",
        "web",
        chart.to_str().expect("utf-8"),
        "-f",
        values.to_str().expect("utf-8"),
        "--namespace",
        "shop-prod",
        "--kube-version",
        "v1.29.3",
        "--api-versions",
        "example.com/v9",
        "--is-upgrade",
        "--output",
        "json",
    ]);
    assert!(ok, "{stderr}");
    let ours: BTreeMap<String, String> =
        serde_json::from_str(&stdout).expect("json object of strings");

    let mut case = Case::new("helmctl-template", &chart);
    case.values_yaml = vec![std::fs::read_to_string(&values).expect("values")];
    case.release_name = "web".into();
    case.namespace = "shop-prod".into();
    case.kube_version = Some("v1.29.3".into());
    case.api_versions = vec!["example.com/v9".into()];
    case.is_install = false;
    case.is_upgrade = true;
    let helm = helm_render_batch(&[case])
        .remove(0)
        .expect("Helm renders the chart");
    assert_eq!(ours, helm);
    assert!(
        ours["shop/templates/deployment.yaml"].contains("replicas: 1e+06"),
        "values numbers print like Go"
    );
}

#[test]
fn template_errors_exit_non_zero_with_helms_message() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("broken");
    write(
        &chart,
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
            ),
            (
                "templates/cm.yaml",
                "a: {{ required \"db.host is required\" .Values.db }}\n",
            ),
        ],
    );
    let (ok, _, stderr) = helmctl(&[
        "template",
        "x",
        chart.to_str().expect("utf-8"),
        "-o",
        "json",
    ]);
    assert!(!ok);
    let helm = helm_render_batch(&[Case::new("broken", &chart)])
        .remove(0)
        .expect_err("Helm fails too");
    assert!(
        stderr.contains(&helm),
        "helmctl said {stderr:?}, Helm said {helm:?}"
    );
}

#[test]
fn template_yaml_output_says_it_is_not_built_yet() {
    let dir = tempfile::tempdir().expect("dir");
    write(&dir.path().join("c"), CHART);
    let (ok, stdout, stderr) = helmctl(&[
        "template",
        "x",
        dir.path().join("c").to_str().expect("utf-8"),
    ]);
    assert!(!ok);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("--output yaml is not built yet"),
        "{stderr}"
    );
}
