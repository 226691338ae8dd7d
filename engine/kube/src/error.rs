//! The crate's one error type.

/// What can go wrong talking to the cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The API server cannot be reached or failed (5xx, transport).
    #[error("kubernetes: {0}")]
    Unavailable(String),
    /// The cluster refused a request (401/403); `resource` names the object.
    #[error("{resource}: {message}")]
    Forbidden {
        /// `Kind "name" in namespace "ns"`.
        resource: String,
        /// The server's message.
        message: String,
    },
    /// The cluster rejected an object as invalid (400/422, SSA schema errors).
    #[error("{resource}: {message}")]
    Rejected {
        /// The template the object came from.
        template: String,
        /// `Kind "name" in namespace "ns"`.
        resource: String,
        /// The server's message.
        message: String,
    },
    /// A manifest document is not a Kubernetes object (bad YAML, no name).
    #[error("unable to build kubernetes objects from release manifest: {message}")]
    Invalid {
        /// The template the document came from.
        template: String,
        /// What is wrong.
        message: String,
    },
    /// The cluster does not serve the object's apiVersion and kind.
    #[error(
        "unable to build kubernetes objects from release manifest: resource mapping not found for name: {name:?} namespace: {namespace:?} from \"\": no matches for kind {kind:?} in version {api_version:?}\nensure CRDs are installed first"
    )]
    TypeNotFound {
        /// The template the object came from.
        template: String,
        /// The object's apiVersion.
        api_version: String,
        /// The object's kind.
        kind: String,
        /// The object's name.
        name: String,
        /// The object's namespace as written.
        namespace: String,
    },
    /// The namespace does not exist.
    #[error("namespaces {0:?} not found")]
    NamespaceNotFound(String),
    /// Server-side apply conflicts with another field manager.
    #[error("{resource}: conflict: {message}")]
    Conflict {
        /// `Kind "name" in namespace "ns"`.
        resource: String,
        /// The server's message naming the fields and the other managers.
        message: String,
    },
    /// An object exists and is not this release's (Helm's "invalid ownership metadata").
    #[error(
        "{prefix}: {kind} {name:?} in namespace {namespace:?} exists and cannot be imported into the current release: invalid ownership metadata; {problems}"
    )]
    NotOwned {
        /// Helm's words for the step (`unable to continue with install`).
        prefix: String,
        /// The object's kind.
        kind: String,
        /// The object's name.
        name: String,
        /// The object's namespace ("" for cluster-scoped).
        namespace: String,
        /// What is wrong, Helm's words joined by `; `.
        problems: String,
    },
    /// Objects did not become ready (or go away) in time.
    #[error("{message}")]
    WaitTimeout {
        /// `context deadline exceeded`-style summary naming each object and why.
        message: String,
    },
    /// An object reached a state it cannot leave by itself (a Job's `Failed`
    /// condition, a Deployment past its progress deadline, a crash-looping Pod):
    /// waiting for it stops at once.
    #[error("{resource} failed: {message}")]
    ResourceFailed {
        /// `Kind "name" in namespace "ns"`.
        resource: String,
        /// Why, from the object's status.
        message: String,
    },
    /// An object that must be created (a hook) exists already.
    #[error("{resource} already exists")]
    AlreadyExists {
        /// `Kind "name" in namespace "ns"`.
        resource: String,
    },
    /// A hook failed.
    #[error("{message}")]
    HookFailed {
        /// The hook's name.
        hook: String,
        /// Why, with the Job's or Pod's condition and its last log lines.
        message: String,
    },
    /// The operation was cancelled or its deadline passed.
    #[error("operation stopped: {0}")]
    Stopped(String),
    /// A template's `lookup` failed; the text is Helm's (after `error calling lookup: `).
    #[error("{0}")]
    LookupFailed(String),
    /// An answer was larger than the caller's limit.
    #[error("the answer is larger than {limit} bytes")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An API error about `resource`, classified by its HTTP status.
    pub(crate) fn from_api(e: kube::Error, template: &str, resource: &str) -> Error {
        match e {
            kube::Error::Api(status) => match status.code {
                401 | 403 => Error::Forbidden {
                    resource: resource.to_owned(),
                    message: status.message,
                },
                409 if status.reason == "Conflict" && status.message.contains("conflict") => {
                    Error::Conflict {
                        resource: resource.to_owned(),
                        message: status.message,
                    }
                }
                400 | 404 | 409 | 410 | 422 => Error::Rejected {
                    template: template.to_owned(),
                    resource: resource.to_owned(),
                    message: status.message,
                },
                // Server-side apply answers schema errors with 500 "failed to create
                // typed patch object" on every version.
                500 if status.message.contains("typed patch object") => Error::Rejected {
                    template: template.to_owned(),
                    resource: resource.to_owned(),
                    message: status.message,
                },
                _ => Error::Unavailable(format!("{resource}: {}", status.message)),
            },
            other => Error::Unavailable(format!("{resource}: {other}")),
        }
    }
}
