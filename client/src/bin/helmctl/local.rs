//! What helmctl's chart commands share when they run locally, like Helm's: the
//! repositories file (`$XDG_CONFIG_HOME/helmctl/repositories.json`, mode 0600, like Helm's
//! repositories.yaml it holds repository passwords), the cache (`$XDG_CACHE_HOME/helmctl`:
//! chart archives by digest and each repository's searchable index), and Helm's registry
//! flags turned into a helmd-source transport.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use helmd_source::{ChartSource, Credentials, RetryPolicy, SourceConfig, Transport};
use serde::{Deserialize, Serialize};

use crate::Connection;

/// Where the repositories file and the cache live.
#[derive(Debug, Args)]
pub struct LocalPaths {
    /// The repositories file [default: $XDG_CONFIG_HOME/helmctl/repositories.json].
    #[arg(
        long,
        global = true,
        env = "HELMCTL_REPOSITORY_CONFIG",
        value_name = "FILE"
    )]
    pub repository_config: Option<PathBuf>,
    /// The cache directory [default: $XDG_CACHE_HOME/helmctl].
    #[arg(
        long,
        global = true,
        env = "HELMCTL_REPOSITORY_CACHE",
        value_name = "DIR"
    )]
    pub repository_cache: Option<PathBuf>,
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(home) => PathBuf::from(home).join(fallback),
        None => PathBuf::from(".helmctl"),
    }
}

impl LocalPaths {
    /// The repositories file.
    pub fn config_file(&self) -> PathBuf {
        self.repository_config.clone().unwrap_or_else(|| {
            xdg("XDG_CONFIG_HOME", ".config")
                .join("helmctl")
                .join("repositories.json")
        })
    }

    /// The cache directory.
    pub fn cache_dir(&self) -> PathBuf {
        self.repository_cache
            .clone()
            .unwrap_or_else(|| xdg("XDG_CACHE_HOME", ".cache").join("helmctl"))
    }

    /// The chart source over the cache.
    pub fn source(&self) -> Result<ChartSource> {
        Ok(ChartSource::new(SourceConfig {
            cache_dir: self.cache_dir().join("charts"),
            cache_max_bytes: 1 << 30,
            index_memory_bytes: helmd_source::source::DEFAULT_INDEX_MEMORY_BYTES,
        })?)
    }

    /// Where a repository's searchable index is kept.
    pub fn index_file(&self, name: &str) -> PathBuf {
        // `repo add` refuses names with `/`; one edited into the file by hand must
        // still not reach outside the cache directory.
        let name = name.replace('/', "_");
        self.cache_dir()
            .join("repository")
            .join(format!("{name}-charts.json"))
    }
}

/// One repository in the repositories file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepoEntry {
    /// Name.
    pub name: String,
    /// URL.
    pub url: String,
    /// Username.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Password (the file is 0600, as Helm's is).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// CA file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Skip TLS verification.
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    /// Send credentials to other hosts too.
    #[serde(default)]
    pub pass_credentials_all: bool,
}

impl RepoEntry {
    /// Its transport. Like Helm's HTTP getter it tries once: an unreachable repository
    /// fails at once instead of being retried for half a minute.
    pub fn transport(&self) -> Result<Transport> {
        let mut t = Transport {
            retry: RetryPolicy::none(),
            ..Transport::default()
        };
        if !self.username.is_empty() {
            t.credentials = Credentials::basic(self.username.clone(), self.password.as_str());
        }
        if let Some(ca) = &self.ca_file {
            t = t.with_ca_pem(read_text(ca)?);
        }
        t.insecure_skip_tls_verify = self.insecure_skip_tls_verify;
        t.pass_credentials_all = self.pass_credentials_all;
        Ok(t)
    }
}

/// The repositories file.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct RepoFile {
    /// Repositories by name.
    #[serde(default)]
    pub repositories: BTreeMap<String, RepoEntry>,
}

impl RepoFile {
    /// Loads the file; a missing file is empty.
    pub fn load(path: &Path) -> Result<RepoFile> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(RepoFile::default()),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// Saves the file with mode 0600.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_vec_pretty(self)?;
        let tmp = path.with_extension("json.tmp");
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)?;
            file.write_all(&json)?;
        }
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }
}

/// Helm's registry and repository flags.
#[derive(Debug, Clone, Default, Args)]
pub struct RegistryArgs {
    /// Username for the registry or repository.
    #[arg(long)]
    pub username: Option<String>,
    /// Password for the registry or repository.
    #[arg(long)]
    pub password: Option<String>,
    /// Read the password from stdin.
    #[arg(long, conflicts_with = "password")]
    pub password_stdin: bool,
    /// Skip TLS certificate checks of the registry or repository.
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// Use plain HTTP to reach the OCI registry.
    #[arg(long)]
    pub plain_http: bool,
    /// Pass the credentials to all domains (Helm's `--pass-credentials`): chart URLs of
    /// a repository on other hosts, a registry's token realm on another host or over
    /// plain HTTP from an HTTPS registry.
    #[arg(long)]
    pub pass_credentials: bool,
}

impl RegistryArgs {
    /// The password given by flag or stdin.
    pub fn password(&self) -> Result<Option<String>> {
        if self.password_stdin {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading the password from stdin")?;
            return Ok(Some(text.trim_end_matches(['\n', '\r']).to_owned()));
        }
        Ok(self.password.clone())
    }

    /// The transport these flags describe; `--ca-file` (helmctl's global flag) names
    /// the CA bundle that verifies the registry or repository.
    pub fn transport(&self, conn: &Connection) -> Result<Transport> {
        let mut t = Transport::default().with_plain_http(self.plain_http);
        t.insecure_skip_tls_verify = self.insecure_skip_tls_verify;
        t.pass_credentials_all = self.pass_credentials;
        if let Some(ca) = &conn.ca_file {
            t = t.with_ca_pem(read_text(ca)?);
        }
        match (&self.username, self.password()?) {
            (Some(user), Some(password)) => {
                t.credentials = Credentials::basic(user.clone(), password);
            }
            (Some(_), None) => bail!("--username needs --password or --password-stdin"),
            (None, Some(_)) => bail!("--password needs --username"),
            (None, None) => {}
        }
        Ok(t)
    }

    /// [`Self::transport`] for the OCI `reference`: without `--username`, the
    /// credentials `registry login` stored for its registry, as Helm reads them.
    pub fn oci_transport(&self, conn: &Connection, reference: &str) -> Result<Transport> {
        let mut t = self.transport(conn)?;
        if matches!(t.credentials, Credentials::Anonymous) {
            t.credentials = crate::registry::stored_credentials(reference)?;
        }
        Ok(t)
    }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}
