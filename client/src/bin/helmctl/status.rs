//! `helmctl status NAME`: Helm v4's `helm status` through GetRelease: the release's
//! status text, or its record (without the chart) as JSON or YAML; `--show-drift`
//! adds how the cluster differs from the deployed revision (`diff_view.rs`).

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use helmd_client::proto::GetReleaseDriftRequest;

use crate::Connection;
use crate::helm_output::{Format, json_to_yaml};
use crate::releases::{NamespaceArg, StatusText, get_release, helm_release};

/// Options of `helmctl status`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The release name.
    name: String,
    #[command(flatten)]
    namespace: NamespaceArg,
    /// Show this revision instead of the latest.
    #[arg(long, default_value_t = 0)]
    revision: i32,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    output: Format,
    /// Also show how the cluster differs from the deployed revision (GetReleaseDrift):
    /// objects changed or deleted since, as diffs like the `helm diff` plugin's.
    #[arg(long)]
    show_drift: bool,
    /// Do not colour the drift (it is coloured only on a terminal anyway).
    #[arg(long)]
    no_color: bool,
}

/// Prints the release's status.
pub async fn run(conn: &Connection, args: &StatusArgs) -> Result<ExitCode> {
    let release = get_release(
        conn,
        &args.namespace.namespace,
        &args.name,
        args.revision,
        true,
    )
    .await?;
    let text = match args.output {
        Format::Table => StatusText::default().render(&release),
        Format::Json | Format::Yaml => {
            let mut json = helmd_release::release_json(&helm_release(&release)?)?;
            if args.output == Format::Yaml {
                json_to_yaml(&json)?
            } else {
                json.push('\n');
                json
            }
        }
    };
    print!("{text}");
    if args.show_drift {
        let drift = crate::releases::client(conn)
            .await?
            .releases()
            .get_release_drift(GetReleaseDriftRequest {
                namespace: args.namespace.namespace.clone(),
                name: args.name.clone(),
            })
            .await
            .map_err(|s| anyhow::anyhow!("{}", s.message()))?
            .into_inner();
        print!(
            "\n{}",
            crate::diff_view::drift(&drift, crate::diff_view::use_color(args.no_color))
        );
    }
    Ok(ExitCode::SUCCESS)
}
