//! `helmctl lint PATH...`: Helm v4's `helm lint`, run locally through
//! `helmd_render::lint`. Prints what `helm lint` prints (`==> Linting PATH`, one
//! `[SEVERITY] path: message` line per finding, `N chart(s) linted, M chart(s)
//! failed`) and exits non-zero when a chart failed; `--output json` prints the
//! findings as JSON.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use helmd_render::ArchiveLimits;
use helmd_render::lint::{ChartFiles, ChartLint, LintOptions, Severity, lint};
use serde_json::json;

use crate::values::ValuesArgs;

/// Options of `helmctl lint`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Chart directories or packaged charts (`.tgz`); the current directory when none.
    paths: Vec<String>,
    #[command(flatten)]
    values: ValuesArgs,
    /// Fail on lint warnings.
    #[arg(long)]
    strict: bool,
    /// Namespace the templates see (`.Release.Namespace`).
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Kubernetes version used for capabilities and deprecation checks.
    #[arg(long, value_name = "VERSION")]
    kube_version: Option<String>,
    /// Lint dependent charts (every chart under `charts/`) too.
    #[arg(long)]
    with_subcharts: bool,
    /// Print only warnings and errors.
    #[arg(long)]
    quiet: bool,
    /// Do not validate values against `values.schema.json`.
    #[arg(long)]
    skip_schema_validation: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = LintOutput::Text)]
    output: LintOutput,
}

/// How findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LintOutput {
    /// What `helm lint` prints.
    Text,
    /// `{"passed", "charts": [{"path", "chart", "failed", "error", "findings"}]}`.
    Json,
}

/// Lints every path; exit status 1 when a chart failed.
pub fn run(args: &LintArgs) -> Result<ExitCode> {
    let values = args.values.user_values()?;
    let opts = LintOptions {
        namespace: args.namespace.clone(),
        kube_version: args.kube_version.clone(),
        strict: args.strict,
        with_subcharts: args.with_subcharts,
        skip_schema_validation: args.skip_schema_validation,
        ..LintOptions::default()
    };
    let paths = if args.paths.is_empty() {
        vec![".".to_owned()]
    } else {
        args.paths.clone()
    };
    let mut charts = Vec::new();
    for path in &paths {
        let files = read(path)?;
        charts.extend(lint(&files, path, &values, &opts)?);
    }
    let failed = charts.iter().filter(|c| c.failed(args.strict)).count();
    if args.output == LintOutput::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&charts, args.strict))?
        );
    } else {
        print_text(&charts, args, failed);
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A chart directory as it is on disk, or a packaged chart expanded; a path
/// that does not exist reads as an empty tree (Helm then reports no chart).
fn read(path: &str) -> Result<ChartFiles> {
    let p = Path::new(path);
    let packaged = path.ends_with(".tgz") || path.ends_with(".tar.gz");
    if packaged && p.is_file() {
        let archive = std::fs::read(p).with_context(|| format!("reading {path}"))?;
        let (_, files) = ChartFiles::from_archive(&archive, ArchiveLimits::default())
            .with_context(|| format!("unable to extract tarball {path}"))?;
        return Ok(files);
    }
    if !p.is_dir() {
        return Ok(ChartFiles {
            not_a_directory: p.exists(),
            ..ChartFiles::default()
        });
    }
    Ok(ChartFiles::from_dir(p)?)
}

/// `helm lint`'s text: each chart's block, then the summary (on stderr as
/// `Error: ...` when a chart failed, as Helm returns it as its error).
fn print_text(charts: &[ChartLint], args: &LintArgs, failed: usize) {
    let mut out = String::new();
    let mut noisy = 0;
    for chart in charts {
        let loud = chart.error.is_some() || chart.has_warnings_or_errors();
        if loud {
            noisy += 1;
        }
        if args.quiet && !loud {
            continue;
        }
        out.push_str(&format!("==> Linting {}\n", chart.path));
        if chart.findings.is_empty()
            && let Some(error) = &chart.error
        {
            out.push_str(&format!("Error {error}\n"));
        }
        for finding in &chart.findings {
            if !args.quiet || finding.severity > Severity::Info {
                out.push_str(&format!("{finding}\n"));
            }
        }
        out.push('\n');
    }
    print!("{out}");
    let summary = format!("{} chart(s) linted, {failed} chart(s) failed", charts.len());
    if failed > 0 {
        eprintln!("Error: {summary}");
    } else if !args.quiet || noisy > 0 {
        println!("{summary}");
    }
}

fn to_json(charts: &[ChartLint], strict: bool) -> serde_json::Value {
    let charts: Vec<_> = charts
        .iter()
        .map(|c| {
            json!({
                "path": c.path,
                "chart": c.chart,
                "failed": c.failed(strict),
                "error": c.error,
                "findings": c.findings.iter().map(|f| json!({
                    "severity": f.severity.name(),
                    "path": f.path,
                    "message": f.message,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "passed": !charts.iter().any(|c| c["failed"] == json!(true)),
        "charts": charts,
    })
}
