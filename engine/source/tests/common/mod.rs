//! Shared fixtures for helmd-source's integration tests: chart archive builder, the
//! real registry with matching client settings, a cache, and the Helm v4 driver.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use helmd_source::{ChartSource, Credentials, RetryPolicy, SourceConfig, Transport};
use helmd_test_support::registry::{RegistryOptions, RegistryServer};
use helmd_test_support::token_server::TokenUser;

/// First thing in every test: one rustls provider for the process (FACTS: the panic).
pub fn setup() {
    helmd_source::install_crypto_provider();
}

/// A small chart archive built in memory: Chart.yaml, values.yaml, one template.
pub fn chart_archive(name: &str, version: &str) -> Vec<u8> {
    chart_archive_with(name, version, &[])
}

/// Like [`chart_archive`] with extra files (`path` relative to the chart directory).
pub fn chart_archive_with(name: &str, version: &str, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let chart_yaml = format!(
        "apiVersion: v2\nname: {name}\nversion: {version}\ndescription: test chart {name}\n\
         appVersion: \"1.0\"\ntype: application\n"
    );
    let template = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n\
                    data:\n  greeting: {{ .Values.greeting | quote }}\n";
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("Chart.yaml".into(), chart_yaml.into_bytes()),
        ("values.yaml".into(), b"greeting: hello\n".to_vec()),
        (
            "templates/configmap.yaml".into(),
            template.as_bytes().to_vec(),
        ),
    ];
    files.extend(extra.iter().map(|(p, b)| (p.to_string(), b.to_vec())));
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::default(),
    ));
    for (path, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("{name}/{path}"), bytes.as_slice())
            .expect("append");
    }
    builder
        .into_inner()
        .and_then(|gz| gz.finish())
        .expect("finish")
}

/// A registry with htpasswd auth; TLS when asked.
pub async fn registry(tls: bool) -> RegistryServer {
    let options = if tls {
        RegistryOptions::tls()
    } else {
        RegistryOptions::default()
    };
    RegistryServer::start(options)
        .await
        .expect("starting docker-registry")
}

/// A TLS registry behind the test token service: the default user may do everything,
/// `users` what their grants say.
pub async fn token_registry(users: Vec<TokenUser>) -> RegistryServer {
    RegistryServer::start(RegistryOptions::token(true, users))
        .await
        .expect("starting docker-registry with token auth")
}

/// Retries quick enough for tests.
pub fn fast_retry(deadline: Duration) -> RetryPolicy {
    RetryPolicy {
        deadline,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(500),
    }
}

/// Client settings that reach `registry` with its user's credentials.
pub fn transport(registry: &RegistryServer) -> Transport {
    let mut t = Transport::default()
        .with_credentials(Credentials::basic(registry.username(), registry.password()))
        .with_plain_http(!registry.is_tls());
    if let Some(pem) = registry.ca_pem() {
        t = t.with_ca_pem(pem);
    }
    t.retry = fast_retry(Duration::from_secs(5));
    t
}

/// A chart source with a fresh cache in `dir`.
pub fn source(dir: &Path) -> ChartSource {
    ChartSource::new(SourceConfig {
        cache_dir: dir.join("cache"),
        cache_max_bytes: 64 << 20,
        index_memory_bytes: helmd_source::source::DEFAULT_INDEX_MEMORY_BYTES,
    })
    .expect("opening the cache")
}

fn python() -> Result<String> {
    static PY: OnceLock<std::result::Result<String, String>> = OnceLock::new();
    PY.get_or_init(|| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/venv");
        let out = Command::new(script)
            .output()
            .map_err(|e| format!("scripts/venv: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "scripts/venv failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    })
    .clone()
    .map_err(anyhow::Error::msg)
}

/// Runs `helm_registry.py` with `args`; TLS trust from `ca_file`. Returns its JSON.
pub fn helm(args: &[&str], ca_file: Option<&PathBuf>) -> Result<serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm_registry.py");
    let mut cmd = Command::new(python()?);
    cmd.arg(script).args(args);
    if let Some(ca) = ca_file {
        cmd.env("SSL_CERT_FILE", ca);
    }
    let out = cmd.output().context("running helm_registry.py")?;
    if !out.status.success() {
        bail!(
            "helm_registry.py {} failed: {}",
            args.first().copied().unwrap_or_default(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    serde_json::from_slice(&out.stdout).context("helm_registry.py printed no JSON")
}
