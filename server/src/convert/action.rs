//! Release-action requests as `helmd_action` options, and what actions report
//! (events, outcomes, errors) as `OperationEvent` payloads.

use std::time::Duration;

use helmd_action::{
    ApplyMethod, DryRun, Event, ObjectRef, Outcome, PreviousValues, Settings, Stage, Wait,
};
use helmd_kube::{Health, Propagation};
use helmd_proto::v1 as pb;
use prost::Message;

use crate::convert::release as rel;
use crate::error::{Error, Result};

/// Now as a protobuf Timestamp.
pub fn now() -> prost_types::Timestamp {
    let t = time::OffsetDateTime::now_utc();
    prost_types::Timestamp {
        seconds: t.unix_timestamp(),
        nanos: i32::try_from(t.nanosecond()).unwrap_or(0),
    }
}

/// A request's timeout: unset is Helm's 5 minutes; negative or over a day refused.
pub fn timeout(field: &str, t: Option<&prost_types::Duration>) -> Result<Duration> {
    match t {
        None => Ok(Duration::from_secs(300)),
        Some(t) => bounded(field, t, Duration::from_secs(86_400), "24h"),
    }
}

/// A positive duration of at most `max` (named `max_text` in the error).
fn bounded(
    field: &str,
    t: &prost_types::Duration,
    max: Duration,
    max_text: &str,
) -> Result<Duration> {
    if t.seconds < 0 || t.nanos < 0 || (t.seconds == 0 && t.nanos == 0) {
        return Err(Error::invalid(field, "must be positive"));
    }
    let d = Duration::new(
        u64::try_from(t.seconds).unwrap_or(u64::MAX),
        u32::try_from(t.nanos).unwrap_or(0),
    );
    if d > max {
        return Err(Error::invalid(field, format!("must be at most {max_text}")));
    }
    Ok(d)
}

/// The wait strategy.
pub fn wait(w: pb::WaitStrategy) -> Wait {
    match w {
        pb::WaitStrategy::Watcher => Wait::Watcher,
        pb::WaitStrategy::Legacy => Wait::Legacy,
        pb::WaitStrategy::Unspecified | pb::WaitStrategy::HookOnly => Wait::HookOnly,
    }
}

/// The dry-run mode.
pub fn dry_run(d: pb::DryRun) -> DryRun {
    match d {
        pb::DryRun::Unspecified => DryRun::None,
        pb::DryRun::Client => DryRun::Client,
        pb::DryRun::Server => DryRun::Server,
    }
}

/// The previous-values rule.
pub fn previous_values(p: pb::PreviousValues) -> PreviousValues {
    match p {
        pb::PreviousValues::Unspecified => PreviousValues::Default,
        pb::PreviousValues::Reset => PreviousValues::Reset,
        pb::PreviousValues::Reuse => PreviousValues::Reuse,
        pb::PreviousValues::ResetThenReuse => PreviousValues::ResetThenReuse,
    }
}

/// The deletion propagation.
pub fn cascade(c: pb::CascadePolicy) -> Propagation {
    match c {
        pb::CascadePolicy::Unspecified | pb::CascadePolicy::Background => Propagation::Background,
        pb::CascadePolicy::Foreground => Propagation::Foreground,
        pb::CascadePolicy::Orphan => Propagation::Orphan,
    }
}

/// `max_history`: unset is Helm's 10, negative refused, 0 unlimited.
pub fn max_history(m: Option<i32>) -> Result<i64> {
    match m {
        None => Ok(10),
        Some(n) if n < 0 => Err(Error::invalid("max_history", "must not be negative")),
        Some(n) => Ok(i64::from(n)),
    }
}

/// The apply method (Helm's `--server-side=auto|true|false`); `force_conflicts` with
/// client-side apply is refused as Helm refuses it.
pub fn apply_method(m: pb::ApplyMethod, force_conflicts: bool) -> Result<ApplyMethod> {
    match m {
        pb::ApplyMethod::Unspecified => Ok(ApplyMethod::Auto),
        pb::ApplyMethod::ServerSide => Ok(ApplyMethod::ServerSide),
        pb::ApplyMethod::ClientSide if force_conflicts => Err(Error::invalid(
            "force_conflicts",
            helmd_action::FORCE_CONFLICTS_NEEDS_SERVER_SIDE,
        )),
        pb::ApplyMethod::ClientSide => Ok(ApplyMethod::ClientSide),
    }
}

