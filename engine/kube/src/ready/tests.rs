//! Table tests of readiness: one live object (as JSON) per case and the health and
//! message expected for it.

use serde_json::{Value, json};

use super::Health::{Failed, Progressing, Ready, Terminating};
use super::*;

/// Which rules judge the object.
#[derive(Clone, Copy)]
enum Rules {
    /// `--wait`.
    Wait,
    /// `--wait --wait-for-jobs`.
    WaitForJobs,
    /// A hook's `WatchUntilReady`.
    Hook,
}

/// Judges `body` (metadata, spec, status) as an object of `api_version` and `kind`
/// named `x` under `rules`.
fn check(rules: Rules, api_version: &str, kind: &str, body: Value, health: Health, message: &str) {
    let mut object = json!({"apiVersion": api_version, "kind": kind});
    if let (Some(o), Some(b)) = (object.as_object_mut(), body.as_object()) {
        o.extend(b.clone());
    }
    object["metadata"]["name"] = json!("x");
    let object: DynamicObject = serde_json::from_value(object).expect("a valid object");
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    let got = match rules {
        Rules::Wait => readiness(group, kind, &object, false),
        Rules::WaitForJobs => readiness(group, kind, &object, true),
        Rules::Hook => hook_readiness(group, kind, &object),
    };
    assert_eq!(got, Readiness::new(health, message), "{kind} {body}");
}

fn deployment(replicas: i64, status: Value) -> Value {
    json!({
        "metadata": {"generation": 1},
        "spec": {"replicas": replicas, "progressDeadlineSeconds": 600},
        "status": status,
    })
}

fn rolled_out(n: i64) -> Value {
    json!({
        "observedGeneration": 1, "replicas": n, "updatedReplicas": n,
        "readyReplicas": n, "availableReplicas": n,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
        ],
    })
}

#[test]
fn deployments_are_ready_when_every_replica_is_updated_and_available() {
    let d =
        |body, health, message| check(Rules::Wait, "apps/v1", "Deployment", body, health, message);
    d(
        deployment(2, rolled_out(2)),
        Ready,
        "2 of 2 replicas available",
    );
    let mut one_available = rolled_out(2);
    one_available["availableReplicas"] = json!(1);
    one_available["readyReplicas"] = json!(1);
    d(
        deployment(2, one_available),
        Progressing,
        "1 of 2 replicas available",
    );
    let never_ready = json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
        "unavailableReplicas": 1,
        "conditions": [{"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated"}]});
    d(
        deployment(1, never_ready),
        Progressing,
        "0 of 1 replicas available",
    );
    d(json!({"spec": {}}), Progressing, "0 of 1 replicas created");
    let mut unobserved = deployment(2, rolled_out(2));
    unobserved["metadata"]["generation"] = json!(2);
    let why = "generation 2 not yet observed by its controller (observed 1)";
    d(unobserved, Progressing, why);
    let mut surplus = rolled_out(3);
    surplus["updatedReplicas"] = json!(2);
    d(
        deployment(2, surplus),
        Progressing,
        "1 old replicas pending termination",
    );
    let mut updating = rolled_out(1);
    updating["conditions"][1]["reason"] = json!("ReplicaSetUpdated");
    let why = "waiting for the new ReplicaSet to be available";
    d(deployment(1, updating), Progressing, why);
    let mut unavailable = rolled_out(1);
    unavailable["conditions"][0]["status"] = json!("False");
    d(
        deployment(1, unavailable),
        Progressing,
        "waiting for minimum availability",
    );
}

#[test]
fn deployments_past_their_progress_deadline_fail_and_paused_ones_are_not_waited_for() {
    let d =
        |body, health, message| check(Rules::Wait, "apps/v1", "Deployment", body, health, message);
    let stuck = json!({"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
        "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
            "message": "ReplicaSet \"web-5d\" has timed out progressing."}]});
    let why = "progress deadline exceeded: \
               ProgressDeadlineExceeded: ReplicaSet \"web-5d\" has timed out progressing.";
    d(deployment(1, stuck), Failed, why);
    let mut paused = deployment(1, json!({}));
    paused["spec"]["paused"] = json!(true);
    d(paused, Ready, "paused: not waited for");
    let mut deleting = deployment(1, rolled_out(1));
    deleting["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
    d(deleting, Terminating, "being deleted");
}

