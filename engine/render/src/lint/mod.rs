//! Helm v4's `helm lint`: the Chart.yaml, values, templates, dependencies
//! and CRD rules, run in Helm's order with Helm's paths and messages.
//!
//! Entry points: [`lint`] (a chart and, with `with_subcharts`, each chart
//! under its `charts/`) and [`lint_named`]. Findings are data: a chart that
//! breaks rules lints fine; only a tree without `Chart.yaml` is no chart.

mod chartfile;
mod deprecations;
mod docs;
mod input;
mod names;
mod rules;
mod templates;
mod urls;

use std::collections::BTreeMap;
use std::fmt;

use helmd_chart::Chart;
use helmd_yaml::{Str, Value};

pub use input::ChartFiles;

/// How serious a finding is (Helm's `support.*Sev`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// A note (`[INFO]`).
    Info = 1,
    /// Breaks a convention (`[WARNING]`); a failure with `strict`.
    Warning = 2,
    /// Will likely fail to install (`[ERROR]`).
    Error = 3,
}

impl Severity {
    /// `INFO`, `WARNING` or `ERROR`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
        }
    }
}

/// One finding: Helm prints it `[SEVERITY] path: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Severity.
    pub severity: Severity,
    /// The chart file or directory it is about (`Chart.yaml`, `templates/`, ...).
    pub path: String,
    /// Helm's message.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{}] {}: {}",
            self.severity.name(),
            self.path,
            self.message
        )
    }
}

/// Options of a lint (`helm lint`'s flags).
#[derive(Debug, Clone)]
pub struct LintOptions {
    /// `.Release.Namespace` of the lint render.
    pub namespace: String,
    /// Kubernetes version for `.Capabilities` and the deprecation check (default v1.36.0).
    pub kube_version: Option<String>,
    /// Warnings fail the chart too.
    pub strict: bool,
    /// Also lint every chart found under `charts/`.
    pub with_subcharts: bool,
    /// Do not check values against `values.schema.json`.
    pub skip_schema_validation: bool,
    /// Stops the lint's renders (see [`crate::Interrupt`]); the caller checks it after.
    pub interrupt: crate::Interrupt,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            namespace: "default".into(),
            kube_version: None,
            strict: false,
            with_subcharts: false,
            skip_schema_validation: false,
            interrupt: crate::Interrupt::default(),
        }
    }
}

/// The lint of one chart.
#[derive(Debug, Clone)]
pub struct ChartLint {
    /// The chart as named to the linter (`mychart`, `mychart/charts/sub`).
    pub path: String,
    /// The chart relative to the linted one: empty, or `charts/sub` for a subchart.
    pub chart: String,
    /// Findings in Helm's order.
    pub findings: Vec<Finding>,
    /// Set when the path holds no chart at all (Helm's
    /// `unable to check Chart.yaml file in chart: ...`).
    pub error: Option<String>,
}

impl ChartLint {
    /// Whether Helm counts the chart as failed: not a chart, an ERROR finding,
    /// or with `strict` a WARNING.
    pub fn failed(&self, strict: bool) -> bool {
        let lowest = if strict {
            Severity::Warning
        } else {
            Severity::Error
        };
        self.error.is_some() || self.findings.iter().any(|f| f.severity >= lowest)
    }

    /// Whether any finding is more than INFO.
    pub fn has_warnings_or_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity > Severity::Info)
    }
}

/// Lints the chart directory `path` (as given to `helm lint`; Helm names the
/// chart by its absolute path in the dependencies rule) whose files are `files`,
/// with user values already merged; with `with_subcharts`, every chart under
/// `charts/` follows, each linted alone with the same values, as `helm lint` does.
pub fn lint(
    files: &ChartFiles,
    path: &str,
    values: &BTreeMap<Str, Value>,
    opts: &LintOptions,
) -> crate::Result<Vec<ChartLint>> {
    lint_named(files, path, &go_abs(path), values, opts)
}

/// [`lint`] with the directory name the dependencies rule shows given
/// (a server names an uploaded chart without a directory of its own).
pub fn lint_named(
    files: &ChartFiles,
    path: &str,
    dir: &str,
    values: &BTreeMap<Str, Value>,
    opts: &LintOptions,
) -> crate::Result<Vec<ChartLint>> {
    let kube = kube_version(opts)?;
    let mut out = vec![lint_with(files, path, dir, values, opts, kube)];
    if opts.with_subcharts {
        for sub in files.subchart_paths() {
            let label = go_clean(&format!("{path}/{sub}"));
            let sub_dir = format!("{}/{sub}", dir.trim_end_matches('/'));
            let mut lint = if files.is_dir(&sub) {
                lint_with(&files.under(&sub), &label, &sub_dir, values, opts, kube)
            } else {
                lint_archive(files.files.get(&sub), &label, values, opts, kube)
            };
            lint.chart = sub;
            out.push(lint);
        }
    }
    Ok(out)
}