/// The retry settings: at most [`helmd_action::MAX_RETRIES`] retries, a back-off
/// that is positive and at most [`helmd_action::MAX_BACKOFF`].
pub fn retry(retries: u32, backoff: Option<&prost_types::Duration>) -> Result<helmd_action::Retry> {
    if retries > helmd_action::MAX_RETRIES {
        return Err(Error::invalid(
            "retries",
            format!("must be at most {}", helmd_action::MAX_RETRIES),
        ));
    }
    let backoff = match backoff {
        None => helmd_action::DEFAULT_BACKOFF,
        Some(b) => bounded("retry_backoff", b, helmd_action::MAX_BACKOFF, "5m")?,
    };
    Ok(helmd_action::Retry { retries, backoff })
}

/// The rollback strategy.
pub fn rollback_strategy(s: pb::RollbackStrategy) -> helmd_action::Strategy {
    match s {
        pb::RollbackStrategy::Unspecified => helmd_action::Strategy::Unspecified,
        pb::RollbackStrategy::Automatic => helmd_action::Strategy::Automatic,
        pb::RollbackStrategy::Manual => helmd_action::Strategy::Manual,
        pb::RollbackStrategy::Version => helmd_action::Strategy::Version,
    }
}

/// Settings shared by install, upgrade and rollback.
pub fn settings(
    timeout_field: &str,
    t: Option<&prost_types::Duration>,
    w: pb::WaitStrategy,
    wait_for_jobs: bool,
    disable_hooks: bool,
    force_conflicts: bool,
    description: &str,
) -> Result<Settings> {
    Ok(Settings {
        timeout: timeout(timeout_field, t)?,
        wait: wait(w),
        wait_for_jobs,
        disable_hooks,
        force_conflicts,
        force_replace: false,
        apply_method: ApplyMethod::Auto,
        description: description.to_owned(),
        retry: helmd_action::Retry::default(),
    })
}

/// `force_replace`, refused with `force_conflicts` or an explicit server-side apply
/// (Helm's words: its `--force-replace` excludes both).
pub fn force_replace(
    force_replace: bool,
    force_conflicts: bool,
    method: pb::ApplyMethod,
) -> Result<bool> {
    if !force_replace {
        return Ok(false);
    }
    if force_conflicts {
        return Err(Error::invalid(
            "force_replace",
            "cannot use force conflicts and force replace together",
        ));
    }
    if method == pb::ApplyMethod::ServerSide {
        return Err(Error::invalid(
            "force_replace",
            "cannot use server-side apply and force replace together",
        ));
    }
    Ok(true)
}

fn stage(s: Stage) -> pb::OperationStage {
    match s {
        Stage::Rendering => pb::OperationStage::Rendering,
        Stage::Validating => pb::OperationStage::Validating,
        Stage::InstallingCrds => pb::OperationStage::InstallingCrds,
        Stage::RunningPreHooks => pb::OperationStage::RunningPreHooks,
        Stage::Applying => pb::OperationStage::Applying,
        Stage::Waiting => pb::OperationStage::Waiting,
        Stage::RunningPostHooks => pb::OperationStage::RunningPostHooks,
        Stage::Deleting => pb::OperationStage::Deleting,
        Stage::RunningTests => pb::OperationStage::RunningTests,
        Stage::RecoveringFromFailure => pb::OperationStage::RecoveringFromFailure,
        Stage::RecordingRelease => pb::OperationStage::RecordingRelease,
    }
}

/// A resource health as the proto's.
pub fn health(h: Health) -> pb::ResourceHealth {
    match h {
        Health::Ready => pb::ResourceHealth::Ready,
        Health::Progressing => pb::ResourceHealth::Progressing,
        Health::Failed => pb::ResourceHealth::Failed,
        Health::Missing => pb::ResourceHealth::Missing,
        Health::Unknown => pb::ResourceHealth::Unknown,
        Health::Terminating => pb::ResourceHealth::Terminating,
    }
}

/// An object reference as the proto's.
pub fn object(o: &ObjectRef) -> pb::ResourceReference {
    pb::ResourceReference {
        api_version: o.api_version.clone(),
        kind: o.kind.clone(),
        namespace: o.namespace.clone(),
        name: o.name.clone(),
    }
}

