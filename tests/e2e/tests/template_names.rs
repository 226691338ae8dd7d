//! Release names and namespaces as `helm template` takes them: Helm's name rule and
//! words (helmctl and RenderChart), `release-name` when NAME is left out, an empty
//! namespace read as `default`, comma-separated `--api-versions`.

use helmd_client::proto::*;
use tonic::Code;
use tonic_types::StatusExt;

use crate::common::{assert_error, client};
use crate::fixtures::{Helmctl, pack, write_files};

const CHART: &[(&str, &str)] = &[
    ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
    (
        "templates/t.yaml",
        "name: {{ .Release.Name }}\nns: {{ .Release.Namespace }}\n\
         b: {{ .Capabilities.APIVersions.Has \"b/v2\" }}\n",
    ),
];

const HELM_RULE: &str = "invalid release name, must match regex \
    ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ \
    and the length must not be longer than 53";

#[test]
fn helmctl_template_checks_release_names_with_helms_words() {
    let dir = tempfile::tempdir().expect("dir");
    write_files(dir.path(), CHART);
    let chart = dir.path().display().to_string();
    let helmctl = Helmctl::new();
    let long = "a".repeat(54);
    for name in ["Foo_Bar", long.as_str()] {
        let (ok, _, stderr) = helmctl.run(&["template", name, &chart], None);
        assert!(!ok);
        let expected = format!("release name check failed: release name {name:?}: {HELM_RULE}");
        assert!(stderr.contains(&expected), "{stderr}");
    }
    let (ok, _, stderr) = helmctl.run(&["template", "", &chart], None);
    assert!(!ok);
    assert!(
        stderr.contains("release name check failed: release name \"\": no name provided"),
        "{stderr}"
    );
}

#[test]
fn helmctl_template_takes_helms_defaults_for_name_namespace_and_api_versions() {
    let dir = tempfile::tempdir().expect("dir");
    write_files(dir.path(), CHART);
    let chart = dir.path().display().to_string();
    let helmctl = Helmctl::new();
    let out = helmctl.ok(
        &["template", &chart, "-n", "", "--api-versions", "a/v1,b/v2"],
        None,
    );
    assert!(
        out.contains("name: release-name\nns: default\nb: true\n"),
        "{out}"
    );
}

#[tokio::test]
async fn render_chart_refuses_invalid_release_names_with_a_field_violation() {
    let helmd = helmd_test_support::Helmd::start(Default::default())
        .await
        .expect("helmd");
    let c = client(&helmd).await.expect("client");
    let status = c
        .charts()
        .render_chart(RenderChartRequest {
            chart: Some(ChartReference {
                source: Some(chart_reference::Source::Uploaded(UploadedChart {
                    archive: pack("c", CHART.iter().copied()).into(),
                })),
            }),
            release_name: "Foo_Bar".into(),
            ..Default::default()
        })
        .await
        .expect_err("invalid name");
    assert_error(&status, Code::InvalidArgument, "REQUEST_INVALID");
    let bad = status.get_details_bad_request().expect("bad request");
    assert_eq!(bad.field_violations[0].field, "release_name");
    assert_eq!(bad.field_violations[0].description, HELM_RULE);
}
