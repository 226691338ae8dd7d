//! Helm v4 release records: the model, Helm's storage codecs, `ReleaseStore`, listing and history pruning.

mod codec;
mod decode;
mod encode;
mod error;
pub mod gotime;
mod history;
mod key;
mod listing;
mod model;
mod secret;
mod sql;
mod store;

pub use codec::{
    MAX_DECODED_BYTES, decode_body, decode_release, encode_release, release_from_json, release_json,
};
pub use error::{Error, Result};
pub use history::{prune_before_create, remove_least_recent};
pub use key::{
    OWNER, RECORD_TYPE, STORAGE_TYPE, SYSTEM_LABELS, custom_labels, is_system_label, record_key,
    validate_custom_labels,
};
pub use listing::{Head, ListPlan, Listing, NameFilter, Revisions, Skipped, latest_revisions};
pub use model::{
    APPLY_METHOD_CSA, APPLY_METHOD_SSA, Chart, Dependency, File, Hook, HookExecution, Info, Lock,
    Maintainer, Metadata, Release, Status, hook_event,
};
pub use secret::{DATA_KEY, MAX_SECRET_BYTES, SecretRecord, Write};
pub use sql::{
    CustomLabelRow, DEFAULT_NAMESPACE, MAX_LABEL_KEY_LEN, MAX_LABEL_VALUE_LEN, ReleaseRow,
};
pub use store::{MemoryStore, Query, ReleaseStore};
