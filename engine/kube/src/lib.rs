//! The only crate that talks to a cluster: discovery and `.Capabilities`, the
//! objects of a manifest resolved to served kinds, server-side apply, client-side apply
//! (three-way patches) or replace with
//! Helm's ownership metadata, deletion, readiness and waiting, hooks and pod logs, and
//! the reads of templates' `lookup`, and previews of a change (server-side dry runs
//! that return the object).
//!
//! Everything goes through the ordinary `kube` client, so it works unchanged on
//! any cluster. Nothing here knows about release records or gRPC.

mod apply;
mod body;
mod changes;
mod cluster;
mod crd;
mod csa;
mod delete;
mod error;
mod hook;
mod logs;
mod lookup;
mod managed_fields;
mod namespace;
mod ownership;
mod preview;
mod protocol;
mod ready;
mod replace;
mod resource;
mod unstructured;
mod wait;

pub use apply::{ApplyOptions, FIELD_MANAGER};
pub use cluster::Kube;
pub use crd::{CRD_GROUP, is_crd};
pub use delete::{DeleteOptions, DeleteReport, Propagation};
pub use error::{Error, Result};
pub use hook::HookRun;
pub use lookup::Lookup;
pub use ownership::{
    MANAGED_BY_LABEL, MANAGED_BY_VALUE, Owner, RELEASE_NAME_ANNOTATION,
    RELEASE_NAMESPACE_ANNOTATION, RESOURCE_POLICY_ANNOTATION, keeps,
};
pub use preview::Preview;
pub use ready::{Health, Readiness, hook_readiness, readiness};
pub use replace::Replaced;
pub use resource::{DEPENDS_ON_RESOURCE_GROUPS_ANNOTATION, Doc, Resource, ResourceKey};

/// The most requests one step sends at once (objects of one kind are applied,
/// read and deleted together, like Helm's batches per kind, which Helm leaves
/// unbounded).
pub const CONCURRENCY: usize = 16;

/// Runs `futures` with at most [`CONCURRENCY`] in flight; results in order.
/// (Built from a `Vec` rather than a mapped stream, so callers' futures stay `Send`.)
pub async fn concurrently<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use futures::StreamExt;
    futures::stream::iter(futures)
        .buffered(CONCURRENCY)
        .collect()
        .await
}

/// `resources` cut into runs of one kind, in order.
pub fn by_kind(resources: &[Resource]) -> Vec<&[Resource]> {
    let mut groups = Vec::new();
    let mut start = 0;
    for i in 1..=resources.len() {
        if i == resources.len() || resources[i].kind() != resources[start].kind() {
            if i > start {
                groups.push(&resources[start..i]);
            }
            start = i;
        }
    }
    groups
}
pub use wait::WaitOptions;

/// A live object as the cluster returns it.
pub use kube::api::DynamicObject;
