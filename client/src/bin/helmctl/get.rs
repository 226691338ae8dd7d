//! `helmctl get values|manifest|hooks|notes|all NAME`: Helm v4's `helm get` through
//! GetRelease's full view, printed as Helm prints each.

use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use crate::Connection;
use crate::helm_output::Format;
use crate::releases::{NamespaceArg, StatusText, get_release};

/// `helmctl get` and its subcommands.
#[derive(Debug, Args)]
pub struct GetArgs {
    #[command(subcommand)]
    command: GetCommand,
}

#[derive(Debug, Subcommand)]
enum GetCommand {
    /// Download the values file for a named release.
    Values(ValuesArgs),
    /// Download the manifest for a named release.
    Manifest(ReleaseArgs),
    /// Download all hooks for a named release.
    Hooks(ReleaseArgs),
    /// Download the notes for a named release.
    Notes(ReleaseArgs),
    /// Download all information for a named release.
    All(ReleaseArgs),
}

/// The release (and revision) a `get` subcommand reads.
#[derive(Debug, Args)]
struct ReleaseArgs {
    /// The release name.
    name: String,
    #[command(flatten)]
    namespace: NamespaceArg,
    /// Get the named release with this revision (0: the latest).
    #[arg(long, default_value_t = 0)]
    revision: i32,
}

/// Options of `helmctl get values`.
#[derive(Debug, Args)]
struct ValuesArgs {
    #[command(flatten)]
    release: ReleaseArgs,
    /// Dump all (computed) values.
    #[arg(short = 'a', long)]
    all: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    output: Format,
}

/// Prints what the subcommand asks for.
pub async fn run(conn: &Connection, args: &GetArgs) -> Result<ExitCode> {
    let target = match &args.command {
        GetCommand::Values(v) => &v.release,
        GetCommand::Manifest(r)
        | GetCommand::Hooks(r)
        | GetCommand::Notes(r)
        | GetCommand::All(r) => r,
    };
    let release = get_release(
        conn,
        &target.namespace.namespace,
        &target.name,
        target.revision,
        true,
    )
    .await?;
    let text = match &args.command {
        GetCommand::Values(v) => values(&release, v)?,
        GetCommand::Manifest(_) => format!("{}\n", release.manifest),
        GetCommand::Hooks(_) => release
            .hooks
            .iter()
            .map(|h| format!("---\n# Source: {}\n{}\n", h.path, h.manifest))
            .collect(),
        GetCommand::Notes(_) if release.notes.is_empty() => String::new(),
        GetCommand::Notes(_) => format!("NOTES:\n{}\n", release.notes),
        GetCommand::All(_) => StatusText { debug: true }.render(&release),
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// `helm get values`: the user-supplied (or with `--all` the computed) values.
fn values(release: &helmd_client::proto::Release, args: &ValuesArgs) -> Result<String> {
    let yaml = if args.all {
        &release.computed_values
    } else {
        &release.config
    };
    Ok(match args.output {
        Format::Yaml => yaml.clone(),
        Format::Table if args.all => format!("COMPUTED VALUES:\n{yaml}"),
        Format::Table => format!("USER-SUPPLIED VALUES:\n{yaml}"),
        Format::Json => {
            let value = helmd_yaml::parse_yaml(yaml)?;
            format!("{}\n", helmd_yaml::to_json(&value)?)
        }
    })
}
