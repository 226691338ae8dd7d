//! Shared helpers of the cluster tests: the run's cluster, a fresh namespace, server-side apply, and bounded watch-based waits.
#![allow(dead_code)]

use std::fmt::Debug;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use helmd_test_cluster::Cluster;
use kube::api::{Patch, PatchParams};
use kube::runtime::wait::await_condition;
use kube::{Api, Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The field manager the tests apply with.
pub const MANAGER: &str = "helmd-cluster-test";
/// The default bound of a wait.
pub const DEADLINE: Duration = Duration::from_secs(90);

/// A test's view of the cluster: the run's cluster, an admin client and its own namespace.
pub struct Ctx {
    pub cluster: &'static Cluster,
    pub client: Client,
    pub ns: String,
}

/// The run's cluster with a fresh namespace named after `test`.
pub async fn setup(test: &str) -> Result<Ctx> {
    let cluster = Cluster::shared().await?;
    let ns = cluster.create_namespace(test).await?;
    let client = cluster.admin_client().await?;
    Ok(Ctx {
        cluster,
        client,
        ns,
    })
}

impl Ctx {
    /// A namespaced API of the test's namespace.
    pub fn api<K>(&self) -> Api<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    /// Server-side applies `object` (typed from JSON) in the test's namespace.
    pub async fn apply<K>(&self, object: serde_json::Value) -> Result<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + Debug
            + Serialize
            + DeserializeOwned,
        <K as Resource>::DynamicType: Default,
    {
        let typed: K = serde_json::from_value(object).context("building the object")?;
        let name = typed.name_any();
        self.api::<K>()
            .patch(
                &name,
                &PatchParams::apply(MANAGER).force(),
                &Patch::Apply(&typed),
            )
            .await
            .with_context(|| format!("applying {name}"))
    }

    /// Waits (by watching) until `name` satisfies `cond`; on timeout the error
    /// carries the object's last state and the control plane's log tails.
    pub async fn wait_for<K>(
        &self,
        name: &str,
        what: &str,
        deadline: Duration,
        cond: impl Fn(&K) -> bool,
    ) -> Result<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + Debug
            + Serialize
            + DeserializeOwned
            + Send
            + 'static,
        <K as Resource>::DynamicType: Default,
    {
        let api = self.api::<K>();
        let waited = tokio::time::timeout(
            deadline,
            await_condition(api.clone(), name, |o: Option<&K>| o.is_some_and(&cond)),
        )
        .await;
        match waited {
            Ok(Ok(Some(obj))) => Ok(obj),
            Ok(Ok(None)) => Err(anyhow!("{name} vanished while waiting until {what}")),
            Ok(Err(e)) => Err(anyhow!("watching {name}: {e}")),
            Err(_) => {
                let last = api
                    .get_opt(name)
                    .await
                    .ok()
                    .flatten()
                    .and_then(|o| serde_json::to_string_pretty(&o).ok())
                    .unwrap_or_else(|| "(absent)".into());
                Err(anyhow!(
                    "{name}: not {what} after {deadline:?}\nlast state: {last}\n{}",
                    self.cluster.logs_for_failure()
                ))
            }
        }
    }

    /// Waits until `name` is gone.
    pub async fn wait_gone<K>(&self, name: &str, deadline: Duration) -> Result<()>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>
            + Clone
            + Debug
            + DeserializeOwned
            + Send
            + 'static,
        <K as Resource>::DynamicType: Default,
    {
        let api = self.api::<K>();
        tokio::time::timeout(
            deadline,
            await_condition(api, name, |o: Option<&K>| o.is_none()),
        )
        .await
        .map_err(|_| anyhow!("{name} still exists after {deadline:?}"))?
        .map_err(|e| anyhow!("watching {name}: {e}"))?;
        Ok(())
    }
}
