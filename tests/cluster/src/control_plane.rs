//! Starting and stopping etcd, kube-apiserver, kube-controller-manager and kube-scheduler on free 127.0.0.1 ports, with readiness waits.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use kube::Client;
use tokio::process::{Child, Command};
use tokio::time::Instant;

use crate::pki;
use crate::state::{ClusterInfo, StateDir, UserInfo, write_atomic};

/// The oldest Kubernetes the cluster runs (`HELMD_KUBE_VERSION=1.20`); newer
/// servers need a few flags less and a few waits different.
pub const OLDEST_VERSION: &str = "v1.20.2";
/// The Service cluster IP range.
pub const SERVICE_CIDR: &str = "10.96.0.0/16";

/// How long each stage may take before start-up fails.
const ETCD_DEADLINE: Duration = Duration::from_secs(30);
const APISERVER_DEADLINE: Duration = Duration::from_secs(120);
const CONTROLLERS_DEADLINE: Duration = Duration::from_secs(90);
/// util-linux's setpriv, which sets the parent-death signal before exec.
const SETPRIV: &str = "/usr/bin/setpriv";
/// Poll interval of readiness waits.
const POLL: Duration = Duration::from_millis(100);

/// A running control plane. Components are killed when this is dropped;
/// [`ControlPlane::stop`] also waits for them to exit.
pub struct ControlPlane {
    state: StateDir,
    info: ClusterInfo,
    components: Vec<Component>,
    version: ServerVersion,
    kubelet_pki: pki::KubeletPki,
}

/// The version of the binaries in a bin dir, and what it implies for starting them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerVersion {
    /// `v1.37.2`.
    pub git_version: String,
    /// The minor version (`37`).
    pub minor: u32,
}

impl ServerVersion {
    /// Parses `v1.<minor>.<patch>` (also with a `Kubernetes ` prefix, as `--version` prints it).
    pub fn parse(text: &str) -> Result<Self> {
        let git_version = text
            .trim()
            .trim_start_matches("Kubernetes ")
            .trim()
            .to_owned();
        let minor = git_version
            .strip_prefix("v1.")
            .and_then(|rest| rest.split('.').next())
            .and_then(|m| m.parse().ok())
            .with_context(|| format!("not a Kubernetes 1.x version: {text:?}"))?;
        Ok(Self { git_version, minor })
    }

    /// What `kube-apiserver --version` in `bin_dir` says.
    pub async fn of_bin_dir(bin_dir: &Path) -> Result<Self> {
        let exe = bin_dir.join("kube-apiserver");
        let out = Command::new(&exe)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .await
            .with_context(|| format!("running {} --version", exe.display()))?;
        if !out.status.success() {
            bail!("{} --version failed: {}", exe.display(), out.status);
        }
        Self::parse(&String::from_utf8_lossy(&out.stdout))
    }

    /// Up to 1.23 the apiserver serves plain HTTP on :8080 unless
    /// `--insecure-port=0`, and the controller-manager and scheduler take
    /// `--port=0`; 1.24 removed those flags.
    pub fn has_insecure_ports(&self) -> bool {
        self.minor < 24
    }

    /// Up to 1.23 every ServiceAccount gets a token Secret, and pods are only
    /// admitted once their namespace's `default` ServiceAccount has one.
    pub fn has_legacy_service_account_tokens(&self) -> bool {
        self.minor < 24
    }
}

struct Component {
    name: &'static str,
    child: Child,
}

