//! The node agent: plays the kubelet (and a cloud load balancer) for Nodes it registers, so real controllers give workloads their real status.
//!
//! It registers `helmd-node-0..N` with capacity ([`nodes::CPU`], [`nodes::MEMORY`],
//! [`nodes::PODS`]), keeps them Ready with a Lease and a NodeStatus heartbeat,
//! drives pods bound to them as [`plan`] describes (failure knobs through pod
//! annotations), finalizes deleted pods, serves each node's kubelet endpoint for
//! `pods/log` (text from pod annotations, [`logs::LOG`]), and gives LoadBalancer
//! Services an ingress IP on request ([`services::LOAD_BALANCER_IP`]).

pub mod logs;
pub mod nodes;
pub mod plan;
pub mod pods;
pub mod services;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use kube::Client;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::pki::KubeletPki;

/// The field manager of everything the agent writes.
pub const FIELD_MANAGER: &str = "helmd-node-agent";
/// The address every node (and host-network pod) reports.
pub const NODE_IP: &str = "127.0.0.1";

/// Options of the node agent.
#[derive(Clone, Debug)]
pub struct Options {
    /// How many nodes to register.
    pub nodes: usize,
    /// How often leases and node statuses are renewed (a kubelet: 10 s).
    pub heartbeat: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            nodes: 2,
            heartbeat: Duration::from_secs(10),
        }
    }
}

/// The nodes an agent plays the kubelet for.
#[derive(Debug)]
pub struct Nodes {
    names: Vec<String>,
    kubelet_ports: Vec<u16>,
}

impl Nodes {
    /// `count` nodes named `helmd-node-<i>`, with no kubelet endpoint yet.
    pub fn new(count: usize) -> Self {
        Self {
            names: (0..count).map(|i| format!("helmd-node-{i}")).collect(),
            kubelet_ports: vec![0; count],
        }
    }
    /// The node names.
    pub fn names(&self) -> &[String] {
        &self.names
    }
    /// The port of node `index`'s kubelet endpoint on [`NODE_IP`] (0 when it has none).
    pub fn kubelet_port(&self, index: usize) -> u16 {
        self.kubelet_ports.get(index).copied().unwrap_or(0)
    }
    /// The index of node `name`, if it is ours.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// A running node agent; its tasks stop when it is dropped.
pub struct NodeAgent {
    nodes: Arc<Nodes>,
    tasks: Vec<(&'static str, JoinHandle<Result<()>>)>,
}

impl NodeAgent {
    /// Binds the nodes' kubelet endpoints (serving with `pki`), registers the
    /// nodes, and starts the heartbeat, pod, log and service loops.
    pub async fn start(client: Client, options: &Options, pki: &KubeletPki) -> Result<Self> {
        let mut nodes = Nodes::new(options.nodes);
        let endpoints = logs::Endpoints::bind(&nodes, pki).await?;
        nodes.kubelet_ports = endpoints.ports()?;
        let nodes = Arc::new(nodes);
        let version = nodes::kubelet_version(&client).await?;
        nodes::register(&client, &nodes, &version).await?;
        let tasks = vec![
            spawn_loop(
                "heartbeat",
                nodes::heartbeat(client.clone(), nodes.clone(), options.heartbeat, version),
            ),
            spawn_loop("pods", pods::run(client.clone(), nodes.clone())),
            spawn_loop("kubelet endpoint", endpoints.serve(client.clone())),
            spawn_loop("services", services::run(client)),
        ];
        Ok(Self { nodes, tasks })
    }

    /// The node names.
    pub fn node_names(&self) -> Vec<String> {
        self.nodes.names().to_vec()
    }

    /// Waits until every node is Ready and untainted.
    pub async fn wait_ready(&mut self, client: &Client, deadline: Duration) -> Result<()> {
        let start = Instant::now();
        loop {
            if nodes::all_ready(client, &self.nodes).await.unwrap_or(false) {
                return Ok(());
            }
            if let Some(why) = self.stopped() {
                bail!("node agent: {why}");
            }
            if start.elapsed() > deadline {
                bail!("nodes not Ready (and untainted) after {deadline:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Why a loop of the agent has stopped, if one has.
    pub fn stopped(&mut self) -> Option<String> {
        self.tasks
            .iter()
            .find(|(_, t)| t.is_finished())
            .map(|(name, _)| format!("the {name} loop stopped (its error is logged above)"))
    }

    /// Stops every loop.
    pub fn stop(self) {
        drop(self);
    }
}

/// Runs one of the agent's loops, logging why it ended.
fn spawn_loop(
    name: &'static str,
    run: impl Future<Output = Result<()>> + Send + 'static,
) -> (&'static str, JoinHandle<Result<()>>) {
    let task = tokio::spawn(async move {
        let result = run.await;
        if let Err(e) = &result {
            tracing::error!("node agent: the {name} loop ended: {e:#}");
        }
        result
    });
    (name, task)
}

impl Drop for NodeAgent {
    fn drop(&mut self) {
        for (_, task) in &self.tasks {
            task.abort();
        }
    }
}
