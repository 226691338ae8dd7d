//! `Cluster`: the handle tests use — connect to the run's shared cluster or start a private one under a supervisor child, plus clients, users and fresh namespaces.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::PostParams;
use kube::{Api, Client};
use serde_json::json;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::control_plane::ServerVersion;
use crate::state::{ClusterInfo, ENV_STATE_DIR, StateDir};
use crate::supervisor;

/// Environment variable naming the `helmd-test-cluster` binary a private cluster runs under.
pub const ENV_SUPERVISOR_BIN: &str = "HELMD_TEST_CLUSTER_BIN";
/// How long a private cluster may take to start (a cold Kubernetes build included).
const START_DEADLINE: Duration = Duration::from_secs(45 * 60);
/// How long a fresh namespace may take to get its ServiceAccount (and on 1.20 its token).
const NAMESPACE_DEADLINE: Duration = Duration::from_secs(60);

static SHARED: OnceCell<Cluster> = OnceCell::const_new();

/// A running cluster: the shared one of this test run, or a private one this
/// value owns (stopped when it is dropped, or when the process exits).
pub struct Cluster {
    state: StateDir,
    info: ClusterInfo,
    supervisor: Option<Mutex<Supervisor>>,
}

struct Supervisor {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("state_dir", &self.state.root())
            .field("server", &self.info.server)
            .field("private", &self.supervisor.is_some())
            .finish()
    }
}

