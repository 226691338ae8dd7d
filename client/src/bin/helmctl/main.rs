//! `helmctl`: the helmd command line. Finds the server through `--server` / `HELMD_SERVER`.

mod chart_package;
mod dependency;
mod dependency_files;
mod dependency_update;
mod diff_view;
mod get;
mod helm_output;
mod history;
mod install;
mod lint;
mod list;
mod local;
mod locate;
mod package;
mod pull;
mod push;
mod registry;
mod release_run;
mod release_test;
mod releases;
mod repo;
mod rollback;
mod search;
mod server_side;
mod show;
mod status;
mod template;
mod values;
mod version;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use helmd_client::{ClientConfig, DEFAULT_SERVER, TlsOptions};

/// helmctl talks to helmd, the gRPC service that manages Helm releases.
#[derive(Debug, Parser)]
#[command(name = "helmctl", version, about)]
struct Cli {
    #[command(flatten)]
    conn: Connection,
    #[command(flatten)]
    paths: local::LocalPaths,
    #[command(subcommand)]
    command: Command,
}

/// How to reach helmd.
#[derive(Debug, Args)]
struct Connection {
    /// helmd's address (`host:port` or an http(s) URL).
    #[arg(long, global = true, env = "HELMD_SERVER", default_value = DEFAULT_SERVER)]
    server: String,
    /// Speak TLS to helmd (implied by an https:// server URL or any TLS file option).
    #[arg(long, global = true, env = "HELMD_TLS")]
    tls: bool,
    /// PEM CA bundle to verify helmd's certificate with; for the commands that run
    /// locally (pull, push, show, repo add), the CA that verifies the registry or
    /// chart repository, as Helm's `--ca-file`.
    #[arg(long, global = true, env = "HELMD_CA_FILE", value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// Server name to verify in helmd's certificate.
    #[arg(
        long,
        global = true,
        env = "HELMD_TLS_SERVER_NAME",
        value_name = "NAME"
    )]
    tls_server_name: Option<String>,
    /// Client certificate (PEM) for mutual TLS.
    #[arg(
        long,
        global = true,
        env = "HELMD_CERT_FILE",
        value_name = "FILE",
        requires = "key_file"
    )]
    cert_file: Option<PathBuf>,
    /// Client key (PEM) for mutual TLS.
    #[arg(
        long,
        global = true,
        env = "HELMD_KEY_FILE",
        value_name = "FILE",
        requires = "cert_file"
    )]
    key_file: Option<PathBuf>,
    /// How long connecting may take.
    #[arg(long, global = true, default_value = "10s", value_parser = parse_duration)]
    connect_timeout: Duration,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the client and server versions and the server's health.
    Version(version::VersionArgs),
    /// Render a chart locally, like `helm template` (no server needed; charts by
    /// path, `oci://…` or `repo/chart`).
    Template(Box<template::TemplateArgs>),
    /// Examine a chart for possible issues, like `helm lint` (runs locally; exits
    /// non-zero when a chart failed).
    Lint(Box<lint::LintArgs>),
    /// Package a chart directory into a chart archive, like `helm package` (runs
    /// locally).
    Package(package::PackageArgs),
    /// Download a chart archive, like `helm pull` (runs locally).
    Pull(pull::PullArgs),
    /// Upload a packaged chart to an OCI registry, like `helm push` (runs locally).
    Push(push::PushArgs),
    /// Login to or logout from an OCI registry, like `helm registry` (runs locally;
    /// credentials in Helm's registry config file, used by pull and push).
    Registry(registry::RegistryArgs),
    /// Search the added repositories, like `helm search repo` (runs locally).
    Search(search::SearchArgs),
    /// Show a chart's Chart.yaml, values and README, like `helm show` (runs locally).
    Show(show::ShowArgs),
    /// Add, list, remove and update chart repositories, like `helm repo` (runs locally).
    Repo(repo::RepoArgs),
    /// Manage a chart's dependencies, like `helm dependency` (runs locally).
    #[command(alias = "dep", alias = "dependencies")]
    Dependency(dependency::DependencyArgs),
    /// Install a chart as a release through helmd, like `helm install`.
    Install(Box<install::InstallArgs>),
    /// Upgrade a release through helmd, like `helm upgrade`.
    Upgrade(Box<install::UpgradeArgs>),
    /// Roll a release back to an earlier revision, like `helm rollback`.
    Rollback(rollback::RollbackArgs),
    /// Uninstall releases, like `helm uninstall`.
    #[command(alias = "delete", alias = "un", alias = "del")]
    Uninstall(rollback::UninstallArgs),
    /// Run a release's tests, like `helm test`.
    Test(release_test::TestArgs),
    /// List releases, like `helm list` (asks the server).
    #[command(alias = "ls")]
    List(Box<list::ListArgs>),
    /// Display the status of the named release, like `helm status` (asks the server).
    Status(status::StatusArgs),
    /// Fetch release history, like `helm history` (asks the server).
    #[command(alias = "hist")]
    History(history::HistoryArgs),
    /// Download extended information of a named release, like `helm get` (asks the
    /// server).
    Get(get::GetArgs),
}

