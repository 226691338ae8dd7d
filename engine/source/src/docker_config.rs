//! Registry credentials from a Docker `config.json` (the format `docker login` and
//! `helm registry login` write), with Docker's precedence: a credential helper named for
//! the host in `credHelpers`, else the default helper `credsStore`, else the `auths`
//! entry: `registrytoken` (a bearer token), `identitytoken` (an OAuth2 refresh token),
//! `username`/`password`, or `auth` (base64 `user:password`).
//!
//! A helper is the program `docker-credential-<name>`, run as `… get` with the server
//! address (`host[:port]`) on stdin; it prints `{"ServerURL","Username","Secret"}`, where
//! the user `<token>` means the secret is an identity token. A helper that answers
//! "credentials not found" means anonymous, as in Docker (the `auths` entry is not
//! consulted then).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::secret::{Credentials, Secret};

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
}

#[derive(Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    registrytoken: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

impl std::fmt::Debug for AuthEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthEntry(***)")
    }
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn default_path() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".docker/config.json"))
}

/// The credentials `path` holds for `host` (`host[:port]`); anonymous when the file or
/// the entry is absent. Keys may also be written as `https://host` or `http://host/…`.
/// Credential helpers are looked up on the process `PATH`.
pub fn credentials_for(path: &Path, host: &str) -> Result<Credentials> {
    credentials_with_helpers(path, host, None)
}

/// Like [`credentials_for`], looking credential helpers up in `helper_path` (a
/// `PATH`-style list of directories) instead of the process `PATH` when given.
pub fn credentials_with_helpers(
    path: &Path,
    host: &str,
    helper_path: Option<&OsStr>,
) -> Result<Credentials> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Credentials::Anonymous),
        Err(e) => return Err(Error::cache(path, e)),
    };
    let config: ConfigFile = serde_json::from_slice(&text).map_err(|e| Error::InvalidConfig {
        reason: format!("{} is not a Docker config file: {e}", path.display()),
    })?;
    let helper = config
        .cred_helpers
        .iter()
        .find_map(|(key, name)| (bare_host(key) == host).then_some(name))
        .or(config.creds_store.as_ref())
        .filter(|name| !name.is_empty());
    if let Some(name) = helper {
        return run_helper(name, host, helper_path);
    }
    let entry = config
        .auths
        .iter()
        .find_map(|(key, entry)| (bare_host(key) == host).then_some(entry));
    match entry {
        Some(entry) => entry_credentials(entry, path),
        None => Ok(Credentials::Anonymous),
    }
}

/// `https://host:port/v1/` → `host:port`.
fn bare_host(key: &str) -> &str {
    key.trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
}

/// What Docker's helpers print when they hold nothing for the server.
const NOT_FOUND: &str = "credentials not found in native keychain";

/// Runs `docker-credential-<name> get` for `host`.
fn run_helper(name: &str, host: &str, helper_path: Option<&OsStr>) -> Result<Credentials> {
    let program = format!("docker-credential-{name}");
    let failed = |reason: String| Error::InvalidConfig {
        reason: format!("credential helper {program} for {host}: {reason}"),
    };
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(failed("not a valid helper name".to_owned()));
    }
    let executable = match helper_path {
        Some(dirs) => std::env::split_paths(dirs)
            .map(|dir| dir.join(&program))
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| failed("not found".to_owned()))?,
        None => PathBuf::from(&program),
    };
    let mut child = Command::new(&executable)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot run it: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(host.as_bytes())
            .map_err(|e| failed(format!("writing the server address: {e}")))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| failed(format!("waiting for it: {e}")))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if message == NOT_FOUND {
            return Ok(Credentials::Anonymous);
        }
        // Never quote anything that might be a credential: only a short, non-JSON
        // error line is shown.
        let shown = if message.starts_with('{') || message.len() > 200 {
            String::new()
        } else {
            format!(": {message}")
        };
        return Err(failed(format!("{}{shown}", output.status)));
    }
    #[derive(Deserialize)]
    struct HelperCredentials {
        #[serde(default, rename = "Username")]
        username: String,
        #[serde(default, rename = "Secret")]
        secret: String,
    }
    let parsed: HelperCredentials = serde_json::from_slice(&output.stdout)
        .map_err(|_| failed("its answer is not the credentials JSON".to_owned()))?;
    Ok(match (parsed.username.as_str(), parsed.secret) {
        (_, secret) if secret.is_empty() => Credentials::Anonymous,
        ("<token>", secret) => Credentials::IdentityToken(Secret::new(secret)),
        (username, secret) => Credentials::basic(username, secret),
    })
}

fn entry_credentials(entry: &AuthEntry, path: &Path) -> Result<Credentials> {
    if let Some(token) = &entry.registrytoken {
        return Ok(Credentials::Bearer(Secret::new(token.clone())));
    }
    if let Some(token) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
        return Ok(Credentials::IdentityToken(Secret::new(token.clone())));
    }
    if let (Some(username), Some(password)) = (&entry.username, &entry.password) {
        return Ok(Credentials::basic(username.clone(), password.clone()));
    }
    let Some(auth) = &entry.auth else {
        return Ok(Credentials::Anonymous);
    };
    let invalid = || Error::InvalidConfig {
        reason: format!(
            "{}: an auths entry is not base64 user:password",
            path.display()
        ),
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .map_err(|_| invalid())?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
    let (username, password) = decoded.split_once(':').ok_or_else(invalid)?;
    Ok(Credentials::basic(username, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_entries_yield_basic_or_bearer_credentials() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"auths":{"127.0.0.1:5000":{"auth":"dXNlcjpwYXNz"},
                "https://r.example.com/v1/":{"username":"u","password":"p"},
                "tok.example.com":{"registrytoken":"t0k"},
                "id.example.com":{"auth":"dXNlcjpwYXNz","identitytoken":"refresh"}}}"#,
        )
        .expect("write");
        let check = |host: &str, expected: Credentials| {
            assert_eq!(
                credentials_for(&path, host).expect(host),
                expected,
                "{host}"
            );
        };
        check("127.0.0.1:5000", Credentials::basic("user", "pass"));
        check("r.example.com", Credentials::basic("u", "p"));
        check("tok.example.com", Credentials::Bearer(Secret::new("t0k")));
        check(
            "id.example.com",
            Credentials::IdentityToken(Secret::new("refresh")),
        );
        check("other.example.com", Credentials::Anonymous);
        let missing = dir.path().join("absent.json");
        assert_eq!(
            credentials_for(&missing, "x").ok(),
            Some(Credentials::Anonymous)
        );
    }
}
