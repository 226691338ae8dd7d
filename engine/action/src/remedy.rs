//! What happens when a change goes wrong: retries with back-off, the rollback
//! strategy of an upgrade, the checks a rollback target must pass before anything
//! changes, and the recovery of a release a stopped process left pending.

use std::time::Duration;

use helmd_kube::Owner;
use helmd_release::Status;

use crate::Release;
use crate::common::{Context, Settings, set_status, status_of};
use crate::error::{Error, Result};
use crate::events::Stage;
use crate::ordered::Change;

/// The most retries a request may ask for.
pub const MAX_RETRIES: u32 = 10;
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// The wait before the first retry when the request names none.
pub const DEFAULT_BACKOFF: Duration = Duration::from_secs(2);

/// How often a failed action is tried again, and how long it waits first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts after the first (at most [`MAX_RETRIES`]).
    pub retries: u32,
    /// The wait before the first retry; it doubles each time, up to [`MAX_BACKOFF`].
    pub backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            retries: 0,
            backoff: DEFAULT_BACKOFF,
        }
    }
}

/// The attempts of one action.
#[derive(Debug)]
pub(crate) struct Attempts {
    retry: Retry,
    made: u32,
    wait: Duration,
}

impl Attempts {
    pub(crate) fn new(retry: Retry) -> Attempts {
        Attempts {
            retry,
            made: 1,
            wait: retry.backoff.min(MAX_BACKOFF),
        }
    }

    /// Whether the attempt running now is the first.
    pub(crate) fn first(&self) -> bool {
        self.made == 1
    }

    /// After a failed attempt: `true` (once the back-off passed) when another one
    /// may run, `false` when none are left. Events count the attempts.
    pub(crate) async fn again(&mut self, ctx: &Context, action: &str, e: &Error) -> bool {
        let total = self.retry.retries + 1;
        if self.made >= total {
            if total > 1 {
                ctx.events.stage(
                    Stage::RecoveringFromFailure,
                    format!(
                        "{action} attempt {} of {total} failed: {e}; no retries left",
                        self.made
                    ),
                );
            }
            return false;
        }
        ctx.events.stage(
            Stage::RecoveringFromFailure,
            format!(
                "{action} attempt {} of {total} failed: {e}; retrying in {:?}",
                self.made, self.wait
            ),
        );
        tokio::time::sleep(self.wait).await;
        self.wait = (self.wait * 2).min(MAX_BACKOFF);
        self.made += 1;
        ctx.events.stage(
            Stage::RecoveringFromFailure,
            format!("{action} attempt {} of {total}", self.made),
        );
        true
    }
}

/// What an upgrade does when it fails, and whether an upgrade to an earlier chart
/// version is a rollback (the proto's RollbackStrategy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Strategy {
    /// `rollback_on_failure` decides.
    #[default]
    Unspecified,
    /// Roll back to the last successful revision.
    Automatic,
    /// Leave the release failed; report the revision a rollback would restore.
    Manual,
    /// An earlier chart version rolls back to its revision; failures as automatic
    /// with `rollback_on_failure`, else as manual.
    Version,
}

/// What to do after the last attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OnFailure {
    /// Leave it failed (Helm without `--rollback-on-failure`).
    Fail,
    /// Roll back (or uninstall a failed install).
    RollBack,
    /// Leave it failed and name the rollback target.
    Report,
}

impl Strategy {
    /// Refuses contradictory requests: manual with rollback-on-failure.
    pub fn check(self, rollback_on_failure: bool) -> Result<()> {
        if self == Strategy::Manual && rollback_on_failure {
            return Err(Error::InvalidRequest {
                field: "rollback_strategy".into(),
                message: "a manual rollback strategy leaves a failed release as it is; it cannot be combined with rollback_on_failure".into(),
            });
        }
        Ok(())
    }

    pub(crate) fn on_failure(self, rollback_on_failure: bool) -> OnFailure {
        match (self, rollback_on_failure) {
            (Strategy::Automatic, _) | (Strategy::Unspecified | Strategy::Version, true) => {
                OnFailure::RollBack
            }
            (Strategy::Manual, _) | (Strategy::Version, false) => OnFailure::Report,
            (Strategy::Unspecified, false) => OnFailure::Fail,
        }
    }
}

