//! `SecretsReleaseStore`: release records as Kubernetes Secrets in each release's
//! namespace, exactly as Helm's Secrets driver (`HELM_DRIVER=secret`) keeps them.

use std::sync::Arc;

use async_trait::async_trait;
use helmd_release::{
    DEFAULT_NAMESPACE, Error as ReleaseError, Head, ListPlan, Listing, NameFilter, OWNER, Query,
    Release, ReleaseStore, Result, Revisions, SecretRecord, Write, custom_labels, record_key,
};
use k8s_openapi::api::core::v1::Secret;
use kube::Api;
use kube::api::{DeleteParams, ListParams, PostParams};

use crate::error::Error;
use crate::sources::LazyKube;

/// Helm's Secrets driver over the cluster helmd manages (the client is built at
/// first use: without a configured cluster every call fails with
/// `KubernetesNotConfigured`, start-up does not).
///
/// As Helm's driver: `get` returns the custom labels only (Helm's `Get` filters
/// its own labels out), `query` returns every label of the Secret (Helm's `List`
/// and `Query` keep `name`, `owner`, `status`, `version`, `createdAt`...), so an
/// update of a record read by `query` keeps its `createdAt` label as Helm's does.
/// `create` labels `createdAt`, `update` labels `modifiedAt` (an unconditional
/// replace, as Helm's `Update`); `delete` reads the record, then deletes it.
#[derive(Debug, Clone)]
pub struct SecretsReleaseStore {
    kube: Arc<LazyKube>,
    clock: fn() -> i64,
}

impl SecretsReleaseStore {
    /// A store over the cluster `kube` connects to, stamping the Unix time.
    pub fn new(kube: Arc<LazyKube>) -> SecretsReleaseStore {
        SecretsReleaseStore {
            kube,
            clock: super::releases::unix_now,
        }
    }

    async fn api(&self, namespace: Option<&str>) -> Result<Api<Secret>> {
        let client = self.kube.client().await.map_err(storage)?.clone();
        Ok(match namespace {
            Some(ns) => Api::namespaced(client, namespace_of(ns)),
            None => Api::all(client),
        })
    }

    async fn write(&self, release: &Release, write: Write) -> Result<()> {
        let record = SecretRecord::new(release, write, (self.clock)())?;
        let secret: Secret = serde_json::from_value(record.to_json())
            .map_err(|e| ReleaseError::Json(format!("Secret of {}: {e}", record.name)))?;
        let api = self.api(Some(&record.namespace)).await?;
        let done = match write {
            Write::Create => api.create(&PostParams::default(), &secret).await,
            Write::Update => {
                api.replace(&record.name, &PostParams::default(), &secret)
                    .await
            }
        };
        match done {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if write == Write::Create && status.code == 409 => {
                Err(ReleaseError::Exists)
            }
            Err(kube::Error::Api(status)) if write == Write::Update && status.code == 404 => {
                Err(ReleaseError::NotFound)
            }
            Err(e) => Err(kube_error(&format!("writing Secret {}", record.name), e)),
        }
    }
}

/// The namespace of a release (Helm's clients always name one; `default` otherwise).
fn namespace_of(namespace: &str) -> &str {
    if namespace.is_empty() {
        DEFAULT_NAMESPACE
    } else {
        namespace
    }
}

/// The record in a Secret read from the cluster.
fn record_of(secret: &Secret) -> Result<SecretRecord> {
    let json = serde_json::to_value(secret)
        .map_err(|e| ReleaseError::NotARecord(format!("Secret: {e}")))?;
    SecretRecord::from_json(&json)
}

/// What a Secret's labels say of the record it holds.
fn head_of(secret: &Secret) -> Head {
    let labels = secret.metadata.labels.as_ref();
    let label = |key: &str| labels.and_then(|l| l.get(key));
    Head {
        namespace: secret.metadata.namespace.clone().unwrap_or_default(),
        name: label("name").cloned(),
        version: label("version").and_then(|v| v.parse().ok()),
    }
}

/// Helm's label selector of a query: `owner=helm` and the query's labels.
pub fn label_selector(query: &Query) -> String {
    let mut labels = query.labels.clone();
    labels.insert("owner".into(), OWNER.into());
    if let Some(name) = &query.name {
        labels.insert("name".into(), name.clone());
    }
    if let Some(status) = &query.status {
        labels.insert("status".into(), status.as_str().to_owned());
    }
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join(",")
}

