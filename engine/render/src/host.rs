//! What a render's functions reach outside the chart: the live cluster for
//! `lookup` ([`ClusterAccess`], implemented by the embedder, so this crate
//! stays offline) and DNS for `getHostByName`. Both are off unless the caller
//! asks, which is Helm's offline behaviour (`helm template`, `--dry-run=client`):
//! `lookup` returns an empty map and `getHostByName` an empty string.

use std::sync::Arc;

use helmd_yaml::Value;

use crate::Interrupt;

/// What a template's `lookup "apiVersion" "Kind" "namespace" "name"` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupRequest<'a> {
    /// `v1`, `apps/v1`.
    pub api_version: &'a str,
    /// `ConfigMap`.
    pub kind: &'a str,
    /// Empty: every namespace (ignored for cluster-scoped kinds).
    pub namespace: &'a str,
    /// Empty: the list of the kind's objects.
    pub name: &'a str,
}

/// Why a lookup failed (a NotFound answer is not a failure: see
/// [`ClusterAccess::lookup`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The cluster refused or failed; the text is Helm's (it follows
    /// `error calling lookup: ` in the template error).
    Failed(String),
    /// The answer was larger than the room left in the render memory budget.
    TooLarge,
    /// No answer within the lookup's time limit (the text names the limit).
    TimedOut(String),
    /// The render's [`Interrupt`] fired while waiting.
    Stopped,
}

/// The live cluster `lookup` reads, as Helm's engine does when it renders
/// for an install or upgrade (or `--dry-run=server`).
pub trait ClusterAccess: std::fmt::Debug + Send + Sync {
    /// Gets the object `name` (or, with an empty name, lists the kind in
    /// `namespace`, every namespace when empty), as Helm's unstructured
    /// content: integers as `int64`, floats as `float64`, maps and lists of
    /// `interface {}`; a list is the list object (`apiVersion`, `kind`
    /// `...List`, `metadata`, `items`). `None` when the server answers
    /// NotFound. The answer may hold at most `max_bytes`, and the call returns
    /// [`LookupError::Stopped`] soon after `interrupt` fires.
    fn lookup(
        &self,
        request: &LookupRequest<'_>,
        max_bytes: usize,
        interrupt: &Interrupt,
    ) -> Result<Option<Value>, LookupError>;
}

/// What the functions of one render read through
/// [`helmd_gotmpl::CallContext::host`].
#[derive(Debug, Clone)]
pub(crate) struct RenderHost {
    /// The cluster for `lookup` (`None`: Helm's offline empty map).
    pub cluster: Option<Arc<dyn ClusterAccess>>,
    /// Let `getHostByName` resolve names (Helm's `--enable-dns`).
    pub enable_dns: bool,
    /// The render's stop signal, for calls that wait.
    pub interrupt: Interrupt,
}
