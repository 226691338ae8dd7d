//! `helmctl template`: renders a chart offline and prints `{template path: text}` exactly
//! as Helm v4 (the oracle) renders it.

use std::collections::BTreeMap;
use std::path::Path;

use helmd_oracle::{Case, helm_render_batch};

use crate::fixtures::{helmctl, write_files as write};

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

/// Packs a chart directory into a .tgz the way `helm package` lays it out.
fn package(chart: &Path, name: &str, to: &Path) {
    let file = std::fs::File::create(to).expect("archive file");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::default(),
    ));
    builder.append_dir_all(name, chart).expect("pack");
    builder.into_inner().expect("tar").finish().expect("gzip");
}

#[test]
fn a_packaged_chart_renders_like_its_directory_in_helm() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("shop");
    write(&chart, CHART);
    let archive = dir.path().join("shop-1.2.3.tgz");
    package(&chart, "shop", &archive);
    let (ok, stdout, stderr) = helmctl(&[
        "template",
        "web",
        archive.to_str().expect("utf-8"),
        "-o",
        "json",
    ]);
    assert!(ok, "{stderr}");
    let ours: BTreeMap<String, String> = serde_json::from_str(&stdout).expect("json");
    let mut case = Case::new("packaged", &chart);
    case.release_name = "web".into();
    let helm = helm_render_batch(&[case])
        .remove(0)
        .expect("Helm renders the chart");
    assert_eq!(ours, helm);
}

#[test]
fn an_archive_escaping_its_directory_is_refused_with_helms_message() {
    let dir = tempfile::tempdir().expect("dir");
    let archive = dir.path().join("evil.tgz");
    let file = std::fs::File::create(&archive).expect("archive file");
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::default(),
    ));
    let mut header = tar::Header::new_gnu();
    let name = b"evil/../../outside.yaml";
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_size(2);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append(&header, &b"x\n"[..]).expect("append");
    builder.into_inner().expect("tar").finish().expect("gzip");
    let (ok, _, stderr) = helmctl(&[
        "template",
        "x",
        archive.to_str().expect("utf-8"),
        "-o",
        "json",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("chart illegally references parent directory"),
        "{stderr}"
    );
}

/// `helm template` with and without `--enable-dns` (the real Helm 4.3 CLI):
/// `getHostByName` resolves only when asked; `lookup` stays offline.
#[test]
fn template_enable_dns_resolves_names_like_helm() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("dns");
    write(
        &chart,
        &[
            ("Chart.yaml", "apiVersion: v2\nname: dns\nversion: 0.1.0\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dns\ndata:\n  localhost: {{ getHostByName \"localhost\" | quote }}\n  literal: {{ getHostByName \"10.1.2.3\" | quote }}\n  lookup: {{ lookup \"v1\" \"ConfigMap\" \"default\" \"x\" | toJson | quote }}\n",
            ),
        ],
    );
    let chart = chart.to_str().expect("utf-8");
    for flags in [&["--enable-dns"][..], &[][..]] {
        let mut args = vec!["template", "web", chart];
        args.extend_from_slice(flags);
        let (ok, ours, stderr) = helmctl(&args);
        assert!(ok, "{stderr}");
        let theirs = crate::fixtures::helm_cli("helm4", dir.path())
            .args(&args)
            .output()
            .expect("run helm");
        assert!(
            theirs.status.success(),
            "{}",
            String::from_utf8_lossy(&theirs.stderr)
        );
        // Sprig picks one of the name's addresses at random: where the hosts file
        // gives localhost both, either loopback address is Helm's answer.
        let loopback = |s: &str| s.replace("localhost: \"::1\"", "localhost: \"127.0.0.1\"");
        let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
        assert_eq!(loopback(&ours), loopback(&theirs), "{flags:?}");
        assert_eq!(
            loopback(&ours).contains("localhost: \"127.0.0.1\""),
            !flags.is_empty(),
            "{ours}"
        );
    }
}

const HOOKED: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        "apiVersion: v2\nname: hooked\nversion: 0.1.0\n",
    ),
    (
        "templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
    ),
    (
        "templates/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pre\n  annotations:\n    \"helm.sh/hook\": pre-install\n",
    ),
    (
        "templates/tests/check.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: check\n  annotations:\n    \"helm.sh/hook\": test\n",
    ),
    ("templates/empty.yaml", "{{- /* nothing */ -}}\n"),
    ("templates/NOTES.txt", "installed\n"),
];

/// `-o json` under `--show-only`, `--no-hooks` and `--skip-tests`: exactly the files
/// whose documents the manifest stream prints with the same flags.
#[test]
fn json_output_keeps_only_the_files_the_filters_show() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("hooked");
    write(&chart, HOOKED);
    let chart = chart.to_str().expect("utf-8").to_owned();
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &[],
            &[
                "NOTES.txt",
                "cm.yaml",
                "empty.yaml",
                "job.yaml",
                "tests/check.yaml",
            ],
        ),
        (&["--show-only", "templates/cm.yaml"], &["cm.yaml"]),
        (&["--no-hooks"], &["cm.yaml"]),
        (
            &["--skip-tests", "--show-only", "templates/*.yaml"],
            &["cm.yaml", "job.yaml"],
        ),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["template", "x", chart.as_str()];
        args.extend_from_slice(flags);
        let (ok, stream, stderr) = helmctl(&args);
        assert!(ok, "{stderr}");
        args.extend_from_slice(&["-o", "json"]);
        let (ok, json, stderr) = helmctl(&args);
        assert!(ok, "{stderr}");
        let files: BTreeMap<String, String> = serde_json::from_str(&json).expect("json");
        let names: Vec<&str> = files
            .keys()
            .map(|k| k.strip_prefix("hooked/templates/").expect("template path"))
            .collect();
        assert_eq!(names, expected, "{flags:?}");
        if !flags.is_empty() {
            for key in files.keys() {
                assert!(
                    stream.contains(&format!("# Source: {key}\n")),
                    "{key}: {stream}"
                );
            }
        }
    }
    let (ok, _, stderr) = helmctl(&[
        "template",
        "x",
        &chart,
        "-s",
        "templates/none.yaml",
        "-o",
        "json",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("could not find template templates/none.yaml in chart"),
        "{stderr}"
    );
}
