//! The state directory a running cluster publishes: its file layout and `cluster.json`, the contract between the supervisor and its users.
//!
//! ```text
//! <state-dir>/
//!   supervisor.pid          pid of the `helmd-test-cluster` process that owns the cluster
//!   ready                   written last, once the control plane and the nodes are Ready
//!   failed                  written instead when start-up failed or a component died (holds the reason)
//!   cluster.json            ClusterInfo: server URL, users with tokens and groups, nodes, component pids
//!   kubeconfig              admin kubeconfig (user `admin`, group system:masters)
//!   ca.crt                  the apiserver's CA (also inlined in every kubeconfig)
//!   users/<user>.kubeconfig kubeconfig of each user (admin, alice, bob)
//!   users/<user>.token      that user's bearer token
//!   logs/<component>.log    etcd, kube-apiserver, kube-controller-manager, kube-scheduler, supervisor
//!   pki/                    service-account key pair, static token file, apiserver cert dir,
//!                           kubelet/ (the kubelet CA, the agent's serving and the apiserver's client certs)
//!   etcd/                   etcd's data (removed on stop)
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Environment variable naming the state directory of a running cluster that
/// `Cluster::shared()` connects to instead of starting its own.
pub const ENV_STATE_DIR: &str = "HELMD_TEST_CLUSTER";

/// The content of `cluster.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// The apiserver URL, `https://127.0.0.1:PORT`.
    pub server: String,
    /// The Kubernetes version of the control plane (`v1.37.2`, `v1.20.2`).
    pub kubernetes_version: String,
    /// Static-token users: `admin` (system:masters) and unprivileged test users.
    pub users: Vec<UserInfo>,
    /// The Nodes the node agent keeps Ready.
    pub nodes: Vec<String>,
    /// Process id of each component (`etcd`, `kube-apiserver`, ...) and of the `supervisor`.
    pub pids: BTreeMap<String, u32>,
}

/// A user the apiserver knows from its static token file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserInfo {
    /// The user name the apiserver sees.
    pub name: String,
    /// The bearer token.
    pub token: String,
    /// The groups the apiserver puts the user in.
    pub groups: Vec<String>,
}

impl ClusterInfo {
    /// The user called `name`.
    pub fn user(&self, name: &str) -> Result<&UserInfo> {
        self.users
            .iter()
            .find(|u| u.name == name)
            .with_context(|| format!("the cluster has no user {name:?}"))
    }
}

/// Paths inside a state directory.
#[derive(Clone, Debug)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    /// The state directory at `root` (not created).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// `supervisor.pid`.
    pub fn supervisor_pid(&self) -> PathBuf {
        self.root.join("supervisor.pid")
    }
    /// `ready`: exists once the cluster is usable.
    pub fn ready(&self) -> PathBuf {
        self.root.join("ready")
    }
    /// `failed`: exists when start-up failed or a component died.
    pub fn failed(&self) -> PathBuf {
        self.root.join("failed")
    }
    /// `cluster.json`.
    pub fn info(&self) -> PathBuf {
        self.root.join("cluster.json")
    }
    /// The admin kubeconfig.
    pub fn kubeconfig(&self) -> PathBuf {
        self.root.join("kubeconfig")
    }
    /// The apiserver's CA certificate.
    pub fn ca(&self) -> PathBuf {
        self.root.join("ca.crt")
    }
    /// The kubeconfig of `user`.
    pub fn user_kubeconfig(&self, user: &str) -> PathBuf {
        self.root.join("users").join(format!("{user}.kubeconfig"))
    }
    /// The token file of `user`.
    pub fn user_token(&self, user: &str) -> PathBuf {
        self.root.join("users").join(format!("{user}.token"))
    }
    /// The logs directory.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
    /// The log of `component`.
    pub fn log(&self, component: &str) -> PathBuf {
        self.logs().join(format!("{component}.log"))
    }
    /// Keys, tokens and the apiserver's cert dir.
    pub fn pki(&self) -> PathBuf {
        self.root.join("pki")
    }
    /// The certificates between the apiserver and the node agent's kubelet
    /// endpoints (`ca.crt`, `serving.crt`/`.key`, `apiserver-client.crt`/`.key`).
    pub fn kubelet_pki(&self) -> PathBuf {
        self.pki().join("kubelet")
    }
    /// etcd's data directory.
    pub fn etcd_data(&self) -> PathBuf {
        self.root.join("etcd")
    }

    /// Reads `cluster.json`.
    pub fn read_info(&self) -> Result<ClusterInfo> {
        let path = self.info();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }

    /// The last `lines` lines of `component`'s log (empty when there is none).
    pub fn log_tail(&self, component: &str, lines: usize) -> String {
        let text = std::fs::read_to_string(self.log(component)).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The tails of every log, for a failure message.
    pub fn all_log_tails(&self, lines: usize) -> String {
        let mut out = String::new();
        let Ok(entries) = std::fs::read_dir(self.logs()) else {
            return out;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".log"))
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        for name in names {
            out.push_str(&format!(
                "---- {} (last {lines} lines) ----\n{}\n",
                self.log(&name).display(),
                self.log_tail(&name, lines)
            ));
        }
        out
    }
}

/// Writes `contents` to `path` atomically (temp file + rename), creating parent dirs.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))
}
