//! Whether replacing a live CustomResourceDefinition with a chart's is safe for the
//! custom objects already stored (`upgrade_crds`). Pure: the live CRD and the new
//! one in, the reason it is unsafe out.
//!
//! The rules, beyond what the API server's own validation (a server-side dry run,
//! run after this) refuses:
//! - Every version objects may be stored in — `status.storedVersions`, plus the
//!   live storage version — stays in `spec.versions` and stays served. Removing it
//!   strands those objects; unserving it too: helmd cannot tell that every object
//!   was migrated, and clients reading that version would break. Retire a version
//!   the Kubernetes way: migrate the objects, trim `status.storedVersions`, then
//!   upgrade.
//! - The storage version may change (the old one then stays, by the rule above, so
//!   objects stored in it are still read and converted).
//! - `spec.group` and `spec.scope` do not change (the API server refuses both too;
//!   the reason here is clearer).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// A version of a CRD: whether it is served and whether it is the storage version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Version {
    served: bool,
    storage: bool,
}

fn versions(crd: &Value) -> BTreeMap<String, Version> {
    crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| {
            let name = v["name"].as_str()?;
            Some((
                name.to_owned(),
                Version {
                    served: v["served"].as_bool().unwrap_or(false),
                    storage: v["storage"].as_bool().unwrap_or(false),
                },
            ))
        })
        .collect()
}

fn quoted(names: &BTreeSet<String>) -> String {
    let names: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
    names.join(", ")
}

/// Why replacing `live` (the CRD as the cluster has it, status included) with
/// `new` (the chart's) is unsafe; `None` when it is safe by these rules.
pub(crate) fn unsafe_change(live: &Value, new: &Value) -> Option<String> {
    for field in ["group", "scope"] {
        let (was, is) = (&live["spec"][field], &new["spec"][field]);
        if !is.is_null() && was != is {
            return Some(format!("spec.{field} cannot change (from {was} to {is})"));
        }
    }
    let live_versions = versions(live);
    let new_versions = versions(new);
    let mut stored: BTreeSet<String> = live["status"]["storedVersions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    stored.extend(
        live_versions
            .iter()
            .filter(|(_, v)| v.storage)
            .map(|(name, _)| name.clone()),
    );
    let why = |name: &str, what: &str| {
        format!(
            "version {name:?} would be {what}, but objects may be stored in it (stored versions: {}); migrate them to another version and remove it from status.storedVersions first",
            quoted(&stored)
        )
    };
    for name in &stored {
        match new_versions.get(name) {
            None => return Some(why(name, "removed")),
            Some(v) if !v.served => return Some(why(name, "no longer served")),
            Some(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn crd(versions: &[(&str, bool, bool)], stored: &[&str]) -> Value {
        let versions: Vec<Value> = versions
            .iter()
            .map(|(name, served, storage)| json!({"name": name, "served": served, "storage": storage}))
            .collect();
        json!({
            "spec": {"group": "example.com", "scope": "Namespaced", "versions": versions},
            "status": {"storedVersions": stored},
        })
    }

    fn check(live: &Value, new: &Value) -> Option<String> {
        unsafe_change(live, new)
    }

    #[test]
    fn adding_a_version_and_moving_storage_to_it_is_safe() {
        let live = crd(&[("v1alpha1", true, true)], &["v1alpha1"]);
        let new = crd(&[("v1alpha1", true, false), ("v1beta1", true, true)], &[]);
        assert_eq!(check(&live, &new), None);
        assert_eq!(check(&live, &live), None);
    }

    #[test]
    fn removing_a_stored_version_is_unsafe() {
        let live = crd(
            &[("v1alpha1", true, false), ("v1beta1", true, true)],
            &["v1alpha1", "v1beta1"],
        );
        let new = crd(&[("v1beta1", true, true)], &[]);
        assert_eq!(
            check(&live, &new).as_deref(),
            Some(
                "version \"v1alpha1\" would be removed, but objects may be stored in it (stored versions: \"v1alpha1\", \"v1beta1\"); migrate them to another version and remove it from status.storedVersions first"
            )
        );
    }

    #[test]
    fn unserving_a_stored_version_is_unsafe_but_an_unstored_one_may_go() {
        let live = crd(
            &[("v1alpha1", true, false), ("v1beta1", true, true)],
            &["v1alpha1", "v1beta1"],
        );
        let new = crd(&[("v1alpha1", false, false), ("v1beta1", true, true)], &[]);
        let why = check(&live, &new).expect("unsafe");
        assert!(
            why.starts_with("version \"v1alpha1\" would be no longer served"),
            "{why}"
        );
        // v1alpha1 no longer stored (migrated, status trimmed): it may go.
        let migrated = crd(
            &[("v1alpha1", true, false), ("v1beta1", true, true)],
            &["v1beta1"],
        );
        assert_eq!(
            check(&migrated, &crd(&[("v1beta1", true, true)], &[])),
            None
        );
    }

    #[test]
    fn the_live_storage_version_counts_as_stored_even_before_status_says_so() {
        let live = crd(&[("v1", true, true)], &[]);
        let new = crd(&[("v2", true, true)], &[]);
        assert!(
            check(&live, &new)
                .expect("unsafe")
                .contains("\"v1\" would be removed")
        );
    }

    #[test]
    fn group_and_scope_cannot_change() {
        let live = crd(&[("v1", true, true)], &["v1"]);
        let mut new = live.clone();
        new["spec"]["scope"] = json!("Cluster");
        assert_eq!(
            check(&live, &new).as_deref(),
            Some("spec.scope cannot change (from \"Namespaced\" to \"Cluster\")")
        );
        let mut new = live.clone();
        new["spec"]["group"] = json!("other.example.com");
        assert!(
            check(&live, &new)
                .expect("unsafe")
                .starts_with("spec.group")
        );
    }
}
