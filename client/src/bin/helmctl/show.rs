//! `helmctl show chart|values|readme|all CHART`: prints a chart's Chart.yaml, values.yaml
//! and README, like `helm show`, for a chart directory, a `.tgz`, `oci://…` or `repo/chart`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use helmd_render::{ArchiveLimits, read_chart_archive};

use crate::Connection;
use crate::local::{LocalPaths, RegistryArgs};

/// `helmctl show …`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(subcommand)]
    command: ShowCommand,
}

#[derive(Debug, Subcommand)]
enum ShowCommand {
    /// Show the chart's Chart.yaml.
    Chart(ShowTarget),
    /// Show the chart's values.yaml.
    Values(ShowTarget),
    /// Show the chart's README.
    Readme(ShowTarget),
    /// Show Chart.yaml, values.yaml and the README.
    All(ShowTarget),
}

#[derive(Debug, Args)]
struct ShowTarget {
    /// A chart directory, a `.tgz`, `oci://host/path/chart` or `repo/chart`.
    chart: String,
    /// A version or constraint, for remote charts.
    #[arg(long)]
    version: Option<String>,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Prints the asked parts.
pub async fn run(conn: &Connection, paths: &LocalPaths, args: &ShowArgs) -> Result<ExitCode> {
    let (target, parts): (&ShowTarget, &[&str]) = match &args.command {
        ShowCommand::Chart(t) => (t, &["chart"]),
        ShowCommand::Values(t) => (t, &["values"]),
        ShowCommand::Readme(t) => (t, &["readme"]),
        ShowCommand::All(t) => (t, &["chart", "values", "readme"]),
    };
    let files = load(conn, paths, target).await?;
    let text = |name: &str| {
        files
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    };
    let readme = files
        .keys()
        .find(|k| !k.contains('/') && k.to_lowercase().starts_with("readme"))
        .and_then(|k| text(k));
    let mut sections = Vec::new();
    for part in parts {
        let section = match *part {
            "chart" => text("Chart.yaml"),
            "values" => text("values.yaml"),
            _ => readme.clone(),
        };
        if let Some(section) = section {
            sections.push(section);
        }
    }
    print!("{}", sections.join("\n---\n"));
    Ok(ExitCode::SUCCESS)
}

async fn load(
    conn: &Connection,
    paths: &LocalPaths,
    target: &ShowTarget,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let path = Path::new(&target.chart);
    if path.is_dir() {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            if entry.file_type()?.is_file() {
                files.insert(
                    entry.file_name().to_string_lossy().into_owned(),
                    std::fs::read(entry.path())?,
                );
            }
        }
        return Ok(files);
    }
    let archive = if path.is_file() {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
    } else {
        crate::pull::fetch(
            conn,
            paths,
            &target.registry,
            &target.chart,
            target.version.as_deref(),
        )
        .await?
        .archive
        .to_vec()
    };
    Ok(read_chart_archive(&archive, ArchiveLimits::default())?)
}
