//! `helmctl install NAME CHART` and `helmctl upgrade NAME CHART [--install]`:
//! the chart and values sent to helmd, the operation followed to its end, the
//! release printed as Helm prints it. Exit 0 only when the release ended as asked.
//! `upgrade --dry-run=server --diff` prints the upgrade's plan instead (`diff_view.rs`).

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use helmd_client::Client;
use helmd_client::proto::{
    DryRun, InstallReleaseRequest, PlanUpgradeRequest, PreviousValues, ReleaseStatus,
    RollbackStrategy, UpgradeReleaseRequest, WaitStrategy,
};

use crate::Connection;
use crate::local::LocalPaths;
use crate::release_run::{Finished, RetryArgs, chart_reference, follow, print_release, timeout};
use crate::values::ValuesArgs;

/// Flags `install` and `upgrade` share, with Helm's names.
#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// Release name.
    name: String,
    /// Chart: a directory, a `.tgz`, `oci://host/path/chart` or `repo/chart` (a
    /// repository registered on the server).
    chart: String,
    /// Namespace of the release.
    #[arg(short = 'n', long, default_value = "default", env = "HELM_NAMESPACE")]
    namespace: String,
    /// Chart version constraint (oci:// and repo/chart).
    #[arg(long)]
    version: Option<String>,
    #[command(flatten)]
    values: ValuesArgs,
    /// Wait until every object is ready (`--wait`, `--wait=watcher|legacy|hookOnly`).
    #[arg(long, num_args = 0..=1, default_missing_value = "watcher", value_name = "STRATEGY")]
    wait: Option<String>,
    /// Also wait for Jobs to complete.
    #[arg(long)]
    wait_for_jobs: bool,
    /// How long hooks and waiting may take (Go duration).
    #[arg(long, default_value = "5m0s")]
    timeout: String,
    /// Create the namespace when missing.
    #[arg(long)]
    create_namespace: bool,
    /// Simulate (`--dry-run`, `--dry-run=client|server`).
    #[arg(long, num_args = 0..=1, default_missing_value = "client", value_name = "MODE")]
    dry_run: Option<String>,
    /// Do not run hooks.
    #[arg(long)]
    no_hooks: bool,
    /// Skip the chart's CRDs.
    #[arg(long)]
    skip_crds: bool,
    /// Also update the chart's CRDs (`crds/`) that exist, when the change is safe
    /// for the objects stored (Helm never does); refused with the reason otherwise.
    #[arg(long, conflicts_with = "skip_crds")]
    upgrade_crds: bool,
    /// Skip values.schema.json validation.
    #[arg(long)]
    skip_schema_validation: bool,
    /// Take over objects that exist without this release's ownership.
    #[arg(long)]
    take_ownership: bool,
    /// Take fields other managers own.
    #[arg(long)]
    force_conflicts: bool,
    /// Replace objects that exist (a PUT of the whole object) instead of applying them;
    /// `--force` is Helm's deprecated name.
    #[arg(long, alias = "force", conflicts_with = "force_conflicts")]
    force_replace: bool,
    /// Fetch dependencies missing from the chart first: for a chart directory here,
    /// like `helm dependency update`; for an archive or a reference, on the server.
    #[arg(long)]
    dependency_update: bool,
    /// Undo a failed change (`--atomic` is the old name).
    #[arg(long, alias = "atomic")]
    rollback_on_failure: bool,
    /// Render subcharts' notes too.
    #[arg(long)]
    render_subchart_notes: bool,
    /// Leave Secrets out of a dry run's output (needs `--dry-run`).
    #[arg(long)]
    hide_secret: bool,
    /// Let templates resolve names with `getHostByName` (otherwise it returns "").
    #[arg(long)]
    enable_dns: bool,
    /// A custom description.
    #[arg(long, default_value = "")]
    description: String,
    /// Custom labels of the release record (`k=v,k2=v2`).
    #[arg(long = "labels", value_delimiter = ',')]
    labels: Vec<String>,
    #[command(flatten)]
    retry: RetryArgs,
}

/// Options of `helmctl install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    #[command(flatten)]
    change: ChangeArgs,
    /// Reuse the name of an uninstalled or failed release.
    #[arg(long)]
    replace: bool,
    /// Apply objects server-side (the default) or, with `=false`, client-side with
    /// three-way merge patches as Helm 3 did.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    server_side: Option<String>,
}

