//! Chart sources as the server uses them: one shared [`ChartSource`] (cache under the
//! data directory), and each repository's transport with its credentials resolved in
//! the order Secret reference → inline (decrypted) → anonymous.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use helmd_source::{AddressPolicy, ChartSource, Credentials, RetryPolicy, SourceConfig, Transport};
use k8s_openapi::api::core::v1::Secret as KubeSecret;
use tokio::sync::OnceCell;

use crate::config::ServeConfig;
use crate::convert::repository::{InlineCredentials, SecretRef, settings};
use crate::crypto::CredentialCipher;
use crate::error::{Error, Result};
use crate::storage::RepositoryRow;

/// Chart sources, the credentials key and the cluster client for Secret references.
pub struct Sources {
    /// The shared chart source and cache.
    pub charts: ChartSource,
    /// The credentials key, when configured.
    pub cipher: Option<CredentialCipher>,
    kube: Arc<LazyKube>,
    retry_deadline: Duration,
    max_chart_bytes: u64,
    max_index_bytes: u64,
    source_timeout: Duration,
    addresses: Arc<AddressPolicy>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("charts", &self.charts)
            .field("cipher", &self.cipher)
            .field("kube", &self.kube)
            .finish_non_exhaustive()
    }
}

impl Sources {
    /// Opens the cache under the data directory and reads the credentials key.
    pub fn new(config: &ServeConfig) -> Result<Self> {
        let cache_dir = config.data_dir().join("cache").join("charts");
        let charts = ChartSource::new(SourceConfig {
            cache_dir,
            cache_max_bytes: config.chart_cache_bytes,
            index_memory_bytes: config.index_memory_bytes,
        })?;
        let cipher = config
            .credentials_key_file
            .as_deref()
            .map(CredentialCipher::from_key_file)
            .transpose()?;
        Ok(Sources {
            charts,
            cipher,
            kube: Arc::new(LazyKube::new(config)),
            retry_deadline: config.source_retry_deadline,
            max_chart_bytes: config.max_chart_bytes,
            max_index_bytes: config.max_index_bytes,
            source_timeout: config.source_timeout,
            addresses: Arc::new(config.source_address_policy()),
        })
    }

    /// The transport for sources reached without a registered repository.
    pub fn anonymous(&self) -> Transport {
        Transport {
            retry: RetryPolicy {
                deadline: self.retry_deadline,
                ..RetryPolicy::default()
            },
            max_archive_bytes: self.max_chart_bytes,
            max_index_bytes: self.max_index_bytes,
            addresses: self.addresses.clone(),
            ..Transport::default()
        }
    }

    /// The transport of a registered repository, its credentials resolved now.
    pub async fn transport(&self, row: &RepositoryRow) -> Result<Transport> {
        let settings = settings(row)?;
        let credentials = match (&settings.secret, &row.credentials) {
            (Some(secret), _) => self.secret_credentials(secret).await?,
            (None, Some(sealed)) => self.open(&row.name, sealed)?.to_source(),
            (None, None) => Credentials::Anonymous,
        };
        let mut transport = self.anonymous().with_credentials(credentials);
        if !settings.ca_pem.is_empty() {
            transport = transport.with_ca_pem(settings.ca_pem.clone());
        }
        transport.insecure_skip_tls_verify = settings.insecure_skip_tls_verify;
        transport.plain_http = settings.plain_http;
        transport.pass_credentials_all = settings.pass_credentials_all;
        Ok(transport)
    }

