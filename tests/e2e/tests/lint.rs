//! ChartService.LintChart over real gRPC on the real helmd binary, and `helmctl
//! lint`: both find what Helm v4's `helm lint` finds (the oracle) for charts of
//! the lint corpus (`tests/charts/lint`), a chart with findings is an OK
//! response that did not pass, and an upload without Chart.yaml is CHART_INVALID.

use std::path::Path;

use helmd_client::proto::*;
use helmd_oracle::lint::{LintCase, helm_lint_batch, lint_dir};
use tonic::Code;

use crate::common::{assert_error, client};
use crate::fixtures;

/// Every file under `dir`, packed as `helm package` lays a chart out (under `name/`).
fn pack_dir(dir: &Path, name: &str) -> Vec<u8> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push((
                    rel.to_string_lossy().into_owned(),
                    std::fs::read(&path).expect("read"),
                ));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    fixtures::pack(name, files)
}

fn uploaded(archive: Vec<u8>) -> Option<ChartReference> {
    Some(ChartReference {
        source: Some(chart_reference::Source::Uploaded(UploadedChart {
            archive: archive.into(),
        })),
    })
}

/// Helm's lint text without the pass/fail marks the oracle adds per chart.
fn findings_text(helm: &str) -> String {
    helm.lines()
        .filter(|l| *l != "(failed)" && *l != "(passed)")
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Helm's text with the header of each chart that found nothing left out (a
/// response only carries findings).
fn charts_with_findings(text: &str) -> String {
    let mut out = String::new();
    let mut header = String::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("==> Linting ") {
            header = line.to_owned();
        } else {
            out.push_str(&std::mem::take(&mut header));
            out.push_str(line);
        }
    }
    out
}

/// A LintChart response as `helm lint` lists it, subcharts named under `root`.
fn response_text(root: &Path, response: &LintChartResponse) -> String {
    let mut out = String::new();
    let mut current: Option<&str> = None;
    for f in &response.findings {
        if current != Some(f.chart.as_str()) {
            let label = if f.chart.is_empty() {
                root.display().to_string()
            } else {
                root.join(&f.chart).display().to_string()
            };
            out.push_str(&format!("==> Linting {label}\n"));
            current = Some(f.chart.as_str());
        }
        let severity = match LintSeverity::try_from(f.severity) {
            Ok(LintSeverity::Info) => "INFO",
            Ok(LintSeverity::Warning) => "WARNING",
            Ok(LintSeverity::Error) => "ERROR",
            _ => "UNKNOWN",
        };
        out.push_str(&format!("[{severity}] {}: {}\n", f.path, f.message));
    }
    out
}

#[tokio::test]
async fn lint_chart_over_grpc_finds_what_helm_v4_finds() {
    let cases = vec![
        LintCase {
            chart: "schema".into(),
            values: vec!["port: 0\n".into()],
            ..Default::default()
        },
        LintCase {
            chart: "packaged-subchart".into(),
            with_subcharts: true,
            strict: true,
            namespace: "shop".into(),
            ..Default::default()
        },
        LintCase {
            chart: "good".into(),
            kube_version: Some("v1.30.0".into()),
            ..Default::default()
        },
    ];
    let helm = helm_lint_batch(&cases).expect("helm lint");
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    for (case, expected) in cases.iter().zip(&helm) {
        let response = c
            .charts()
            .lint_chart(LintChartRequest {
                chart: uploaded(pack_dir(&case.path(), &case.chart)),
                values: Some(Values {
                    yaml_documents: case.values.clone(),
                    ..Default::default()
                }),
                strict: case.strict,
                namespace: case.namespace.clone(),
                kube_version: case.kube_version.clone().unwrap_or_default(),
                with_subcharts: case.with_subcharts,
                skip_schema_validation: case.skip_schema_validation,
            })
            .await
            .expect("lint")
            .into_inner();
        let want = charts_with_findings(&findings_text(expected));
        assert!(
            case.chart == "good" || !response.findings.is_empty(),
            "case {} found nothing",
            case.name()
        );
        assert_eq!(
            response_text(&case.path(), &response),
            want,
            "case {}",
            case.name()
        );
        assert_eq!(
            response.passed,
            !expected.contains("(failed)\n"),
            "case {}",
            case.name()
        );
    }
}

#[tokio::test]
async fn lint_chart_of_an_upload_without_chart_yaml_is_chart_invalid() {
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let err = c
        .charts()
        .lint_chart(LintChartRequest {
            chart: uploaded(pack_dir(&lint_dir().join("not-a-chart"), "not-a-chart")),
            ..Default::default()
        })
        .await
        .expect_err("no chart");
    assert_error(&err, Code::InvalidArgument, "CHART_INVALID");
    assert!(
        err.message()
            .contains("unable to check Chart.yaml file in chart"),
        "{}",
        err.message()
    );
}

fn helmctl(args: &[&str]) -> (i32, String, String) {
    fixtures::Helmctl::new().exec(args, None)
}

#[test]
fn helmctl_lint_prints_what_helm_lint_prints_and_fails_on_failed_charts() {
    let strict = LintCase {
        chart: "deps-missing".into(),
        strict: true,
        ..Default::default()
    };
    let good = LintCase {
        chart: "no-icon".into(),
        ..Default::default()
    };
    let helm = helm_lint_batch(&[strict.clone(), good.clone()]).expect("helm lint");

    let path = good.path().display().to_string();
    let (code, stdout, stderr) = helmctl(&["lint", &path]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "{}\n1 chart(s) linted, 0 chart(s) failed\n",
            findings_text(&helm[1])
        )
    );

    let path = strict.path().display().to_string();
    let (code, stdout, stderr) = helmctl(&["lint", &path, "--strict"]);
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(stdout, format!("{}\n", findings_text(&helm[0])));
    assert_eq!(stderr, "Error: 1 chart(s) linted, 1 chart(s) failed\n");
    let (code, _, _) = helmctl(&["lint", &path]);
    assert_eq!(code, 0, "a warning fails only with --strict");

    let (code, json, _) = helmctl(&["lint", &path, "--strict", "-o", "json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["passed"], false);
    assert_eq!(json["charts"][0]["findings"][0]["severity"], "WARNING");
    assert_eq!(
        json["charts"][0]["findings"][0]["message"],
        "chart directory is missing these dependencies: cache"
    );
}
