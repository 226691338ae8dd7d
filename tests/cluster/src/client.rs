//! Building kube clients from the cluster's kubeconfigs, and the small probes readiness waits use.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::ServiceAccount;
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};

/// Installs rustls' ring provider once; kube's rustls needs a process-wide provider.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A client from the kubeconfig file at `path`.
pub async fn from_kubeconfig(path: &Path) -> Result<Client> {
    install_crypto_provider();
    let kubeconfig =
        Kubeconfig::read_from(path).with_context(|| format!("reading {}", path.display()))?;
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .with_context(|| format!("loading {}", path.display()))?;
    config.connect_timeout = Some(Duration::from_secs(5));
    Client::try_from(config).context("building a kube client")
}

/// Whether the apiserver answers `/readyz` with `ok`.
pub async fn readyz(client: &Client) -> bool {
    let Ok(request) = http::Request::get("/readyz").body(Vec::new()) else {
        return false;
    };
    matches!(client.request_text(request).await, Ok(body) if body.trim() == "ok")
}

/// Whether `namespace` admits pods: its `default` ServiceAccount exists and,
/// with `legacy_tokens` (Kubernetes < 1.24), has its token Secret.
pub async fn admits_pods(client: &Client, namespace: &str, legacy_tokens: bool) -> bool {
    let api: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    matches!(
        api.get_opt("default").await,
        Ok(Some(sa)) if !legacy_tokens || sa.secrets.as_ref().is_some_and(|s| !s.is_empty())
    )
}
