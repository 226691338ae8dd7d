//! Starts the real `helmd` binary on port 0 with a fresh database and waits on its health service.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::binaries;

/// How long start-up and health waits may take before a test fails.
pub const READY_DEADLINE: Duration = Duration::from_secs(60);

/// What to start helmd with.
#[derive(Debug, Clone, Default)]
pub struct HelmdOptions {
    /// `--database-url`; `None` uses the embedded SQLite default in the data dir.
    pub database_url: Option<String>,
    /// Extra command-line arguments after `serve`.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

/// A running `helmd serve` process. Killed on drop.
#[derive(Debug)]
pub struct Helmd {
    child: Child,
    addr: SocketAddr,
    data_dir: TempDir,
}

impl Helmd {
    /// Starts helmd on 127.0.0.1:0 and waits until its health service reports SERVING.
    pub async fn start(options: HelmdOptions) -> Result<Self> {
        let data_dir = tempfile::Builder::new().prefix("helmd-data-").tempdir()?;
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--data-dir".into(),
            data_dir.path().display().to_string(),
            "--health-check-interval".into(),
            "100ms".into(),
        ];
        if let Some(url) = &options.database_url {
            args.extend(["--database-url".into(), url.clone()]);
        }
        args.extend(options.args.iter().cloned());
        let mut cmd = Command::new(binaries::binary("helmd", "helmd")?);
        cmd.args(&args).envs(options.env.iter().cloned());
        let (child, addr) = spawn_and_read_addr(cmd, &data_dir.path().join("helmd.log"))?;
        let helmd = Helmd {
            child,
            addr,
            data_dir,
        };
        helmd.wait_for_health(ServingStatus::Serving).await?;
        Ok(helmd)
    }

    /// The address helmd listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, for clients.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A fresh channel to helmd.
    pub async fn channel(&self) -> Result<Channel> {
        Channel::from_shared(self.endpoint())?
            .connect()
            .await
            .context("connecting to helmd")
    }

    /// The process id of the helmd child (to read its `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process's resident memory now and at its peak, in KiB (`VmRSS`, `VmHWM`
    /// from `/proc/<pid>/status`).
    pub fn memory_kib(&self) -> Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .context("reading helmd's /proc status")?;
        let field = |name: &str| -> Result<u64> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .with_context(|| format!("no {name} in /proc status"))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }

    /// The data directory of this instance.
    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// helmd's log (stderr) so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.path().join("helmd.log")).unwrap_or_default()
    }

    /// The overall health status (service `""`), or an error if helmd cannot be asked.
    pub async fn health(&self) -> Result<ServingStatus> {
        let mut client = HealthClient::new(self.channel().await?);
        let response = client
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await?;
        Ok(response.into_inner().status())
    }

    /// Polls the health service until it reports `status`, failing after [`READY_DEADLINE`].
    pub async fn wait_for_health(&self, status: ServingStatus) -> Result<()> {
        let deadline = Instant::now() + READY_DEADLINE;
        let mut last = String::from("no answer yet");
        while Instant::now() < deadline {
            match self.health().await {
                Ok(current) if current == status => return Ok(()),
                Ok(current) => last = format!("{current:?}"),
                Err(e) => last = format!("{e:#}"),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!(
            "helmd health did not become {status:?} (last: {last}); log:\n{}",
            self.log()
        )
    }

    /// Sends a signal (e.g. SIGTERM) to the process.
    pub fn signal(&self, signal: Signal) -> Result<()> {
        let pid = i32::try_from(self.child.id()).context("pid out of range")?;
        kill(Pid::from_raw(pid), signal).context("sending a signal to helmd")
    }

    /// Waits for the process to exit, failing after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                bail!(
                    "helmd did not exit within {timeout:?}; log:\n{}",
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Helmd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns helmd with stderr to `log` and reads `helmd listening on ADDR` from stdout.
fn spawn_and_read_addr(mut cmd: Command, log: &Path) -> Result<(Child, SocketAddr)> {
    let log_file = std::fs::File::create(log)?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .context("spawning helmd")?;
    let stdout = child.stdout.take().context("helmd stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next();
        let _ = tx.send(first);
        // Keep draining so helmd never blocks on a full pipe.
        for _ in lines {}
    });
    let line = match rx.recv_timeout(READY_DEADLINE) {
        Ok(Some(Ok(line))) => line,
        other => {
            let _ = child.kill();
            let log = std::fs::read_to_string(log).unwrap_or_default();
            bail!("helmd did not report its address ({other:?}); log:\n{log}");
        }
    };
    let addr = line
        .strip_prefix("helmd listening on ")
        .with_context(|| format!("unexpected first line from helmd: {line:?}"))?
        .trim()
        .parse()
        .context("parsing helmd's address")?;
    Ok((child, addr))
}

/// Runs `helmd` to completion with the given arguments (for start-up failure tests):
/// returns exit status, stdout and stderr. Killed after `timeout`.
pub fn run_helmd(
    args: &[&str],
    env: &[(&str, &str)],
    timeout: Duration,
) -> Result<(ExitStatus, String, String)> {
    let bin: PathBuf = binaries::binary("helmd", "helmd")?;
    let mut child = Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let deadline = Instant::now() + timeout;
    loop {
        if child.try_wait()?.is_some() {
            let output = child.wait_with_output()?;
            return Ok((
                output.status,
                String::from_utf8_lossy(&output.stdout).into_owned(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            ));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("helmd {args:?} did not exit within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