/// Go's `filepath.Abs`: the path joined to the working directory, cleaned.
pub(super) fn go_abs(path: &str) -> String {
    if path.starts_with('/') {
        return go_clean(path);
    }
    let cwd = std::env::current_dir()
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    go_clean(&format!("{cwd}/{path}"))
}

/// Go's `filepath.Clean` (lexical: `.` and `..` resolved, slashes collapsed).
fn go_clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The Kubernetes version the lint renders and checks deprecations with.
#[derive(Debug, Clone, Copy)]
struct Kube {
    major: u32,
    minor: u32,
}

fn kube_version(opts: &LintOptions) -> crate::Result<Kube> {
    let text = opts.kube_version.as_deref().unwrap_or("v1.36.0");
    let parsed = crate::objects::KubeVersion::parse(text)
        .map_err(|e| crate::Error::KubeVersion(format!("invalid kube version '{text}': {e}")))?;
    let (major, minor) = parsed.major_minor();
    Ok(Kube { major, minor })
}

/// A packaged subchart: Helm expands it and lints its top directory.
fn lint_archive(
    data: Option<&Vec<u8>>,
    path: &str,
    values: &BTreeMap<Str, Value>,
    opts: &LintOptions,
    kube: Kube,
) -> ChartLint {
    let read = data
        .ok_or_else(|| "archive is missing".to_string())
        .and_then(|d| {
            helmd_chart::read_chart_archive(d, helmd_chart::ArchiveLimits::default())
                .map_err(|e| format!("unable to extract tarball: {e}"))
        });
    match read {
        Ok(files) => {
            let dir = path.to_string();
            lint_with(
                &ChartFiles::from_files(files),
                path,
                &dir,
                values,
                opts,
                kube,
            )
        }
        Err(e) => ChartLint {
            path: path.to_string(),
            chart: String::new(),
            findings: Vec::new(),
            error: Some(e),
        },
    }
}

fn lint_with(
    files: &ChartFiles,
    path: &str,
    dir: &str,
    values: &BTreeMap<Str, Value>,
    opts: &LintOptions,
    kube: Kube,
) -> ChartLint {
    if !files.exists("Chart.yaml") {
        return ChartLint {
            path: path.to_string(),
            chart: String::new(),
            findings: Vec::new(),
            error: Some(format!(
                "unable to check Chart.yaml file in chart: stat {}/Chart.yaml: {}",
                go_clean(path),
                if files.not_a_directory {
                    "not a directory"
                } else {
                    "no such file or directory"
                }
            )),
        };
    }
    let mut linter = Linter {
        files,
        dir: dir.to_string(),
        findings: Vec::new(),
        loaded: None,
    };
    let mut values = values.clone();
    chartfile::lint(&mut linter);
    rules::values(&mut linter, &mut values, opts.skip_schema_validation);
    templates::lint(&mut linter, &values, opts, kube);
    rules::dependencies(&mut linter);
    rules::crds(&mut linter);
    ChartLint {
        path: path.to_string(),
        chart: String::new(),
        findings: linter.findings,
        error: None,
    }
}

/// One chart's lint in progress: what it reads and what it found.
struct Linter<'a> {
    files: &'a ChartFiles,
    /// The chart directory as Helm names it in the dependencies rule.
    dir: String,
    findings: Vec<Finding>,
    loaded: Option<Result<Chart, String>>,
}

impl Linter<'_> {
    /// Records `result` under `path` when it failed; true when it passed.
    fn rule(&mut self, severity: Severity, path: &str, result: Result<(), String>) -> bool {
        match result {
            Ok(()) => true,
            Err(message) => {
                self.findings.push(Finding {
                    severity,
                    path: path.to_string(),
                    message,
                });
                false
            }
        }
    }

    /// The chart as Helm's loader loads it (loaded once).
    fn chart(&mut self) -> Result<Chart, String> {
        if self.loaded.is_none() {
            self.loaded = Some(self.files.load());
        }
        self.loaded
            .clone()
            .unwrap_or_else(|| Err("chart not loaded".into()))
    }
}
