//! What helmctl's release commands share: the namespace flag, reading a release from
//! helmd, Helm's names for statuses and charts, `helm status`'s text and the release
//! JSON `helm status -o json` prints.

use anyhow::{Context, Result};
use clap::Args;
use helmd_client::Client;
use helmd_client::proto::{self as pb, GetReleaseRequest, ReleaseView};
use helmd_release::{Hook, HookExecution, Info, Release, Status};

use crate::Connection;
use crate::helm_output::ansic;

/// The namespace of the release(s) a command reads (Helm's `-n/--namespace`).
#[derive(Debug, Args)]
pub struct NamespaceArg {
    /// Namespace of the release.
    #[arg(
        short = 'n',
        long,
        env = "HELM_NAMESPACE",
        default_value = "default",
        value_name = "NAMESPACE"
    )]
    pub namespace: String,
}

/// Connects to helmd.
pub async fn client(conn: &Connection) -> Result<Client> {
    Ok(Client::connect(&conn.config()?).await?)
}

/// Pages through a paged release RPC until `wanted` releases (at most that many)
/// or its last page. `call` sends one page request (page size, page token) and
/// answers the page's releases and next token.
pub async fn paged<F, Fut>(wanted: usize, mut call: F) -> Result<Vec<pb::Release>>
where
    F: FnMut(i32, String) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<(Vec<pb::Release>, String), tonic::Status>>,
{
    /// The most a page may hold (the API's maximum).
    const PAGE: usize = 1000;
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let size = i32::try_from(wanted.saturating_sub(all.len()).clamp(1, PAGE)).unwrap_or(1);
        let (page, next) = call(size, token)
            .await
            .map_err(|s| anyhow::anyhow!("{}", s.message()))?;
        all.extend(page);
        if next.is_empty() || all.len() >= wanted {
            all.truncate(wanted);
            return Ok(all);
        }
        token = next;
    }
}

/// One revision of a release (0: the latest), in the full view or the summary.
pub async fn get_release(
    conn: &Connection,
    namespace: &str,
    name: &str,
    revision: i32,
    full: bool,
) -> Result<pb::Release> {
    let view = if full {
        ReleaseView::Full
    } else {
        ReleaseView::Summary
    };
    let response = client(conn)
        .await?
        .releases()
        .get_release(GetReleaseRequest {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            revision,
            view: view as i32,
        })
        .await
        .map_err(|s| anyhow::anyhow!("{}", s.message()))?
        .into_inner();
    response.release.context("helmd returned no release")
}

/// Helm's word for a status (`pending-install`, `deployed`, ...).
pub fn status_name(status: i32) -> String {
    let status = pb::ReleaseStatus::try_from(status).unwrap_or(pb::ReleaseStatus::Unknown);
    status
        .as_str_name()
        .trim_start_matches("RELEASE_STATUS_")
        .to_lowercase()
        .replace('_', "-")
}

/// Helm's `formatChartName`: `name-version`, `MISSING` without chart metadata.
pub fn chart_name(release: &pb::Release) -> String {
    match &release.chart {
        Some(c) => format!("{}-{}", c.name, c.version),
        None => "MISSING".to_owned(),
    }
}

/// Helm's `formatAppVersion`: the chart's appVersion, `MISSING` without metadata.
pub fn app_version(release: &pb::Release) -> String {
    match &release.chart {
        Some(c) => c.app_version.clone(),
        None => "MISSING".to_owned(),
    }
}

/// What `helm status` prints and `helm get all` adds to it.
#[derive(Debug, Default)]
pub struct StatusText {
    /// `helm get all`: chart lines, values, hooks and manifest.
    pub debug: bool,
}

impl StatusText {
    /// Helm's `statusPrinter.WriteTable` for `release` (its full view). The live
    /// objects (`RESOURCES:`) are not shown: helmctl reads only the release store.
    pub fn render(&self, release: &pb::Release) -> String {
        let mut out = String::new();
        out.push_str(&format!("NAME: {}\n", release.name));
        if let Some(t) = &release.last_deploy_time {
            out.push_str(&format!("LAST DEPLOYED: {}\n", ansic(Some(t))));
        }
        out.push_str(&format!("NAMESPACE: {}\n", release.namespace));
        out.push_str(&format!("STATUS: {}\n", status_name(release.status)));
        out.push_str(&format!("REVISION: {}\n", release.revision));
        if self.debug {
            let chart = release.chart.clone().unwrap_or_default();
            out.push_str(&format!("CHART: {}\n", chart.name));
            out.push_str(&format!("VERSION: {}\n", chart.version));
            out.push_str(&format!("APP_VERSION: {}\n", chart.app_version));
        }
        out.push_str(&format!("DESCRIPTION: {}\n", release.description));
        out.push_str(&test_suite(release));
        if self.debug {
            out.push_str("USER-SUPPLIED VALUES:\n");
            out.push_str(&release.config);
            out.push('\n');
            out.push_str("COMPUTED VALUES:\n");
            out.push_str(&release.computed_values);
            out.push('\n');
        }
        if self.debug || release.description.eq_ignore_ascii_case("Dry run complete") {
            out.push_str("HOOKS:\n");
            for hook in &release.hooks {
                out.push_str(&format!(
                    "---\n# Source: {}\n{}\n",
                    hook.path, hook.manifest
                ));
            }
            out.push_str(&format!("MANIFEST:\n{}\n", release.manifest));
        }
        if !release.notes.is_empty() {
            out.push_str(&format!("NOTES:\n{}\n", release.notes.trim()));
        }
        out
    }
}