impl ControlPlane {
    /// Starts the control plane with binaries from `bin_dir` and its files in `state`.
    pub async fn start(bin_dir: &Path, state: &StateDir) -> Result<Self> {
        let version = ServerVersion::of_bin_dir(bin_dir).await?;
        for dir in [
            state.logs(),
            state.pki().join("apiserver"),
            state.root().join("users"),
        ] {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let users = pki::new_users();
        write_atomic(
            &state.pki().join("tokens.csv"),
            pki::token_file(&users).as_bytes(),
        )?;
        pki::service_account_keys(&state.pki())?;
        let kubelet_pki =
            pki::KubeletPki::generate().context("generating the kubelet certificates")?;
        kubelet_pki.write_to(&state.kubelet_pki())?;

        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut plane = Self {
                state: state.clone(),
                info: ClusterInfo {
                    server: String::new(),
                    kubernetes_version: version.git_version.clone(),
                    users: users.clone(),
                    nodes: Vec::new(),
                    pids: BTreeMap::new(),
                },
                components: Vec::new(),
                version: version.clone(),
                kubelet_pki: kubelet_pki.clone(),
            };
            match plane.start_storage_and_apiserver(bin_dir).await {
                Ok(()) => {
                    plane.start_controllers(bin_dir).await?;
                    return Ok(plane);
                }
                Err(e) if attempt < 3 && plane.lost_a_port_race() => {
                    tracing::warn!("a port was taken meanwhile, retrying: {e:#}");
                    plane.stop().await;
                    let _ = std::fs::remove_dir_all(state.etcd_data());
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// What `cluster.json` describes (nodes are filled in by the caller).
    pub fn info(&self) -> &ClusterInfo {
        &self.info
    }

    /// The version of the running binaries.
    pub fn version(&self) -> &ServerVersion {
        &self.version
    }

    /// The certificates the apiserver and the node agent's kubelet endpoints share.
    pub fn kubelet_pki(&self) -> &pki::KubeletPki {
        &self.kubelet_pki
    }

    /// A client with the admin's credentials.
    pub async fn admin_client(&self) -> Result<Client> {
        crate::client::from_kubeconfig(&self.state.kubeconfig()).await
    }

    /// The first component that has exited, as `name: status`.
    pub fn exited(&mut self) -> Option<String> {
        self.components
            .iter_mut()
            .find_map(|c| match c.child.try_wait() {
                Ok(Some(status)) => Some(format!("{} exited: {status}", c.name)),
                Ok(None) => None,
                Err(e) => Some(format!("{}: {e}", c.name)),
            })
    }

    /// Kills every component (newest first) and waits for each to exit.
    pub async fn stop(mut self) {
        while let Some(mut c) = self.components.pop() {
            let _ = c.child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(10), c.child.wait()).await;
        }
    }

    async fn start_storage_and_apiserver(&mut self, bin_dir: &Path) -> Result<()> {
        let [client_port, peer_port, api_port] = free_ports::<3>()?;
        let client_url = format!("http://127.0.0.1:{client_port}");
        let peer_url = format!("http://127.0.0.1:{peer_port}");
        let data = self.state.etcd_data();
        self.spawn(
            "etcd",
            bin_dir.join("etcd"),
            &[
                "--name=helmd".into(),
                format!("--data-dir={}", data.display()),
                format!("--listen-client-urls={client_url}"),
                format!("--advertise-client-urls={client_url}"),
                format!("--listen-peer-urls={peer_url}"),
                format!("--initial-advertise-peer-urls={peer_url}"),
                format!("--initial-cluster=helmd={peer_url}"),
                "--initial-cluster-state=new".into(),
                "--logger=zap".into(),
                "--log-outputs=stderr".into(),
            ],
        )?;
        self.wait_until("etcd accepting connections", ETCD_DEADLINE, || async {
            Ok(tokio::net::TcpStream::connect(("127.0.0.1", client_port))
                .await
                .is_ok())
        })
        .await?;

        let pki = self.state.pki();
        let cert_dir = pki.join("apiserver");
        let kubelet = self.state.kubelet_pki();
        let mut args = vec![
            "--bind-address=127.0.0.1".to_owned(),
            "--advertise-address=127.0.0.1".into(),
            format!("--secure-port={api_port}"),
        ];
        if self.version.has_insecure_ports() {
            args.push("--insecure-port=0".into());
        } else {
            // Newer servers refuse to start with a loopback advertise address
            // and an endpoint reconciler ("may not be in the loopback range").
            args.push("--endpoint-reconciler-type=none".into());
        }
        args.extend([
            format!("--etcd-servers={client_url}"),
            format!("--cert-dir={}", cert_dir.display()),
            format!("--token-auth-file={}", pki.join("tokens.csv").display()),
            "--authorization-mode=RBAC".into(),
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
            format!(
                "--service-account-key-file={}",
                pki.join("sa.pub").display()
            ),
            format!(
                "--service-account-signing-key-file={}",
                pki.join("sa.key").display()
            ),
            format!("--service-cluster-ip-range={SERVICE_CIDR}"),
            // pods/log (and exec, port-forward) are proxied to the node's kubelet
            // endpoint (the node agent): at its InternalIP, verified against the
            // kubelet CA, with a client certificate the agent checks.
            "--kubelet-preferred-address-types=InternalIP".into(),
            format!(
                "--kubelet-certificate-authority={}",
                kubelet.join("ca.crt").display()
            ),
            format!(
                "--kubelet-client-certificate={}",
                kubelet.join("apiserver-client.crt").display()
            ),
            format!(
                "--kubelet-client-key={}",
                kubelet.join("apiserver-client.key").display()
            ),
            "--allow-privileged=true".into(),
            "--profiling=false".into(),
        ]);
        self.spawn("kube-apiserver", bin_dir.join("kube-apiserver"), &args)?;
        self.info.server = format!("https://127.0.0.1:{api_port}");

        // The apiserver writes its self-signed serving cert (leaf, then CA) on start.
        let cert_file = cert_dir.join("apiserver.crt");
        self.wait_until("the apiserver's serving cert", APISERVER_DEADLINE, || {
            let cert_file = cert_file.clone();
            async move {
                Ok(std::fs::read_to_string(&cert_file)
                    .ok()
                    .and_then(|pem| pki::ca_from_serving_cert(&pem).ok())
                    .is_some())
            }
        })
        .await?;
        let pem = std::fs::read_to_string(&cert_file)
            .with_context(|| format!("reading {}", cert_file.display()))?;
        write_atomic(
            &self.state.ca(),
            pki::ca_from_serving_cert(&pem)?.as_bytes(),
        )?;
        self.write_kubeconfigs()?;

        let client = self.admin_client().await?;
        self.wait_until("kube-apiserver /readyz", APISERVER_DEADLINE, || {
            let client = client.clone();
            async move { Ok(crate::client::readyz(&client).await) }
        })
        .await
    }

    fn write_kubeconfigs(&self) -> Result<()> {
        let ca = std::path::absolute(self.state.ca())?;
        for user in &self.info.users {
            let text = pki::kubeconfig(&self.info.server, &ca, user, "default");
            let path = match user.name.as_str() {
                pki::CONTROLLER_MANAGER => self.state.pki().join("controller-manager.kubeconfig"),
                pki::SCHEDULER => self.state.pki().join("scheduler.kubeconfig"),
                name => {
                    write_atomic(&self.state.user_token(name), user.token.as_bytes())?;
                    self.state.user_kubeconfig(name)
                }
            };
            write_atomic(&path, text.as_bytes())?;
            if user.name == pki::ADMIN {
                write_atomic(&self.state.kubeconfig(), text.as_bytes())?;
            }
        }
        Ok(())
    }

    async fn start_controllers(&mut self, bin_dir: &Path) -> Result<()> {
        let pki = self.state.pki();
        let insecure_port: &[String] = if self.version.has_insecure_ports() {
            &["--port=0".to_owned()]
        } else {
            &[]
        };
        let mut args = vec![
            format!(
                "--kubeconfig={}",
                pki.join("controller-manager.kubeconfig").display()
            ),
            "--bind-address=127.0.0.1".into(),
            "--secure-port=0".into(),
            "--leader-elect=false".into(),
            "--use-service-account-credentials=true".into(),
            format!(
                "--service-account-private-key-file={}",
                pki.join("sa.key").display()
            ),
            format!("--root-ca-file={}", self.state.ca().display()),
            format!("--service-cluster-ip-range={SERVICE_CIDR}"),
            "--cluster-name=helmd-test".into(),
            "--profiling=false".into(),
        ];
        args.extend_from_slice(insecure_port);
        self.spawn(
            "kube-controller-manager",
            bin_dir.join("kube-controller-manager"),
            &args,
        )?;
        let mut args = vec![
            format!(
                "--kubeconfig={}",
                pki.join("scheduler.kubeconfig").display()
            ),
            "--bind-address=127.0.0.1".into(),
            "--secure-port=0".into(),
            "--leader-elect=false".into(),
            "--profiling=false".into(),
        ];
        args.extend_from_slice(insecure_port);
        self.spawn("kube-scheduler", bin_dir.join("kube-scheduler"), &args)?;
        // Pods are only admitted once their namespace's default ServiceAccount
        // exists (and on 1.20 has a token): the controller-manager is working.
        let client = self.admin_client().await?;
        let legacy = self.version.has_legacy_service_account_tokens();
        self.wait_until(
            "the default ServiceAccount (kube-controller-manager)",
            CONTROLLERS_DEADLINE,
            || {
                let client = client.clone();
                async move { Ok(crate::client::admits_pods(&client, "default", legacy).await) }
            },
        )
        .await
    }

    fn spawn(&mut self, name: &'static str, program: PathBuf, args: &[String]) -> Result<()> {
        let log_path = self.state.log(name);
        let log =
            File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
        // Under setpriv, the kernel kills the component if the supervisor dies
        // without tearing down (SIGKILL): no orphans in any case.
        let mut command = if Path::new(SETPRIV).exists() {
            let mut c = Command::new(SETPRIV);
            c.args(["--pdeathsig", "KILL", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let child = command
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        if let Some(pid) = child.id() {
            self.info.pids.insert(name.to_owned(), pid);
        }
        tracing::info!("started {name} (log {})", log_path.display());
        self.components.push(Component { name, child });
        Ok(())
    }

    /// Polls `ready` until it says yes; fails at `deadline` or when a component exits.
    async fn wait_until<F, Fut>(
        &mut self,
        what: &str,
        deadline: Duration,
        mut ready: F,
    ) -> Result<()>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<bool>>,
    {
        let start = Instant::now();
        loop {
            if ready().await? {
                tracing::info!("{what}: ready after {:?}", start.elapsed());
                return Ok(());
            }
            if let Some(exit) = self.exited() {
                bail!(
                    "waiting for {what}: {exit}\n{}",
                    self.state.all_log_tails(30)
                );
            }
            if start.elapsed() > deadline {
                bail!(
                    "waiting for {what}: not ready after {deadline:?}\n{}",
                    self.state.all_log_tails(30)
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Whether a component failed because a port it was given got taken.
    fn lost_a_port_race(&self) -> bool {
        ["etcd", "kube-apiserver"].iter().any(|c| {
            std::fs::read_to_string(self.state.log(c))
                .map(|log| log.contains("address already in use"))
                .unwrap_or(false)
        })
    }
}

/// `N` distinct free ports on 127.0.0.1 (bound together, then released).
fn free_ports<const N: usize>() -> Result<[u16; N]> {
    let listeners = (0..N)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0"))
        .collect::<std::io::Result<Vec<_>>>()
        .context("finding free ports")?;
    let mut ports = [0u16; N];
    for (port, l) in ports.iter_mut().zip(&listeners) {
        *port = l.local_addr()?.port();
    }
    Ok(ports)
}

/// Users other than the control plane's own identities.
pub fn people(info: &ClusterInfo) -> impl Iterator<Item = &UserInfo> {
    info.users
        .iter()
        .filter(|u| u.name != pki::CONTROLLER_MANAGER && u.name != pki::SCHEDULER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_from_version_output_and_pick_the_flags() {
        let modern = ServerVersion::parse("Kubernetes v1.37.2\n").expect("parses");
        assert_eq!(modern.git_version, "v1.37.2");
        assert_eq!(modern.minor, 37);
        assert!(!modern.has_insecure_ports());
        assert!(!modern.has_legacy_service_account_tokens());
        let oldest = ServerVersion::parse(OLDEST_VERSION).expect("parses");
        assert_eq!(oldest.minor, 20);
        assert!(oldest.has_insecure_ports());
        assert!(oldest.has_legacy_service_account_tokens());
        assert!(ServerVersion::parse("etcd 3.6.17").is_err());
    }
}
