//! The supervisor process (`helmd-test-cluster up|serve`): starts the control plane and the node agent, publishes the state dir, and tears everything down on stdin EOF, SIGTERM or SIGINT.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::control_plane::ControlPlane;
use crate::node_agent::{self, NodeAgent};
use crate::state::{StateDir, write_atomic};

/// Environment variable: when set, a `serve` supervisor keeps its state dir (logs) on exit.
pub const ENV_KEEP: &str = "HELMD_KEEP_CLUSTER";
/// How long a supervisor may take to write its pid file.
const PID_DEADLINE: Duration = Duration::from_secs(30);
/// How long the nodes may take to become Ready.
const NODES_DEADLINE: Duration = Duration::from_secs(90);

/// When stdin reaching EOF stops the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdinMode {
    /// Always (`serve`: the parent holds the write end; its death closes it).
    StopOnEof,
    /// Only when stdin is a pipe or socket (`up`: /dev/null or a terminal never stop it).
    StopOnEofOfPipe,
}

/// What the supervisor runs.
#[derive(Clone, Debug)]
pub struct Options {
    /// The state dir (created if missing).
    pub state_dir: PathBuf,
    /// An explicit bin dir (else `$HELMD_KUBE_BIN_DIR` or `scripts/kube-build`).
    pub bin_dir: Option<PathBuf>,
    /// The node agent's options.
    pub agent: node_agent::Options,
    /// When stdin EOF stops the cluster.
    pub stdin: StdinMode,
    /// Remove the whole state dir after a clean stop (unless `HELMD_KEEP_CLUSTER` is set).
    pub remove_state_dir: bool,
}

/// Runs the cluster until asked to stop. Errors after writing `failed`.
pub async fn run(options: Options) -> Result<()> {
    let state = StateDir::new(std::path::absolute(&options.state_dir)?);
    if let Some(pid) = running_supervisor(&state) {
        bail!(
            "a cluster is already running in {} (pid {pid})",
            state.root().display()
        );
    }
    std::fs::create_dir_all(state.logs())
        .with_context(|| format!("creating {}", state.logs().display()))?;
    for stale in [state.ready(), state.failed()] {
        let _ = std::fs::remove_file(stale);
    }
    write_atomic(
        &state.supervisor_pid(),
        std::process::id().to_string().as_bytes(),
    )?;
    let stop = stop_requested(options.stdin)?;
    let outcome = serve(&options, &state, stop).await;
    let _ = std::fs::remove_file(state.ready());
    let _ = std::fs::remove_dir_all(state.etcd_data());
    match outcome {
        Ok(why) => {
            tracing::info!("stopped ({why})");
            if options.remove_state_dir && std::env::var_os(ENV_KEEP).is_none() {
                let _ = std::fs::remove_dir_all(state.root());
            }
            Ok(())
        }
        Err(e) => {
            let message = format!("{e:#}");
            let _ = write_atomic(&state.failed(), message.as_bytes());
            Err(e.context(format!(
                "the cluster's files are kept in {}",
                state.root().display()
            )))
        }
    }
}

async fn serve(
    options: &Options,
    state: &StateDir,
    mut stop: oneshot::Receiver<&'static str>,
) -> Result<&'static str> {
    let started = Instant::now();
    let bin = tokio::select! {
        bin = crate::binaries::ensure(options.bin_dir.clone()) => bin?,
        why = &mut stop => return Ok(why.unwrap_or("stop")),
    };
    let build_time = started.elapsed();
    let started = Instant::now();
    let mut plane = tokio::select! {
        plane = ControlPlane::start(&bin, state) => plane?,
        why = &mut stop => return Ok(why.unwrap_or("stop")),
    };
    let client = plane.admin_client().await?;
    let mut agent = NodeAgent::start(client.clone(), &options.agent, plane.kubelet_pki()).await?;
    let outcome = async {
        agent.wait_ready(&client, NODES_DEADLINE).await?;
        let mut info = plane.info().clone();
        info.nodes = agent.node_names();
        info.pids.insert("supervisor".into(), std::process::id());
        write_atomic(
            &state.info(),
            serde_json::to_string_pretty(&info)?.as_bytes(),
        )?;
        write_atomic(&state.ready(), std::process::id().to_string().as_bytes())?;
        tracing::info!(
            "ready in {:?} (binaries: {:?}): export KUBECONFIG={}",
            started.elapsed(),
            build_time,
            state.kubeconfig().display()
        );
        let mut check = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                why = &mut stop => return Ok(why.unwrap_or("stop")),
                _ = check.tick() => {
                    if let Some(exit) = plane.exited() {
                        bail!("{exit}\n{}", state.all_log_tails(40));
                    }
                    if let Some(why) = agent.stopped() {
                        bail!("node agent: {why}");
                    }
                }
            }
        }
    }
    .await;
    agent.stop();
    plane.stop().await;
    outcome
}

/// Resolves with the reason once SIGTERM or SIGINT arrives or stdin closes (per `mode`).
fn stop_requested(mode: StdinMode) -> Result<oneshot::Receiver<&'static str>> {
    let (tx, rx) = oneshot::channel();
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let watch_stdin = match mode {
        StdinMode::StopOnEof => true,
        StdinMode::StopOnEofOfPipe => stdin_is_pipe(),
    };
    let (eof_tx, eof_rx) = oneshot::channel::<()>();
    if watch_stdin {
        // A plain thread: a blocked read must not hold up runtime shutdown.
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 256];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            let _ = eof_tx.send(());
        });
    } else {
        drop(eof_tx);
    }
    tokio::spawn(async move {
        let why = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
            Ok(()) = eof_rx => "stdin closed",
        };
        let _ = tx.send(why);
    });
    Ok(rx)
}

/// The pid of a live `helmd-test-cluster` process owning `state`, if any.
fn running_supervisor(state: &StateDir) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(state.supervisor_pid())
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let ours = String::from_utf8_lossy(&cmdline).contains("helmd-test-cluster");
    (ours && pid != std::process::id()).then_some(pid)
}

fn stdin_is_pipe() -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata("/dev/stdin")
        .map(|m| m.file_type().is_fifo() || m.file_type().is_socket())
        .unwrap_or(false)
}

/// Waits until the supervisor of `state` reports ready; fails when it reports
/// failure, when its process is gone, or after `deadline`.
pub async fn wait_ready(state: &StateDir, deadline: Duration) -> Result<()> {
    let start = Instant::now();
    loop {
        if state.ready().exists() {
            return Ok(());
        }
        if let Ok(why) = std::fs::read_to_string(state.failed()) {
            return Err(anyhow!("the cluster failed to start: {why}"));
        }
        if let Ok(pid) = std::fs::read_to_string(state.supervisor_pid())
            && !PathBuf::from(format!("/proc/{}", pid.trim())).exists()
        {
            bail!(
                "the cluster's supervisor (pid {}) is gone\n{}",
                pid.trim(),
                state.all_log_tails(30)
            );
        }
        if start.elapsed() > deadline {
            bail!("the cluster was not ready after {deadline:?}");
        }
        if start.elapsed() > PID_DEADLINE && !state.supervisor_pid().exists() {
            bail!(
                "no supervisor started in {} within {PID_DEADLINE:?}",
                state.root().display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
