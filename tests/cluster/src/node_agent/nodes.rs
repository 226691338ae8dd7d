//! Registering the agent's Nodes and keeping them Ready: a Lease in kube-node-lease and a NodeStatus heartbeat on every beat.

use std::time::Duration;

use anyhow::{Context, Result};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client};
use serde_json::{Value, json};

use super::{FIELD_MANAGER, NODE_IP, Nodes};

/// What each node offers the scheduler.
pub const CPU: &str = "8";
/// Memory capacity of each node.
pub const MEMORY: &str = "16Gi";
/// Pod capacity of each node.
pub const PODS: &str = "110";
/// The lease duration the node announces (the kubelet's default).
const LEASE_SECONDS: i32 = 40;

/// The version the nodes report as their kubelet's: the apiserver's own.
pub async fn kubelet_version(client: &Client) -> Result<String> {
    Ok(client
        .apiserver_version()
        .await
        .context("reading the apiserver's version")?
        .git_version)
}

/// Creates (or takes over) every node and reports it Ready, with kubelet `version`.
pub async fn register(client: &Client, nodes: &Nodes, version: &str) -> Result<()> {
    let api: Api<Node> = Api::all(client.clone());
    let since = Timestamp::now();
    for name in nodes.names() {
        let node = json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                    "helmd.test/node-agent": "true",
                },
            },
        });
        api.patch(
            name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&node),
        )
        .await
        .with_context(|| format!("registering node {name}"))?;
    }
    beat(client, nodes, since, version).await
}

/// Renews every node's Lease and status every `period`, until an error ends it.
pub async fn heartbeat(
    client: Client,
    nodes: std::sync::Arc<Nodes>,
    period: Duration,
    version: String,
) -> Result<()> {
    let since = Timestamp::now();
    let mut tick = tokio::time::interval(period);
    let mut failures = 0u32;
    loop {
        tick.tick().await;
        match beat(&client, &nodes, since, &version).await {
            Ok(()) => failures = 0,
            // A busy apiserver may miss a beat; the lease outlives a few.
            Err(e) if failures < 3 => {
                failures += 1;
                tracing::warn!("node heartbeat failed ({failures}): {e:#}");
            }
            Err(e) => return Err(e),
        }
    }
}

async fn beat(client: &Client, nodes: &Nodes, ready_since: Timestamp, version: &str) -> Result<()> {
    let now = Timestamp::now();
    let leases: Api<Lease> = Api::namespaced(client.clone(), "kube-node-lease");
    let node_api: Api<Node> = Api::all(client.clone());
    for (index, name) in nodes.names().iter().enumerate() {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(name.clone()),
                namespace: Some("kube-node-lease".into()),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: Some(name.clone()),
                lease_duration_seconds: Some(LEASE_SECONDS),
                renew_time: Some(MicroTime(now)),
                ..LeaseSpec::default()
            }),
        };
        let mut lease = serde_json::to_value(&lease)?;
        lease["apiVersion"] = json!("coordination.k8s.io/v1");
        lease["kind"] = json!("Lease");
        leases
            .patch(
                name,
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(&lease),
            )
            .await
            .with_context(|| format!("renewing the lease of node {name}"))?;
        let port = nodes.kubelet_port(index);
        let status = json!({ "status": node_status(now, ready_since, version, port) });
        node_api
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
            .await
            .with_context(|| format!("reporting the status of node {name}"))?;
    }
    Ok(())
}

fn node_status(now: Timestamp, ready_since: Timestamp, version: &str, kubelet_port: u16) -> Value {
    let t = |ts: Timestamp| serde_json::to_value(Time(ts)).unwrap_or(Value::Null);
    let condition = |type_: &str, status: &str, reason: &str, message: &str| {
        json!({"type": type_, "status": status, "reason": reason, "message": message,
            "lastHeartbeatTime": t(now), "lastTransitionTime": t(ready_since)})
    };
    let resources =
        json!({"cpu": CPU, "memory": MEMORY, "pods": PODS, "ephemeral-storage": "100Gi"});
    json!({
        "capacity": resources,
        "allocatable": resources,
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "helmd node agent is posting ready status"),
        ],
        "addresses": [{"type": "InternalIP", "address": NODE_IP}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet_port}},
        "nodeInfo": {
            "machineID": "helmd-test", "systemUUID": "helmd-test", "bootID": "helmd-test",
            "kernelVersion": "helmd-test", "osImage": "helmd node agent",
            "containerRuntimeVersion": "helmd-test://0.1",
            "kubeletVersion": version,
            "kubeProxyVersion": version,
            "operatingSystem": "linux", "architecture": "amd64",
        },
    })
}

/// Whether every node is Ready and free of the not-ready taint, so pods schedule at once.
pub async fn all_ready(client: &Client, nodes: &Nodes) -> Result<bool> {
    let api: Api<Node> = Api::all(client.clone());
    for name in nodes.names() {
        let Some(node) = api.get_opt(name).await? else {
            return Ok(false);
        };
        let ready = node
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .any(|c| c.type_ == "Ready" && c.status == "True");
        let tainted = node
            .spec
            .as_ref()
            .and_then(|s| s.taints.as_ref())
            .into_iter()
            .flatten()
            .any(|t| t.key.starts_with("node.kubernetes.io/"));
        if !ready || tainted {
            return Ok(false);
        }
    }
    Ok(true)
}
