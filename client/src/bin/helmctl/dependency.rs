//! `helmctl dependency list|update|build CHART`: Helm's `helm dependency`, run locally.
//! `list` prints Helm's table of declared dependencies and their status in `charts/`;
//! `update` and `build` live in `dependency_update.rs`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use helmd_render::{ArchiveLimits, Chart, load_chart_archive, load_chart_dir};
use helmd_source::{Constraint, Version};

use crate::Connection;
use crate::dependency_update::{self, UpdateArgs};
use crate::local::LocalPaths;

/// `helmctl dependency`.
#[derive(Debug, Args)]
pub struct DependencyArgs {
    #[command(subcommand)]
    command: DependencyCommand,
}

#[derive(Debug, Subcommand)]
enum DependencyCommand {
    /// List the dependencies of a chart and their status in `charts/`.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Resolve Chart.yaml's dependencies to the newest matching versions, download
    /// them into `charts/` and write Chart.lock.
    #[command(alias = "up")]
    Update(UpdateArgs),
    /// Rebuild `charts/` from the exact versions in Chart.lock (an update when there
    /// is no lock).
    Build(UpdateArgs),
}

/// Options of `helmctl dependency list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// The chart directory or packaged chart.
    #[arg(default_value = ".")]
    chart: PathBuf,
    /// Output format: Helm's table, or the rows as JSON or YAML.
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    output: ListOutput,
}

/// `helm dependency list --output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListOutput {
    /// Helm's table and warnings.
    Table,
    /// `[{name, version, repository, status}]` as JSON.
    Json,
    /// The same as YAML.
    Yaml,
}

/// Helm's cap on a table column.
const MAX_COL_WIDTH: usize = 80;

/// Runs a `dependency` subcommand.
pub async fn run(conn: &Connection, paths: &LocalPaths, args: &DependencyArgs) -> Result<ExitCode> {
    match &args.command {
        DependencyCommand::List(list) => {
            let dir = crate::dependency_files::clean(&list.chart);
            let text = match list.output {
                ListOutput::Table => list_text(&dir)?,
                ListOutput::Json => list_json(&dir)?,
                ListOutput::Yaml => list_yaml(&dir)?,
            };
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
        DependencyCommand::Update(update) => {
            dependency_update::run(conn, paths, update, false).await
        }
        DependencyCommand::Build(build) => dependency_update::run(conn, paths, build, true).await,
    }
}

/// Loads the chart (a directory or a packaged chart) as Helm's `loader.Load` does.
fn load(path: &Path) -> Result<Chart> {
    let shown = crate::locate::clean(path).display().to_string();
    if path.is_dir() {
        return load_chart_dir(path).map_err(anyhow::Error::msg);
    }
    let bytes = crate::locate::read_archive(path, &shown)?;
    load_chart_archive(&bytes, ArchiveLimits::default()).map_err(anyhow::Error::msg)
}

/// Each declared dependency: name, version, repository, status.
fn rows(dir: &Path, chart: &Chart) -> Vec<[String; 4]> {
    let deps = chart.metadata.dependencies.as_deref().unwrap_or_default();
    deps.iter()
        .map(|dep| {
            [
                dep.name.clone(),
                dep.version.clone(),
                dep.repository.clone(),
                status(dir, &dep.name, &dep.version, chart).to_owned(),
            ]
        })
        .collect()
}

/// One row of Helm's `--output json|yaml`, fields in Helm's order.
#[derive(serde::Serialize)]
struct Element {
    name: String,
    version: String,
    repository: String,
    status: String,
}

/// The rows as Helm's `--output json|yaml` objects.
fn elements(dir: &Path) -> Result<Vec<Element>> {
    let chart = load(dir)?;
    Ok(rows(dir, &chart)
        .into_iter()
        .map(|[name, version, repository, status]| Element {
            name,
            version,
            repository,
            status,
        })
        .collect())
}

/// `--output json`: Go's encoder (HTML characters escaped), one line.
fn list_json(dir: &Path) -> Result<String> {
    let mut json = serde_json::to_string(&elements(dir)?)?
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    json.push('\n');
    Ok(json)
}

/// `--output yaml`: each element's keys sorted, as Helm's YAML encoder writes them.
fn list_yaml(dir: &Path) -> Result<String> {
    let json = serde_json::to_string(&elements(dir)?)?;
    let mut yaml = helmd_yaml::to_yaml(&helmd_yaml::parse_json(&json)?)?;
    if !yaml.ends_with('\n') {
        yaml.push('\n');
    }
    Ok(yaml)
}

/// What `helm dependency list` prints for `dir`.
pub fn list_text(dir: &Path) -> Result<String> {
    let chart = load(dir)?;
    let Some(deps) = chart.metadata.dependencies.as_ref() else {
        return Ok(format!(
            "WARNING: no dependencies at {}\n",
            dir.join("charts").display()
        ));
    };
    let mut table_rows = vec![[
        "NAME".to_owned(),
        "VERSION".to_owned(),
        "REPOSITORY".to_owned(),
        "STATUS".to_owned(),
    ]];
    table_rows.extend(rows(dir, &chart));
    let mut out = table(&table_rows, MAX_COL_WIDTH);
    out.push('\n');
    let names: Vec<&str> = deps.iter().map(|d| d.name.as_str()).collect();
    out.push_str(&not_declared(dir, &names));
    Ok(out)
}

/// gosuri/uitable's table as Helm prints it: tab-separated, every cell padded to its
/// column's widest cell, cells wider than `max` cut to `max` bytes ending in `...`.
fn table(rows: &[[String; 4]], max: usize) -> String {
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count().min(max))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &width)| resize(cell, width))
            .collect();
        out.push_str(&line.join("\t"));
        out.push('\n');
    }
    out
}