fn hook_phase(phase: &str) -> pb::HookPhase {
    match phase {
        "Running" => pb::HookPhase::Running,
        "Succeeded" => pb::HookPhase::Succeeded,
        "Failed" => pb::HookPhase::Failed,
        _ => pb::HookPhase::Unknown,
    }
}

/// An action's event as an `OperationEvent` payload.
pub fn event(e: Event) -> pb::operation_event::Payload {
    use pb::operation_event::Payload;
    match e {
        Event::Stage {
            stage: s,
            message,
            object: o,
            health: h,
            count,
        } => Payload::Progress(pb::OperationProgress {
            stage: stage(s) as i32,
            message,
            resource: o.as_ref().map(object),
            health: h.map_or(pb::ResourceHealth::Unspecified, health) as i32,
            completed: count.map_or(0, |c| u32::try_from(c.done).unwrap_or(u32::MAX)),
            total: count.map_or(0, |c| u32::try_from(c.total).unwrap_or(u32::MAX)),
        }),
        Event::Hook {
            name,
            object: o,
            event,
            phase,
            message,
        } => Payload::Hook(pb::HookProgress {
            name,
            resource: Some(object(&o)),
            event: rel::hook_events([event.as_str()])
                .first()
                .copied()
                .unwrap_or(0),
            phase: hook_phase(&phase) as i32,
            message,
        }),
        Event::Log {
            namespace,
            pod,
            container,
            text,
        } => Payload::Log(pb::PodLog {
            namespace,
            pod,
            container,
            text,
        }),
    }
}

/// A status as the `google.rpc.Status` message `finished` carries (details kept).
pub fn rpc_status(status: &tonic::Status) -> tonic_types::pb::Status {
    match tonic_types::pb::Status::decode(status.details()) {
        Ok(decoded) if decoded.code == status.code() as i32 => decoded,
        _ => tonic_types::pb::Status {
            code: status.code() as i32,
            message: status.message().to_owned(),
            details: vec![],
        },
    }
}

/// The `finished` payload of an operation's result.
pub fn finished(result: Result<Option<Outcome>>) -> pb::OperationFinished {
    use pb::operation_finished::Result as R;
    match result {
        Ok(Some(outcome)) => match rel::release(&outcome.release, true) {
            Ok(release) => pb::OperationFinished {
                result: Some(R::Release(release)),
                kept_resources: outcome.kept.iter().map(object).collect(),
            },
            Err(e) => pb::OperationFinished {
                result: Some(R::Error(rpc_status(&tonic::Status::from(e)))),
                kept_resources: vec![],
            },
        },
        Ok(None) => pb::OperationFinished {
            result: None,
            kept_resources: vec![],
        },
        Err(e) => pb::OperationFinished {
            result: Some(R::Error(rpc_status(&tonic::Status::from(e)))),
            kept_resources: vec![],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_and_their_back_off_are_bounded() {
        let d = |seconds| prost_types::Duration { seconds, nanos: 0 };
        assert_eq!(
            retry(0, None).expect("default").backoff,
            helmd_action::DEFAULT_BACKOFF
        );
        assert_eq!(
            retry(3, Some(&d(1))).expect("ok").backoff,
            Duration::from_secs(1)
        );
        for (retries, backoff, field) in [
            (11, None, "retries"),
            (1, Some(d(0)), "retry_backoff"),
            (1, Some(d(301)), "retry_backoff"),
            (1, Some(d(-1)), "retry_backoff"),
        ] {
            let err = retry(retries, backoff.as_ref()).expect_err("refused");
            assert!(err.to_string().contains(field), "{err}");
        }
    }

    #[test]
    fn force_replace_excludes_force_conflicts_and_explicit_server_side_apply() {
        let check = |replace, conflicts, method| force_replace(replace, conflicts, method);
        assert!(!check(false, true, pb::ApplyMethod::ServerSide).expect("off"));
        assert!(check(true, false, pb::ApplyMethod::Unspecified).expect("on"));
        for (conflicts, method, words) in [
            (true, pb::ApplyMethod::Unspecified, "force conflicts"),
            (false, pb::ApplyMethod::ServerSide, "server-side apply"),
        ] {
            let err = check(true, conflicts, method).expect_err("refused");
            assert!(
                err.to_string()
                    .contains(&format!("cannot use {words} and force replace together")),
                "{err}"
            );
        }
    }
}
