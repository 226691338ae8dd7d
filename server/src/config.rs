//! Command line and environment configuration of `helmd serve`: every flag has a `HELMD_*` twin.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The `helmd` command line.
#[derive(Debug, Parser)]
#[command(
    name = "helmd",
    version,
    about = "A gRPC service that manages Helm releases on Kubernetes"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of `helmd`.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the helmd.v1 gRPC API.
    Serve(Box<ServeConfig>),
}

/// Where release records are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReleaseStorage {
    /// Helm's SQL driver tables (`releases_v1`) in helmd's database.
    Sql,
    /// Helm's Secrets driver format in each release's namespace.
    Secrets,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Configuration of `helmd serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on for gRPC (port 0 picks a free port).
    #[arg(
        long,
        env = "HELMD_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:50051"
    )]
    pub listen: SocketAddr,

    /// Directory for helmd's local state: the embedded SQLite database and caches
    /// [default: $XDG_DATA_HOME/helmd or ~/.local/share/helmd].
    #[arg(long, env = "HELMD_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Database URL: `postgres://…` for production and several replicas, or
    /// `sqlite://…` [default: sqlite in the data directory].
    #[arg(
        long,
        env = "HELMD_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Most connections in the database pool.
    #[arg(
        long,
        env = "HELMD_DATABASE_MAX_CONNECTIONS",
        default_value_t = 10,
        value_name = "N"
    )]
    pub database_max_connections: u32,

    /// How long start-up keeps retrying an unreachable database before giving up.
    #[arg(long, env = "HELMD_DATABASE_CONNECT_TIMEOUT", value_parser = parse_duration, default_value = "10s", value_name = "DURATION")]
    pub database_connect_timeout: Duration,

    /// How long a request waits for a database connection before answering UNAVAILABLE.
    #[arg(long, env = "HELMD_DATABASE_ACQUIRE_TIMEOUT", value_parser = parse_duration, default_value = "3s", value_name = "DURATION")]
    pub database_acquire_timeout: Duration,

    /// Kubeconfig file for the cluster helmd manages [default: $KUBECONFIG, ~/.kube/config, or in-cluster].
    #[arg(long, env = "HELMD_KUBECONFIG", value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,

    /// Kubeconfig context to use [default: the current context].
    #[arg(long, env = "HELMD_KUBE_CONTEXT", value_name = "NAME")]
    pub kube_context: Option<String>,

    /// File holding the 32-byte key (64 hex digits or base64) that encrypts repository
    /// credentials at rest (AES-256-GCM). Without it, repositories can still use
    /// credentials from a Kubernetes Secret, but inline credentials are refused
    /// (FAILED_PRECONDITION, reason CREDENTIALS_KEY_NOT_CONFIGURED).
    #[arg(long, env = "HELMD_CREDENTIALS_KEY_FILE", value_name = "FILE")]
    pub credentials_key_file: Option<PathBuf>,

    /// How long a pull, push or index download keeps retrying a registry or
    /// repository that is down before answering UNAVAILABLE.
    #[arg(long, env = "HELMD_SOURCE_RETRY_DEADLINE", value_parser = parse_duration, default_value = "30s", value_name = "DURATION")]
    pub source_retry_deadline: Duration,

    /// Overall deadline of one request's fetches from a registry or repository (a
    /// request's own shorter deadline wins): DEADLINE_EXCEEDED, reason SOURCE_TIMEOUT.
    #[arg(long, env = "HELMD_SOURCE_TIMEOUT", value_parser = parse_duration, default_value = "2m", value_name = "DURATION")]
    pub source_timeout: Duration,

    /// Networks chart sources may not reach, checked after DNS resolution and on every
    /// redirect hop (repeat or separate with commas) [default: link-local and
    /// unspecified addresses; loopback too when `--listen` is not a loopback address].
    #[arg(
        long,
        env = "HELMD_SOURCE_DENY_CIDR",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub source_deny_cidr: Vec<helmd_source::Cidr>,

    /// Exceptions to `--source-deny-cidr` (repeat or separate with commas).
    #[arg(
        long,
        env = "HELMD_SOURCE_ALLOW_CIDR",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub source_allow_cidr: Vec<helmd_source::Cidr>,

    /// Largest repository index.yaml accepted, in bytes (alias expansion counted).
    #[arg(long, env = "HELMD_MAX_INDEX_BYTES", default_value_t = 64 << 20, value_name = "BYTES")]
    pub max_index_bytes: u64,

    /// Most parsed repository indexes kept in memory, in bytes of their index.yaml.
    #[arg(long, env = "HELMD_INDEX_MEMORY_BYTES", default_value_t = 128 << 20, value_name = "BYTES")]
    pub index_memory_bytes: u64,

    /// Most bytes of chart archives (and index.yaml copies) kept in the chart cache
    /// under the data directory.
    #[arg(long, env = "HELMD_CHART_CACHE_BYTES", default_value_t = 1 << 30, value_name = "BYTES")]
    pub chart_cache_bytes: u64,

    /// Where release records are kept.
    #[arg(long, env = "HELMD_RELEASE_STORAGE", value_enum, default_value_t = ReleaseStorage::Sql)]
    pub release_storage: ReleaseStorage,

    /// Largest gRPC message accepted or sent, in bytes.
    #[arg(long, env = "HELMD_MAX_MESSAGE_BYTES", default_value_t = 32 * 1024 * 1024, value_name = "BYTES")]
    pub max_message_bytes: usize,

    /// Largest chart archive accepted (upload, pull or push), in bytes.
    #[arg(long, env = "HELMD_MAX_CHART_BYTES", default_value_t = 20 * 1024 * 1024, value_name = "BYTES")]
    pub max_chart_bytes: u64,

    /// Most helmd.v1 requests served at once, over all connections; more are refused
    /// with RESOURCE_EXHAUSTED (health and reflection are not counted).
    #[arg(
        long,
        env = "HELMD_MAX_CONCURRENT_REQUESTS",
        default_value_t = 64,
        value_name = "N"
    )]
    pub max_concurrent_requests: usize,

    /// Most bytes of request messages (charts, values) held by the requests in flight
    /// together; a request that would pass it is refused with RESOURCE_EXHAUSTED.
    #[arg(long, env = "HELMD_MAX_REQUEST_MEMORY", default_value_t = 512 * 1024 * 1024, value_name = "BYTES")]
    pub max_request_memory: usize,

    /// Most renders (RenderChart, LintChart) run at once; more wait for a slot.
    /// Default: twice the CPUs.
    #[arg(long, env = "HELMD_MAX_CONCURRENT_RENDERS", value_name = "N")]
    pub max_concurrent_renders: Option<usize>,

    /// Longest a render (RenderChart, LintChart) may run on the server; the caller's
    /// own deadline stops it sooner.
    #[arg(long, env = "HELMD_RENDER_TIMEOUT", value_parser = parse_duration, default_value = "30s", value_name = "DURATION")]
    pub render_timeout: Duration,

    /// Most release operations (install, upgrade, ...) this replica runs at once.
    #[arg(
        long,
        env = "HELMD_MAX_CONCURRENT_OPERATIONS",
        default_value_t = 16,
        value_name = "N"
    )]
    pub max_concurrent_operations: usize,

    /// How often the database is checked for the health service.
    #[arg(long, env = "HELMD_HEALTH_CHECK_INTERVAL", value_parser = parse_duration, default_value = "2s", value_name = "DURATION")]
    pub health_check_interval: Duration,

    /// How long shutdown waits for requests in flight after SIGTERM.
    #[arg(long, env = "HELMD_SHUTDOWN_GRACE_PERIOD", value_parser = parse_duration, default_value = "30s", value_name = "DURATION")]
    pub shutdown_grace_period: Duration,

    /// Log filter (tracing's `EnvFilter` syntax, e.g. `info,helmd=debug`).
    #[arg(long, env = "HELMD_LOG", default_value = "info", value_name = "FILTER")]
    pub log: String,

    /// Log line format.
    #[arg(long, env = "HELMD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl ServeConfig {
    /// The data directory, defaulting like other XDG programs.
    pub fn data_dir(&self) -> PathBuf {
        if let Some(dir) = &self.data_dir {
            return dir.clone();
        }
        if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            return PathBuf::from(xdg).join("helmd");
        }
        match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(home) => PathBuf::from(home).join(".local/share/helmd"),
            None => PathBuf::from("helmd-data"),
        }
    }

    /// The addresses chart sources may reach. "Production mode" is listening on an
    /// address that is not loopback: then loopback is denied by default too.
    pub fn source_address_policy(&self) -> helmd_source::AddressPolicy {
        let deny = if self.source_deny_cidr.is_empty() {
            let mut deny = helmd_source::AddressPolicy::link_local();
            if !self.listen.ip().is_loopback() {
                deny.extend(helmd_source::AddressPolicy::loopback());
            }
            deny
        } else {
            self.source_deny_cidr.clone()
        };
        helmd_source::AddressPolicy {
            deny,
            allow: self.source_allow_cidr.clone(),
        }
    }

    /// The database URL, defaulting to an SQLite file in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir().join("helmd.db").display()
            ),
        }
    }
}

