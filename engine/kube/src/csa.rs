//! Client-side apply, as Helm 3 applied objects and Helm 4 does with
//! `--server-side=false` (its `Update` with `createResource` / `patchResourceClientSide`):
//! an object that does not exist is created (POST with the field manager); an existing
//! one gets a three-way patch from the previous revision's manifest object (original),
//! the new one (modified) and the live object (current) — a strategic merge patch for
//! built-in kinds (patch metadata from the cluster's OpenAPI, [`openapi`]), a JSON merge
//! patch for custom resources and kinds the OpenAPI does not describe. An empty patch
//! sends nothing. Ownership metadata is stamped as for server-side apply.

mod merge;
pub(crate) mod openapi;
mod schema;
mod strategic;
mod value;

#[cfg(test)]
mod tests;

use kube::api::{DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Map, Value};

use crate::apply::ApplyOptions;
use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::replace::Replaced;
use crate::resource::Resource;

/// API groups whose kinds Kubernetes itself serves with Go types (client-go's scheme,
/// plus apiextensions as Helm registers it): only these accept strategic merge patches.
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "extensions",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// A computed patch and how the server must read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ThreeWay {
    /// `application/strategic-merge-patch+json`.
    Strategic(Map<String, Value>),
    /// `application/merge-patch+json`.
    Merge(Map<String, Value>),
}

impl ThreeWay {
    fn is_empty(&self) -> bool {
        match self {
            ThreeWay::Strategic(p) | ThreeWay::Merge(p) => p.is_empty(),
        }
    }
}

fn as_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl Kube {
    /// Applies one object client-side (see the module docs): `original` is the object
    /// as the release's current revision has it (`None` for an object the revision does
    /// not have, adopted with `take_ownership`: nothing is deleted from it then).
    pub async fn apply_client_side(
        &self,
        r: &Resource,
        original: Option<&Resource>,
        opts: &ApplyOptions,
    ) -> Result<Replaced> {
        let mut object = r.object.clone();
        if let Some(owner) = &opts.owner {
            owner.stamp(&mut object);
        }
        object.metadata.managed_fields = None;
        object.metadata.resource_version = None;
        let Some(live) = self.get(r).await? else {
            self.create_object(r, &object, opts.dry_run).await?;
            return Ok(Replaced::Created);
        };
        let patch = self.three_way(r, original, &object, &live).await?;
        if patch.is_empty() {
            return Ok(Replaced::Replaced);
        }
        let params = PatchParams {
            field_manager: Some(self.field_manager().to_owned()),
            dry_run: opts.dry_run,
            ..PatchParams::default()
        };
        let api = r.api(self.client());
        let sent = match &patch {
            ThreeWay::Strategic(p) => api.patch(&r.name, &params, &Patch::Strategic(p)).await,
            ThreeWay::Merge(p) => api.patch(&r.name, &params, &Patch::Merge(p)).await,
        };
        sent.map_err(|e| Error::from_api(e, &r.template, &r.describe()))?;
        Ok(Replaced::Replaced)
    }

    /// The patch taking `live` to `modified` (see the module docs).
    async fn three_way(
        &self,
        r: &Resource,
        original: Option<&Resource>,
        modified: &DynamicObject,
        live: &DynamicObject,
    ) -> Result<ThreeWay> {
        let json = |o: &DynamicObject| {
            serde_json::to_value(o)
                .map(as_map)
                .map_err(|e| Error::Rejected {
                    template: r.template.clone(),
                    resource: r.describe(),
                    message: format!("failed to create patch: {e}"),
                })
        };
        let original = match original {
            Some(o) => json(&o.object)?,
            None => Map::new(),
        };
        let (modified, current) = (json(modified)?, json(live)?);
        let schemas = if BUILT_IN_GROUPS.contains(&r.api.group.as_str()) {
            self.openapi
                .schemas(self.client(), &self.version(), &r.api.group, &r.api.version)
                .await?
        } else {
            None
        };
        let node = schemas
            .as_deref()
            .and_then(|s| s.kind(&r.api.group, &r.api.version, r.kind()));
        match node {
            Some(node) => strategic::three_way(&original, &modified, &current, node)
                .map(ThreeWay::Strategic)
                .map_err(|e| Error::Rejected {
                    template: r.template.clone(),
                    resource: r.describe(),
                    message: format!("failed to create patch: {}", e.0),
                }),
            None => Ok(ThreeWay::Merge(merge::three_way(
                &original, &modified, &current,
            ))),
        }
    }

    /// Creates `object` at `r`'s endpoint with the field manager (Helm's `createResource`).
    async fn create_object(
        &self,
        r: &Resource,
        object: &DynamicObject,
        dry_run: bool,
    ) -> Result<()> {
        let params = PostParams {
            dry_run,
            field_manager: Some(self.field_manager().to_owned()),
        };
        r.api(self.client())
            .create(&params, object)
            .await
            .map(|_| ())
            .map_err(|e| Error::from_api(e, &r.template, &r.describe()))
    }
}
