//! CustomResourceDefinitions: a chart's `crds/` documents as objects, and the two
//! writes beyond Helm's create-if-missing that safe CRD upgrades need — an existing
//! CRD replaced in place (a PUT at the live resourceVersion, optionally a dry run)
//! and a wait until the cluster serves every version a CRD declares. Whether an
//! update is safe is the caller's decision. helmd never deletes a CRD
//! (`delete.rs` keeps them).

use std::time::Duration;

use kube::api::{ApiResource, DynamicObject, PostParams};

use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::resource::{Doc, Resource};

/// The CRD API group.
pub const CRD_GROUP: &str = "apiextensions.k8s.io";

/// The CRD kind's endpoint.
fn crd_api() -> ApiResource {
    ApiResource {
        group: CRD_GROUP.into(),
        version: "v1".into(),
        api_version: "apiextensions.k8s.io/v1".into(),
        kind: "CustomResourceDefinition".into(),
        plural: "customresourcedefinitions".into(),
    }
}

/// Whether `r` is a CustomResourceDefinition.
pub fn is_crd(r: &Resource) -> bool {
    r.api.group == CRD_GROUP && r.kind() == "CustomResourceDefinition"
}

impl Kube {
    /// `crds/` documents as CRD objects (cluster-scoped; any other kind is an error
    /// naming the file).
    pub fn build_crds(&self, crds: &[Doc]) -> Result<Vec<Resource>> {
        let api = crd_api();
        crds.iter()
            .map(|doc| {
                let resource = crate::resource::build(doc, "", |_, _, _| {
                    Some((api.clone(), kube::discovery::Scope::Cluster))
                })?;
                if resource.kind() != "CustomResourceDefinition" {
                    return Err(Error::Invalid {
                        template: doc.template.clone(),
                        message: format!(
                            "{}: {} is not a CustomResourceDefinition",
                            doc.template,
                            resource.kind()
                        ),
                    });
                }
                Ok(resource)
            })
            .collect()
    }

    /// Replaces the live CRD `live` with `r`'s definition (a PUT at `live`'s
    /// resourceVersion, so a concurrent change is a conflict, never overwritten):
    /// the spec is the chart's, labels and annotations the live ones with the chart's
    /// over them, status untouched. With `dry_run` the server validates and changes
    /// nothing. Returns the CRD as the server has (or would have) it.
    pub async fn update_crd(
        &self,
        r: &Resource,
        live: &DynamicObject,
        dry_run: bool,
    ) -> Result<DynamicObject> {
        let mut object = r.object.clone();
        let mut labels = live.metadata.labels.clone().unwrap_or_default();
        labels.extend(object.metadata.labels.take().unwrap_or_default());
        let mut annotations = live.metadata.annotations.clone().unwrap_or_default();
        annotations.extend(object.metadata.annotations.take().unwrap_or_default());
        object.metadata.labels = (!labels.is_empty()).then_some(labels);
        object.metadata.annotations = (!annotations.is_empty()).then_some(annotations);
        object.metadata.resource_version = live.metadata.resource_version.clone();
        object.metadata.managed_fields = None;
        if let Some(data) = object.data.as_object_mut() {
            data.remove("status");
        }
        let params = PostParams {
            dry_run,
            field_manager: Some(self.field_manager().to_owned()),
        };
        r.api(self.client())
            .replace(&r.name, &params, &object)
            .await
            .map_err(|e| Error::from_api(e, &r.template, &r.describe()))
    }

    /// Waits until every CRD of `crds` is Established and the cluster's discovery
    /// serves each version it marks served (a new version takes a moment to appear
    /// after an update), reading discovery again as it goes; bounded by `timeout`.
    pub async fn wait_crds_served(&self, crds: &[Resource], timeout: Duration) -> Result<()> {
        let opts = crate::WaitOptions {
            timeout,
            wait_for_jobs: false,
        };
        let deadline = tokio::time::Instant::now() + crate::wait::effective(timeout);
        self.wait_ready(crds, &opts, &mut |_, _| {}).await?;
        let mut delay = Duration::from_millis(50);
        loop {
            self.refresh().await?;
            let missing: Vec<String> = crds
                .iter()
                .flat_map(|crd| self.unserved_versions(crd))
                .collect();
            if missing.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() + delay > deadline {
                return Err(Error::WaitTimeout {
                    message: format!(
                        "timed out waiting for the cluster to serve {}",
                        missing.join(", ")
                    ),
                });
            }
            tokio::time::sleep(delay).await;
            delay = crate::wait::backoff(delay);
        }
    }

    /// The `group/version Kind` of each version `crd` serves that discovery lacks.
    fn unserved_versions(&self, crd: &Resource) -> Vec<String> {
        let spec = &crd.object.data["spec"];
        let group = spec["group"].as_str().unwrap_or_default();
        let kind = spec["names"]["kind"].as_str().unwrap_or_default();
        spec["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v["served"].as_bool().unwrap_or(false))
            .filter_map(|v| v["name"].as_str())
            .filter(|version| self.resolve(group, version, kind).is_none())
            .map(|version| format!("{group}/{version} {kind}"))
            .collect()
    }
}