/// Output format of commands that print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    /// Human-readable text.
    Text,
    /// JSON.
    Json,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (digits, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("invalid duration {text:?} (examples: 500ms, 10s)"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" | "" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!("invalid duration {text:?} (examples: 500ms, 10s)")),
    }
}

impl Connection {
    fn config(&self) -> Result<ClientConfig> {
        let read = |path: &PathBuf| {
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))
        };
        let wants_tls = self.tls
            || self.ca_file.is_some()
            || self.cert_file.is_some()
            || self.tls_server_name.is_some();
        let tls = if wants_tls {
            let identity = match (&self.cert_file, &self.key_file) {
                (Some(cert), Some(key)) => Some((read(cert)?, read(key)?)),
                _ => None,
            };
            Some(TlsOptions {
                ca_pem: self.ca_file.as_ref().map(read).transpose()?,
                server_name: self.tls_server_name.clone(),
                identity,
            })
        } else {
            None
        };
        Ok(ClientConfig {
            server: self.server.clone(),
            tls,
            connect_timeout: self.connect_timeout,
        })
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Version(args) => version::run(&cli.conn, args).await,
        Command::Template(args) => template::run(&cli.conn, &cli.paths, args).await,
        Command::Lint(args) => lint::run(args),
        Command::Package(args) => package::run(&cli.conn, &cli.paths, args).await,
        Command::Pull(args) => pull::run(&cli.conn, &cli.paths, args).await,
        Command::Push(args) => push::run(&cli.conn, &cli.paths, args).await,
        Command::Registry(args) => registry::run(&cli.conn, args).await,
        Command::Search(args) => search::run(&cli.paths, args),
        Command::Show(args) => show::run(&cli.conn, &cli.paths, args).await,
        Command::Repo(args) => repo::run(&cli.conn, &cli.paths, args).await,
        Command::Dependency(args) => dependency::run(&cli.conn, &cli.paths, args).await,
        Command::Install(args) => install::install(&cli.conn, &cli.paths, args).await,
        Command::Upgrade(args) => install::upgrade(&cli.conn, &cli.paths, args).await,
        Command::Rollback(args) => rollback::rollback(&cli.conn, args).await,
        Command::Uninstall(args) => rollback::uninstall(&cli.conn, args).await,
        Command::Test(args) => release_test::run(&cli.conn, args).await,
        Command::List(args) => list::run(&cli.conn, args).await,
        Command::Status(args) => status::run(&cli.conn, args).await,
        Command::History(args) => history::run(&cli.conn, args).await,
        Command::Get(args) => get::run(&cli.conn, args).await,
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("helmctl: error: {}", error_text(&err));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes joined by `: `, leaving out a cause the text already
/// ends with (an error that prints its own source).
fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.is_empty() {
            text = part;
        } else if !text.ends_with(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
    }
    text
}
