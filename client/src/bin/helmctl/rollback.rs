//! `helmctl rollback NAME [REVISION]` and `helmctl uninstall NAME`.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use helmd_client::Client;
use helmd_client::proto::{
    CascadePolicy, DryRun, RollbackReleaseRequest, UninstallReleaseRequest, WaitStrategy,
};

use crate::Connection;
use crate::release_run::{Finished, RetryArgs, follow, timeout};

/// Options of `helmctl rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Release name.
    name: String,
    /// The revision to roll back to (default: the previous one).
    revision: Option<i32>,
    /// Namespace of the release.
    #[arg(short = 'n', long, default_value = "default", env = "HELM_NAMESPACE")]
    namespace: String,
    /// Wait until every object is ready.
    #[arg(long)]
    wait: bool,
    /// Also wait for Jobs to complete.
    #[arg(long)]
    wait_for_jobs: bool,
    /// How long hooks and waiting may take (Go duration).
    #[arg(long, default_value = "5m0s")]
    timeout: String,
    /// Simulate the rollback.
    #[arg(long)]
    dry_run: bool,
    /// Do not run hooks.
    #[arg(long)]
    no_hooks: bool,
    /// Delete objects this rollback created when it fails.
    #[arg(long)]
    cleanup_on_fail: bool,
    /// Revisions to keep (0: no limit).
    #[arg(long, default_value_t = 10)]
    history_max: i32,
    /// Take fields other managers own.
    #[arg(long)]
    force_conflicts: bool,
    /// Replace objects that exist (a PUT of the whole object) instead of applying them;
    /// `--force` is Helm's deprecated name.
    #[arg(long, alias = "force", conflicts_with = "force_conflicts")]
    force_replace: bool,
    #[command(flatten)]
    retry: RetryArgs,
    /// `true`, `false` or `auto`: apply objects server-side, or client-side with
    /// three-way merge patches (`auto` keeps the method the target revision used).
    #[arg(long, value_name = "MODE")]
    server_side: Option<String>,
}

/// Options of `helmctl uninstall`.
#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// Release names.
    #[arg(required = true)]
    names: Vec<String>,
    /// Namespace of the release.
    #[arg(short = 'n', long, default_value = "default", env = "HELM_NAMESPACE")]
    namespace: String,
    /// Keep the history (status uninstalled).
    #[arg(long)]
    keep_history: bool,
    /// Deletion propagation: background, foreground or orphan.
    #[arg(long, default_value = "background")]
    cascade: String,
    /// A missing release is not an error.
    #[arg(long)]
    ignore_not_found: bool,
    /// Simulate the uninstall.
    #[arg(long)]
    dry_run: bool,
    /// Wait until the objects are gone.
    #[arg(long)]
    wait: bool,
    /// How long hooks and waiting may take (Go duration).
    #[arg(long, default_value = "5m0s")]
    timeout: String,
    /// Do not run hooks.
    #[arg(long)]
    no_hooks: bool,
    /// A custom description.
    #[arg(long, default_value = "")]
    description: String,
}

fn wait(on: bool) -> i32 {
    if on {
        WaitStrategy::Watcher as i32
    } else {
        WaitStrategy::HookOnly as i32
    }
}

/// Runs `helmctl rollback`.
pub async fn rollback(conn: &Connection, args: &RollbackArgs) -> Result<ExitCode> {
    let request = RollbackReleaseRequest {
        namespace: args.namespace.clone(),
        name: args.name.clone(),
        revision: args.revision.unwrap_or(0),
        dry_run: if args.dry_run {
            DryRun::Client
        } else {
            DryRun::Unspecified
        } as i32,
        max_history: Some(args.history_max),
        wait: wait(args.wait),
        wait_for_jobs: args.wait_for_jobs,
        timeout: Some(timeout(&args.timeout)?),
        cleanup_on_fail: args.cleanup_on_fail,
        disable_hooks: args.no_hooks,
        force_conflicts: args.force_conflicts,
        force_replace: args.force_replace,
        retries: args.retry.retries,
        retry_backoff: args.retry.backoff()?,
        recover: args.retry.recover,
        apply_method: crate::server_side::for_change(args.server_side.as_deref())? as i32,
        ..RollbackReleaseRequest::default()
    };
    let client = Client::connect(&conn.config()?).await?;
    let stream = client
        .releases()
        .rollback_release(request)
        .await?
        .into_inner();
    Ok(match follow(stream).await? {
        Finished::Release(_) | Finished::Nothing => {
            println!("Rollback was a success! Happy Helming!");
            ExitCode::SUCCESS
        }
        Finished::Error { message, .. } => {
            eprintln!("helmctl: error: {message}");
            ExitCode::FAILURE
        }
    })
}

/// Runs `helmctl uninstall`.
pub async fn uninstall(conn: &Connection, args: &UninstallArgs) -> Result<ExitCode> {
    let cascade = match args.cascade.as_str() {
        "background" => CascadePolicy::Background,
        "foreground" => CascadePolicy::Foreground,
        "orphan" => CascadePolicy::Orphan,
        other => anyhow::bail!(
            "invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\""
        ),
    };
    let client = Client::connect(&conn.config()?).await?;
    let mut code = ExitCode::SUCCESS;
    for name in &args.names {
        let request = UninstallReleaseRequest {
            namespace: args.namespace.clone(),
            name: name.clone(),
            description: args.description.clone(),
            keep_history: args.keep_history,
            cascade: cascade as i32,
            ignore_not_found: args.ignore_not_found,
            dry_run: args.dry_run,
            wait: wait(args.wait),
            timeout: Some(timeout(&args.timeout)?),
            disable_hooks: args.no_hooks,
            ..UninstallReleaseRequest::default()
        };
        let stream = client
            .releases()
            .uninstall_release(request)
            .await?
            .into_inner();
        match follow(stream).await? {
            Finished::Release(_) => println!("release {name:?} uninstalled"),
            Finished::Nothing => {}
            Finished::Error { message, .. } => {
                eprintln!("helmctl: error: {message}");
                code = ExitCode::FAILURE;
            }
        }
    }
    Ok(code)
}