/// uitable's `Resize`: pad with spaces to `width`, or keep `width - 3` characters and
/// `...`.
fn resize(cell: &str, width: usize) -> String {
    let len = cell.chars().count();
    if len > width {
        let kept: String = cell.chars().take(width.saturating_sub(3)).collect();
        format!("{kept}...")
    } else {
        format!("{cell:<width$}")
    }
}

/// Helm's status of one declared dependency: an archive `charts/<name>-*.tgz` first,
/// then a loaded subchart of that name (`unpacked`), else `missing`.
fn status(dir: &Path, name: &str, constraint: &str, parent: &Chart) -> &'static str {
    let archives = matching_archives(&dir.join("charts"), name);
    let archive = match archives.len() {
        0 => None,
        1 => Some(&archives[0]),
        _ => {
            let prefix = format!("{name}-");
            let found: Vec<&PathBuf> = archives
                .iter()
                .filter(|a| {
                    a.file_name()
                        .and_then(|n| n.to_str())
                        .and_then(|n| n.strip_suffix(".tgz"))
                        .and_then(|n| n.strip_prefix(&prefix))
                        .and_then(Version::parse_strict)
                        .is_some()
                })
                .collect();
            match found.len() {
                0 => None,
                1 => Some(found[0]),
                _ => return "too many matches",
            }
        }
    };
    if let Some(archive) = archive {
        return archive_status(archive, name, constraint);
    }
    match parent.dependencies.iter().rfind(|c| c.name() == name) {
        None => "missing",
        Some(sub) => match version_status(&sub.metadata.version, constraint) {
            "ok" => "unpacked",
            other => other,
        },
    }
}

/// `charts/<name>-*.tgz`, sorted as Go's Glob returns them.
fn matching_archives(charts: &Path, name: &str) -> Vec<PathBuf> {
    let prefix = format!("{name}-");
    let mut found: Vec<PathBuf> = std::fs::read_dir(charts)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".tgz"))
        })
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

fn archive_status(archive: &Path, name: &str, constraint: &str) -> &'static str {
    let loaded = std::fs::read(archive)
        .ok()
        .and_then(|bytes| load_chart_archive(&bytes, ArchiveLimits::default()).ok());
    let Some(chart) = loaded else {
        return "corrupt";
    };
    if chart.name() != name {
        return "misnamed";
    }
    version_status(&chart.metadata.version, constraint)
}

/// `ok` when `version` equals `constraint` or satisfies it.
fn version_status(version: &str, constraint: &str) -> &'static str {
    if version == constraint {
        return "ok";
    }
    let (Ok(constraint), Some(version)) = (helm_constraint(constraint), Version::parse(version))
    else {
        return "invalid version";
    };
    if constraint.matches(&version) {
        "ok"
    } else {
        "wrong version"
    }
}

/// Helm's warnings for entries of `charts/` (directories and `.tgz` files) that are not
/// charts or not declared.
fn not_declared(dir: &Path, names: &[&str]) -> String {
    let charts = dir.join("charts");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&charts)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    let mut out = String::new();
    for entry in entries {
        let loaded = if entry.is_dir() {
            load_chart_dir(&entry).map_err(anyhow::Error::msg)
        } else if entry.extension().is_some_and(|e| e == "tgz") {
            std::fs::read(&entry).context("reading").and_then(|b| {
                load_chart_archive(&b, ArchiveLimits::default()).map_err(anyhow::Error::msg)
            })
        } else {
            continue;
        };
        let shown = format!("{:?}", entry.display().to_string());
        match loaded {
            Err(_) => out.push_str(&format!("WARNING: {shown} is not a chart.\n")),
            Ok(c) if !names.contains(&c.name()) => {
                out.push_str(&format!("WARNING: {shown} is not in Chart.yaml.\n"));
            }
            Ok(_) => {}
        }
    }
    out
}

/// Masterminds' `NewConstraint` as Helm's dependency code calls it: unlike
/// [`Constraint::parse`], which reads a blank constraint as any version, a
/// blank one is refused; the error names the first bad `||` part as
/// Masterminds does (`improper constraint: ""`).
pub fn helm_constraint(text: &str) -> std::result::Result<Constraint, String> {
    // Go's %q; Rust's debug quoting agrees for what constraints hold
    let improper = |part: &str| format!("improper constraint: {part:?}");
    for part in text.split("||") {
        if part.trim().is_empty() || Constraint::parse(part).is_err() {
            return Err(improper(part));
        }
    }
    Constraint::parse(text).map_err(|_| improper(text))
}
