//! `helmctl history NAME`: Helm v4's `helm history` through GetReleaseHistory: the
//! newest `--max` revisions, oldest first, as Helm's table, JSON or YAML.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use helmd_client::proto::{self as pb, GetReleaseHistoryRequest};
use serde::Serialize;

use crate::Connection;
use crate::helm_output::{Format, Table, ansic, go_json, json_to_yaml, rfc3339_nano};
use crate::releases::{NamespaceArg, app_version, chart_name, client, paged, status_name};

/// Options of `helmctl history`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The release name.
    name: String,
    #[command(flatten)]
    namespace: NamespaceArg,
    /// Maximum number of revisions to include in history.
    #[arg(long, default_value_t = 256)]
    max: usize,
    /// Show the rollback revision column in table output.
    #[arg(long)]
    show_rollback_revision: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    output: Format,
}

/// One revision as `helm history -o json|yaml` prints it (Helm's `releaseInfo`).
#[derive(Debug, Serialize)]
struct Revision {
    revision: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    status: String,
    chart: String,
    app_version: String,
    #[serde(skip_serializing_if = "is_zero")]
    rollback_revision: i32,
    description: String,
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

/// Prints the release's history.
pub async fn run(conn: &Connection, args: &HistoryArgs) -> Result<ExitCode> {
    let mut shown = revisions(conn, &args.namespace.namespace, &args.name, args.max).await?;
    shown.sort_by_key(|r| r.revision);
    let rows: Vec<Revision> = shown
        .iter()
        .map(|r| Revision {
            revision: r.revision,
            updated: r.last_deploy_time.as_ref().and_then(rfc3339_nano),
            status: status_name(r.status),
            chart: chart_name(r),
            app_version: app_version(r),
            rollback_revision: r.rollback_revision,
            description: r.description.clone(),
        })
        .collect();
    let text = match args.output {
        Format::Json => go_json(&rows)?,
        Format::Yaml => json_to_yaml(&serde_json::to_string(&rows)?)?,
        Format::Table => {
            let rollback = args.show_rollback_revision;
            let mut table = Table::default();
            let mut header = vec!["REVISION", "UPDATED", "STATUS", "CHART", "APP VERSION"];
            if rollback {
                header.push("ROLLBACK");
            }
            header.push("DESCRIPTION");
            table.row(header);
            for (row, release) in rows.into_iter().zip(shown) {
                let mut cells = vec![
                    row.revision.to_string(),
                    ansic(release.last_deploy_time.as_ref()),
                    row.status,
                    row.chart,
                    row.app_version,
                ];
                if rollback {
                    cells.push(match row.rollback_revision {
                        0 => String::new(),
                        n => n.to_string(),
                    });
                }
                cells.push(row.description);
                table.row(cells);
            }
            table.render()
        }
    };
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The `max` newest revisions of the release (the server sends newest first).
async fn revisions(
    conn: &Connection,
    namespace: &str,
    name: &str,
    max: usize,
) -> Result<Vec<pb::Release>> {
    let releases = client(conn).await?.releases();
    paged(max, |page_size, page_token| {
        let mut releases = releases.clone();
        let request = GetReleaseHistoryRequest {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            page_size,
            page_token,
            ..Default::default()
        };
        async move {
            let page = releases.get_release_history(request).await?.into_inner();
            Ok((page.releases, page.next_page_token))
        }
    })
    .await
}
