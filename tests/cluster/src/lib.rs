//! The local Kubernetes cluster for tests: build cache, start/stop of etcd and control plane, node agent.
//!
//! A real control plane (v1.37.2, or v1.20.2 with `HELMD_KUBE_VERSION=1.20`; built
//! once by `scripts/kube-build`) runs on
//! 127.0.0.1 under a supervisor process (`helmd-test-cluster up|serve`), with a
//! node agent that plays the kubelet. Tests use [`Cluster::shared`]:
//!
//! * with `HELMD_TEST_CLUSTER=<state dir>` set (the test runner starts one
//!   cluster per run), it connects to that cluster;
//! * otherwise it starts a cluster private to the test process, torn down when
//!   the process exits.
//!
//! Each test then takes a fresh namespace from [`Cluster::create_namespace`].
//! The state dir's layout is in [`state`]; the pod failure knobs in
//! [`node_agent::plan`]. This crate depends on no other helmd crate.

pub mod binaries;
pub mod client;
mod cluster;
pub mod control_plane;
pub mod node_agent;
pub mod pki;
pub mod state;
pub mod supervisor;

pub use cluster::{Cluster, ENV_SUPERVISOR_BIN};
pub use state::{ClusterInfo, ENV_STATE_DIR, StateDir, UserInfo};
