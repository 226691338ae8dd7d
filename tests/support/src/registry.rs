//! A throwaway Debian `docker-registry` (distribution 2.8) on 127.0.0.1: htpasswd auth or
//! bearer tokens from a test token service (`token_server.rs`), filesystem storage in a
//! temp dir, optional TLS from a generated test CA.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tempfile::TempDir;

use crate::postgres::free_port;
use crate::token_server::{Grant, TokenServer, TokenUser};

/// What the registry requires of its clients.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Serve HTTPS with a leaf certificate from a fresh test CA (else plain HTTP).
    pub tls: bool,
    /// The one htpasswd user.
    pub username: String,
    /// Its password.
    pub password: String,
    /// Token authentication instead of htpasswd: the registry trusts a token service
    /// this process runs, whose users are `username` (every right on every repository)
    /// and these.
    pub token_users: Option<Vec<TokenUser>>,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            tls: false,
            username: "helmd".to_owned(),
            password: "registry-S3cret!".to_owned(),
            token_users: None,
        }
    }
}

impl RegistryOptions {
    /// Defaults with TLS switched on.
    pub fn tls() -> Self {
        RegistryOptions {
            tls: true,
            ..Self::default()
        }
    }

    /// Token authentication (see [`RegistryOptions::token_users`]), TLS when asked.
    pub fn token(tls: bool, users: Vec<TokenUser>) -> Self {
        RegistryOptions {
            tls,
            token_users: Some(users),
            ..Self::default()
        }
    }
}

/// A registry this process started. Stopped on drop; a watchdog child stops it too if
/// the test process dies without dropping it.
#[derive(Debug)]
pub struct RegistryServer {
    dir: TempDir,
    port: u16,
    options: RegistryOptions,
    ca: Option<TestCa>,
    token: Option<TokenServer>,
    process: Option<Child>,
    watchdog: Option<(Child, ChildStdin)>,
}

impl RegistryServer {
    /// Installs the registry if missing, writes its config and starts it on a free port;
    /// returns once `/v2/` answers.
    pub async fn start(options: RegistryOptions) -> Result<Self> {
        ensure_installed()?;
        let dir = tempfile::Builder::new()
            .prefix("helmd-registry-")
            .tempdir()
            .context("creating the registry's temp dir")?;
        let ca = if options.tls {
            let ca = TestCa::generate().context("generating the registry's test CA")?;
            ca.write_to(dir.path())?;
            Some(ca)
        } else {
            None
        };
        let token = match &options.token_users {
            Some(users) => {
                let mut all = vec![TokenUser::new(
                    &options.username,
                    &options.password,
                    vec![Grant::new("*", &["*"])],
                )];
                all.extend(users.iter().cloned());
                let server = TokenServer::start(all, ca.as_ref())?;
                std::fs::write(dir.path().join("token-ca.crt"), server.root_cert_pem())
                    .context("writing the token root certificate")?;
                Some(server)
            }
            None => {
                write_htpasswd(dir.path(), &options)?;
                None
            }
        };
        let port = free_port()?;
        let realm = token.as_ref().map(TokenServer::realm);
        write_config(dir.path(), port, ca.is_some(), realm.as_deref())?;
        let mut server = RegistryServer {
            dir,
            port,
            options,
            ca,
            token,
            process: None,
            watchdog: None,
        };
        server.start_again().await?;
        Ok(server)
    }

    /// Starts the (stopped) registry again on the same port with the same storage.
    pub async fn start_again(&mut self) -> Result<()> {
        if self.process.is_some() {
            return Ok(());
        }
        let log = std::fs::File::create(self.dir.path().join("registry.log"))
            .context("creating the registry log")?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(self.dir.path().join("config.yml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().context("cloning the log handle")?)
            .stderr(log)
            .spawn()
            .context("starting docker-registry")?;
        self.watchdog = Some(spawn_watchdog(child.id(), self.dir.path())?);
        self.process = Some(child);
        self.wait_ready()
            .await
            .with_context(|| format!("registry log:\n{}", self.log()))
    }

    /// Kills the registry at once, like an outage; storage is kept for `start_again`.
    pub fn stop(&mut self) {
        if let Some((mut watchdog, _stdin)) = self.watchdog.take() {
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }

    async fn wait_ready(&mut self) -> Result<()> {
        let client = self.http_client()?;
        let url = format!("{}/v2/", self.base_url());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(process) = self.process.as_mut()
                && let Some(status) = process.try_wait()?
            {
                bail!("docker-registry exited during start-up ({status})");
            }
            match client.get(&url).send().await {
                Ok(response) if matches!(response.status().as_u16(), 200 | 401) => return Ok(()),
                Ok(response) => bail!("GET {url} answered {}", response.status()),
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(e) => bail!("registry not ready within 30 s: {e}"),
            }
        }
    }

    fn http_client(&self) -> Result<reqwest::Client> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(2));
        if let Some(ca) = &self.ca {
            let cert = reqwest::Certificate::from_pem(ca.cert_pem.as_bytes())?;
            builder = builder.tls_certs_only([cert]);
        }
        Ok(builder.build()?)
    }