#[test]
fn stateful_sets_wait_for_ready_and_updated_replicas_unless_updated_on_delete() {
    let s = |strategy: Value, status: Value, health, message| {
        let body = json!({"metadata": {"generation": 1},
            "spec": {"replicas": 2, "updateStrategy": strategy}, "status": status});
        check(Rules::Wait, "apps/v1", "StatefulSet", body, health, message)
    };
    let rolling = json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}});
    let unpartitioned = json!({"type": "RollingUpdate"});
    let done = json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 2,
        "currentReplicas": 2, "updatedReplicas": 2,
        "currentRevision": "web-1", "updateRevision": "web-1"});
    s(
        rolling.clone(),
        done.clone(),
        Ready,
        "2 replicas updated (partitioned roll out)",
    );
    let mut half = done.clone();
    half["updatedReplicas"] = json!(1);
    s(
        rolling.clone(),
        half,
        Progressing,
        "1 of 2 replicas updated",
    );
    let mut not_ready = done.clone();
    not_ready["readyReplicas"] = json!(0);
    s(rolling, not_ready, Progressing, "0 of 2 replicas ready");
    let mut old_revision = done.clone();
    old_revision["updateRevision"] = json!("web-2");
    let why = "waiting for revision web-2 to replace web-1";
    s(unpartitioned.clone(), old_revision, Progressing, why);
    s(unpartitioned, done, Ready, "2 of 2 replicas ready");
    let why = "OnDelete update strategy: not waited for";
    s(json!({"type": "OnDelete"}), json!({}), Ready, why);
}

#[test]
fn daemon_sets_and_replica_sets_count_their_pods() {
    let ds = |status: Value, health, message| {
        let body = json!({"metadata": {"generation": 1}, "status": status});
        check(Rules::Wait, "apps/v1", "DaemonSet", body, health, message)
    };
    ds(json!({}), Progressing, "not yet observed by its controller");
    let partial = json!({"observedGeneration": 1, "desiredNumberScheduled": 2,
        "currentNumberScheduled": 2, "updatedNumberScheduled": 2,
        "numberAvailable": 1, "numberReady": 1});
    ds(partial.clone(), Progressing, "1 of 2 pods available");
    let mut all = partial;
    all["numberAvailable"] = json!(2);
    all["numberReady"] = json!(2);
    ds(all, Ready, "2 of 2 pods available");

    let rs = |status: Value, health, message| {
        let body = json!({"spec": {"replicas": 2}, "status": status});
        check(Rules::Wait, "apps/v1", "ReplicaSet", body, health, message)
    };
    let counted = json!({"replicas": 2, "fullyLabeledReplicas": 2,
        "availableReplicas": 2, "readyReplicas": 2});
    rs(counted, Ready, "2 of 2 replicas available");
    let quota = json!({"conditions": [{"type": "ReplicaFailure", "status": "True",
        "reason": "FailedCreate", "message": "pods \"x-1\" is forbidden: exceeded quota"}]});
    let why = "replica failure: FailedCreate: pods \"x-1\" is forbidden: exceeded quota";
    rs(quota, Progressing, why);
}

