//! The rows Helm's SQL driver writes: `releases_v1` and `custom_labels_v1`.

use crate::codec::{decode_release, encode_release};
use crate::error::Result;
use crate::key::{OWNER, RECORD_TYPE, custom_labels, record_key};
use crate::model::Release;

/// Helm's SQL driver uses `default` for a release without a namespace.
pub const DEFAULT_NAMESPACE: &str = "default";
/// `custom_labels_v1.key` is at most this long (Kubernetes' label key limit, 253 + 1 + 63).
pub const MAX_LABEL_KEY_LEN: usize = 253 + 1 + 63;
/// `custom_labels_v1.value` is at most this long.
pub const MAX_LABEL_VALUE_LEN: usize = 63;

/// A `releases_v1` row (primary key `key`, `namespace`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow {
    /// `sh.helm.release.v1.<name>.v<version>`
    pub key: String,
    /// `helm.sh/release.v1`
    pub record_type: String,
    /// base64(gzip(JSON)), as in the Secret.
    pub body: String,
    /// The release name.
    pub name: String,
    /// The namespace (`default` when the release has none).
    pub namespace: String,
    /// The revision.
    pub version: i64,
    /// The status text.
    pub status: String,
    /// `helm`
    pub owner: String,
    /// Unix seconds when created (`createdAt`).
    pub created_at: i64,
    /// Unix seconds when last updated (`modifiedAt`; 0 until an update).
    pub modified_at: i64,
}

/// A `custom_labels_v1` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomLabelRow {
    /// `releaseKey`: the record key.
    pub release_key: String,
    /// `releaseNamespace`
    pub release_namespace: String,
    /// `key`
    pub key: String,
    /// `value`
    pub value: String,
}

impl ReleaseRow {
    /// The row Helm's `Create` inserts at Unix time `now` (`modifiedAt` 0), and
    /// one label row per custom label. An `Update` sets `body`, `name`,
    /// `version`, `status`, `owner` and `modifiedAt` and leaves the labels.
    pub fn new(release: &Release, now: i64) -> Result<(ReleaseRow, Vec<CustomLabelRow>)> {
        let key = record_key(&release.name, release.version);
        let namespace = if release.namespace.is_empty() {
            DEFAULT_NAMESPACE.to_string()
        } else {
            release.namespace.clone()
        };
        let labels = custom_labels(&release.labels)
            .into_iter()
            .map(|(k, v)| CustomLabelRow {
                release_key: key.clone(),
                release_namespace: namespace.clone(),
                key: k,
                value: v,
            })
            .collect();
        let row = ReleaseRow {
            body: encode_release(release)?,
            record_type: RECORD_TYPE.into(),
            name: release.name.clone(),
            namespace,
            version: release.version,
            status: release
                .info
                .as_ref()
                .map(|i| i.status.as_str().to_string())
                .unwrap_or_default(),
            owner: OWNER.into(),
            created_at: now,
            modified_at: 0,
            key,
        };
        Ok((row, labels))
    }

    /// The release in the row, with its custom labels.
    pub fn release(&self, labels: &[CustomLabelRow]) -> Result<Release> {
        let mut release = decode_release(&self.body)?;
        release.labels = labels
            .iter()
            .filter(|l| l.release_key == self.key && l.release_namespace == self.namespace)
            .map(|l| (l.key.clone(), l.value.clone()))
            .collect();
        Ok(release)
    }
}
