//! Helm's ownership metadata: the label and annotations that tie an object to a
//! release, set on every object a release applies and checked before an object
//! that already exists is taken over or deleted.

use std::collections::BTreeMap;

use kube::api::DynamicObject;

/// The label every release object carries.
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";
/// Its value.
pub const MANAGED_BY_VALUE: &str = "Helm";
/// The annotation naming the owning release.
pub const RELEASE_NAME_ANNOTATION: &str = "meta.helm.sh/release-name";
/// The annotation naming the owning release's namespace.
pub const RELEASE_NAMESPACE_ANNOTATION: &str = "meta.helm.sh/release-namespace";
/// `helm.sh/resource-policy: keep` leaves an object behind on uninstall and upgrade.
pub const RESOURCE_POLICY_ANNOTATION: &str = "helm.sh/resource-policy";

/// The release an object belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
}

impl Owner {
    /// Writes the ownership metadata into `object` (Helm's `setMetadataVisitor`).
    pub fn stamp(&self, object: &mut DynamicObject) {
        object
            .metadata
            .labels
            .get_or_insert_with(BTreeMap::new)
            .insert(MANAGED_BY_LABEL.into(), MANAGED_BY_VALUE.into());
        let annotations = object
            .metadata
            .annotations
            .get_or_insert_with(BTreeMap::new);
        annotations.insert(RELEASE_NAME_ANNOTATION.into(), self.name.clone());
        annotations.insert(RELEASE_NAMESPACE_ANNOTATION.into(), self.namespace.clone());
    }

    /// What stops `object` from being this release's, in Helm's words (empty
    /// when it is): Helm's `checkOwnership`.
    pub fn problems(&self, object: &DynamicObject) -> Vec<String> {
        let empty = BTreeMap::new();
        let labels = object.metadata.labels.as_ref().unwrap_or(&empty);
        let annotations = object.metadata.annotations.as_ref().unwrap_or(&empty);
        let mut problems = Vec::new();
        if let Some(p) = require(labels, MANAGED_BY_LABEL, MANAGED_BY_VALUE) {
            problems.push(format!("label validation error: {p}"));
        }
        if let Some(p) = require(annotations, RELEASE_NAME_ANNOTATION, &self.name) {
            problems.push(format!("annotation validation error: {p}"));
        }
        if let Some(p) = require(annotations, RELEASE_NAMESPACE_ANNOTATION, &self.namespace) {
            problems.push(format!("annotation validation error: {p}"));
        }
        problems
    }

    /// Whether `object` carries this release's ownership metadata.
    pub fn owns(&self, object: &DynamicObject) -> bool {
        self.problems(object).is_empty()
    }
}

fn require(meta: &BTreeMap<String, String>, key: &str, want: &str) -> Option<String> {
    match meta.get(key) {
        None => Some(format!("missing key {key:?}: must be set to {want:?}")),
        Some(actual) if actual != want => Some(format!(
            "key {key:?} must equal {want:?}: current value is {actual:?}"
        )),
        Some(_) => None,
    }
}

/// Whether `object` asks to be kept (`helm.sh/resource-policy: keep`).
pub fn keeps(object: &DynamicObject) -> bool {
    object
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(RESOURCE_POLICY_ANNOTATION))
        .is_some_and(|v| v.trim() == "keep")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(labels: &[(&str, &str)], annotations: &[(&str, &str)]) -> DynamicObject {
        let mut o: DynamicObject = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}
        }))
        .expect("object");
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>()
        };
        o.metadata.labels = Some(map(labels));
        o.metadata.annotations = Some(map(annotations));
        o
    }

    fn owner() -> Owner {
        Owner {
            name: "web".into(),
            namespace: "team".into(),
        }
    }

    #[test]
    fn a_stamped_object_is_owned() {
        let mut o = object(&[], &[]);
        owner().stamp(&mut o);
        assert!(owner().owns(&o));
    }

    #[test]
    fn an_unmanaged_object_names_every_missing_key_like_helm() {
        let problems = owner().problems(&object(&[], &[]));
        assert_eq!(
            problems,
            [
                r#"label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm""#,
                r#"annotation validation error: missing key "meta.helm.sh/release-name": must be set to "web""#,
                r#"annotation validation error: missing key "meta.helm.sh/release-namespace": must be set to "team""#,
            ]
        );
    }

    #[test]
    fn another_release_s_object_names_the_current_owner() {
        let o = object(
            &[(MANAGED_BY_LABEL, "Helm")],
            &[
                (RELEASE_NAME_ANNOTATION, "other"),
                (RELEASE_NAMESPACE_ANNOTATION, "team"),
            ],
        );
        assert_eq!(
            owner().problems(&o),
            [
                r#"annotation validation error: key "meta.helm.sh/release-name" must equal "web": current value is "other""#
            ]
        );
    }

    #[test]
    fn keep_policy_is_read_with_blanks_trimmed() {
        assert!(keeps(&object(
            &[],
            &[(RESOURCE_POLICY_ANNOTATION, " keep")]
        )));
        assert!(!keeps(&object(
            &[],
            &[(RESOURCE_POLICY_ANNOTATION, "delete")]
        )));
    }
}
