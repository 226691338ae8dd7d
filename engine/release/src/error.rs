//! The crate's one error type.

/// What can go wrong reading, writing or storing a release record.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The record body is not valid base64 (Helm's `decodeRelease`).
    #[error("release record is not base64: {0}")]
    Base64(#[source] base64::DecodeError),
    /// The record body starts like gzip but does not decompress.
    #[error("release record does not decompress: {0}")]
    Gzip(#[source] std::io::Error),
    /// The record's JSON is malformed or a field has the wrong type.
    #[error("release record JSON: {0}")]
    Json(String),
    /// A time field is not RFC 3339 (Go's `time.Time` JSON form).
    #[error("release record time {0:?} is not RFC 3339")]
    Time(String),
    /// The encoded record exceeds what a Kubernetes Secret holds.
    #[error(
        "release record {key} is {size} bytes encoded, over the Secret size limit of {limit} bytes"
    )]
    RecordTooLarge {
        /// The record's key (`sh.helm.release.v1.<name>.v<version>`).
        key: String,
        /// The encoded size (what the Secret's data holds).
        size: usize,
        /// The limit: 1 MiB, the apiserver's `MaxSecretSize`.
        limit: usize,
    },
    /// A Secret or SQL row is not a Helm release record.
    #[error("not a helm release record: {0}")]
    NotARecord(String),
    /// Custom labels name one of Helm's system labels.
    #[error(
        "user supplied labels contains system reserved label name. System labels: [{}]",
        crate::key::SYSTEM_LABELS.join(" ")
    )]
    SystemLabel,
    /// The release revision does not exist (Helm's `release: not found`).
    #[error("release: not found")]
    NotFound,
    /// A record with the same key exists (Helm's `release: already exists`).
    #[error("release: already exists")]
    Exists,
    /// The store behind the trait failed (database, cluster).
    #[error("release storage: {0}")]
    Storage(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