/// Options of `helmctl upgrade`.
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    #[command(flatten)]
    change: ChangeArgs,
    /// Install when the release does not exist.
    #[arg(short = 'i', long)]
    install: bool,
    /// Reuse the previous revision's values and merge the new ones in.
    #[arg(long, conflicts_with = "reset_values")]
    reuse_values: bool,
    /// Use only the chart's values and the new ones.
    #[arg(long)]
    reset_values: bool,
    /// Reset to the chart's values, then merge the previous revision's and the new ones.
    #[arg(long)]
    reset_then_reuse_values: bool,
    /// Revisions to keep (0: no limit).
    #[arg(long, default_value_t = 10)]
    history_max: i32,
    /// Delete objects this upgrade created when it fails.
    #[arg(long)]
    cleanup_on_fail: bool,
    /// What a failure does: automatic (roll back), manual (stay failed, name the
    /// revision a rollback would restore) or version (a chart version the release
    /// had before rolls back to that revision).
    #[arg(long, value_name = "STRATEGY")]
    rollback_strategy: Option<String>,
    /// With `--dry-run=server`: print what the upgrade would change, object by object,
    /// like the `helm diff` plugin (PlanUpgrade), instead of the release.
    #[arg(long)]
    diff: bool,
    /// Do not colour `--diff` output (it is coloured only on a terminal anyway).
    #[arg(long)]
    no_color: bool,
    /// First take back what changed on the cluster since the deployed revision (see
    /// `status --show-drift`).
    #[arg(long)]
    correct_drift: bool,
    /// `true`, `false` or `auto`: apply objects server-side, or client-side with
    /// three-way merge patches (`auto` keeps the method the release's record used).
    #[arg(long, value_name = "MODE")]
    server_side: Option<String>,
}

fn rollback_strategy(s: Option<&str>) -> Result<RollbackStrategy> {
    Ok(match s {
        None => RollbackStrategy::Unspecified,
        Some("automatic") => RollbackStrategy::Automatic,
        Some("manual") => RollbackStrategy::Manual,
        Some("version") => RollbackStrategy::Version,
        Some(other) => bail!("invalid rollback strategy {other:?}: automatic, manual or version"),
    })
}

fn wait(w: Option<&str>) -> Result<WaitStrategy> {
    Ok(match w {
        None | Some("hookOnly") => WaitStrategy::HookOnly,
        Some("watcher" | "true") => WaitStrategy::Watcher,
        Some("legacy") => WaitStrategy::Legacy,
        Some(other) => bail!("invalid wait strategy {other:?}: watcher, legacy or hookOnly"),
    })
}

fn dry_run(d: Option<&str>) -> Result<DryRun> {
    Ok(match d {
        None | Some("none" | "false") => DryRun::Unspecified,
        Some("client" | "true") => DryRun::Client,
        Some("server") => DryRun::Server,
        Some(other) => bail!("invalid dry-run mode {other:?}: client, server or none"),
    })
}

fn labels(pairs: &[String]) -> Result<HashMap<String, String>> {
    pairs
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => Ok((k.to_owned(), v.to_owned())),
            None => bail!("invalid label {p:?}: want key=value"),
        })
        .collect()
}

