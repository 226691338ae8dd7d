//! LintChart on a fetched archive: Helm v4's `helm lint` through
//! `helmd_render::lint`. Findings are data (a chart that breaks rules is an OK
//! response with `passed` false); only an archive that holds no chart, or bad
//! options, is an error. Synchronous: callers run it on a blocking thread.

use helmd_proto::v1 as pb;
use helmd_render::lint::{ChartFiles, ChartLint, LintOptions, Severity, lint_named};
use helmd_render::{ArchiveLimits, Error as RenderError};

use super::chart_render::{Archive, user_values};
use crate::error::{Error, Result};

/// A LintChartRequest with its chart fetched.
pub struct LintInput {
    /// The chart.
    pub archive: Archive,
    /// The request's values.
    pub values: Option<pb::Values>,
    /// strict, namespace, kube_version, with_subcharts, skip_schema_validation.
    pub options: LintOptions,
}

/// The lint options of a request (empty namespace: `default`; empty
/// Kubernetes version: the engine's default).
pub fn options(req: &pb::LintChartRequest) -> LintOptions {
    LintOptions {
        namespace: if req.namespace.is_empty() {
            "default".to_owned()
        } else {
            req.namespace.clone()
        },
        kube_version: (!req.kube_version.is_empty()).then(|| req.kube_version.clone()),
        strict: req.strict,
        with_subcharts: req.with_subcharts,
        skip_schema_validation: req.skip_schema_validation,
        ..LintOptions::default()
    }
}

/// Lints like `helm lint` on the expanded archive.
pub fn lint(input: LintInput) -> Result<pb::LintChartResponse> {
    let field = input.archive.field;
    let chart_input = |source: RenderError| Error::ChartInput {
        field: field.to_owned(),
        source,
    };
    let (name, files) = ChartFiles::from_archive(&input.archive.bytes, ArchiveLimits::default())
        .map_err(chart_input)?;
    let values = user_values(input.values)?;
    let charts = lint_named(&files, &name, &name, &values, &input.options).map_err(|source| {
        Error::ChartInput {
            field: "kube_version".to_owned(),
            source,
        }
    })?;
    // A lint stopped part-way has findings about its own interruption: report the stop.
    if let Some(stopped) = input.options.interrupt.stopped() {
        return Err(Error::Render(RenderError::Stopped(stopped)));
    }
    if let Some(error) = charts.first().and_then(|c| c.error.clone()) {
        return Err(chart_input(RenderError::Chart(helmd_chart::Error::Chart(
            error,
        ))));
    }
    let passed = !charts.iter().any(|c| c.failed(input.options.strict));
    Ok(pb::LintChartResponse {
        passed,
        findings: charts.iter().flat_map(findings).collect(),
    })
}

/// One chart's findings; a subchart that is no chart becomes one ERROR finding.
fn findings(chart: &ChartLint) -> Vec<pb::LintFinding> {
    let error = chart.error.iter().map(|message| pb::LintFinding {
        severity: pb::LintSeverity::Error.into(),
        path: String::new(),
        message: message.clone(),
        chart: chart.chart.clone(),
    });
    let found = chart.findings.iter().map(|f| pb::LintFinding {
        severity: severity(f.severity).into(),
        path: f.path.clone(),
        message: f.message.clone(),
        chart: chart.chart.clone(),
    });
    error.chain(found).collect()
}

fn severity(s: Severity) -> pb::LintSeverity {
    match s {
        Severity::Info => pb::LintSeverity::Info,
        Severity::Warning => pb::LintSeverity::Warning,
        Severity::Error => pb::LintSeverity::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive(files: &[(&str, &str)]) -> Archive {
        let mut tar = tar::Builder::new(Vec::new());
        for (path, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            tar.append_data(&mut header, path, text.as_bytes())
                .expect("append");
        }
        let tarred = tar.into_inner().expect("tar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tarred).expect("gzip");
        Archive {
            bytes: gz.finish().expect("gzip").into(),
            field: "chart.uploaded.archive",
        }
    }

    fn check(files: &[(&str, &str)], strict: bool) -> Result<pb::LintChartResponse> {
        let req = pb::LintChartRequest {
            strict,
            ..Default::default()
        };
        lint(LintInput {
            archive: archive(files),
            values: None,
            options: options(&req),
        })
    }

    #[test]
    fn a_chart_with_errors_is_an_ok_response_that_did_not_pass() {
        let got = check(
            &[
                (
                    "shop/Chart.yaml",
                    "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
                ),
                ("shop/values.yaml", "a: [\n"),
            ],
            false,
        )
        .expect("lint");
        assert!(!got.passed);
        assert_eq!(got.findings[0].message, "icon is recommended");
        assert_eq!(got.findings[1].path, "values.yaml");
        assert_eq!(got.findings[1].severity, i32::from(pb::LintSeverity::Error));
    }

    #[test]
    fn warnings_fail_only_with_strict() {
        let files = [
            (
                "shop/Chart.yaml",
                "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
            ),
            ("shop/values.yaml", "a: 1\n"),
        ];
        assert!(check(&files, false).expect("lint").passed);
        assert!(!check(&files, true).expect("lint").passed);
    }

    #[test]
    fn an_archive_without_chart_yaml_is_invalid_input() {
        let err = check(&[("x/values.yaml", "a: 1\n")], false).expect_err("no chart");
        assert!(matches!(err, Error::ChartInput { .. }), "{err:?}");
    }
}