/// Parses durations such as `500ms`, `10s`, `2m` or `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text).map_err(|e| format!("{e} (examples: 500ms, 10s, 2m)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ServeConfig, clap::Error> {
        let mut argv = vec!["helmd", "serve"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).map(|cli| match cli.command {
            Command::Serve(config) => *config,
        })
    }

    #[test]
    fn defaults_are_the_embedded_set_up() {
        let config = parse(&["--data-dir", "/var/lib/helmd"]).expect("parses");
        assert_eq!(config.listen.to_string(), "127.0.0.1:50051");
        assert_eq!(
            config.database_url(),
            "sqlite:///var/lib/helmd/helmd.db?mode=rwc"
        );
        assert_eq!(config.release_storage, ReleaseStorage::Sql);
    }

    #[test]
    fn durations_accept_units() {
        let config = parse(&["--health-check-interval", "250ms"]).expect("parses");
        assert_eq!(config.health_check_interval, Duration::from_millis(250));
        assert!(parse(&["--health-check-interval", "soon"]).is_err());
    }

    #[test]
    fn loopback_is_denied_to_sources_only_off_loopback() {
        let local = parse(&[]).expect("parses").source_address_policy();
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        assert!(local.refusal(ip("127.0.0.1")).is_none());
        assert!(local.refusal(ip("169.254.169.254")).is_some());
        let public = parse(&["--listen", "0.0.0.0:50051"])
            .expect("parses")
            .source_address_policy();
        assert!(public.refusal(ip("127.0.0.1")).is_some());
        let allowed = parse(&[
            "--listen",
            "0.0.0.0:50051",
            "--source-allow-cidr",
            "127.0.0.1/32,::1",
        ])
        .expect("parses")
        .source_address_policy();
        assert!(allowed.refusal(ip("127.0.0.1")).is_none());
        assert!(parse(&["--source-deny-cidr", "10.0.0.0/40"]).is_err());
    }

    #[test]
    fn unparsable_listen_address_is_rejected() {
        let err = parse(&["--listen", "nowhere"]).expect_err("rejected");
        assert!(err.to_string().contains("--listen"), "{err}");
    }
}
