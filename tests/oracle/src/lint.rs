//! Runs `lint_oracle.py`: what Helm v4's `helm lint` finds for the lint cases
//! in `tests/charts/lint/cases.yaml`, and the same lint by helmd, both
//! printed as `helm lint` prints them so a difference reads as a diff.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::oracle::run_python;

/// One lint case: a chart directory under `tests/charts/lint` and the options.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LintCase {
    /// The chart directory's name under `tests/charts/lint`.
    pub chart: String,
    /// A name telling cases of one chart apart (default: the chart's).
    #[serde(default)]
    pub name: Option<String>,
    /// Values documents, as `-f` files in order.
    #[serde(default)]
    pub values: Vec<String>,
    /// `--strict`.
    #[serde(default)]
    pub strict: bool,
    /// `--namespace` (empty: `default`).
    #[serde(default)]
    pub namespace: String,
    /// `--kube-version`.
    #[serde(default)]
    pub kube_version: Option<String>,
    /// `--with-subcharts`.
    #[serde(default)]
    pub with_subcharts: bool,
    /// `--skip-schema-validation`.
    #[serde(default)]
    pub skip_schema_validation: bool,
}

impl LintCase {
    /// The case's name.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.chart)
    }

    /// The chart directory (absolute).
    pub fn path(&self) -> PathBuf {
        lint_dir().join(&self.chart)
    }

    /// The namespace the lint renders with.
    pub fn namespace(&self) -> &str {
        if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }
}

/// `tests/charts/lint`.
pub fn lint_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../charts/lint");
    dir.canonicalize().unwrap_or(dir)
}

/// The cases of `tests/charts/lint/cases.yaml`.
pub fn lint_cases() -> Result<Vec<LintCase>> {
    let path = lint_dir().join("cases.yaml");
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
        path: path.clone(),
        source,
    })?;
    serde_norway::from_str(&text).map_err(|source| Error::Spec { path, source })
}

#[derive(Serialize)]
struct Request {
    path: String,
    values_yaml: Vec<String>,
    strict: bool,
    namespace: String,
    kube_version: Option<String>,
    with_subcharts: bool,
    skip_schema_validation: bool,
}

#[derive(Deserialize)]
struct Message {
    severity: u8,
    path: String,
    error: String,
}

#[derive(Deserialize)]
struct ChartReport {
    path: String,
    messages: Vec<Message>,
    errors: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Reply {
    Ok(Vec<ChartReport>),
    Error(String),
}

/// Lints each case with Helm; per case, `helm lint`'s text (see [`lint_text`]).
pub fn helm_lint_batch(cases: &[LintCase]) -> Result<Vec<String>> {
    let requests: Vec<Request> = cases
        .iter()
        .map(|c| Request {
            path: c.path().to_string_lossy().into_owned(),
            values_yaml: c.values.clone(),
            strict: c.strict,
            namespace: c.namespace().to_string(),
            kube_version: c.kube_version.clone(),
            with_subcharts: c.with_subcharts,
            skip_schema_validation: c.skip_schema_validation,
        })
        .collect();
    let input = serde_json::to_vec(&requests).map_err(|e| Error::Oracle(e.to_string()))?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("lint_oracle.py");
    let out = run_python(&script, &[], &input)?;
    if !out.status.success() {
        return Err(Error::Oracle(format!(
            "lint oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let replies: Vec<Reply> = serde_json::from_slice(&out.stdout)
        .map_err(|e| Error::Oracle(format!("lint oracle output: {e}")))?;
    Ok(replies
        .into_iter()
        .map(|r| match r {
            Reply::Error(e) => format!("Error: {e}\n"),
            Reply::Ok(charts) => charts
                .iter()
                .map(|c| {
                    let findings: Vec<String> = c
                        .messages
                        .iter()
                        .map(|m| {
                            let sev = match m.severity {
                                1 => "INFO",
                                2 => "WARNING",
                                3 => "ERROR",
                                _ => "UNKNOWN",
                            };
                            format!("[{sev}] {}: {}", m.path, m.error)
                        })
                        .collect();
                    let errors = if c.messages.is_empty() {
                        c.errors.clone()
                    } else {
                        Vec::new()
                    };
                    lint_text(&c.path, &findings, &errors, !c.errors.is_empty())
                })
                .collect(),
        })
        .collect())
}

/// One chart's lint as `helm lint` prints it, plus whether it failed.
pub fn lint_text(path: &str, findings: &[String], errors: &[String], failed: bool) -> String {
    let mut out = format!("==> Linting {path}\n");
    for e in errors {
        out.push_str(&format!("Error {e}\n"));
    }
    for f in findings {
        out.push_str(f);
        out.push('\n');
    }
    out.push_str(if failed { "(failed)\n" } else { "(passed)\n" });
    out
}

/// Lints `case` with helmd, printed like [`helm_lint_batch`]'s.
pub fn helmd_lint(case: &LintCase) -> String {
    let path = case.path().to_string_lossy().into_owned();
    let values = match helmd_render::merge_user_values(&case.values) {
        Ok(v) => v,
        Err(e) => return format!("Error: {e}\n"),
    };
    let files = match helmd_render::lint::ChartFiles::from_dir(&case.path()) {
        Ok(f) => f,
        Err(e) => return format!("Error: {e}\n"),
    };
    let opts = helmd_render::lint::LintOptions {
        namespace: case.namespace().to_string(),
        kube_version: case.kube_version.clone(),
        strict: case.strict,
        with_subcharts: case.with_subcharts,
        skip_schema_validation: case.skip_schema_validation,
        ..Default::default()
    };
    match helmd_render::lint::lint(&files, &path, &values, &opts) {
        Err(e) => format!("Error: {e}\n"),
        Ok(charts) => charts
            .iter()
            .map(|c| {
                let findings: Vec<String> = c.findings.iter().map(ToString::to_string).collect();
                let errors: Vec<String> = c.error.iter().cloned().collect();
                lint_text(&c.path, &findings, &errors, c.failed(case.strict))
            })
            .collect(),
    }
}
