//! Record keys and labels as Helm's storage names them.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Helm's storage type prefix (`sh.helm.release.v1`).
pub const STORAGE_TYPE: &str = "sh.helm.release.v1";
/// The Secret type and the SQL `type` column.
pub const RECORD_TYPE: &str = "helm.sh/release.v1";
/// The `owner` label and SQL column.
pub const OWNER: &str = "helm";
/// Labels Helm reserves; custom labels may not use them.
pub const SYSTEM_LABELS: &[&str] = &[
    "name",
    "owner",
    "status",
    "version",
    "createdAt",
    "modifiedAt",
];

/// Helm's `makeKey`: `sh.helm.release.v1.<name>.v<version>`.
pub fn record_key(name: &str, version: i64) -> String {
    format!("{STORAGE_TYPE}.{name}.v{version}")
}

/// Whether `key` is one of Helm's system labels.
pub fn is_system_label(key: &str) -> bool {
    SYSTEM_LABELS.contains(&key)
}

/// Helm's `filterSystemLabels`: the custom labels among `labels`.
pub fn custom_labels(labels: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    labels
        .iter()
        .filter(|(k, _)| !is_system_label(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Helm's install/upgrade check: user labels must not name a system label.
pub fn validate_custom_labels(labels: &BTreeMap<String, String>) -> Result<()> {
    if labels.keys().any(|k| is_system_label(k)) {
        return Err(Error::SystemLabel);
    }
    Ok(())
}