#[async_trait]
impl ReleaseStore for SecretsReleaseStore {
    async fn get(&self, namespace: &str, name: &str, version: i64) -> Result<Release> {
        let key = record_key(name, version);
        let api = self.api(Some(namespace)).await?;
        let secret = match api.get_opt(&key).await {
            Ok(Some(secret)) => secret,
            Ok(None) => return Err(ReleaseError::NotFound),
            Err(e) => return Err(kube_error(&format!("reading Secret {key}"), e)),
        };
        let record = record_of(&secret)?;
        let mut release = record.release()?;
        release.labels = custom_labels(&record.labels);
        Ok(release)
    }

    async fn query(&self, query: &Query) -> Result<Vec<Release>> {
        let api = self.api(query.namespace.as_deref()).await?;
        let params = ListParams::default().labels(&label_selector(query));
        let list = api
            .list(&params)
            .await
            .map_err(|e| kube_error("listing release Secrets", e))?;
        list.items
            .iter()
            .map(|secret| {
                let record = record_of(secret)?;
                let mut release = record.release()?;
                release.labels = record.labels.clone();
                Ok(release)
            })
            .collect()
    }

    /// Helm's `List`: every Secret labelled `owner=helm`; Helm's `name` and `version`
    /// labels choose what to decode, and a Secret that is not a readable record is
    /// skipped.
    async fn list(
        &self,
        namespace: Option<&str>,
        revisions: Revisions,
        names: &NameFilter<'_>,
    ) -> Result<Listing> {
        let api = self.api(namespace).await?;
        let params = ListParams::default().labels(&label_selector(&Query::default()));
        let list = api
            .list(&params)
            .await
            .map_err(|e| kube_error("listing release Secrets", e))?;
        let heads: Vec<Head> = list.items.iter().map(head_of).collect();
        let plan = ListPlan::new(&heads, revisions, names);
        Ok(plan.run(
            |i| {
                let record = record_of(&list.items[i])?;
                let mut release = record.release()?;
                release.labels = record.labels;
                Ok(release)
            },
            |i| {
                let meta = &list.items[i].metadata;
                (
                    meta.namespace.clone().unwrap_or_default(),
                    meta.name.clone().unwrap_or_default(),
                )
            },
        ))
    }

    async fn create(&self, release: &Release) -> Result<()> {
        self.write(release, Write::Create).await
    }

    async fn update(&self, release: &Release) -> Result<()> {
        self.write(release, Write::Update).await
    }

    async fn delete(&self, namespace: &str, name: &str, version: i64) -> Result<Release> {
        let release = self.get(namespace, name, version).await?;
        let key = record_key(name, version);
        let api = self.api(Some(namespace)).await?;
        match api.delete(&key, &DeleteParams::default()).await {
            Ok(_) => Ok(release),
            Err(kube::Error::Api(status)) if status.code == 404 => Err(ReleaseError::NotFound),
            Err(e) => Err(kube_error(&format!("deleting Secret {key}"), e)),
        }
    }
}

/// A server error carried through the release crate's storage error.
fn storage(err: Error) -> ReleaseError {
    ReleaseError::Storage(Box::new(err))
}

/// A cluster failure: refused credentials are `KubernetesForbidden`, the rest
/// `KubernetesUnavailable` (both with the apiserver's message).
fn kube_error(doing: &str, err: kube::Error) -> ReleaseError {
    storage(match err {
        kube::Error::Api(status) if status.code == 401 || status.code == 403 => {
            Error::KubernetesForbidden(format!("{doing}: {}", status.message))
        }
        kube::Error::Api(status) => {
            Error::KubernetesUnavailable(format!("{doing}: {} ({})", status.message, status.code))
        }
        other => Error::KubernetesUnavailable(format!("{doing}: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use helmd_release::Status;

    use super::*;

    #[test]
    fn queries_select_helms_records_by_label() {
        let query = Query {
            namespace: Some("apps".into()),
            name: Some("web".into()),
            status: Some(Status::Deployed),
            labels: BTreeMap::from([("team".into(), "blue".into())]),
        };
        assert_eq!(
            label_selector(&query),
            "name=web,owner=helm,status=deployed,team=blue"
        );
        assert_eq!(label_selector(&Query::default()), "owner=helm");
    }
}
