//! Readiness of Pods and Jobs: the phase, conditions and container states that
//! say a pod is ready, done or failed, and why.

use kube::api::DynamicObject;
use serde_json::Value;

use super::{Health, Readiness, condition, failed, int_at, progressing, ready, str_at};

pub(super) fn pod(status: &Value) -> Readiness {
    match str_at(status, "phase") {
        Some("Succeeded") => ready("succeeded"),
        Some("Failed") => failed(pod_failure(status)),
        Some("Running") => {
            if condition(status, "Ready", "True").is_some() {
                return ready("running and ready");
            }
            let looping = waiting_containers(status, |reason| reason == "CrashLoopBackOff");
            if !looping.is_empty() {
                return failed(looping.join(", "));
            }
            progressing("running, not ready")
        }
        Some("Pending") => {
            if let Some(c) = condition(status, "PodScheduled", "False") {
                return progressing(format!("not scheduled: {c}"));
            }
            let waiting = waiting_containers(status, |_| true);
            if waiting.is_empty() {
                progressing("pending")
            } else {
                progressing(format!("pending: {}", waiting.join(", ")))
            }
        }
        Some(other) => Readiness::new(Health::Unknown, format!("unknown phase {other:?}")),
        None => progressing("not yet scheduled"),
    }
}

/// `container "x" <reason>` for each container waiting for a reason `pick` accepts.
fn waiting_containers(status: &Value, pick: impl Fn(&str) -> bool) -> Vec<String> {
    status["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let reason = c["state"]["waiting"]["reason"].as_str()?;
            pick(reason).then(|| format!("container {} {reason}", c["name"]))
        })
        .collect()
}

/// Why a pod failed: its own reason (eviction, deadline) and each container that
/// ended badly, with its reason and exit code.
pub(crate) fn pod_failure(status: &Value) -> String {
    let mut why = Vec::new();
    if let Some(reason) = str_at(status, "reason") {
        match str_at(status, "message") {
            Some(message) => why.push(format!("{reason}: {message}")),
            None => why.push(reason.to_owned()),
        }
    }
    let containers = ["initContainerStatuses", "containerStatuses"]
        .into_iter()
        .flat_map(|key| status[key].as_array().into_iter().flatten());
    for c in containers {
        let terminated = [&c["state"]["terminated"], &c["lastState"]["terminated"]]
            .into_iter()
            .find(|t| t["exitCode"].as_i64().is_some_and(|code| code != 0));
        if let Some(t) = terminated {
            why.push(format!(
                "container {} terminated: {} (exit code {})",
                c["name"],
                str_at(t, "reason").unwrap_or("Error"),
                t["exitCode"]
            ));
        }
    }
    if why.is_empty() {
        "Failed".to_owned()
    } else {
        why.join("; ")
    }
}

fn job_counts(object: &DynamicObject) -> (i64, i64, i64, i64) {
    let (spec, status) = (&object.data["spec"], &object.data["status"]);
    let parallelism = int_at(spec, "parallelism", 1);
    (
        int_at(status, "succeeded", 0),
        int_at(spec, "completions", parallelism),
        int_at(status, "active", 0),
        int_at(status, "failed", 0),
    )
}

/// Helm's Job rule for `--wait-for-jobs` and hooks: ready once complete.
pub(super) fn job_to_completion(object: &DynamicObject) -> Readiness {
    let status = &object.data["status"];
    let (succeeded, completions, active, failed_pods) = job_counts(object);
    if let Some(r) = job_end(status, succeeded, completions) {
        return r;
    }
    progressing(format!(
        "{succeeded} of {completions} completions, {active} active, {failed_pods} failed"
    ))
}

/// kstatus's Job rule: ready once started (or finished, or suspended).
pub(super) fn job_started(object: &DynamicObject) -> Readiness {
    let status = &object.data["status"];
    let (succeeded, completions, active, _) = job_counts(object);
    if let Some(r) = job_end(status, succeeded, completions) {
        return r;
    }
    if condition(status, "Suspended", "True").is_some() {
        return ready("suspended");
    }
    if status["startTime"].is_null() {
        return progressing("not started");
    }
    ready(format!(
        "started: {active} active, {succeeded} of {completions} completions"
    ))
}

fn job_end(status: &Value, succeeded: i64, completions: i64) -> Option<Readiness> {
    if condition(status, "Complete", "True").is_some() {
        return Some(ready(format!(
            "complete: {succeeded} of {completions} succeeded"
        )));
    }
    condition(status, "Failed", "True").map(failed)
}
