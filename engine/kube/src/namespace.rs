//! The release's namespace (`--create-namespace`) and the chart's CRDs (`crds/`),
//! both created before anything else of a release.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Namespace, ServiceAccount};
use kube::api::{Api, PostParams};

use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::resource::{Doc, Resource};

/// The longest a new namespace's `default` ServiceAccount is waited for.
const SERVICE_ACCOUNT_WAIT: Duration = Duration::from_secs(10);

impl Kube {
    /// Whether the namespace exists.
    pub async fn namespace_exists(&self, name: &str) -> Result<bool> {
        let api: Api<Namespace> = Api::all(self.client().clone());
        api.get_opt(name)
            .await
            .map(|n| n.is_some())
            .map_err(|e| Error::from_api(e, "", &format!("Namespace {name:?}")))
    }

    /// Creates the namespace like Helm's `--create-namespace` (label `name`), and
    /// waits (within `timeout`) for its `default` ServiceAccount, so pods the
    /// release creates directly (hooks, tests) are admitted. Existing: nothing done.
    pub async fn create_namespace(&self, name: &str, timeout: Duration) -> Result<()> {
        let api: Api<Namespace> = Api::all(self.client().clone());
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "labels": {"name": name}},
        }))
        .map_err(|e| Error::Unavailable(e.to_string()))?;
        let describe = format!("Namespace {name:?}");
        match api.create(&PostParams::default(), &ns).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 409 => return Ok(()),
            Err(e) => return Err(Error::from_api(e, "", &describe)),
        }
        let accounts: Api<ServiceAccount> = Api::namespaced(self.client().clone(), name);
        // The controller usually makes it within milliseconds: read again soon,
        // backing off; a cluster without that controller costs ten seconds at most.
        let deadline = tokio::time::Instant::now() + timeout.min(SERVICE_ACCOUNT_WAIT);
        let mut delay = Duration::from_millis(5);
        loop {
            match accounts.get_opt("default").await {
                Ok(Some(_)) => return Ok(()),
                Ok(None) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_millis(100));
                }
                // The service-account controller is slow or absent: go on, as Helm does.
                Ok(None) => return Ok(()),
                Err(e) => return Err(Error::from_api(e, "", &describe)),
            }
        }
    }

    /// Installs CRDs like Helm (before rendering): each is created, an existing one
    /// is left as it is, then Helm waits until the new ones are established and
    /// discovery is read again so the release's own custom objects resolve.
    pub async fn install_crds(&self, crds: &[Doc], timeout: Duration) -> Result<Vec<String>> {
        let resources = self.build_crds(crds)?;
        let created = self.create_crds(&resources, timeout).await?;
        Ok(created.into_iter().map(|r| r.name).collect())
    }

    /// Creates each of `crds` that does not exist (an existing one is left as it is)
    /// and waits until the new ones are established and discovery is read again.
    /// Returns the ones created.
    pub async fn create_crds(&self, crds: &[Resource], timeout: Duration) -> Result<Vec<Resource>> {
        let mut created = Vec::new();
        for resource in crds {
            if self.create(resource).await? {
                created.push(resource.clone());
            }
        }
        if created.is_empty() {
            return Ok(created);
        }
        // A CRD is ready once Established (`ready.rs`); a rejected one fails at once.
        let opts = crate::WaitOptions {
            timeout,
            wait_for_jobs: false,
        };
        self.wait_ready(&created, &opts, &mut |_, _| {}).await?;
        self.refresh().await?;
        Ok(created)
    }
}
