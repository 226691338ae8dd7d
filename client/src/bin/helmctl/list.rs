//! `helmctl list`: Helm v4's `helm list` through ListReleases: the latest revision of
//! each release (every status unless status flags narrow it, as in Helm 4), sorted by
//! name or date, printed as Helm's table, JSON or YAML.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use helmd_client::proto::{self as pb, ListReleasesRequest, ReleaseOrderBy, ReleaseStatus};
use helmd_yaml::Value;
use serde::Serialize;

use crate::Connection;
use crate::helm_output::{Format, Table, go_json, go_string, yaml};
use crate::releases::{NamespaceArg, app_version, chart_name, client, paged, status_name};

/// Options of `helmctl list`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    namespace: NamespaceArg,
    /// List releases across all namespaces.
    #[arg(short = 'A', long)]
    all_namespaces: bool,
    /// Show releases in every status (Helm 4's default; Helm 3's `--all`).
    #[arg(short = 'a', long)]
    all: bool,
    /// Show deployed releases.
    #[arg(long)]
    deployed: bool,
    /// Show failed releases.
    #[arg(long)]
    failed: bool,
    /// Show pending releases.
    #[arg(long)]
    pending: bool,
    /// Show superseded releases (alone: every superseded revision).
    #[arg(long)]
    superseded: bool,
    /// Show uninstalled releases (if `uninstall --keep-history` was used).
    #[arg(long)]
    uninstalled: bool,
    /// Show releases that are currently being uninstalled.
    #[arg(long)]
    uninstalling: bool,
    /// A regular expression (RE2 syntax): only releases whose name matches it.
    #[arg(short = 'f', long, value_name = "REGEX")]
    filter: Option<String>,
    /// A label selector over the releases' custom labels (e.g. `team=web,tier!=db`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    selector: Option<String>,
    /// Reverse the sort order.
    #[arg(short = 'r', long)]
    reverse: bool,
    /// Sort by release date (oldest first; newest first with `--reverse`).
    #[arg(short = 'd', long)]
    date: bool,
    /// Output short (quiet) listing format: names only.
    #[arg(short = 'q', long)]
    short: bool,
    /// Don't print headers when using the default output format.
    #[arg(long)]
    no_headers: bool,
    /// Maximum number of releases to fetch (0: all).
    #[arg(short = 'm', long, default_value_t = 256)]
    max: usize,
    /// Next release index in the list, used to offset from start value.
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    output: Format,
}

/// One row of `helm list -o json|yaml` (Helm's `releaseElement`, in its field order).
#[derive(Debug, Serialize)]
struct Element {
    name: String,
    namespace: String,
    revision: String,
    updated: String,
    status: String,
    chart: String,
    app_version: String,
}

impl ListArgs {
    /// Helm 4's `SetStateMask`: the flags given, or every status but unknown.
    fn statuses(&self) -> Vec<i32> {
        let any = self.deployed
            || self.failed
            || self.pending
            || self.superseded
            || self.uninstalled
            || self.uninstalling;
        let all = self.all || !any;
        let mut statuses = Vec::new();
        let mut add = |on: bool, these: &[ReleaseStatus]| {
            if on || all {
                statuses.extend(these.iter().map(|s| *s as i32));
            }
        };
        add(self.deployed, &[ReleaseStatus::Deployed]);
        add(self.uninstalled, &[ReleaseStatus::Uninstalled]);
        add(self.uninstalling, &[ReleaseStatus::Uninstalling]);
        add(
            self.pending,
            &[
                ReleaseStatus::PendingInstall,
                ReleaseStatus::PendingRollback,
                ReleaseStatus::PendingUpgrade,
            ],
        );
        add(self.failed, &[ReleaseStatus::Failed]);
        add(self.superseded, &[ReleaseStatus::Superseded]);
        statuses
    }

    fn request(&self) -> ListReleasesRequest {
        ListReleasesRequest {
            namespaces: if self.all_namespaces {
                Vec::new()
            } else {
                vec![self.namespace.namespace.clone()]
            },
            statuses: self.statuses(),
            name_filter: self.filter.clone().unwrap_or_default(),
            label_selector: self.selector.clone().unwrap_or_default(),
            order_by: if self.date {
                ReleaseOrderBy::LastDeployTime
            } else {
                ReleaseOrderBy::Name
            } as i32,
            descending: self.reverse,
            ..Default::default()
        }
    }
}

/// Lists the releases.
pub async fn run(conn: &Connection, args: &ListArgs) -> Result<ExitCode> {
    let wanted = match args.max {
        0 => usize::MAX,
        max => args.offset.saturating_add(max),
    };
    let releases = fetch(conn, args.request(), wanted).await?;
    let shown: Vec<&pb::Release> = releases
        .iter()
        .skip(args.offset)
        .take(if args.max == 0 { usize::MAX } else { args.max })
        .collect();
    print!("{}", render(&shown, args)?);
    Ok(ExitCode::SUCCESS)
}

/// Pages through ListReleases until `wanted` releases or the end.
async fn fetch(
    conn: &Connection,
    request: ListReleasesRequest,
    wanted: usize,
) -> Result<Vec<pb::Release>> {
    let releases = client(conn).await?.releases();
    paged(wanted, |page_size, page_token| {
        let mut releases = releases.clone();
        let request = ListReleasesRequest {
            page_size,
            page_token,
            ..request.clone()
        };
        async move {
            let page = releases.list_releases(request).await?.into_inner();
            Ok((page.releases, page.next_page_token))
        }
    })
    .await
}

fn render(releases: &[&pb::Release], args: &ListArgs) -> Result<String> {
    if args.short {
        let names: Vec<&str> = releases.iter().map(|r| r.name.as_str()).collect();
        return match args.output {
            Format::Json => go_json(&names),
            Format::Yaml => yaml(&Value::list(names.iter().map(|n| Value::str(n)).collect())),
            Format::Table => Ok(names.iter().map(|n| format!("{n}\n")).collect()),
        };
    }
    let elements: Vec<Element> = releases
        .iter()
        .map(|r| Element {
            name: r.name.clone(),
            namespace: r.namespace.clone(),
            revision: r.revision.to_string(),
            updated: go_string(r.last_deploy_time.as_ref()),
            status: status_name(r.status),
            chart: chart_name(r),
            app_version: app_version(r),
        })
        .collect();
    match args.output {
        Format::Json => go_json(&elements),
        Format::Yaml => crate::helm_output::json_to_yaml(&serde_json::to_string(&elements)?),
        Format::Table => {
            let mut table = Table::default();
            if !args.no_headers {
                table.row([
                    "NAME",
                    "NAMESPACE",
                    "REVISION",
                    "UPDATED",
                    "STATUS",
                    "CHART",
                    "APP VERSION",
                ]);
            }
            for e in elements {
                table.row([
                    e.name,
                    e.namespace,
                    e.revision,
                    e.updated,
                    e.status,
                    e.chart,
                    e.app_version,
                ]);
            }
            Ok(table.render())
        }
    }
}
