//! Connection settings shared by registries and repositories: credentials, TLS trust,
//! timeouts, retries and size limits; and the rustls provider choice.

use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::net::{AddressPolicy, PolicyResolver, redirect_policy};
use crate::retry::RetryPolicy;
use crate::secret::Credentials;

/// Default largest chart archive accepted (Helm itself refuses archives past 20 MiB
/// of compressed input in several places; this is configurable).
pub const DEFAULT_MAX_ARCHIVE_BYTES: u64 = 20 << 20;

/// Default largest `index.yaml` accepted (before and, counting scalar bytes, after alias
/// expansion).
pub const DEFAULT_MAX_INDEX_BYTES: u64 = 64 << 20;

/// Largest OCI manifest accepted (distribution itself refuses manifests past 4 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 4 << 20;

/// Largest page of a registry's tag list accepted.
pub const MAX_TAG_PAGE_BYTES: u64 = 4 << 20;

/// Largest token-service response accepted.
pub const MAX_TOKEN_RESPONSE_BYTES: u64 = 1 << 20;

/// How to reach one registry or repository.
#[derive(Debug, Clone)]
pub struct Transport {
    /// Credentials to present.
    pub credentials: Credentials,
    /// Extra CA certificates (PEM) to trust, besides the system roots.
    pub ca_pem: Option<String>,
    /// Skip TLS verification (`--insecure-skip-tls-verify`).
    pub insecure_skip_tls_verify: bool,
    /// Speak plain HTTP to this registry (`--plain-http`); never implied.
    pub plain_http: bool,
    /// Retries while the source is unavailable.
    pub retry: RetryPolicy,
    /// Connect timeout per attempt.
    pub connect_timeout: Duration,
    /// Read timeout per attempt.
    pub read_timeout: Duration,
    /// Largest chart archive (and provenance file) accepted.
    pub max_archive_bytes: u64,
    /// Tags asked for per page when listing a registry repository's tags (`n`); `None`
    /// lets the registry choose. Every page is followed either way.
    pub tag_page_size: Option<u32>,
    /// Largest `index.yaml` accepted.
    pub max_index_bytes: u64,
    /// Send credentials to a registry's token realm on another host or over plain HTTP
    /// (the repository's explicit opt-in; HTTP repositories take theirs per request).
    pub pass_credentials_all: bool,
    /// Which addresses may be reached (checked after DNS and on every redirect hop).
    pub addresses: Arc<AddressPolicy>,
}

impl Default for Transport {
    fn default() -> Self {
        Transport {
            credentials: Credentials::Anonymous,
            ca_pem: None,
            insecure_skip_tls_verify: false,
            plain_http: false,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            max_archive_bytes: DEFAULT_MAX_ARCHIVE_BYTES,
            tag_page_size: None,
            max_index_bytes: DEFAULT_MAX_INDEX_BYTES,
            pass_credentials_all: false,
            addresses: Arc::default(),
        }
    }
}

impl Transport {
    /// With these credentials.
    pub fn with_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }

    /// Trusting this CA (PEM) in addition to the system roots.
    pub fn with_ca_pem(mut self, pem: impl Into<String>) -> Self {
        self.ca_pem = Some(pem.into());
        self
    }

    /// Plain HTTP.
    pub fn with_plain_http(mut self, plain_http: bool) -> Self {
        self.plain_http = plain_http;
        self
    }

    pub(crate) fn ca_certificates(&self) -> Result<Vec<reqwest::Certificate>> {
        let Some(pem) = &self.ca_pem else {
            return Ok(Vec::new());
        };
        reqwest::Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| Error::InvalidConfig {
            reason: format!("CA certificates are not valid PEM: {e}"),
        })
    }

    /// A reqwest client for HTTP repositories with these TLS settings.
    pub(crate) fn http_client(&self) -> Result<reqwest::Client> {
        install_crypto_provider();
        reqwest::Client::builder()
            .user_agent(concat!("helmd/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .tls_certs_merge(self.ca_certificates()?)
            .tls_danger_accept_invalid_certs(self.insecure_skip_tls_verify)
            .redirect(redirect_policy(self.addresses.clone()))
            .dns_resolver(Arc::new(PolicyResolver(self.addresses.clone())))
            .build()
            .map_err(|e| Error::InvalidConfig {
                reason: format!("building the HTTP client: {e}"),
            })
    }
}

/// Installs rustls' ring provider as the process default if none is installed yet.
/// reqwest is built without a provider of its own (feature `rustls-no-provider`), and
/// kube/tonic use ring too, so there is one provider.
pub fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
