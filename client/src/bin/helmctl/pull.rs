//! `helmctl pull REF`: downloads a chart archive locally, like `helm pull` — from an OCI
//! registry (`oci://host/path/chart`) or a repository added with `helmctl repo add`
//! (`repo/chart`) — through the same digest cache helmd uses.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;
use helmd_source::{ChartRequest, PulledChart};

use crate::Connection;
use crate::local::{LocalPaths, RegistryArgs, RepoFile};

/// Options of `helmctl pull`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// `oci://host/path/chart[:tag]` or `repo/chart`.
    chart: String,
    /// A version or semantic version constraint (latest stable when absent).
    #[arg(long)]
    version: Option<String>,
    /// Where to write the archive.
    #[arg(short = 'd', long, default_value = ".")]
    destination: PathBuf,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Fetches `reference` (OCI or `repo/chart`) with `version`.
pub async fn fetch(
    conn: &Connection,
    paths: &LocalPaths,
    registry: &RegistryArgs,
    reference: &str,
    version: Option<&str>,
) -> Result<PulledChart> {
    let version = version.map(str::to_owned);
    let request = if reference.starts_with("oci://") {
        ChartRequest::Oci {
            reference: reference.to_owned(),
            version,
            transport: registry.oci_transport(conn, reference)?,
        }
    } else if let Some((repo, chart)) = reference.split_once('/') {
        let file = RepoFile::load(&paths.config_file())?;
        let Some(entry) = file.repositories.get(repo) else {
            bail!("repo {repo} not found");
        };
        let mut transport = entry.transport()?;
        let flags = registry.transport(conn)?;
        if !flags.credentials.is_anonymous() {
            transport.credentials = flags.credentials;
        }
        transport.insecure_skip_tls_verify |= flags.insecure_skip_tls_verify;
        if flags.ca_pem.is_some() {
            transport.ca_pem = flags.ca_pem;
        }
        ChartRequest::Repo {
            url: entry.url.clone(),
            chart: chart.to_owned(),
            version,
            transport,
            pass_credentials_all: entry.pass_credentials_all || registry.pass_credentials,
        }
    } else {
        bail!("{reference:?} is neither oci://… nor repo/chart");
    };
    Ok(paths.source()?.pull(&request).await?)
}

/// Pulls and writes `<destination>/<name>-<version>.tgz`.
pub async fn run(conn: &Connection, paths: &LocalPaths, args: &PullArgs) -> Result<ExitCode> {
    let pulled = fetch(
        conn,
        paths,
        &args.registry,
        &args.chart,
        args.version.as_deref(),
    )
    .await?;
    std::fs::create_dir_all(&args.destination)
        .with_context(|| format!("creating {}", args.destination.display()))?;
    let file = args
        .destination
        .join(format!("{}-{}.tgz", pulled.name, pulled.version));
    std::fs::write(&file, &pulled.archive)
        .with_context(|| format!("writing {}", file.display()))?;
    if let Some(provenance) = &pulled.provenance {
        let prov = file.with_extension("tgz.prov");
        std::fs::write(&prov, provenance).with_context(|| format!("writing {}", prov.display()))?;
    }
    if let Some((base, digest)) = pulled.origin.split_once('@') {
        let base = base.trim_start_matches("oci://");
        println!("Pulled: {base}:{}", pulled.version.replace('+', "_"));
        println!("Digest: {digest}");
    }
    Ok(ExitCode::SUCCESS)
}