    /// The overall deadline of the source fetches a request makes: `--source-timeout`,
    /// or the request's own deadline (`grpc-timeout`) less a margin to answer in, if
    /// shorter.
    pub fn fetch_deadline(&self, metadata: &tonic::metadata::MetadataMap) -> FetchDeadline {
        let server = FetchDeadline {
            limit: self.source_timeout,
            what: "--source-timeout",
            spent: Duration::ZERO,
        };
        match metadata
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout)
        {
            Some(client) => {
                let margin = (client / 20).max(Duration::from_millis(20));
                let limit = client.saturating_sub(margin);
                if limit < server.limit {
                    FetchDeadline {
                        limit,
                        what: "the request's deadline",
                        spent: Duration::ZERO,
                    }
                } else {
                    server
                }
            }
            None => server,
        }
    }

    /// Runs `fetch` (reaching `source`) within `deadline`.
    pub async fn within<T>(
        &self,
        deadline: FetchDeadline,
        source: &str,
        fetch: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let left = deadline.limit.saturating_sub(deadline.spent);
        match tokio::time::timeout(left, fetch).await {
            Ok(result) => result,
            Err(_) => Err(helmd_source::Error::DeadlineExceeded {
                host: helmd_source::error::redact_url(source).replace("<unparsable url>", source),
                limit: deadline.limit,
                what: deadline.what,
            }
            .into()),
        }
    }

    /// Seals inline credentials for `name`; without a key that is refused.
    pub fn seal(&self, name: &str, credentials: &InlineCredentials) -> Result<Vec<u8>> {
        let cipher = self
            .cipher
            .as_ref()
            .ok_or(Error::CredentialsKeyNotConfigured)?;
        let json = serde_json::to_vec(credentials)
            .map_err(|e| Error::Corrupt(format!("encoding credentials: {e}")))?;
        cipher.seal(name, &json)
    }

    fn open(&self, name: &str, sealed: &[u8]) -> Result<InlineCredentials> {
        let cipher = self.cipher.as_ref().ok_or_else(|| {
            Error::Corrupt(format!(
                "repository {name:?} has encrypted credentials but no credentials key is configured"
            ))
        })?;
        let json = cipher.open(name, sealed)?;
        serde_json::from_slice(&json)
            .map_err(|_| Error::Corrupt(format!("credentials of repository {name:?}")))
    }

    /// The cluster client from `--kubeconfig` (and `--kube-context`), else the
    /// inferred configuration; none found is `KubernetesNotConfigured`.
    pub async fn kube(&self) -> Result<&kube::Client> {
        self.kube.client().await
    }

    /// The shared, lazily connected cluster client (the Secrets release store uses it too).
    pub fn lazy_kube(&self) -> Arc<LazyKube> {
        self.kube.clone()
    }

    /// Reads credentials from a Secret: its token key if present, else username and
    /// password. Errors name keys, never values.
    async fn secret_credentials(&self, r: &SecretRef) -> Result<Credentials> {
        let client = self.kube().await?.clone();
        let api: kube::Api<KubeSecret> = kube::Api::namespaced(client, &r.namespace);
        let secret_error = |reason: String| Error::CredentialsSecret {
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            reason,
        };
        let secret = match api.get(&r.name).await {
            Ok(secret) => secret,
            Err(kube::Error::Api(status)) if status.code == 404 => {
                return Err(secret_error("not found".to_owned()));
            }
            Err(kube::Error::Api(status)) if status.code == 403 || status.code == 401 => {
                return Err(Error::KubernetesForbidden(format!(
                    "reading Secret {}/{}: {}",
                    r.namespace, r.name, status.message
                )));
            }
            Err(e) => return Err(Error::KubernetesUnavailable(e.to_string())),
        };
        let data = secret.data.unwrap_or_default();
        let text = |key: &str| {
            data.get(key)
                .map(|v| String::from_utf8_lossy(&v.0).into_owned())
                .filter(|v| !v.is_empty())
        };
        if let Some(token) = text(&r.token_key) {
            return Ok(Credentials::Bearer(token.into()));
        }
        match (text(&r.username_key), text(&r.password_key)) {
            (Some(username), Some(password)) => Ok(Credentials::basic(username, password)),
            _ => Err(secret_error(format!(
                "has neither key {:?} nor both {:?} and {:?}",
                r.token_key, r.username_key, r.password_key
            ))),
        }
    }
}

/// The cluster client, built on first use from `--kubeconfig` (and `--kube-context`),
/// else the inferred configuration: helmd starts without a cluster, and what needs
/// one fails then with `KubernetesNotConfigured`.
pub struct LazyKube {
    kubeconfig: Option<PathBuf>,
    kube_context: Option<String>,
    cell: OnceCell<kube::Client>,
}

impl std::fmt::Debug for LazyKube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LazyKube")
            .field("kubeconfig", &self.kubeconfig)
            .field("connected", &self.cell.initialized())
            .finish_non_exhaustive()
    }
}

impl LazyKube {
    /// Not connected yet: the configuration is read at the first [`LazyKube::client`].
    pub fn new(config: &ServeConfig) -> LazyKube {
        LazyKube::from_kubeconfig(config.kubeconfig.clone(), config.kube_context.clone())
    }

    /// As `--kubeconfig` `path` and `--kube-context` `context` would configure it.
    pub fn from_kubeconfig(path: Option<PathBuf>, context: Option<String>) -> LazyKube {
        LazyKube {
            kubeconfig: path,
            kube_context: context,
            cell: OnceCell::new(),
        }
    }

    /// The client; none configured is `KubernetesNotConfigured`.
    pub async fn client(&self) -> Result<&kube::Client> {
        self.cell
            .get_or_try_init(|| async {
                helmd_source::install_crypto_provider();
                let unusable = |e: String| {
                    Error::KubernetesUnavailable(format!("no usable cluster configuration: {e}"))
                };
                let config = match &self.kubeconfig {
                    Some(path) => {
                        let kubeconfig = kube::config::Kubeconfig::read_from(path)
                            .map_err(|e| unusable(e.to_string()))?;
                        let options = kube::config::KubeConfigOptions {
                            context: self.kube_context.clone(),
                            ..Default::default()
                        };
                        kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                            .await
                            .map_err(|e| unusable(e.to_string()))?
                    }
                    None => kube::Config::infer()
                        .await
                        .map_err(|e| Error::KubernetesNotConfigured(e.to_string()))?,
                };
                kube::Client::try_from(config)
                    .map_err(|e| Error::KubernetesUnavailable(e.to_string()))
            })
            .await
    }
}

/// How long a request's source fetches may take, and which limit that is.
#[derive(Debug, Clone, Copy)]
pub struct FetchDeadline {
    /// The time allowed.
    pub limit: Duration,
    /// `--source-timeout` or the request's deadline.
    pub what: &'static str,
    /// How much of it earlier fetches of the request took.
    pub spent: Duration,
}

impl FetchDeadline {
    /// The same deadline once `spent` more has passed: a request's fetches, one after
    /// another, share one deadline.
    pub fn less(self, spent: Duration) -> FetchDeadline {
        FetchDeadline {
            spent: self.spent.saturating_add(spent),
            ..self
        }
    }
}

/// Parses a `grpc-timeout` value: up to 8 digits and a unit (`H M S m u n`).
fn parse_grpc_timeout(text: &str) -> Option<Duration> {
    let (digits, unit) = text.split_at(text.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse_with_every_unit() {
        assert_eq!(parse_grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(
            parse_grpc_timeout("2500m"),
            Some(Duration::from_millis(2500))
        );
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("123456789S"), None);
        assert_eq!(parse_grpc_timeout("S"), None);
        assert_eq!(parse_grpc_timeout("5x"), None);
    }
}
