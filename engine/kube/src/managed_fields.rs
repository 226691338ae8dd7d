//! Our field manager's `Update` entries in `managedFields` folded into its `Apply`
//! entry (field sets unioned), so a server-side apply owns every field our earlier
//! writes set: after a replace (a PUT, `force_replace`), and when a release switches
//! from client-side to server-side apply — Helm 4's `upgradeClientSideFieldManager`,
//! client-go's `csaupgrade`. Without it the old `Update` entry would keep owning fields
//! the new manifest drops, and the apply would leave them behind.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{FieldsV1, ManagedFieldsEntry};
use kube::api::{DynamicObject, Patch, PatchParams};

use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::resource::Resource;

/// How many times the fold is tried when the object changes meanwhile.
const ATTEMPTS: usize = 3;

/// What folding the entries of one object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Folded {
    /// There was nothing to fold.
    Nothing,
    /// The entries were folded.
    Done,
    /// The object changed since it was read (resourceVersion precondition).
    Conflict,
}

impl Kube {
    /// Folds our manager's `Update` entries of `object` (as read) into its `Apply` entry,
    /// with the object's resourceVersion as precondition.
    pub(crate) async fn fold_managed_fields(
        &self,
        r: &Resource,
        object: &DynamicObject,
    ) -> Result<Folded> {
        let entries = object.metadata.managed_fields.clone().unwrap_or_default();
        let Some(folded) = fold(entries, self.field_manager()) else {
            return Ok(Folded::Nothing);
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
            Ok(_) => Ok(Folded::Done),
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(Folded::Conflict),
            Err(e) => Err(Error::from_api(e, &r.template, &r.describe())),
        }
    }

    /// Before an object a client-side apply wrote is applied server-side for the first
    /// time: reads it and folds our client-side (`Update`) ownership into our `Apply`
    /// entry, read again and retried when it changed meanwhile. Whether anything was
    /// folded (an absent object, or one without such entries, is left alone).
    pub async fn upgrade_client_side_fields(&self, r: &Resource) -> Result<bool> {
        for _ in 0..ATTEMPTS {
            let Some(live) = self.get(r).await? else {
                return Ok(false);
            };
            match self.fold_managed_fields(r, &live).await? {
                Folded::Nothing => return Ok(false),
                Folded::Done => return Ok(true),
                Folded::Conflict => continue,
            }
        }
        Err(Error::Rejected {
            template: r.template.clone(),
            resource: r.describe(),
            message: format!(
                "failed to upgrade the client-side field manager: the object changed on the server during {ATTEMPTS} attempts"
            ),
        })
    }
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
}
