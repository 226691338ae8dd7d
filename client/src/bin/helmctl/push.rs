//! `helmctl push ARCHIVE oci://host/path`: uploads a packaged chart to an OCI registry
//! locally, like `helm push` (the chart's name is appended, its version is the tag).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::Connection;
use crate::local::{LocalPaths, RegistryArgs};

/// Options of `helmctl push`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The packaged chart (`.tgz`).
    archive: PathBuf,
    /// `oci://host[:port]/path`.
    remote: String,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// Pushes and prints the reference and digest as Helm does.
pub async fn run(conn: &Connection, paths: &LocalPaths, args: &PushArgs) -> Result<ExitCode> {
    if !args.remote.starts_with("oci://") {
        bail!("scheme prefix missing from remote (e.g. \"oci://\")");
    }
    let archive = std::fs::read(&args.archive)
        .with_context(|| format!("reading {}", args.archive.display()))?;
    let provenance_path = PathBuf::from(format!("{}.prov", args.archive.display()));
    let provenance = std::fs::read(&provenance_path).ok();
    let transport = args.registry.oci_transport(conn, &args.remote)?;
    let pushed = paths
        .source()?
        .push(&args.remote, &archive, provenance.as_deref(), &transport)
        .await?;
    println!("Pushed: {}", pushed.reference.trim_start_matches("oci://"));
    println!("Digest: {}", pushed.manifest_digest);
    Ok(ExitCode::SUCCESS)
}
