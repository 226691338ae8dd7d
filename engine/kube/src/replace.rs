//! Replacing an object (`force_replace`: Helm 4's `--force-replace`, Helm 3's
//! `--force`): the whole object goes to the API server with a PUT — no merge, so
//! fields other managers set are overwritten, or dropped when the chart does not set
//! them — with this release's ownership metadata stamped and strict field validation,
//! as Helm's `replaceResource` does.
//!
//! Two steps Helm does not take:
//! - An object the API server refuses to change because a field is immutable (a Job's
//!   template, a Service's clusterIP, a Deployment's selector) is deleted and created
//!   again, as Helm 2's `--force` did and as helmd's API documents `force_replace`;
//!   Helm 3 and 4 fail there.
//! - A PUT leaves an `Update` entry of our field manager in `managedFields`; it is
//!   folded into our server-side-apply (`Apply`) entry, so the next upgrade applies
//!   over what the replace set without conflicting with itself. (Helm 4 instead
//!   records a client-side-apply release and upgrades the entry on its next
//!   server-side apply.)

use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry};
use kube::api::{DynamicObject, Patch, PatchParams, PostParams};

use crate::apply::ApplyOptions;
use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::resource::Resource;

/// How many times a replace is retried when the object changed between reading its
/// resourceVersion and writing it.
const ATTEMPTS: usize = 3;

/// What a replace did to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaced {
    /// It did not exist and was created (server-side apply).
    Created,
    /// It was replaced in place (PUT).
    Replaced,
    /// A field could not change in place, so it was deleted and created again (or, on a
    /// dry run, would be).
    Recreated,
}

impl Kube {
    /// Replaces one object with `r` (see the module docs); an object that does not
    /// exist is created by server-side apply like any other. `timeout` bounds the wait
    /// for a deleted object to go before it is created again.
    pub async fn replace(
        &self,
        r: &Resource,
        opts: &ApplyOptions,
        timeout: Duration,
    ) -> Result<Replaced> {
        for _ in 0..ATTEMPTS {
            let Some(live) = self.get(r).await? else {
                self.apply(r, opts).await?;
                return Ok(Replaced::Created);
            };
            match self.put(r, opts, &live).await {
                Ok(replaced) => {
                    if !opts.dry_run {
                        self.fold_update_entry(r, &replaced).await?;
                    }
                    return Ok(Replaced::Replaced);
                }
                Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "Conflict" => continue,
                Err(kube::Error::Api(s)) if s.code == 422 && immutable(&s.message) => {
                    if !opts.dry_run {
                        self.recreate(r, opts, timeout).await?;
                    }
                    return Ok(Replaced::Recreated);
                }
                Err(e) => return Err(Error::from_api(e, &r.template, &r.describe())),
            }
        }
        Err(Error::Rejected {
            template: r.template.clone(),
            resource: r.describe(),
            message: format!(
                "failed to replace object: it changed on the server during {ATTEMPTS} attempts"
            ),
        })
    }

    /// The PUT (`fieldValidation=Strict`), at the live object's resourceVersion.
    pub(crate) async fn put(
        &self,
        r: &Resource,
        opts: &ApplyOptions,
        live: &DynamicObject,
    ) -> kube::Result<DynamicObject> {
        let mut object = r.object.clone();
        if let Some(owner) = &opts.owner {
            owner.stamp(&mut object);
        }
        object.metadata.managed_fields = None;
        object.metadata.resource_version = live.metadata.resource_version.clone();
        if crate::protocol::needs_port_protocols(&self.version()) {
            crate::protocol::default_port_protocols(r.kind(), &mut object.data);
        }
        let params = PostParams {
            dry_run: opts.dry_run,
            field_manager: Some(self.field_manager().to_owned()),
        };
        let body = serde_json::to_vec(&object).map_err(kube::Error::SerdeError)?;
        let api = r.api(self.client());
        let mut request = kube::core::Request::new(api.resource_url())
            .replace(&r.name, &params, body)
            .map_err(kube::Error::BuildRequest)?;
        // kube's PostParams has no field validation: Helm replaces with Strict.
        let uri = format!("{}&fieldValidation=Strict", request.uri());
        *request.uri_mut() = uri
            .parse()
            .map_err(|e| kube::Error::Service(format!("{uri}: {e}").into()))?;
        self.client().request::<DynamicObject>(request).await
    }

    /// Deletes the object, waits until it is gone, and creates it again.
    async fn recreate(&self, r: &Resource, opts: &ApplyOptions, timeout: Duration) -> Result<()> {
        self.delete_one(r, true, timeout).await?;
        self.apply(r, opts).await?;
        Ok(())
    }

