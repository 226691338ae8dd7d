//! The `helmd-test-cluster` binary: runs a local cluster in the foreground (`up`, `serve`), waits for one (`wait`), prints its environment (`env`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use helmd_test_cluster::node_agent;
use helmd_test_cluster::state::StateDir;
use helmd_test_cluster::supervisor::{self, StdinMode};

/// A real local Kubernetes cluster (etcd + kube-apiserver, -controller-manager,
/// -scheduler v1.37.2, or v1.20.2 with HELMD_KUBE_VERSION=1.20, on 127.0.0.1) with a
/// node agent playing the kubelet.
#[derive(Parser)]
#[command(name = "helmd-test-cluster")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a cluster in the foreground until SIGTERM/SIGINT (or stdin EOF when stdin is a pipe).
    /// The state dir is kept (logs); etcd's data is removed.
    Up(RunArgs),
    /// Like `up`, but stop as soon as stdin closes and remove the state dir
    /// afterwards (unless HELMD_KEEP_CLUSTER is set). Used for per-process test clusters.
    Serve(RunArgs),
    /// Wait until the cluster in the state dir is ready; fail if it failed or its supervisor is gone.
    Wait {
        /// The cluster's state dir.
        #[arg(long)]
        state_dir: PathBuf,
        /// Give up after this many seconds (a cold build of Kubernetes takes ~15 min).
        #[arg(long, default_value_t = 2700)]
        timeout: u64,
    },
    /// Print `export KUBECONFIG=...` for the cluster in the state dir.
    Env {
        /// The cluster's state dir.
        #[arg(long)]
        state_dir: PathBuf,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Where the cluster keeps its files (kubeconfigs, tokens, logs, etcd data).
    #[arg(long)]
    state_dir: PathBuf,
    /// How many nodes the node agent registers.
    #[arg(long, default_value_t = 2)]
    nodes: usize,
    /// A dir holding etcd and the kube binaries (default: $HELMD_KUBE_BIN_DIR, else scripts/kube-build).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // kube-client logs every failed request at ERROR, which readiness polls
    // expect; the agent logs the failures that matter itself.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,kube_client=off,kube_runtime=warn".into()),
        )
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("helmd-test-cluster: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Cmd::Up(args) => {
                supervisor::run(options(args, StdinMode::StopOnEofOfPipe, false)).await
            }
            Cmd::Serve(args) => supervisor::run(options(args, StdinMode::StopOnEof, true)).await,
            Cmd::Wait { state_dir, timeout } => {
                supervisor::wait_ready(&StateDir::new(state_dir), Duration::from_secs(timeout))
                    .await
            }
            Cmd::Env { state_dir } => {
                let state = StateDir::new(std::path::absolute(state_dir)?);
                anyhow::ensure!(
                    state.ready().exists(),
                    "no ready cluster in {}",
                    state.root().display()
                );
                println!("export KUBECONFIG={}", state.kubeconfig().display());
                Ok(())
            }
        }
    });
    // Do not wait for a thread blocked on stdin.
    runtime.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("helmd-test-cluster: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn options(args: RunArgs, stdin: StdinMode, remove_state_dir: bool) -> supervisor::Options {
    supervisor::Options {
        state_dir: args.state_dir,
        bin_dir: args.bin_dir,
        agent: node_agent::Options {
            nodes: args.nodes,
            ..node_agent::Options::default()
        },
        stdin,
        remove_state_dir,
    }
}
