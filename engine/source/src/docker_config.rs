//! Registry credentials from a Docker `config.json` (the format `docker login` and
//! `helm registry login` write): `auths.<host>.auth` (base64 `user:password`), or
//! `username`/`password`, or `registrytoken` (a bearer token). Credential helpers
//! (`credsStore`, `credHelpers`) are not run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::secret::{Credentials, Secret};

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
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
pub fn credentials_for(path: &Path, host: &str) -> Result<Credentials> {
    let text = match std::fs::read(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Credentials::Anonymous),
        Err(e) => return Err(Error::cache(path, e)),
    };
    let config: ConfigFile = serde_json::from_slice(&text).map_err(|e| Error::InvalidConfig {
        reason: format!("{} is not a Docker config file: {e}", path.display()),
    })?;
    let entry = config.auths.iter().find_map(|(key, entry)| {
        let bare = key
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default();
        (bare == host).then_some(entry)
    });
    match entry {
        Some(entry) => entry_credentials(entry, path),
        None => Ok(Credentials::Anonymous),
    }
}

fn entry_credentials(entry: &AuthEntry, path: &Path) -> Result<Credentials> {
    if let Some(token) = &entry.registrytoken {
        return Ok(Credentials::Bearer(Secret::new(token.clone())));
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
                "tok.example.com":{"registrytoken":"t0k"}}}"#,
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
        check("other.example.com", Credentials::Anonymous);
        let missing = dir.path().join("absent.json");
        assert_eq!(
            credentials_for(&missing, "x").ok(),
            Some(Credentials::Anonymous)
        );
    }
}