#[test]
fn pods_are_ready_when_ready_or_succeeded_and_fail_when_failed_or_crash_looping() {
    let p = |rules, status: Value, health, message| {
        let body = json!({"spec": {"containers": [{"name": "main"}]}, "status": status});
        check(rules, "v1", "Pod", body, health, message)
    };
    let running = |ready: &str| json!({"phase": "Running", "conditions": [{"type": "Ready", "status": ready}]});
    p(Rules::Wait, running("True"), Ready, "running and ready");
    p(
        Rules::Wait,
        running("False"),
        Progressing,
        "running, not ready",
    );
    let mut looping = running("False");
    looping["containerStatuses"] = json!([{"name": "main", "restartCount": 3,
        "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}}}]);
    p(
        Rules::Wait,
        looping,
        Failed,
        "container \"main\" CrashLoopBackOff",
    );
    p(
        Rules::Wait,
        json!({"phase": "Succeeded"}),
        Ready,
        "succeeded",
    );
    let exited = json!({"phase": "Failed", "containerStatuses": [{"name": "main",
        "state": {"terminated": {"exitCode": 3, "reason": "Error"}}}]});
    let why = "container \"main\" terminated: Error (exit code 3)";
    p(Rules::Wait, exited.clone(), Failed, why);
    p(Rules::Hook, exited, Failed, why);
    let evicted = json!({"phase": "Failed", "reason": "Evicted",
        "message": "The node was low on resource: memory."});
    p(
        Rules::Wait,
        evicted,
        Failed,
        "Evicted: The node was low on resource: memory.",
    );
    let unschedulable = json!({"phase": "Pending", "conditions": [{"type": "PodScheduled",
        "status": "False", "reason": "Unschedulable", "message": "0/2 nodes are available"}]});
    let why = "not scheduled: Unschedulable: 0/2 nodes are available";
    p(Rules::Wait, unschedulable, Progressing, why);
    p(Rules::Wait, json!({}), Progressing, "not yet scheduled");
    p(
        Rules::Hook,
        running("True"),
        Progressing,
        "Running, not yet Succeeded",
    );
    p(
        Rules::Hook,
        json!({"phase": "Succeeded"}),
        Ready,
        "succeeded",
    );
}

#[test]
fn jobs_must_complete_for_wait_for_jobs_and_hooks_but_only_start_for_a_plain_wait() {
    let j = |rules, status: Value, health, message| {
        let body = json!({"spec": {"backoffLimit": 0}, "status": status});
        check(rules, "batch/v1", "Job", body, health, message)
    };
    let running = json!({"startTime": "2026-01-01T00:00:00Z", "active": 1});
    let why = "0 of 1 completions, 1 active, 0 failed";
    j(Rules::WaitForJobs, running.clone(), Progressing, why);
    j(Rules::Hook, running.clone(), Progressing, why);
    j(
        Rules::Wait,
        running,
        Ready,
        "started: 1 active, 0 of 1 completions",
    );
    j(Rules::Wait, json!({}), Progressing, "not started");
    let complete = json!({"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]});
    j(
        Rules::WaitForJobs,
        complete.clone(),
        Ready,
        "complete: 1 of 1 succeeded",
    );
    j(Rules::Hook, complete, Ready, "complete: 1 of 1 succeeded");
    let failed = json!({"failed": 1, "conditions": [
        {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded"},
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
            "message": "Job has reached the specified backoff limit"}]});
    let why = "BackoffLimitExceeded: Job has reached the specified backoff limit";
    for rules in [Rules::Wait, Rules::WaitForJobs, Rules::Hook] {
        j(rules, failed.clone(), Failed, why);
    }
}

#[test]
fn claims_and_services_are_ready_once_bound_or_reachable() {
    let pvc = |phase, health, message| {
        let body = json!({"status": {"phase": phase}});
        check(
            Rules::Wait,
            "v1",
            "PersistentVolumeClaim",
            body,
            health,
            message,
        )
    };
    pvc("Bound", Ready, "bound");
    pvc("Pending", Progressing, "Pending, not Bound");
    let svc = |body, health, message| check(Rules::Wait, "v1", "Service", body, health, message);
    svc(
        json!({"spec": {"type": "ClusterIP", "clusterIP": "10.96.0.9"}}),
        Ready,
        "ready",
    );
    let lb = |ingress: Value| {
        json!({"spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.9"},
            "status": {"loadBalancer": ingress}})
    };
    svc(
        lb(json!({})),
        Progressing,
        "waiting for a load balancer address",
    );
    let why = "load balancer at 198.51.100.1";
    svc(lb(json!({"ingress": [{"ip": "198.51.100.1"}]})), Ready, why);
    let why = "load balancer at lb.example";
    svc(
        lb(json!({"ingress": [{"hostname": "lb.example"}]})),
        Ready,
        why,
    );
}

#[test]
fn crds_must_be_established_and_namespaces_active() {
    let crd = |conditions: Value, health, message| {
        let body = json!({"status": {"conditions": conditions}});
        let api_version = "apiextensions.k8s.io/v1";
        check(
            Rules::Wait,
            api_version,
            "CustomResourceDefinition",
            body,
            health,
            message,
        )
    };
    let established = json!([{"type": "NamesAccepted", "status": "True"},
        {"type": "Established", "status": "True"}]);
    crd(established, Ready, "established");
    let installing = json!([{"type": "Established", "status": "False", "reason": "Installing"}]);
    crd(installing, Progressing, "not yet established");
    let conflict = json!([{"type": "NamesAccepted", "status": "False", "reason": "NameConflict",
        "message": "\"widgets\" is already in use"}]);
    crd(
        conflict,
        Failed,
        "NameConflict: \"widgets\" is already in use",
    );
    let ns = |phase, health, message| {
        let body = json!({"status": {"phase": phase}});
        check(Rules::Wait, "v1", "Namespace", body, health, message)
    };
    ns("Active", Ready, "active");
    ns("Terminating", Terminating, "terminating");
}

#[test]
fn other_kinds_are_ready_when_they_exist_unless_a_condition_says_otherwise() {
    let data = json!({"data": {"a": "b"}});
    check(
        Rules::Wait,
        "v1",
        "ConfigMap",
        data.clone(),
        Ready,
        "exists",
    );
    check(Rules::Hook, "v1", "ConfigMap", data, Ready, "created");
    let w = |conditions: Value, health, message| {
        let body = json!({"metadata": {"generation": 1},
            "status": {"observedGeneration": 1, "conditions": conditions}});
        check(
            Rules::Wait,
            "example.com/v1",
            "Widget",
            body,
            health,
            message,
        )
    };
    w(json!([{"type": "Ready", "status": "True"}]), Ready, "Ready");
    let waiting = json!([{"type": "Ready", "status": "False", "reason": "Waiting",
        "message": "for the database"}]);
    w(
        waiting,
        Progressing,
        "Ready is False: Waiting: for the database",
    );
    w(
        json!([{"type": "Stalled", "status": "True", "reason": "BadSpec"}]),
        Failed,
        "BadSpec",
    );
    let reconciling = json!([{"type": "Reconciling", "status": "True", "message": "applying"}]);
    w(reconciling, Progressing, "applying");
}