    /// `127.0.0.1:PORT`, the registry host as OCI references name it.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http(s)://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        let scheme = if self.ca.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.host())
    }

    /// Whether the registry serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.ca.is_some()
    }

    /// The test CA's certificate (PEM), when TLS is on.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca.as_ref().map(|ca| ca.cert_pem.as_str())
    }

    /// Path of the test CA's certificate file, when TLS is on.
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.ca.as_ref().map(|_| self.dir.path().join("ca.crt"))
    }

    /// The htpasswd user.
    pub fn username(&self) -> &str {
        &self.options.username
    }

    /// The htpasswd user's password.
    pub fn password(&self) -> &str {
        &self.options.password
    }

    /// The token service, when the registry uses token authentication.
    pub fn token_server(&self) -> Option<&TokenServer> {
        self.token.as_ref()
    }

    /// The registry's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Installs rustls' ring provider as the process default (idempotent). reqwest is
/// built without a provider of its own.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A CA and one leaf certificate for `IP:127.0.0.1` (CA:FALSE, serverAuth), in PEM.
#[derive(Debug, Clone)]
pub struct TestCa {
    /// The CA certificate clients trust.
    pub cert_pem: String,
    /// The server's leaf certificate.
    pub leaf_pem: String,
    /// The leaf's private key (PKCS#8).
    pub leaf_key_pem: String,
}

impl TestCa {
    /// Generates a fresh CA and a leaf certificate for 127.0.0.1.
    pub fn generate() -> Result<Self> {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair, KeyUsagePurpose, SanType,
        };
        let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "helmd test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

        let mut leaf = CertificateParams::new(Vec::<String>::new())?;
        leaf.distinguished_name
            .push(DnType::CommonName, "127.0.0.1");
        leaf.subject_alt_names = vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST))];
        leaf.is_ca = IsCa::ExplicitNoCa;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate()?;
        let leaf_cert = leaf.signed_by(&leaf_key, &ca)?;
        Ok(TestCa {
            cert_pem: ca.pem(),
            leaf_pem: leaf_cert.pem(),
            leaf_key_pem: leaf_key.serialize_pem(),
        })
    }

    /// Writes `ca.crt`, `server.crt` and `server.key` into `dir`.
    pub fn write_to(&self, dir: &Path) -> Result<()> {
        for (name, pem) in [
            ("ca.crt", &self.cert_pem),
            ("server.crt", &self.leaf_pem),
            ("server.key", &self.leaf_key_pem),
        ] {
            std::fs::write(dir.join(name), pem).with_context(|| format!("writing {name}"))?;
        }
        Ok(())
    }
}

/// Installs `docker-registry` and `apache2-utils` (htpasswd) with apt-get when missing.
fn ensure_installed() -> Result<()> {
    let present = |bin: &str| Path::new("/usr/bin").join(bin).exists();
    if present("docker-registry") && present("htpasswd") {
        return Ok(());
    }
    // flock: test processes run in parallel and apt allows one dpkg at a time.
    let output = Command::new("flock")
        .args(["/tmp/helmd-apt-install.lock", "apt-get", "install", "-y"])
        .args(["docker-registry", "apache2-utils"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .context("running `apt-get install -y docker-registry apache2-utils`")?;
    if !output.status.success() {
        bail!(
            "step `apt-get install -y docker-registry apache2-utils` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn write_htpasswd(dir: &Path, options: &RegistryOptions) -> Result<()> {
    let output = Command::new("htpasswd")
        .args(["-Bbn", &options.username, &options.password])
        .output()
        .context("running htpasswd (apache2-utils)")?;
    if !output.status.success() {
        bail!("step `htpasswd -Bbn` failed ({})", output.status);
    }
    std::fs::write(dir.join("htpasswd"), output.stdout).context("writing htpasswd")
}

fn write_config(dir: &Path, port: u16, tls: bool, token_realm: Option<&str>) -> Result<()> {
    let root = dir.display();
    let tls_block = if tls {
        format!("  tls:\n    certificate: {root}/server.crt\n    key: {root}/server.key\n")
    } else {
        String::new()
    };
    let auth = match token_realm {
        Some(realm) => format!(
            "auth:\n  token:\n    realm: {realm}\n    service: {}\n    issuer: {}\n    \
             rootcertbundle: {root}/token-ca.crt\n",
            crate::token_server::SERVICE,
            crate::token_server::ISSUER
        ),
        None => format!("auth:\n  htpasswd:\n    realm: helmd-test\n    path: {root}/htpasswd\n"),
    };
    let config = format!(
        "version: 0.1\n\
         log:\n  level: warn\n  accesslog:\n    disabled: true\n\
         storage:\n  filesystem:\n    rootdirectory: {root}/data\n  delete:\n    enabled: true\n\
         http:\n  addr: 127.0.0.1:{port}\n{tls_block}{auth}"
    );
    std::fs::write(dir.join("config.yml"), config).context("writing the registry config")
}

/// `sh -c 'cat >/dev/null; kill PID; rm -rf DIR'`: when our end of its stdin closes
/// (the test process died), it kills the registry and removes its files. `stop` kills
/// the watchdog first, so a normal stop keeps the storage for `start_again`.
fn spawn_watchdog(pid: u32, dir: &Path) -> Result<(Child, ChildStdin)> {
    let script = format!(
        "cat >/dev/null; kill -9 {pid} 2>/dev/null; rm -rf '{}'",
        dir.display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("spawning the registry watchdog")?;
    let mut stdin = child.stdin.take().context("watchdog stdin")?;
    stdin.flush().context("watchdog stdin")?;
    Ok((child, stdin))
}