    /// Folds our manager's `Update` entries of `object` into its `Apply` entry, with the
    /// object's resourceVersion as precondition (a concurrent change leaves them).
    async fn fold_update_entry(&self, r: &Resource, object: &DynamicObject) -> Result<()> {
        let entries = object.metadata.managed_fields.clone().unwrap_or_default();
        let Some(folded) = fold(entries, self.field_manager()) else {
            return Ok(());
        };
        let patch = serde_json::json!({
            "metadata": {
                "managedFields": folded,
                "resourceVersion": object.metadata.resource_version,
            }
        });
        let params = PatchParams {
            field_manager: Some(self.field_manager().to_owned()),
            ..PatchParams::default()
        };
        match r
            .api(self.client())
            .patch(&r.name, &params, &Patch::Merge(&patch))
            .await
        {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 409 => {
                tracing::warn!(object = %r.describe(), "managed fields not folded: the object changed meanwhile");
                Ok(())
            }
            Err(e) => Err(Error::from_api(e, &r.template, &r.describe())),
        }
    }
}

/// Whether an API server's 422 says a field cannot change in place.
pub(crate) fn immutable(message: &str) -> bool {
    message.contains("immutable")
        || message.contains("may not change once set")
        || message.contains("may not change fields other than")
        || (message.contains("updates to") && message.contains("are forbidden"))
}

/// `entries` with every `Update` entry of `manager` (main resource, not a
/// subresource) merged into its `Apply` entry, one made from them when there is
/// none; `None` when there is nothing to fold.
pub(crate) fn fold(
    entries: Vec<ManagedFieldsEntry>,
    manager: &str,
) -> Option<Vec<ManagedFieldsEntry>> {
    let ours_updated = |e: &ManagedFieldsEntry| {
        e.manager.as_deref() == Some(manager)
            && e.operation.as_deref() == Some("Update")
            && e.subresource.as_deref().unwrap_or_default().is_empty()
    };
    let (updates, mut rest): (Vec<_>, Vec<_>) = entries.into_iter().partition(ours_updated);
    let newest = updates.last()?.clone();
    let mut fields = serde_json::Value::Object(serde_json::Map::new());
    for update in &updates {
        if let Some(FieldsV1(set)) = &update.fields_v1 {
            union(&mut fields, set);
        }
    }
    let apply = rest
        .iter_mut()
        .find(|e| e.manager.as_deref() == Some(manager) && e.operation.as_deref() == Some("Apply"));
    match apply {
        Some(apply) => {
            if let Some(FieldsV1(set)) = &apply.fields_v1 {
                union(&mut fields, set);
            }
            apply.fields_v1 = Some(FieldsV1(fields));
            apply.api_version = newest.api_version;
            apply.time = newest.time;
        }
        None => rest.push(ManagedFieldsEntry {
            operation: Some("Apply".to_owned()),
            fields_type: Some("FieldsV1".to_owned()),
            fields_v1: Some(FieldsV1(fields)),
            ..newest
        }),
    }
    Some(rest)
}

/// Adds the field set `other` to `into` (field sets are JSON tries of objects).
fn union(into: &mut serde_json::Value, other: &serde_json::Value) {
    let (serde_json::Value::Object(into), serde_json::Value::Object(other)) = (into, other) else {
        return;
    };
    for (key, value) in other {
        match into.get_mut(key) {
            Some(existing) => union(existing, value),
            None => {
                into.insert(key.clone(), value.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(manager: &str, operation: &str, fields: serde_json::Value) -> ManagedFieldsEntry {
        ManagedFieldsEntry {
            manager: Some(manager.into()),
            operation: Some(operation.into()),
            api_version: Some("v1".into()),
            fields_type: Some("FieldsV1".into()),
            fields_v1: Some(FieldsV1(fields)),
            ..ManagedFieldsEntry::default()
        }
    }

    #[test]
    fn our_update_entries_fold_into_our_apply_entry() {
        use serde_json::json;
        let entries = vec![
            entry("helm", "Apply", json!({"f:data": {"f:a": {}}})),
            entry("kubectl", "Update", json!({"f:data": {"f:b": {}}})),
            entry(
                "helm",
                "Update",
                json!({"f:data": {"f:c": {}}, "f:metadata": {}}),
            ),
        ];
        let folded = fold(entries, "helm").expect("something to fold");
        assert_eq!(folded.len(), 2);
        assert_eq!(folded[1].manager.as_deref(), Some("kubectl"));
        let FieldsV1(set) = folded[0].fields_v1.clone().expect("fields");
        assert_eq!(
            set,
            json!({"f:data": {"f:a": {}, "f:c": {}}, "f:metadata": {}})
        );
        assert_eq!(folded[0].operation.as_deref(), Some("Apply"));

        // No Apply entry yet: the Update entry becomes one.
        let folded = fold(vec![entry("helm", "Update", json!({"f:x": {}}))], "helm")
            .expect("something to fold");
        assert_eq!(folded[0].operation.as_deref(), Some("Apply"));
        // Nothing of ours updated: nothing to do.
        assert!(fold(vec![entry("helm", "Apply", json!({}))], "helm").is_none());
    }

    #[test]
    fn immutable_field_refusals_are_recognised() {
        assert!(immutable(
            "Job.batch \"x\" is invalid: spec.template: Invalid value: core.PodTemplateSpec{}: field is immutable"
        ));
        assert!(immutable(
            "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas' are forbidden"
        ));
        assert!(!immutable(
            "ConfigMap \"x\" is invalid: metadata.name: Invalid value: \"X\": a lowercase RFC 1123 subdomain"
        ));
    }
}
