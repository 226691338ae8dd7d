//! A throwaway Debian Postgres on 127.0.0.1 in a temp dir, and fresh databases in it.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use sqlx::Connection;
use tempfile::TempDir;

/// A Postgres server this process started. Stopped on drop; a watchdog child stops it
/// too if the process dies without dropping it (static servers are never dropped).
#[derive(Debug)]
pub struct PostgresServer {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres_user: bool,
    watchdog: Option<(Child, ChildStdin)>,
}

impl PostgresServer {
    /// Initialises a data directory and starts the server on a free port.
    pub fn start() -> Result<Self> {
        let bin = pg_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("helmd-pg-")
            .tempdir()
            .context("creating temp dir")?;
        let as_postgres_user = nix::unistd::Uid::effective().is_root();
        if as_postgres_user {
            // initdb and pg_ctl refuse to run as root: the data dir belongs to `postgres`.
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path()))?;
        }
        let data = dir.path().join("data");
        let mut server = PostgresServer {
            dir,
            bin,
            port: free_port()?,
            as_postgres_user,
            watchdog: None,
        };
        server
            .pg("initdb")
            .args([
                "--no-sync",
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "-D",
            ])
            .arg(&data)
            .output()
            .context("running initdb")
            .and_then(check_output("initdb"))?;
        server.start_again()?;
        server.watchdog = Some(server.spawn_watchdog()?);
        Ok(server)
    }

    fn pg(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        if self.as_postgres_user {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server (again) on its port; returns once it accepts connections.
    pub fn start_again(&self) -> Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c full_page_writes=off -c max_connections=300",
            self.port,
            self.dir.path().display()
        );
        self.pg("pg_ctl")
            .args(["-w", "-t", "60", "-D"])
            .arg(self.data_dir())
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("postgres.log"))
            .arg("start")
            .output()
            .context("running pg_ctl start")
            .and_then(check_output("pg_ctl start"))
            .with_context(|| format!("log:\n{}", self.log()))
    }

    /// Stops the server at once (`-m immediate`), like a crash or an outage.
    pub fn stop(&self) -> Result<()> {
        self.pg("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(self.data_dir())
            .arg("stop")
            .output()
            .context("running pg_ctl stop")
            .and_then(check_output("pg_ctl stop"))
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    /// URL of the `postgres` database as superuser.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn spawn_watchdog(&self) -> Result<(Child, ChildStdin)> {
        let pg_ctl = self.bin.join("pg_ctl");
        let prefix = if self.as_postgres_user {
            "runuser -u postgres -- "
        } else {
            ""
        };
        let script = format!(
            "cat >/dev/null; {prefix}{} -m immediate -D '{}' stop >/dev/null 2>&1; rm -rf '{}'",
            pg_ctl.display(),
            self.data_dir().display(),
            self.dir.path().display()
        );
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("spawning the Postgres watchdog")?;
        let stdin = child.stdin.take().context("watchdog stdin")?;
        Ok((child, stdin))
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let _ = self.stop();
        if let Some((mut child, mut stdin)) = self.watchdog.take() {
            let _ = stdin.flush();
            drop(stdin);
            let _ = child.wait();
        }
    }
}

/// The run's shared server: `HELMD_TEST_POSTGRES_URL` (an admin URL) when the test
/// runner started one, otherwise one started for this process on first use.
pub fn shared_postgres() -> Result<String> {
    if let Ok(url) = std::env::var("HELMD_TEST_POSTGRES_URL") {
        return Ok(url);
    }
    static SERVER: OnceLock<std::result::Result<PostgresServer, String>> = OnceLock::new();
    match SERVER.get_or_init(|| PostgresServer::start().map_err(|e| format!("{e:#}"))) {
        Ok(server) => Ok(server.admin_url()),
        Err(e) => bail!("starting Postgres: {e}"),
    }
}

/// Creates a fresh, uniquely named database on the server at `admin_url`; returns its URL.
pub async fn fresh_database(admin_url: &str) -> Result<String> {
    let name = format!("helmd_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url)
        .await
        .context("connecting to Postgres")?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .context("creating a test database")?;
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(admin_url);
    Ok(format!("{base}/{name}"))
}

/// Debian's newest installed Postgres binaries (`/usr/lib/postgresql/<v>/bin`).
fn pg_bin_dir() -> Result<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .with_context(|| format!("{} not found: install Debian's postgresql", root.display()))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .context("no Postgres server binaries under /usr/lib/postgresql")
}

/// A free TCP port on 127.0.0.1 (Postgres cannot take port 0).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn run(cmd: &mut Command) -> Result<()> {
    let output = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    check_output("command")(output)
}

fn check_output(what: &'static str) -> impl Fn(std::process::Output) -> Result<()> {
    move |output| {
        if output.status.success() {
            Ok(())
        } else {
            bail!(
                "{what} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        }
    }
}
