//! `helmctl show chart|values|readme|crds|all CHART`: prints what `helm show` prints —
//! Chart.yaml as Helm marshals it, values.yaml and the README as written, the CRDs — for a
//! chart directory, a `.tgz`, `oci://…` or `repo/chart`.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use helmd_render::{
    ArchiveLimits, ShowPart, load_chart_files, read_chart_archive, read_chart_dir, show_chart,
};

use crate::Connection;
use crate::local::{LocalPaths, RegistryArgs};
use crate::locate::{Local, locate, read_archive};

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
    /// Show the chart's CRDs (its subcharts' too).
    Crds(ShowTarget),
    /// Show Chart.yaml, values.yaml, the README and the CRDs.
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
    let (target, part) = match &args.command {
        ShowCommand::Chart(t) => (t, ShowPart::Chart),
        ShowCommand::Values(t) => (t, ShowPart::Values),
        ShowCommand::Readme(t) => (t, ShowPart::Readme),
        ShowCommand::Crds(t) => (t, ShowPart::Crds),
        ShowCommand::All(t) => (t, ShowPart::All),
    };
    let files = load(conn, paths, target).await?;
    let chart = load_chart_files(files.clone())?;
    print!("{}", show_chart(&chart, &files, part)?);
    Ok(ExitCode::SUCCESS)
}

async fn load(
    conn: &Connection,
    paths: &LocalPaths,
    target: &ShowTarget,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let archive = match locate(&target.chart)? {
        Some(Local::Dir(dir)) => return Ok(read_chart_dir(&dir)?),
        Some(Local::File(file)) => read_archive(&file, &file.display().to_string())?,
        None => crate::pull::fetch(
            conn,
            paths,
            &target.registry,
            &target.chart,
            target.version.as_deref(),
        )
        .await?
        .archive
        .to_vec(),
    };
    Ok(read_chart_archive(&archive, ArchiveLimits::default())?)
}
