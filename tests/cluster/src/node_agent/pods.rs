//! The kubelet's pod duties for the agent's nodes: watches pods bound to them, reports the status the plan asks for, and finalizes deleted pods.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Pod, PodStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{DeleteParams, Patch, PatchParams, Preconditions};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::Nodes;
use super::plan::{self, Knobs, Phase, Plan, RestartPolicy, State};

/// How often time-driven behaviours (slow start, crash loop, ...) are re-evaluated.
const TICK: Duration = Duration::from_millis(500);
/// How long to wait before asking again to delete a terminating pod.
const DELETE_RETRY: Duration = Duration::from_secs(5);

/// Drives the pods bound to `nodes` until the watch ends.
pub async fn run(client: Client, nodes: Arc<Nodes>) -> Result<()> {
    let api: Api<Pod> = Api::all(client.clone());
    let config = watcher::Config::default().fields("spec.nodeName!=");
    let mut events = watcher::watcher(api, config).default_backoff().boxed();
    let mut kubelet = Kubelet {
        client,
        nodes,
        pods: HashMap::new(),
        deleting: HashMap::new(),
        next_ip: HashMap::new(),
    };
    let mut tick = tokio::time::interval(TICK);
    loop {
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Apply(pod) | Event::InitApply(pod))) => {
                    if let Some(key) = kubelet.track(pod) {
                        kubelet.sync(&key).await;
                    }
                }
                Some(Ok(Event::Delete(pod))) => {
                    kubelet.pods.remove(&key_of(&pod));
                }
                Some(Ok(Event::Init | Event::InitDone)) => {}
                Some(Err(e)) => tracing::warn!("pod watch: {e}"),
                None => bail!("the pod watch ended"),
            },
            _ = tick.tick() => {
                let keys: Vec<Key> = kubelet.pods.keys().cloned().collect();
                for key in keys {
                    kubelet.sync(&key).await;
                }
            }
        }
    }
}

type Key = (String, String);

fn key_of(pod: &Pod) -> Key {
    (pod.namespace().unwrap_or_default(), pod.name_any())
}

struct Kubelet {
    client: Client,
    nodes: Arc<Nodes>,
    pods: HashMap<Key, Pod>,
    deleting: HashMap<String, Instant>,
    next_ip: HashMap<usize, u32>,
}

impl Kubelet {
    /// Remembers `pod` if it is bound to one of our nodes.
    fn track(&mut self, pod: Pod) -> Option<Key> {
        let key = key_of(&pod);
        let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
        if node.is_some_and(|n| self.nodes.index(n).is_some()) {
            self.pods.insert(key.clone(), pod);
            Some(key)
        } else {
            self.pods.remove(&key);
            None
        }
    }

