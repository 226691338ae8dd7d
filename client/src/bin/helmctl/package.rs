//! `helmctl package CHART_PATH...`: Helm's `helm package`, run locally. Each chart
//! directory is loaded and checked as Helm does (semver version, declared dependencies
//! present in `charts/`), optionally after `dependency update` (`-u`), then saved by
//! `chart_package.rs` as `<destination>/<name>-<version>.tgz`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, anyhow, bail};
use clap::Args;
use helmd_render::load_chart_dir;

use crate::Connection;
use crate::chart_package::{Stamp, package_stamped};
use crate::dependency_files::clean;
use crate::local::{LocalPaths, RegistryArgs};

/// Options of `helmctl package`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct PackageArgs {
    /// The chart directories to package.
    #[arg(value_name = "CHART_PATH")]
    charts: Vec<PathBuf>,
    /// Set the version on the chart to this semver version.
    #[arg(long, default_value = "")]
    version: String,
    /// Set the appVersion on the chart to this version.
    #[arg(long, default_value = "")]
    app_version: String,
    /// Location to write the chart.
    #[arg(short = 'd', long, default_value = ".")]
    destination: PathBuf,
    /// Update dependencies from Chart.yaml to dir charts/ before packaging.
    #[arg(short = 'u', long)]
    dependency_update: bool,
    /// Registry and repository flags for `--dependency-update`.
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Packages each chart, printing where it was saved.
pub async fn run(conn: &Connection, paths: &LocalPaths, args: &PackageArgs) -> Result<ExitCode> {
    if args.charts.is_empty() {
        bail!("need at least one argument, the path to the chart");
    }
    let mod_time = crate::chart_package::source_date_epoch()?;
    let stamp = Stamp {
        version: Some(args.version.clone()).filter(|v| !v.is_empty()),
        app_version: Some(args.app_version.clone()).filter(|v| !v.is_empty()),
        mod_time,
    };
    for chart in &args.charts {
        let dir = std::path::absolute(chart)
            .map(|dir| clean(&dir))
            .map_err(|e| anyhow!("{}: {e}", chart.display()))?;
        if let Err(e) = std::fs::metadata(chart) {
            bail!("stat {}: {}", chart.display(), go_io_error(&e));
        }
        if args.dependency_update {
            crate::dependency_update::update_quietly(conn, paths, &dir, &args.registry).await?;
        }
        let saved = package(&dir, &args.destination, &stamp)?;
        println!(
            "Successfully packaged chart and saved it to: {}",
            saved.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Helm's `action.Package.Run` for the chart directory `dir`: the saved archive's path.
fn package(dir: &Path, destination: &Path, stamp: &Stamp) -> Result<PathBuf> {
    let chart_yaml = dir.join("Chart.yaml");
    if let Err(e) = std::fs::metadata(&chart_yaml) {
        let shown = chart_yaml.display();
        bail!(
            "unable to detect chart at {shown}: open {shown}: {}",
            go_io_error(&e)
        );
    }
    let chart = load_chart_dir(dir).map_err(anyhow::Error::msg)?;
    let version = stamp
        .version
        .clone()
        .unwrap_or_else(|| chart.metadata.version.clone());
    if helmd_source::Version::parse(&version).is_none() {
        bail!("invalid semantic version");
    }
    let missing = helmd_chart::missing_dependencies(&chart);
    if !missing.is_empty() {
        bail!(
            "found in Chart.yaml, but missing in charts/ directory: {}",
            missing.join(", ")
        );
    }
    let name = chart.name().to_owned();
    let bytes = package_stamped(dir, &name, stamp)?;
    let destination = if destination == Path::new(".") {
        std::env::current_dir().map_err(|e| anyhow!("getwd: {e}"))?
    } else {
        destination.to_owned()
    };
    let file = clean(&destination.join(format!("{name}-{version}.tgz")));
    let parent = file.parent().unwrap_or(&destination);
    match std::fs::metadata(parent) {
        Ok(m) if !m.is_dir() => bail!("failed to save: is not a directory: {}", parent.display()),
        Ok(_) => {}
        Err(_) => std::fs::create_dir_all(parent)
            .map_err(|e| anyhow!("failed to save: mkdir {}: {e}", parent.display()))?,
    }
    std::fs::write(&file, bytes).map_err(|e| {
        anyhow!(
            "failed to save: open {}: {}",
            file.display(),
            go_io_error(&e)
        )
    })?;
    Ok(file)
}

/// An I/O error in Go's words (`no such file or directory`, `not a directory`, ...).
fn go_io_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::NotADirectory => "not a directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => e.to_string(),
    }
}