impl Cluster {
    /// The cluster of this test run: the one `$HELMD_TEST_CLUSTER` names, else
    /// one private to this process, started on first use and torn down when
    /// the process exits (its supervisor sees stdin close).
    pub async fn shared() -> Result<&'static Cluster> {
        SHARED
            .get_or_try_init(|| async {
                match std::env::var_os(ENV_STATE_DIR) {
                    Some(dir) => Self::connect(dir),
                    None => Self::start().await,
                }
            })
            .await
    }

    /// Connects to the ready cluster whose state dir is `dir`.
    pub fn connect(dir: impl Into<PathBuf>) -> Result<Self> {
        let state = StateDir::new(dir);
        if !state.ready().exists() {
            bail!(
                "{ENV_STATE_DIR}={}: the cluster is not ready (no {})",
                state.root().display(),
                state.ready().display()
            );
        }
        let info = state.read_info()?;
        Ok(Self {
            state,
            info,
            supervisor: None,
        })
    }

    /// Starts a private cluster under a `helmd-test-cluster serve` child; the
    /// returned value owns it.
    pub async fn start() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "helmd-test-cluster-{}-{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        ));
        let state = StateDir::new(&dir);
        std::fs::create_dir_all(state.logs())?;
        let log = std::fs::File::create(state.log("supervisor"))?;
        let bin = supervisor_binary()?;
        eprintln!(
            "helmd-test-cluster: starting a private cluster in {} (set {} to keep its logs)",
            dir.display(),
            supervisor::ENV_KEEP
        );
        let mut child = Command::new(&bin)
            .args(["serve", "--state-dir"])
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let stdin = child.stdin.take();
        let mut cluster = Self {
            state: state.clone(),
            info: ClusterInfo {
                server: String::new(),
                kubernetes_version: String::new(),
                users: Vec::new(),
                nodes: Vec::new(),
                pids: Default::default(),
            },
            supervisor: Some(Mutex::new(Supervisor { child, stdin })),
        };
        if let Err(e) = supervisor::wait_ready(&state, START_DEADLINE).await {
            bail!(
                "{e:#}\n---- {} (last 40 lines) ----\n{}",
                state.log("supervisor").display(),
                state.log_tail("supervisor", 40)
            );
        }
        cluster.info = state.read_info()?;
        Ok(cluster)
    }

    /// The state dir (layout in [`crate::state`]).
    pub fn state_dir(&self) -> &Path {
        self.state.root()
    }
    /// What `cluster.json` says.
    pub fn info(&self) -> &ClusterInfo {
        &self.info
    }
    /// The server's version, from `cluster.json`.
    pub fn version(&self) -> Result<ServerVersion> {
        ServerVersion::parse(&self.info.kubernetes_version)
    }
    /// The admin kubeconfig.
    pub fn kubeconfig_path(&self) -> PathBuf {
        self.state.kubeconfig()
    }
    /// The kubeconfig of `user` (`admin`, `alice`, `bob`).
    pub fn user_kubeconfig(&self, user: &str) -> Result<PathBuf> {
        self.info.user(user)?;
        Ok(self.state.user_kubeconfig(user))
    }
    /// The bearer token of `user`.
    pub fn token(&self, user: &str) -> Result<&str> {
        Ok(&self.info.user(user)?.token)
    }
    /// A client with the admin's credentials (a new one per call: a client is
    /// tied to the runtime it first runs on).
    pub async fn admin_client(&self) -> Result<Client> {
        crate::client::from_kubeconfig(&self.state.kubeconfig()).await
    }
    /// A client with `user`'s credentials.
    pub async fn user_client(&self, user: &str) -> Result<Client> {
        crate::client::from_kubeconfig(&self.user_kubeconfig(user)?).await
    }

    /// Creates a fresh namespace `<prefix>-<random>` and waits until pods can
    /// be created in it (its default ServiceAccount exists; on 1.20, has a token).
    pub async fn create_namespace(&self, prefix: &str) -> Result<String> {
        let name = namespace_name(prefix);
        let client = self.admin_client().await?;
        let api: Api<Namespace> = Api::all(client.clone());
        let ns: Namespace = serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {"helmd.test/namespace": "true"}}
        }))?;
        api.create(&PostParams::default(), &ns)
            .await
            .with_context(|| format!("creating namespace {name}"))?;
        let start = Instant::now();
        let legacy = self.version()?.has_legacy_service_account_tokens();
        while !crate::client::admits_pods(&client, &name, legacy).await {
            if start.elapsed() > NAMESPACE_DEADLINE {
                bail!(
                    "namespace {name}: no default ServiceAccount (token) after {NAMESPACE_DEADLINE:?}\n{}",
                    self.state.log_tail("kube-controller-manager", 30)
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(name)
    }

    /// The last `lines` lines of `component`'s log (`kube-apiserver`, `supervisor`, ...).
    pub fn log_tail(&self, component: &str, lines: usize) -> String {
        self.state.log_tail(component, lines)
    }

    /// Every component's log tail, for a failing test's message.
    pub fn logs_for_failure(&self) -> String {
        self.state.all_log_tails(40)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let Some(supervisor) = self.supervisor.take() else {
            return;
        };
        let mut s = supervisor.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(mut stdin) = s.stdin.take() {
            let _ = stdin.flush();
        }
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = s.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = s.child.kill();
        let _ = s.child.wait();
    }
}

/// `<prefix>-<8 hex>`, made a valid DNS label.
fn namespace_name(prefix: &str) -> String {
    let mut clean: String = prefix
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    clean.truncate(50);
    let clean = clean.trim_matches('-');
    let clean = if clean.is_empty() { "test" } else { clean };
    format!(
        "{clean}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// The `helmd-test-cluster` binary: `$HELMD_TEST_CLUSTER_BIN`, else next to
/// the running executable (cargo puts test binaries in `target/<profile>/deps/`
/// and the crate's binary in `target/<profile>/`).
fn supervisor_binary() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os(ENV_SUPERVISOR_BIN) {
        return Ok(PathBuf::from(bin));
    }
    let exe = std::env::current_exe()?;
    let candidates = exe
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join("helmd-test-cluster"));
    for candidate in candidates {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "no helmd-test-cluster binary next to {}: run `cargo build -p helmd-test-cluster` or set {ENV_SUPERVISOR_BIN}",
        exe.display()
    )
}

#[cfg(test)]
mod tests {
    use super::namespace_name;

    #[test]
    fn namespace_names_are_dns_labels() {
        let n = namespace_name("Deployment_Test");
        assert!(n.starts_with("deployment-test-"), "{n}");
        assert_eq!(n.len(), "deployment-test-".len() + 8);
        assert!(namespace_name("--").starts_with("test-"));
        assert!(namespace_name(&"x".repeat(80)).len() <= 63);
    }
}