/// The failure of `failed`, the release left failed, with the revision a rollback
/// would restore named (event and error).
pub(crate) async fn report(
    ctx: &Context,
    namespace: &str,
    name: &str,
    failed: i64,
    e: Error,
) -> Error {
    let history: Vec<Release> = ctx.history(namespace, name).await.unwrap_or_default();
    let statuses: Vec<(i64, Status)> = history.iter().map(|r| (r.version, status_of(r))).collect();
    let target = crate::decide::last_successful(&statuses, failed);
    let what = match target {
        Some(t) => format!("a rollback would restore revision {t}"),
        None => "no earlier revision can be restored".to_owned(),
    };
    ctx.events.stage(
        Stage::RecoveringFromFailure,
        format!("rollback strategy manual: the release stays failed; {what}"),
    );
    Error::LeftFailed {
        message: format!("{e}; the release is left failed (rollback strategy manual): {what}"),
        rollback_revision: target,
        cause: Box::new(e),
    }
}

/// Checks that `change.target` (objects built from revision `record`'s manifest) can
/// be restored on the cluster as it is now: the chart's `kubeVersion` admits the
/// cluster and the cluster accepts every object (a server-side dry run of how the
/// rollback sends it — replaced with `force_replace`, client-side over the current
/// objects, else applied with conflicts forced so only validity counts). Anything else is [`Error::InvalidTarget`] on
/// `field`.
pub(crate) async fn check_target(
    ctx: &Context,
    field: &str,
    record: &Release,
    change: Change<'_>,
    owner: &Owner,
    settings: &Settings,
) -> Result<()> {
    let invalid = |message: String| Error::InvalidTarget {
        field: field.to_owned(),
        revision: record.version,
        message: format!("revision {} cannot be restored: {message}", record.version),
    };
    let constraint = record
        .chart
        .as_ref()
        .and_then(|c| c.metadata.as_ref())
        .map(|m| m.kube_version.clone())
        .unwrap_or_default();
    if !constraint.is_empty() {
        let version = ctx.kube.version();
        let admits = helmd_semver::Version::parse(&version).is_some_and(|v| {
            helmd_semver::Constraint::parse(&constraint).is_ok_and(|c| c.matches(&v))
        });
        if !admits {
            return Err(invalid(format!(
                "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {version}"
            )));
        }
    }
    let settings = Settings {
        force_conflicts: !settings.force_replace && change.applying.server_side,
        ..settings.clone()
    };
    ctx.dry_run(
        change.current,
        change.target,
        owner,
        &settings,
        change.applying,
    )
    .await
    .map_err(|e| invalid(e.to_string()))
}

/// Marks a revision a stopped process left pending as failed, saying why; the
/// revision, when there was one. Helm's storage is updated like any other record.
pub async fn recover(ctx: &Context, namespace: &str, name: &str) -> Result<Option<(i64, Status)>> {
    let history = ctx.history(namespace, name).await?;
    let Some(mut latest) = history.into_iter().last() else {
        return Ok(None);
    };
    let status = status_of(&latest);
    if !status.is_pending() {
        return Ok(None);
    }
    ctx.events.stage(
        Stage::RecoveringFromFailure,
        format!(
            "recovering revision {} left {status}: marking it failed",
            latest.version
        ),
    );
    let description = format!(
        "Interrupted: revision {} was left {status} by an operation that did not finish; marked failed by a recover request",
        latest.version
    );
    set_status(&mut latest, Status::Failed, description);
    ctx.store.update(&latest).await?;
    Ok(Some((latest.version, status)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies_decide_what_a_last_failure_does() {
        use Strategy::*;
        assert_eq!(Unspecified.on_failure(false), OnFailure::Fail);
        assert_eq!(Unspecified.on_failure(true), OnFailure::RollBack);
        assert_eq!(Automatic.on_failure(false), OnFailure::RollBack);
        assert_eq!(Manual.on_failure(false), OnFailure::Report);
        assert_eq!(Version.on_failure(false), OnFailure::Report);
        assert_eq!(Version.on_failure(true), OnFailure::RollBack);
        assert!(Manual.check(true).is_err());
        assert!(Manual.check(false).is_ok());
        assert!(Automatic.check(true).is_ok());
    }

    #[test]
    fn the_back_off_doubles_up_to_its_bound() {
        let mut a = Attempts::new(Retry {
            retries: 3,
            backoff: Duration::from_secs(200),
        });
        assert!(a.first());
        assert_eq!(a.wait, Duration::from_secs(200));
        a.wait = (a.wait * 2).min(MAX_BACKOFF);
        assert_eq!(a.wait, MAX_BACKOFF);
    }
}
