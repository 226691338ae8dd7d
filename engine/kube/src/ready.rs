//! Whether a live object is ready, judged from its status alone as Helm v4's
//! waiter (kstatus, plus Helm's own Job and Pod rules) judges it: pure functions.

mod pods;
mod workloads;

use kube::api::DynamicObject;
use serde_json::Value;

pub(crate) use pods::pod_failure;
use pods::{job_started, job_to_completion, pod};
use workloads::{daemon_set, deployment, replica_set, stateful_set};

/// Where an object stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Health {
    /// Ready: what the release asked for is there.
    Ready,
    /// Not ready yet; its controllers are working on it.
    Progressing,
    /// Stuck: it will not become ready without someone acting.
    Failed,
    /// It does not exist.
    Missing,
    /// Its state could not be read or understood.
    Unknown,
    /// It is being deleted.
    Terminating,
}

/// An object's health and why, in a few words (`1 of 2 replicas available`);
/// the message never names the object itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// Where it stands.
    pub health: Health,
    /// Why.
    pub message: String,
}

impl Readiness {
    /// A readiness of `health` because of `message`.
    pub fn new(health: Health, message: impl Into<String>) -> Readiness {
        Readiness {
            health,
            message: message.into(),
        }
    }

    /// Whether the object is ready.
    pub fn is_ready(&self) -> bool {
        self.health == Health::Ready
    }
}

fn ready(message: impl Into<String>) -> Readiness {
    Readiness::new(Health::Ready, message)
}

fn progressing(message: impl Into<String>) -> Readiness {
    Readiness::new(Health::Progressing, message)
}

fn failed(message: impl Into<String>) -> Readiness {
    Readiness::new(Health::Failed, message)
}

/// The readiness of `object`, of `kind` in API `group` (`""` for core), as
/// `helm install --wait` judges it; Jobs must complete only when `wait_for_jobs`
/// (else a started Job is ready, as in kstatus).
pub fn readiness(
    group: &str,
    kind: &str,
    object: &DynamicObject,
    wait_for_jobs: bool,
) -> Readiness {
    if let Some(r) = generic(object) {
        return r;
    }
    let status = &object.data["status"];
    match (group, kind) {
        ("apps" | "extensions", "Deployment") => deployment(object),
        ("apps", "StatefulSet") => stateful_set(object),
        ("apps" | "extensions", "DaemonSet") => daemon_set(object),
        ("apps" | "extensions", "ReplicaSet") => replica_set(object),
        ("", "Pod") => pod(status),
        ("batch", "Job") if wait_for_jobs => job_to_completion(object),
        ("batch", "Job") => job_started(object),
        ("", "PersistentVolumeClaim") => match str_at(status, "phase") {
            Some("Bound") => ready("bound"),
            phase => progressing(format!("{}, not Bound", phase.unwrap_or("Pending"))),
        },
        ("", "Service") => service(object),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(status),
        ("", "Namespace") => match str_at(status, "phase") {
            Some("Active") | None => ready("active"),
            Some("Terminating") => Readiness::new(Health::Terminating, "terminating"),
            Some(other) => progressing(other.to_owned()),
        },
        _ => ready_condition(status),
    }
}

/// The readiness of a hook as Helm's `WatchUntilReady` judges it: a Job when it
/// has completed, a Pod when it has succeeded, anything else once it exists.
pub fn hook_readiness(group: &str, kind: &str, object: &DynamicObject) -> Readiness {
    let status = &object.data["status"];
    match (group, kind) {
        ("batch", "Job") => job_to_completion(object),
        ("", "Pod") => match str_at(status, "phase") {
            Some("Succeeded") => ready("succeeded"),
            Some("Failed") => failed(pod_failure(status)),
            Some(phase) => progressing(format!("{phase}, not yet Succeeded")),
            None => progressing("not yet scheduled"),
        },
        _ => ready("created"),
    }
}

/// kstatus's rules for every kind: deletion, an unobserved generation, and the
/// `Stalled`/`Reconciling` conditions.
fn generic(object: &DynamicObject) -> Option<Readiness> {
    if object.metadata.deletion_timestamp.is_some() {
        return Some(Readiness::new(Health::Terminating, "being deleted"));
    }
    let status = &object.data["status"];
    if let (Some(generation), Some(observed)) = (
        object.metadata.generation,
        status["observedGeneration"].as_i64(),
    ) && observed < generation
    {
        return Some(progressing(format!(
            "generation {generation} not yet observed by its controller (observed {observed})"
        )));
    }
    if let Some(c) = condition(status, "Stalled", "True") {
        return Some(failed(c));
    }
    condition(status, "Reconciling", "True").map(progressing)
}

/// `reason: message` of the condition of `kind` when its status is `status`.
fn condition(status: &Value, kind: &str, want: &str) -> Option<String> {
    conditions(status)
        .find(|c| c["type"] == kind && c["status"] == want)
        .map(explain)
}

fn conditions(status: &Value) -> impl Iterator<Item = &Value> {
    status["conditions"].as_array().into_iter().flatten()
}

/// A condition's `reason: message`, whichever of them it has.
fn explain(c: &Value) -> String {
    let reason = c["reason"].as_str().unwrap_or_default();
    let message = c["message"].as_str().unwrap_or_default();
    match (reason.is_empty(), message.is_empty()) {
        (false, false) => format!("{reason}: {message}"),
        (false, true) => reason.to_owned(),
        (true, false) => message.to_owned(),
        (true, true) => format!(
            "{} is {}",
            c["type"].as_str().unwrap_or_default(),
            c["status"].as_str().unwrap_or_default()
        ),
    }
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v[key].as_str()
}

fn int_at(v: &Value, key: &str, default: i64) -> i64 {
    v[key].as_i64().unwrap_or(default)
}

/// Replica counts compared in kstatus's order; the first shortfall is the answer.
fn shortfall(checks: &[(i64, i64, &str)]) -> Option<Readiness> {
    checks
        .iter()
        .find(|(have, want, _)| have < want)
        .map(|(have, want, what)| progressing(format!("{have} of {want} {what}")))
}

fn service(object: &DynamicObject) -> Readiness {
    let (spec, status) = (&object.data["spec"], &object.data["status"]);
    if spec["type"] != "LoadBalancer" {
        return ready("ready");
    }
    if str_at(spec, "clusterIP").unwrap_or_default().is_empty() {
        return progressing("no cluster IP yet");
    }
    let address = status["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|i| {
            [str_at(i, "ip"), str_at(i, "hostname")]
                .into_iter()
                .flatten()
                .find(|a| !a.is_empty())
        });
    match address {
        Some(a) => ready(format!("load balancer at {a}")),
        None => progressing("waiting for a load balancer address"),
    }
}

fn crd(status: &Value) -> Readiness {
    if let Some(c) = condition(status, "NamesAccepted", "False") {
        return failed(c);
    }
    if condition(status, "Established", "True").is_some() {
        return ready("established");
    }
    match conditions(status).find(|c| c["type"] == "Established" && c["status"] == "False") {
        Some(c) if c["reason"] != "Installing" => failed(explain(c)),
        _ => progressing("not yet established"),
    }
}

/// Any other kind: ready unless it has a `Ready` condition that is not `True`.
fn ready_condition(status: &Value) -> Readiness {
    match conditions(status).find(|c| c["type"] == "Ready") {
        None => ready("exists"),
        Some(c) if c["status"] == "True" => ready("Ready"),
        Some(c) => progressing(format!(
            "Ready is {}: {}",
            c["status"].as_str().unwrap_or("Unknown"),
            explain(c)
        )),
    }
}

#[cfg(test)]
mod tests;
