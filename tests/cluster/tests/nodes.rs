//! The node agent keeps its Nodes Ready for longer than the node-lifecycle controller's grace period, by Lease and NodeStatus heartbeats.

mod common;

use std::time::Duration;

use anyhow::{Result, bail, ensure};
use futures::StreamExt;
use helmd_test_cluster::Cluster;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::Node;
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};

/// Longer than 3 minutes, so several 40 s grace periods pass.
const OBSERVE: Duration = Duration::from_secs(200);

fn ready(node: &Node) -> Option<String> {
    node.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready")
        .map(|c| c.status.clone())
}

#[tokio::test]
async fn nodes_stay_ready_for_more_than_three_minutes() -> Result<()> {
    let cluster = Cluster::shared().await?;
    let client = cluster.admin_client().await?;
    let ours = cluster.info().nodes.clone();
    ensure!(!ours.is_empty(), "the cluster has no nodes");
    let nodes: Api<Node> = Api::all(client.clone());
    let mut events = watcher::watcher(nodes.clone(), watcher::Config::default())
        .default_backoff()
        .boxed();
    // Watch every node update for OBSERVE; any non-Ready state of ours fails the test.
    let watched = tokio::time::timeout(OBSERVE, async {
        while let Some(event) = events.next().await {
            if let Ok(Event::Apply(node) | Event::InitApply(node)) = event {
                let name = node.metadata.name.clone().unwrap_or_default();
                if ours.contains(&name) && ready(&node).as_deref() != Some("True") {
                    bail!(
                        "node {name} is not Ready: {:?}\n{}",
                        node.status,
                        cluster.logs_for_failure()
                    );
                }
            }
        }
        bail!("the node watch ended")
    })
    .await;
    if let Ok(failure) = watched {
        return failure;
    }
    let leases: Api<Lease> = Api::namespaced(client, "kube-node-lease");
    for name in &ours {
        let node = nodes.get(name).await?;
        ensure!(
            ready(&node).as_deref() == Some("True"),
            "{name} not Ready at the end"
        );
        let taints = node.spec.and_then(|s| s.taints).unwrap_or_default();
        ensure!(taints.is_empty(), "{name} is tainted: {taints:?}");
        let renewed = leases
            .get(name)
            .await?
            .spec
            .and_then(|s| s.renew_time)
            .map(|t| t.0);
        let age = renewed.map(|t| Timestamp::now().duration_since(t).as_secs());
        ensure!(
            age.is_some_and(|a| a < 30),
            "{name}'s lease is stale: renewed {age:?} s ago"
        );
    }
    Ok(())
}
