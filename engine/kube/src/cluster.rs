//! `Kube`: a cluster client with its discovery and server version, read once and
//! refreshed on demand (before a render, after a release installs CRDs, when a kind
//! is not found); the server's version and API versions for `.Capabilities`.
//! Clones share one view, so a refresh by one operation serves the next.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use kube::api::ApiResource;
use kube::core::GroupVersionKind;
use kube::discovery::{Discovery, Scope};

use crate::error::{Error, Result};
use crate::resource::{self, Doc, Resource};

/// A cluster and what it serves.
#[derive(Clone)]
pub struct Kube {
    client: kube::Client,
    served: Arc<RwLock<Arc<Served>>>,
    field_manager: String,
    /// Patch metadata of built-in kinds, for client-side apply.
    pub(crate) openapi: Arc<crate::csa::openapi::OpenApi>,
}

/// What one discovery found.
pub(crate) struct Served {
    pub(crate) discovery: Discovery,
    /// The server's `gitVersion`.
    pub(crate) version: String,
}

impl std::fmt::Debug for Kube {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kube")
            .field("version", &self.version())
            .field("field_manager", &self.field_manager)
            .finish_non_exhaustive()
    }
}

/// Reads the server's version and runs discovery.
async fn serve_info(client: &kube::Client) -> Result<Served> {
    // Both at once: one round trip fewer for every action that renders.
    let (info, discovery) = tokio::join!(client.apiserver_version(), discover(client));
    let info = info.map_err(|e| Error::Unavailable(format!("reading the server version: {e}")))?;
    Ok(Served {
        discovery: discovery?,
        version: info.git_version,
    })
}

/// Runs discovery: aggregated (two requests, Kubernetes >= 1.26) or, on servers
/// that answer it with plain documents (1.20: zero groups), one request per group.
async fn discover(client: &kube::Client) -> Result<Discovery> {
    match Discovery::new(client.clone()).run_aggregated().await {
        Ok(d) if d.groups().next().is_some() => Ok(d),
        _ => Discovery::new(client.clone())
            .run()
            .await
            .map_err(|e| Error::Unavailable(format!("discovery: {e}"))),
    }
}

impl Kube {
    /// Connects: reads the server's version and runs discovery. Objects are
    /// applied with `field_manager`.
    pub async fn connect(client: kube::Client, field_manager: &str) -> Result<Kube> {
        let served = serve_info(&client).await?;
        Ok(Kube {
            client,
            served: Arc::new(RwLock::new(Arc::new(served))),
            field_manager: field_manager.to_owned(),
            openapi: Arc::default(),
        })
    }

    /// The client.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    /// The field manager of every apply.
    pub fn field_manager(&self) -> &str {
        &self.field_manager
    }

    /// The server's `gitVersion` (`v1.37.2`), for `.Capabilities.KubeVersion`.
    pub fn version(&self) -> String {
        self.served().version.clone()
    }

    pub(crate) fn served(&self) -> Arc<Served> {
        match self.served.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reads the server's version and runs discovery again (before a render, as
    /// Helm invalidates its discovery cache for each action; after CRDs were
    /// installed; when a kind is not found).
    pub async fn refresh(&self) -> Result<()> {
        let fresh = Arc::new(serve_info(&self.client).await?);
        match self.served.write() {
            Ok(mut d) => *d = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// Like [`Kube::build`], but when a kind is not served, discovery runs again
    /// once (the kind may be newer than what was discovered) before failing.
    pub async fn build_fresh(&self, docs: &[Doc], namespace: &str) -> Result<Vec<Resource>> {
        match self.build(docs, namespace) {
            Err(Error::TypeNotFound { .. }) => {
                self.refresh().await?;
                self.build(docs, namespace)
            }
            built => built,
        }
    }

    /// Each document built on its own, so one of a kind the cluster does not serve
    /// does not stop the others (uninstall, status); discovery runs again once
    /// first when some kind is not found.
    pub async fn build_each(
        &self,
        docs: &[Doc],
        namespace: &str,
    ) -> Result<Vec<Result<Vec<Resource>>>> {
        if matches!(self.build(docs, namespace), Err(Error::TypeNotFound { .. })) {
            self.refresh().await?;
        }
        Ok(docs
            .iter()
            .map(|doc| self.build(std::slice::from_ref(doc), namespace))
            .collect())
    }

    /// Helm's `GetVersionSet`: every `group/version` and `group/version/Kind` served.
    pub fn api_versions(&self) -> Vec<String> {
        let served = self.served();
        let discovery = &served.discovery;
        let mut all = BTreeSet::new();
        for group in discovery.groups() {
            for version in group.versions() {
                let group_version = match group.name() {
                    "" => version.to_owned(),
                    name => format!("{name}/{version}"),
                };
                for (resource, _) in group.versioned_resources(version) {
                    all.insert(format!("{group_version}/{}", resource.kind));
                }
                all.insert(group_version);
            }
        }
        all.into_iter().collect()
    }

    /// The documents as objects of served kinds, in order; the first document
    /// that is not an object or whose kind is not served is the error.
    pub fn build(&self, docs: &[Doc], namespace: &str) -> Result<Vec<Resource>> {
        let served = self.served();
        let discovery = &served.discovery;
        let resolve = |group: &str, version: &str, kind: &str| {
            let gvk = GroupVersionKind::gvk(group, version, kind);
            discovery
                .resolve_gvk(&gvk)
                .map(|(api, caps)| (api, caps.scope))
        };
        docs.iter()
            .map(|doc| resource::build(doc, namespace, resolve))
            .collect()
    }

    /// Whether `kind` in `group` is namespaced, when the cluster serves it.
    pub fn scope_of(&self, group: &str, version: &str, kind: &str) -> Option<Scope> {
        self.resolve(group, version, kind).map(|(_, scope)| scope)
    }

    /// The endpoint and scope of `kind` in `group`/`version`, when the cluster serves it.
    pub fn resolve(&self, group: &str, version: &str, kind: &str) -> Option<(ApiResource, Scope)> {
        let gvk = GroupVersionKind::gvk(group, version, kind);
        self.served()
            .discovery
            .resolve_gvk(&gvk)
            .map(|(api, caps)| (api, caps.scope))
    }
}
