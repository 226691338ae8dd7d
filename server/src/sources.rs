//! Chart sources as the server uses them: one shared [`ChartSource`] (cache under the
//! data directory), and each repository's transport with its credentials resolved in
//! the order Secret reference → inline (decrypted) → anonymous.

use std::path::PathBuf;
use std::time::Duration;

use helmd_source::{ChartSource, Credentials, RetryPolicy, SourceConfig, Transport};
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
    kubeconfig: Option<PathBuf>,
    kube_context: Option<String>,
    kube: OnceCell<kube::Client>,
    retry_deadline: Duration,
    max_chart_bytes: u64,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("charts", &self.charts)
            .field("cipher", &self.cipher)
            .field("kubeconfig", &self.kubeconfig)
            .field("kube_connected", &self.kube.initialized())
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
        })?;
        let cipher = config
            .credentials_key_file
            .as_deref()
            .map(CredentialCipher::from_key_file)
            .transpose()?;
        Ok(Sources {
            charts,
            cipher,
            kubeconfig: config.kubeconfig.clone(),
            kube_context: config.kube_context.clone(),
            kube: OnceCell::new(),
            retry_deadline: config.source_retry_deadline,
            max_chart_bytes: config.max_chart_bytes,
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
        Ok(transport)
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
        self.kube
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
