//! `helmctl registry login|logout HOST`: Helm's registry commands, run locally. Login
//! checks the credentials against the registry (`GET /v2/`, through its token service
//! when it has one) and stores them where Helm keeps them: `$HELM_REGISTRY_CONFIG`, else
//! `registry/config.json` in Helm's config directory, a Docker config file (`auths`,
//! `auth` = base64 `user:password`, other keys kept). `pull` and `push` read them from
//! there when no `--username` is given ([`stored_credentials`]).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use clap::{Args, Subcommand};
use helmd_source::{Credentials, OciRegistry, Transport};
use serde_json::{Map, Value};

use crate::Connection;

/// `helmctl registry`.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Debug, Subcommand)]
enum RegistryCommand {
    /// Login to a registry, like `helm registry login`.
    Login(LoginArgs),
    /// Logout from a registry, like `helm registry logout`.
    Logout(LogoutArgs),
}

/// Options of `helmctl registry login`, with Helm's flag names.
#[derive(Debug, Args)]
struct LoginArgs {
    /// The registry (`host[:port]`).
    host: String,
    /// Registry username.
    #[arg(short = 'u', long, default_value = "")]
    username: String,
    /// Registry password or identity token.
    #[arg(short = 'p', long, default_value = "")]
    password: String,
    /// Read the password or identity token from stdin.
    #[arg(long)]
    password_stdin: bool,
    /// Allow connections to a TLS registry without certificates.
    #[arg(long)]
    insecure: bool,
    /// Use insecure HTTP connections.
    #[arg(long)]
    plain_http: bool,
}

/// Options of `helmctl registry logout`.
#[derive(Debug, Args)]
struct LogoutArgs {
    /// The registry (`host[:port]`).
    host: String,
}

/// Runs `registry login|logout`.
pub async fn run(conn: &Connection, args: &RegistryArgs) -> Result<ExitCode> {
    match &args.command {
        RegistryCommand::Login(args) => login(conn, args).await?,
        RegistryCommand::Logout(args) => logout(&args.host)?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn login(conn: &Connection, args: &LoginArgs) -> Result<()> {
    let password = if args.password_stdin {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("reading the password from stdin")?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        text.strip_suffix('\r').unwrap_or(text).to_owned()
    } else if args.password.is_empty() {
        // Helm prompts on a terminal; helmctl takes the password by flag or stdin only.
        bail!("password required (give --password or --password-stdin)");
    } else {
        eprintln!("WARNING: using --password via the CLI is insecure. Use --password-stdin");
        args.password.clone()
    };
    let host = &args.host;
    let mut transport = Transport::default().with_plain_http(args.plain_http);
    transport.insecure_skip_tls_verify = args.insecure;
    if let Some(ca) = &conn.ca_file {
        let pem =
            std::fs::read_to_string(ca).with_context(|| format!("reading {}", ca.display()))?;
        transport = transport.with_ca_pem(pem);
    }
    transport.credentials = Credentials::basic(args.username.clone(), password.clone());
    let registry = OciRegistry::new(host, transport)?;
    registry
        .login()
        .await
        .map_err(|e| anyhow!("authenticating to {host:?}: {e}"))?;
    let path = config_path();
    let mut config = read_config(&path)?;
    let auth =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{password}", args.username));
    let auths = config
        .entry("auths")
        .or_insert_with(|| Value::Object(Map::new()));
    if !auths.is_object() {
        *auths = Value::Object(Map::new());
    }
    if let Value::Object(auths) = auths {
        let mut entry = Map::new();
        entry.insert("auth".into(), Value::String(auth));
        auths.insert(server_address(host), Value::Object(entry));
    }
    write_config(&path, &config)?;
    println!("Login Succeeded");
    Ok(())
}

fn logout(host: &str) -> Result<()> {
    let path = config_path();
    let mut config = read_config(&path)?;
    let removed = match config.get_mut("auths") {
        Some(Value::Object(auths)) => auths.remove(&server_address(host)).is_some(),
        _ => false,
    };
    if removed {
        write_config(&path, &config)?;
    }
    println!("Removing login credentials for {host}");
    Ok(())
}

/// The key Helm stores a registry's credentials under (Docker Hub's legacy address for
/// `docker.io`).
fn server_address(host: &str) -> String {
    if host == "docker.io" {
        "https://index.docker.io/v1/".to_owned()
    } else {
        host.to_owned()
    }
}

/// Helm's registry config file: `$HELM_REGISTRY_CONFIG`, else `registry/config.json`
/// under `$HELM_CONFIG_HOME`, `$XDG_CONFIG_HOME/helm` or `~/.config/helm`.
pub fn config_path() -> PathBuf {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(path) = var("HELM_REGISTRY_CONFIG") {
        return PathBuf::from(path);
    }
    let helm_home = var("HELM_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| var("XDG_CONFIG_HOME").map(|d| PathBuf::from(d).join("helm")))
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".config/helm")))
        .unwrap_or_else(|| PathBuf::from(".config/helm"));
    helm_home.join("registry/config.json")
}

/// The credentials `helm registry login` stored for the registry of `reference`
/// (`oci://host[:port]/…`); anonymous when there are none.
pub fn stored_credentials(reference: &str) -> Result<Credentials> {
    let host = reference
        .trim_start_matches("oci://")
        .split('/')
        .next()
        .unwrap_or_default();
    helmd_source::docker_config::credentials_for(&config_path(), lookup_host(host))
        .map_err(|e| anyhow!("reading the registry config: {e}"))
}

/// The host whose entry holds `host`'s credentials: Docker Hub's are stored under its
/// legacy address (`https://index.docker.io/v1/`).
fn lookup_host(host: &str) -> &str {
    match host {
        "docker.io" | "registry-1.docker.io" => "index.docker.io",
        other => other,
    }
}

fn read_config(path: &Path) -> Result<Map<String, Value>> {
    match std::fs::read(path) {
        Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => Ok(Map::new()),
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a Docker config file", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(e) => Err(anyhow!(e).context(format!("reading {}", path.display()))),
    }
}

/// Writes the config as Helm does (tab-indented JSON), readable by the user only.
fn write_config(path: &Path, config: &Map<String, Value>) -> Result<()> {
    use serde::Serialize;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut json = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut json,
        serde_json::ser::PrettyFormatter::with_indent(b"\t"),
    );
    config.serialize(&mut ser).context("registry config")?;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("writing {}", tmp.display()))?;
    file.write_all(&json)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_is_stored_under_its_legacy_address_and_found_there() {
        assert_eq!(server_address("docker.io"), "https://index.docker.io/v1/");
        assert_eq!(server_address("ghcr.io:443"), "ghcr.io:443");
        let dir = std::env::temp_dir().join(format!("helmctl-registry-{}", std::process::id()));
        let path = dir.join("config.json");
        let mut config = Map::new();
        let mut auths = Map::new();
        for key in [
            server_address("docker.io"),
            server_address("127.0.0.1:5000"),
        ] {
            auths.insert(key, serde_json::json!({"auth": "dTpw"}));
        }
        config.insert("auths".into(), Value::Object(auths));
        write_config(&path, &config).expect("write");
        for host in ["docker.io", "registry-1.docker.io", "127.0.0.1:5000"] {
            let found = helmd_source::docker_config::credentials_for(&path, lookup_host(host))
                .expect("read");
            assert!(!found.is_anonymous(), "{host}");
        }
        assert_eq!(read_config(&path).expect("read"), config);
        std::fs::remove_dir_all(&dir).expect("clean up");
    }
}