/// Helm's `TEST SUITE` lines: `None` without test hooks, else one block per test
/// hook that started.
fn test_suite(release: &pb::Release) -> String {
    let tests: Vec<&pb::Hook> = release
        .hooks
        .iter()
        .filter(|h| h.events.contains(&(pb::HookEvent::Test as i32)))
        .collect();
    if tests.is_empty() {
        return "TEST SUITE: None\n".to_owned();
    }
    let mut out = String::new();
    for hook in tests {
        let Some(run) = &hook.last_run else { continue };
        if run.start_time.is_none() {
            continue;
        }
        out.push_str(&format!(
            "TEST SUITE:     {}\nLast Started:   {}\nLast Completed: {}\nPhase:          {}\n",
            hook.name,
            ansic(run.start_time.as_ref()),
            ansic(run.completion_time.as_ref()),
            phase_name(run.phase)
        ));
    }
    out
}

/// Helm's hook phase names (`Succeeded`, ...).
fn phase_name(phase: i32) -> String {
    match pb::HookPhase::try_from(phase) {
        Ok(pb::HookPhase::Running) => "Running",
        Ok(pb::HookPhase::Succeeded) => "Succeeded",
        Ok(pb::HookPhase::Failed) => "Failed",
        Ok(pb::HookPhase::Unknown) => "Unknown",
        _ => "",
    }
    .to_owned()
}

/// Helm's lower-case hyphenated name of an enum value (`HOOK_EVENT_PRE_INSTALL` →
/// `pre-install`).
fn helm_word(name: &str, prefix: &str) -> String {
    name.trim_start_matches(prefix)
        .to_lowercase()
        .replace('_', "-")
}

/// A protobuf time as the record's time, in the local zone (Helm prints the zone
/// the record was written in; for records written here that is the local one).
fn record_time(t: Option<&prost_types::Timestamp>) -> Option<time::OffsetDateTime> {
    let t = t?;
    let utc = time::OffsetDateTime::from_unix_timestamp(t.seconds).ok()?;
    let utc = utc.replace_nanosecond(u32::try_from(t.nanos).ok()?).ok()?;
    let zone = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    let offset = zone
        .to_offset(jiff::Timestamp::new(t.seconds, t.nanos).ok()?)
        .seconds();
    Some(utc.to_offset(time::UtcOffset::from_whole_seconds(offset).ok()?))
}

/// The release `helm status -o json|yaml` prints (Helm's record without its chart),
/// rebuilt from the full view.
pub fn helm_release(release: &pb::Release) -> Result<Release> {
    let config = helmd_yaml::parse_yaml(&release.config)?;
    let hooks = release
        .hooks
        .iter()
        .map(|h| {
            let run = h.last_run.unwrap_or_default();
            Hook {
                name: h.name.clone(),
                kind: h.kind.clone(),
                path: h.path.clone(),
                manifest: h.manifest.clone(),
                events: h
                    .events
                    .iter()
                    .filter_map(|e| pb::HookEvent::try_from(*e).ok())
                    .map(|e| helm_word(e.as_str_name(), "HOOK_EVENT_"))
                    .collect(),
                last_run: HookExecution {
                    started_at: record_time(run.start_time.as_ref()),
                    completed_at: record_time(run.completion_time.as_ref()),
                    phase: phase_name(run.phase),
                },
                weight: i64::from(h.weight),
                delete_policies: h
                    .delete_policies
                    .iter()
                    .filter_map(|p| pb::HookDeletePolicy::try_from(*p).ok())
                    .map(|p| helm_word(p.as_str_name(), "HOOK_DELETE_POLICY_"))
                    .collect(),
                output_log_policies: h
                    .output_log_policies
                    .iter()
                    .filter_map(|p| pb::HookOutputLogPolicy::try_from(*p).ok())
                    .map(|p| helm_word(p.as_str_name(), "HOOK_OUTPUT_LOG_POLICY_"))
                    .collect(),
            }
        })
        .collect();
    let apply_method = match pb::ApplyMethod::try_from(release.apply_method) {
        Ok(pb::ApplyMethod::ServerSide) => helmd_release::APPLY_METHOD_SSA,
        Ok(pb::ApplyMethod::ClientSide) => helmd_release::APPLY_METHOD_CSA,
        _ => "",
    };
    Ok(Release {
        name: release.name.clone(),
        info: Some(Info {
            first_deployed: record_time(release.first_deploy_time.as_ref()),
            last_deployed: record_time(release.last_deploy_time.as_ref()),
            deleted: record_time(release.delete_time.as_ref()),
            description: release.description.clone(),
            status: Status::parse(&status_name(release.status)),
            rollback_revision: i64::from(release.rollback_revision),
            notes: release.notes.clone(),
            resources: helmd_yaml::Value::Nil,
        }),
        chart: None,
        config,
        manifest: release.manifest.clone(),
        hooks,
        version: i64::from(release.revision),
        namespace: release.namespace.clone(),
        labels: Default::default(),
        apply_method: apply_method.to_owned(),
    })
}
