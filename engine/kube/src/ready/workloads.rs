//! Readiness of the workload controllers' objects: Deployments, StatefulSets,
//! DaemonSets and ReplicaSets, by their replica counts as kstatus compares them.

use kube::api::DynamicObject;

use super::{
    Readiness, condition, conditions, explain, failed, int_at, progressing, ready, shortfall,
    str_at,
};

pub(super) fn deployment(object: &DynamicObject) -> Readiness {
    let (spec, status) = (&object.data["spec"], &object.data["status"]);
    if spec["paused"] == true {
        return ready("paused: not waited for");
    }
    if let Some(c) = conditions(status)
        .find(|c| c["type"] == "Progressing" && c["reason"] == "ProgressDeadlineExceeded")
    {
        return failed(format!("progress deadline exceeded: {}", explain(c)));
    }
    let want = int_at(spec, "replicas", 1);
    let replicas = int_at(status, "replicas", 0);
    let updated = int_at(status, "updatedReplicas", 0);
    let available = int_at(status, "availableReplicas", 0);
    let ready_replicas = int_at(status, "readyReplicas", 0);
    if let Some(r) = shortfall(&[
        (replicas, want, "replicas created"),
        (updated, want, "replicas updated"),
    ]) {
        return r;
    }
    if replicas > want {
        return progressing(format!(
            "{} old replicas pending termination",
            replicas - want
        ));
    }
    if let Some(r) = shortfall(&[
        (available, updated, "replicas available"),
        (ready_replicas, want, "replicas ready"),
    ]) {
        return r;
    }
    // Without a progress deadline the controller sets no Progressing condition.
    let deadline = spec["progressDeadlineSeconds"]
        .as_i64()
        .is_some_and(|s| s != i64::from(i32::MAX));
    let new_replica_set_available = conditions(status).any(|c| {
        c["type"] == "Progressing"
            && c["status"] == "True"
            && c["reason"] == "NewReplicaSetAvailable"
    });
    if deadline && !new_replica_set_available {
        return progressing("waiting for the new ReplicaSet to be available");
    }
    if condition(status, "Available", "True").is_none() {
        return progressing("waiting for minimum availability");
    }
    ready(format!("{available} of {want} replicas available"))
}

pub(super) fn stateful_set(object: &DynamicObject) -> Readiness {
    let (spec, status) = (&object.data["spec"], &object.data["status"]);
    if spec["updateStrategy"]["type"] == "OnDelete" {
        return ready("OnDelete update strategy: not waited for");
    }
    let want = int_at(spec, "replicas", 1);
    let replicas = int_at(status, "replicas", 0);
    let updated = int_at(status, "updatedReplicas", 0);
    if let Some(r) = shortfall(&[
        (replicas, want, "replicas created"),
        (int_at(status, "readyReplicas", 0), want, "replicas ready"),
    ]) {
        return r;
    }
    if replicas > want {
        return progressing(format!(
            "{} old replicas pending termination",
            replicas - want
        ));
    }
    if let Some(partition) = spec["updateStrategy"]["rollingUpdate"]["partition"].as_i64() {
        return shortfall(&[(updated, want - partition, "replicas updated")]).unwrap_or_else(
            || ready(format!("{updated} replicas updated (partitioned roll out)")),
        );
    }
    if let Some(r) = shortfall(&[(
        int_at(status, "currentReplicas", 0),
        want,
        "replicas at the current revision",
    )]) {
        return r;
    }
    let current = str_at(status, "currentRevision").unwrap_or_default();
    let update = str_at(status, "updateRevision").unwrap_or_default();
    if current != update {
        return progressing(format!(
            "waiting for revision {update} to replace {current}"
        ));
    }
    ready(format!("{want} of {want} replicas ready"))
}

pub(super) fn daemon_set(object: &DynamicObject) -> Readiness {
    let status = &object.data["status"];
    if object.metadata.generation.is_none() || status["observedGeneration"].as_i64().is_none() {
        return progressing("not yet observed by its controller");
    }
    let Some(desired) = status["desiredNumberScheduled"].as_i64() else {
        return progressing("not yet observed by its controller");
    };
    shortfall(&[
        (
            int_at(status, "currentNumberScheduled", 0),
            desired,
            "pods scheduled",
        ),
        (
            int_at(status, "updatedNumberScheduled", 0),
            desired,
            "pods updated",
        ),
        (
            int_at(status, "numberAvailable", 0),
            desired,
            "pods available",
        ),
        (int_at(status, "numberReady", 0), desired, "pods ready"),
    ])
    .unwrap_or_else(|| ready(format!("{desired} of {desired} pods available")))
}

pub(super) fn replica_set(object: &DynamicObject) -> Readiness {
    let (spec, status) = (&object.data["spec"], &object.data["status"]);
    if let Some(c) = condition(status, "ReplicaFailure", "True") {
        return progressing(format!("replica failure: {c}"));
    }
    let want = int_at(spec, "replicas", 1);
    let replicas = int_at(status, "replicas", 0);
    if let Some(r) = shortfall(&[
        (
            int_at(status, "fullyLabeledReplicas", 0),
            want,
            "replicas labelled",
        ),
        (
            int_at(status, "availableReplicas", 0),
            want,
            "replicas available",
        ),
        (int_at(status, "readyReplicas", 0), want, "replicas ready"),
    ]) {
        return r;
    }
    if replicas > want {
        return progressing(format!(
            "{} old replicas pending termination",
            replicas - want
        ));
    }
    ready(format!("{want} of {want} replicas available"))
}