    async fn sync(&mut self, key: &Key) {
        let Some(pod) = self.pods.get(key).cloned() else {
            return;
        };
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &key.0);
        if pod.metadata.deletion_timestamp.is_some() {
            self.finalize(&api, &pod).await;
            return;
        }
        let Some(status) = self.desired_status(&pod) else {
            return;
        };
        if essence(&status) == essence(&current_status(&pod)) {
            return;
        }
        let patch = json!({ "status": status });
        match api
            .patch_status(&key.1, &PatchParams::default(), &Patch::Strategic(&patch))
            .await
        {
            Ok(updated) => {
                tracing::debug!("pod {}/{}: {}", key.0, key.1, summary(&status));
                self.pods.insert(key.clone(), updated);
            }
            Err(kube::Error::Api(e)) if e.code == 404 => {
                self.pods.remove(key);
            }
            Err(e) => tracing::warn!("pod {}/{}: status patch failed: {e}", key.0, key.1),
        }
    }

    /// A kubelet confirms a graceful deletion by deleting with grace 0 once its containers stopped.
    async fn finalize(&mut self, api: &Api<Pod>, pod: &Pod) {
        let uid = pod.uid().unwrap_or_default();
        if self
            .deleting
            .get(&uid)
            .is_some_and(|at| at.elapsed() < DELETE_RETRY)
        {
            return;
        }
        self.deleting
            .retain(|_, at| at.elapsed() < DELETE_RETRY * 10);
        self.deleting.insert(uid.clone(), Instant::now());
        let params = DeleteParams {
            grace_period_seconds: Some(0),
            preconditions: Some(Preconditions {
                uid: Some(uid),
                resource_version: None,
            }),
            ..DeleteParams::default()
        };
        match api.delete(&pod.name_any(), &params).await {
            Ok(_) => {}
            Err(kube::Error::Api(e)) if e.code == 404 || e.code == 409 => {}
            Err(e) => tracing::warn!("deleting pod {}: {e}", pod.name_any()),
        }
    }

    /// The status the kubelet would report now, or None for a pod we leave alone.
    fn desired_status(&mut self, pod: &Pod) -> Option<Value> {
        let spec = pod.spec.as_ref()?;
        let node = self.nodes.index(spec.node_name.as_deref()?)?;
        let status = pod.status.clone().unwrap_or_default();
        let now = Timestamp::now();
        let start = status.start_time.as_ref().map_or(now, |t| t.0);
        let elapsed = u64::try_from(now.duration_since(start).as_secs()).unwrap_or(0);
        let restart = RestartPolicy::parse(spec.restart_policy.as_deref());
        let owned_by_job = pod
            .owner_references()
            .iter()
            .any(|o| o.kind == "Job" && o.controller == Some(true));
        let job_like = owned_by_job || restart != RestartPolicy::Always;
        let pod_ip = match (&status.pod_ip, spec.host_network) {
            (Some(ip), _) => ip.clone(),
            (None, Some(true)) => super::NODE_IP.to_owned(),
            (None, _) => self.allocate_ip(node),
        };
        let mut out = json!({
            "hostIP": super::NODE_IP,
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": time(start),
        });
        let plan = match Knobs::from_annotations(pod.metadata.annotations.as_ref()) {
            Ok(knobs) => plan::plan(&knobs, restart, job_like, elapsed),
            Err(message) => {
                out["phase"] = json!("Failed");
                out["reason"] = json!("InvalidTestKnob");
                out["message"] = json!(message);
                out["conditions"] = conditions(&status, now, false, Some("InvalidTestKnob"));
                return Some(out);
            }
        };
        let clock = Clock {
            start,
            uid: pod.uid().unwrap_or_default(),
        };
        let statuses = |containers: &[k8s_openapi::api::core::v1::Container], plan: &Plan| {
            containers
                .iter()
                .map(|c| container_status(&c.name, c.image.as_deref(), plan, &clock))
                .collect::<Vec<_>>()
        };
        let reason = match plan.phase {
            Phase::Running if !plan.ready => Some("ContainersNotReady"),
            Phase::Running => None,
            Phase::Succeeded | Phase::Failed => Some("PodCompleted"),
        };
        out["phase"] = json!(plan.phase.as_str());
        out["conditions"] = conditions(&status, now, plan.ready, reason);
        out["containerStatuses"] = json!(statuses(&spec.containers, &plan));
        if let Some(init) = spec.init_containers.as_deref().filter(|i| !i.is_empty()) {
            out["initContainerStatuses"] = json!(statuses(init, &INIT_DONE));
        }
        Some(out)
    }

    fn allocate_ip(&mut self, node: usize) -> String {
        let next = self.next_ip.entry(node).or_insert(0);
        let host = 2 + *next % 250;
        *next += 1;
        format!("10.244.{node}.{host}")
    }
}

/// Init containers have all run to completion by the time the pod starts.
const INIT_DONE: Plan = Plan {
    phase: Phase::Succeeded,
    ready: false,
    state: State::Terminated {
        exit_code: 0,
        reason: "Completed",
        started: 0,
        finished: 0,
    },
    last: None,
    restart_count: 0,
};

/// Turns a plan's offsets into timestamps and container ids.
struct Clock {
    start: Timestamp,
    uid: String,
}