/// Exit code for a finished operation: 0 when the release ended as asked.
pub fn finish(finished: Finished, dry_run: bool, success: impl FnOnce()) -> ExitCode {
    match finished {
        Finished::Release(r) => {
            let ok = dry_run || r.status == ReleaseStatus::Deployed as i32;
            success();
            print_release(&r);
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Finished::Error { message, .. } => {
            eprintln!("helmctl: error: {message}");
            ExitCode::FAILURE
        }
        Finished::Nothing => ExitCode::SUCCESS,
    }
}

/// `--dependency-update`: a chart directory is updated here (Helm's CLI does it
/// before packaging); for anything else the server is asked to. Whether to ask it.
async fn dependencies(conn: &Connection, paths: &LocalPaths, c: &ChangeArgs) -> Result<bool> {
    if !c.dependency_update {
        return Ok(false);
    }
    let dir = Path::new(&c.chart);
    if dir.is_dir() {
        crate::dependency_update::update_if_missing(conn, paths, dir).await?;
        return Ok(false);
    }
    Ok(true)
}

/// Runs `helmctl install`.
pub async fn install(
    conn: &Connection,
    paths: &LocalPaths,
    args: &InstallArgs,
) -> Result<ExitCode> {
    let c = &args.change;
    let server_updates = dependencies(conn, paths, c).await?;
    let request = InstallReleaseRequest {
        namespace: c.namespace.clone(),
        name: c.name.clone(),
        chart: Some(chart_reference(&c.chart, c.version.as_deref())?),
        values: Some(c.values.to_proto()?),
        description: c.description.clone(),
        labels: labels(&c.labels)?,
        create_namespace: c.create_namespace,
        dry_run: dry_run(c.dry_run.as_deref())? as i32,
        wait: wait(c.wait.as_deref())? as i32,
        wait_for_jobs: c.wait_for_jobs,
        timeout: Some(timeout(&c.timeout)?),
        rollback_on_failure: c.rollback_on_failure,
        disable_hooks: c.no_hooks,
        skip_crds: c.skip_crds,
        upgrade_crds: c.upgrade_crds,
        take_ownership: c.take_ownership,
        replace: args.replace,
        skip_schema_validation: c.skip_schema_validation,
        render_subchart_notes: c.render_subchart_notes,
        hide_secret: c.hide_secret,
        enable_dns: c.enable_dns,
        force_conflicts: c.force_conflicts,
        force_replace: c.force_replace,
        apply_method: crate::server_side::for_install(args.server_side.as_deref())? as i32,
        dependency_update: server_updates,
        retries: c.retry.retries,
        retry_backoff: c.retry.backoff()?,
        recover: c.retry.recover,
        ..InstallReleaseRequest::default()
    };
    let is_dry_run = request.dry_run != DryRun::Unspecified as i32;
    let client = Client::connect(&conn.config()?).await?;
    let stream = client
        .releases()
        .install_release(request)
        .await?
        .into_inner();
    Ok(finish(follow(stream).await?, is_dry_run, || {}))
}

/// Runs `helmctl upgrade`.
pub async fn upgrade(
    conn: &Connection,
    paths: &LocalPaths,
    args: &UpgradeArgs,
) -> Result<ExitCode> {
    let c = &args.change;
    let server_updates = dependencies(conn, paths, c).await?;
    let previous_values = if args.reset_values {
        PreviousValues::Reset
    } else if args.reuse_values {
        PreviousValues::Reuse
    } else if args.reset_then_reuse_values {
        PreviousValues::ResetThenReuse
    } else {
        PreviousValues::Unspecified
    };
    let request = UpgradeReleaseRequest {
        namespace: c.namespace.clone(),
        name: c.name.clone(),
        chart: Some(chart_reference(&c.chart, c.version.as_deref())?),
        values: Some(c.values.to_proto()?),
        description: c.description.clone(),
        labels: labels(&c.labels)?,
        install: args.install,
        previous_values: previous_values as i32,
        create_namespace: c.create_namespace,
        dry_run: dry_run(c.dry_run.as_deref())? as i32,
        max_history: Some(args.history_max),
        wait: wait(c.wait.as_deref())? as i32,
        wait_for_jobs: c.wait_for_jobs,
        timeout: Some(timeout(&c.timeout)?),
        rollback_on_failure: c.rollback_on_failure,
        cleanup_on_fail: args.cleanup_on_fail,
        disable_hooks: c.no_hooks,
        skip_crds: c.skip_crds,
        upgrade_crds: c.upgrade_crds,
        take_ownership: c.take_ownership,
        skip_schema_validation: c.skip_schema_validation,
        render_subchart_notes: c.render_subchart_notes,
        hide_secret: c.hide_secret,
        enable_dns: c.enable_dns,
        force_conflicts: c.force_conflicts,
        force_replace: c.force_replace,
        apply_method: crate::server_side::for_change(args.server_side.as_deref())? as i32,
        dependency_update: server_updates,
        retries: c.retry.retries,
        retry_backoff: c.retry.backoff()?,
        recover: c.retry.recover,
        rollback_strategy: rollback_strategy(args.rollback_strategy.as_deref())? as i32,
        correct_drift: args.correct_drift,
        ..UpgradeReleaseRequest::default()
    };
    let is_dry_run = request.dry_run != DryRun::Unspecified as i32;
    let client = Client::connect(&conn.config()?).await?;
    if args.diff {
        if request.dry_run != DryRun::Server as i32 {
            bail!("--diff needs --dry-run=server");
        }
        let plan = client
            .releases()
            .plan_upgrade(PlanUpgradeRequest {
                upgrade: Some(request),
            })
            .await
            .map_err(|s| anyhow::anyhow!("{}", s.message()))?
            .into_inner();
        print!(
            "{}",
            crate::diff_view::plan(&plan, crate::diff_view::use_color(args.no_color))
        );
        return Ok(ExitCode::SUCCESS);
    }
    let stream = client
        .releases()
        .upgrade_release(request)
        .await?
        .into_inner();
    let name = c.name.clone();
    Ok(finish(follow(stream).await?, is_dry_run, move || {
        if !is_dry_run {
            println!("Release {name:?} has been upgraded. Happy Helming!");
        }
    }))
}
