//! What the conformance sweep found (tests/oracle/FINDINGS.md, "Conformance sweep"),
//! each against the real `helm template` of Helm 4.3.2: templates of a chart share one
//! top-level map, flow collections indented at or left of their key, library charts
//! refused (by helmctl, RenderChart and InstallRelease alike), and a values schema
//! referring to a remote document failing in jsonschema's frame without a fetch.

use std::path::Path;

use helmd_client::proto::*;
use tonic::Code;

use crate::common::{assert_error, client};
use crate::fixtures::{self, HelmOutcome, helm_and_helmctl, write_files};

/// `template rel ./c` by Helm v4 and by helmctl, from `dir`.
fn both(dir: &Path, files: &[(&str, &str)]) -> (HelmOutcome, HelmOutcome) {
    let root = dir.join("c");
    let _ = std::fs::remove_dir_all(&root);
    write_files(&root, files);
    helm_and_helmctl(dir, &["template", "rel", "./c"], None)
}

/// Both render, and print the same.
fn assert_same_output(files: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let (helm, ours) = both(dir.path(), files);
    assert!(helm.0, "Helm failed: {}", helm.2);
    assert_eq!(ours, helm);
    helm.1
}

#[test]
fn templates_of_a_chart_share_one_map_in_helms_order() {
    let out = assert_same_output(&[
        ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
        ("values.yaml", "original: true\nsub: {x: 1}\n"),
        (
            "templates/b.yaml",
            "{{- $_ := set . \"Values\" (dict \"replaced\" \"by b\" \"sub\" .Values.sub) -}}\n\
             {{- $_ := set . \"Extra\" \"from b\" -}}\n\
             kind: ConfigMap\nmetadata: {name: b}\n",
        ),
        (
            "templates/a.yaml",
            "kind: ConfigMap\nmetadata: {name: a}\ndata:\n  seen: \"{{ .Values.replaced }} {{ .Extra }} {{ .Values.original | default \"unset\" }} {{ .Values.sub.fromSub }}\"\n",
        ),
        (
            "charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        (
            "charts/sub/templates/s.yaml",
            "{{- $_ := set .Values \"fromSub\" \"s\" -}}\nkind: ConfigMap\nmetadata: {name: s}\n",
        ),
    ]);
    assert!(out.contains("seen: \"by b from b unset s\""), "{out}");
}

#[test]
fn flow_collections_at_their_keys_indentation_read_like_helm() {
    let out = assert_same_output(&[
        ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
        ("values.yaml", "args: [\n  \"server\",\n  \"-dev\"\n]\n"),
        (
            "templates/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: flow\nspec:\n  containers:\n    \
             - name: app\n      command: [\n          \"sh\",\n          \"-c\", 'echo hi'\n      ]\n      \
             args: {{ toJson .Values.args }}\n    - name: other\n      command: [ \"/bin/sh\",\n      \
             \"-ce\",\n      \"true\" ]\n      env: [{name: A,\n    value: b}\n  ]\n",
        ),
    ]);
    assert!(out.contains("args: [\"server\",\"-dev\"]"), "{out}");
}

const LIBRARY: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\ntype: library\n",
    ),
    (
        "templates/_helpers.tpl",
        "{{- define \"lib.name\" -}}lib{{- end -}}\n",
    ),
];

#[tokio::test]
async fn a_library_chart_is_refused_like_helm_by_template_render_and_install() {
    let dir = tempfile::tempdir().expect("dir");
    let (helm, ours) = both(dir.path(), LIBRARY);
    assert!(!helm.0);
    assert_eq!(helm.2, "library charts are not installable");
    assert_eq!(ours, helm);

    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let chart = Some(ChartReference {
        source: Some(chart_reference::Source::Uploaded(UploadedChart {
            archive: fixtures::pack("c", LIBRARY.iter().copied()).into(),
        })),
    });
    let status = c
        .charts()
        .render_chart(RenderChartRequest {
            chart: chart.clone(),
            ..Default::default()
        })
        .await
        .expect_err("library chart rendered");
    assert_error(&status, Code::InvalidArgument, "CHART_INVALID");
    assert_eq!(status.message(), helm.2);

    let status = match c
        .releases()
        .install_release(InstallReleaseRequest {
            name: "lib".into(),
            namespace: "default".into(),
            chart,
            ..Default::default()
        })
        .await
    {
        Ok(_) => panic!("library chart installed"),
        Err(status) => status,
    };
    assert_error(&status, Code::InvalidArgument, "CHART_INVALID");
    assert_eq!(status.message(), helm.2);
}

/// The whole error text `template rel DIR` prints, by Helm v4 and by helmctl (`None`
/// when it renders).
fn errors_of(dir: &Path) -> (Option<String>, Option<String>) {
    let home = tempfile::tempdir().expect("home");
    let helm = fixtures::helm_cli("helm4", home.path())
        .args(["template", "rel"])
        .arg(dir)
        .output()
        .expect("run helm");
    let helm = (!helm.status.success()).then(|| {
        let text = String::from_utf8_lossy(&helm.stderr).into_owned();
        text.trim_start_matches("Error: ").trim_end().to_owned()
    });
    let (ok, _, stderr) = fixtures::helmctl(&["template", "rel", dir.to_str().expect("utf-8")]);
    let ours = (!ok).then(|| {
        stderr
            .trim_start_matches("Error: ")
            .trim_start_matches("helmctl: error: ")
            .trim_end()
            .to_owned()
    });
    (helm, ours)
}

#[test]
fn a_remote_schema_reference_fails_in_helms_frame_without_a_fetch() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = |name: &str, reference: &str| {
        let root = dir.path().join(name);
        write_files(
            &root,
            &[
                ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
                ("values.yaml", "a: 1\n"),
                (
                    "values.schema.json",
                    &format!("{{\"properties\": {{\"a\": {{\"$ref\": \"{reference}\"}}}}}}"),
                ),
                ("templates/a.yaml", "a: {{ .Values.a }}\n"),
            ],
        );
        root
    };
    // Nothing answers at `.invalid` (RFC 2606): Helm's fetch fails, helmd fetches
    // nothing; a relative reference is a file at the root of Helm's disk.
    for (name, reference) in [
        ("remote", "https://schemas.invalid/defs.json#/a"),
        ("relative", "defs.json"),
    ] {
        let (helm, ours) = errors_of(&chart(name, reference));
        let (helm, ours) = (helm.expect("Helm fails"), ours.expect("helmctl fails"));
        // Helm's frame up to `failing loading "URL": `; after it each one's cause.
        let frame = |e: &str| e.split_once("\": ").map(|(head, _)| head.to_owned());
        assert!(frame(&helm).is_some(), "{helm}");
        assert_eq!(frame(&ours), frame(&helm), "helmctl: {ours}\nHelm: {helm}");
        assert!(
            ours.ends_with("\": helmd does not load schema references from the network or disk"),
            "{ours}"
        );
    }
    // The meta-schemas are no fetch for either: the value breaks draft-07's root
    // schema (a number is neither boolean nor object) in the same words.
    let meta = chart("meta", "http://json-schema.org/draft-07/schema#");
    let (helm, ours) = errors_of(&meta);
    assert!(helm.is_some(), "Helm renders");
    assert_eq!(ours, helm);
}