impl Clock {
    fn at(&self, offset: u64) -> Value {
        let offset = SignedDuration::from_secs(i64::try_from(offset).unwrap_or(i64::MAX));
        time(self.start.saturating_add(offset).unwrap_or(self.start))
    }

    fn container_id(&self, name: &str, instance: i32) -> String {
        let uid = self.uid.get(..8).unwrap_or(&self.uid);
        format!("helmd://{uid}-{name}-{instance}")
    }
}

/// The pod's Initialized, ContainersReady and Ready conditions; a condition
/// keeps its lastTransitionTime while its status stays the same.
fn conditions(current: &PodStatus, now: Timestamp, ready: bool, reason: Option<&str>) -> Value {
    let condition = |type_: &str, value: bool, reason: Option<&str>| {
        let previous = current
            .conditions
            .iter()
            .flatten()
            .find(|c| c.type_ == type_);
        let since = match previous {
            Some(c) if (c.status == "True") == value => {
                c.last_transition_time.as_ref().map_or(now, |t| t.0)
            }
            _ => now,
        };
        let mut c = json!({"type": type_, "status": if value {"True"} else {"False"},
            "lastProbeTime": null, "lastTransitionTime": time(since)});
        if let Some(r) = reason {
            c["reason"] = json!(r);
        }
        c
    };
    json!([
        condition("Initialized", true, None),
        condition("ContainersReady", ready, reason),
        condition("Ready", ready, reason),
    ])
}

fn container_status(name: &str, image: Option<&str>, plan: &Plan, clock: &Clock) -> Value {
    let image = image.unwrap_or_default();
    let state = |s: &State, instance: i32| match *s {
        State::Running { since } => json!({"running": {"startedAt": clock.at(since)}}),
        State::Waiting { reason } => json!({"waiting": {"reason": reason,
            "message": format!("back-off {}s restarting failed container={name}", plan::CRASH_BACKOFF_SECONDS)}}),
        State::Terminated {
            exit_code,
            reason,
            started,
            finished,
        } => json!({"terminated": {
            "exitCode": exit_code, "reason": reason, "startedAt": clock.at(started),
            "finishedAt": clock.at(finished), "containerID": clock.container_id(name, instance)}}),
    };
    let mut status = json!({
        "name": name,
        "image": image,
        "imageID": format!("helmd-test://{image}"),
        "containerID": clock.container_id(name, plan.restart_count),
        "ready": plan.ready,
        "started": matches!(plan.state, State::Running { .. }),
        "restartCount": plan.restart_count,
        "state": state(&plan.state, plan.restart_count),
        "lastState": {},
    });
    if let Some(last) = &plan.last {
        status["lastState"] = state(last, plan.restart_count - 1);
    }
    status
}

fn time(t: Timestamp) -> Value {
    serde_json::to_value(Time(t)).unwrap_or(Value::Null)
}

fn current_status(pod: &Pod) -> Value {
    pod.status
        .as_ref()
        .and_then(|s| serde_json::to_value(s).ok())
        .unwrap_or(Value::Null)
}

/// What must match for the reported status to count as up to date.
fn essence(status: &Value) -> Value {
    let containers = |key: &str| -> Vec<Value> {
        status[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let state = &c["state"];
                let kind = ["running", "waiting", "terminated"]
                    .into_iter()
                    .find(|k| state.get(*k).is_some());
                json!([
                    c["name"],
                    c["ready"],
                    c["restartCount"],
                    kind,
                    state["waiting"]["reason"],
                    state["terminated"]["exitCode"]
                ])
            })
            .collect()
    };
    let ready = status["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready")
        .map(|c| c["status"].clone());
    json!([
        status["phase"],
        status["podIP"],
        ready,
        containers("containerStatuses"),
        containers("initContainerStatuses")
    ])
}

fn summary(status: &Value) -> String {
    let restarts: Vec<String> = status["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| c["restartCount"].to_string())
        .collect();
    format!(
        "phase={} ready={} restarts=[{}]",
        status["phase"],
        essence(status)[2],
        restarts.join(",")
    )
}
