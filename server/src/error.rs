//! The server crate's one error type; `status.rs` turns it into `tonic::Status`.

use std::path::PathBuf;

/// Result with the server's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One bad field of a request, reported as a `google.rpc.BadRequest` field violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// The field path, e.g. `page_token`.
    pub field: String,
    /// What is wrong with it.
    pub description: String,
}

/// Everything that can go wrong in helmd, at start-up or serving a request.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data directory cannot be created or written.
    #[error("data directory {} is not writable: {source}", path.display())]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The database URL is malformed or names an unsupported backend.
    #[error("invalid database URL {url}: {reason}")]
    DatabaseUrl {
        /// The URL with any password redacted.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The database could not be reached at start-up within the connect timeout.
    #[error("database unreachable at {url}: {source}")]
    DatabaseConnect {
        /// The URL with any password redacted.
        url: String,
        /// The last connection error.
        #[source]
        source: sqlx::Error,
    },
    /// Applying the schema migrations failed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The kubeconfig file given cannot be read.
    #[error("kubeconfig {} is not readable: {source}", path.display())]
    Kubeconfig {
        /// The file.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The listen address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// The gRPC server stopped with a transport error.
    #[error("gRPC server failed: {0}")]
    Serve(#[from] tonic::transport::Error),
    /// The database cannot be reached while serving a request.
    #[error("database unavailable")]
    DatabaseUnavailable(#[source] sqlx::Error),
    /// The database answered with an unexpected error.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// A stored row could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The request is malformed.
    #[error("invalid request: {}", describe(.0))]
    InvalidArgument(Vec<FieldViolation>),
    /// The operation named does not exist.
    #[error("operation {0} not found")]
    OperationNotFound(String),
    /// The credentials key file is unreadable or does not hold a 32-byte key.
    #[error("credentials key file {}: {reason}", path.display())]
    CredentialsKey {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the key).
        reason: String,
    },
    /// Inline credentials were sent but no credentials key is configured.
    #[error(
        "inline credentials need a credentials encryption key (--credentials-key-file); \
         configure one or reference a Kubernetes Secret"
    )]
    CredentialsKeyNotConfigured,
    /// The Secret a repository's credentials refer to is missing or incomplete.
    #[error("credentials Secret {namespace}/{name}: {reason}")]
    CredentialsSecret {
        /// The Secret's namespace.
        namespace: String,
        /// The Secret's name.
        name: String,
        /// What is wrong (never a value).
        reason: String,
    },
    /// Kubernetes is needed (a Secret reference) but no cluster is configured or reachable.
    #[error("kubernetes: {0}")]
    KubernetesUnavailable(String),
    /// Kubernetes is needed but no cluster is configured (no `--kubeconfig`, and
    /// none found in `KUBECONFIG`, `~/.kube/config` or in-cluster).
    #[error("no Kubernetes cluster is configured (start helmd with --kubeconfig): {0}")]
    KubernetesNotConfigured(String),
    /// The cluster does not accept a rendered object (RenderChart's `validate`).
    #[error("{message}")]
    ManifestRejected {
        /// The template the object came from (`chart/templates/x.yaml`).
        template: String,
        /// The object as `apiVersion/Kind/namespace/name`.
        resource: String,
        /// Helm's wording, with the API server's message.
        message: String,
    },
    /// Kubernetes refused helmd's service account (reading a Secret).
    #[error("kubernetes: {0}")]
    KubernetesForbidden(String),
    /// No repository has this name.
    #[error("repository {0:?} not found")]
    RepositoryNotFound(String),
    /// A repository with this name exists already.
    #[error("repository {0:?} already exists")]
    RepositoryAlreadyExists(String),
    /// The repository changed since the caller read it.
    #[error("repository {0:?} changed since it was read (etag mismatch)")]
    EtagMismatch(String),
    /// The operation needs another repository type.
    #[error("{0}")]
    RepositoryTypeUnsupported(String),
    /// Fetching, resolving, caching or pushing a chart failed.
    #[error(transparent)]
    Source(#[from] helmd_source::Error),
    /// A chart or the request's values could not be loaded; `field` names the request
    /// field (`chart.uploaded.archive`, `values`, ...).
    #[error("{field}: {source}")]
    ChartInput {
        /// The request field at fault.
        field: String,
        /// The engine's error, worded like Helm's.
        #[source]
        source: helmd_render::Error,
    },
    /// Rendering a chart failed: a template, the values schema, the chart's
    /// kubeVersion or the rendered manifest (Helm's message).
    #[error(transparent)]
    Render(helmd_render::Error),
    /// A blocking task (a render) panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),
    /// The RPC exists in the API but its behaviour is not built yet.
    #[error("{0} is not implemented yet")]
    NotImplemented(&'static str),
    /// Reading or writing a release record failed (helmd-release's error; storage
    /// failures of the database or cluster arrive as their own variants).
    #[error(transparent)]
    Release(helmd_release::Error),
    /// A release has no such revision (Helm's `release: not found` for one version).
    #[error("release {name:?} has no revision {version}")]
    RevisionNotFound {
        /// The release name.
        name: String,
        /// The revision asked for.
        version: i64,
    },
    /// A server-wide limit refused the request (RESOURCE_EXHAUSTED); retrying later
    /// may succeed.
    #[error("{message}")]
    LimitExceeded {
        /// The limit's flag name without its leading dashes, e.g. `max-concurrent-requests`.
        limit: &'static str,
        /// What was exceeded, naming the limit and its value.
        message: String,
        /// How long a caller should wait before retrying, when that is known.
        retry_after: Option<std::time::Duration>,
    },
    /// A release action refused or failed (helmd-action's error, Helm's words).
    #[error(transparent)]
    Action(#[from] helmd_action::Error),
    /// Another operation holds the release.
    #[error(
        "release {name:?} in namespace {namespace:?} is locked by operation {operation_id}; retry after it finished"
    )]
    ReleaseLocked {
        /// Release namespace.
        namespace: String,
        /// Release name.
        name: String,
        /// The operation that holds it.
        operation_id: String,
    },
    /// The chart's dependencies cannot be satisfied: declared ones missing from
    /// `charts/` (without `dependency_update`), or ones `dependency_update` cannot
    /// fetch (a `file://` or vendored dependency, Chart.lock out of sync, a repository
    /// name nobody registered). Helm's words where Helm has them.
    #[error("{0}")]
    ChartDependencies(String),
    /// Fetching a chart dependency failed (classified as the source error is).
    #[error("dependency {dependency:?}: {source}")]
    DependencyFetch {
        /// The dependency's name in Chart.yaml.
        dependency: String,
        /// Why.
        #[source]
        source: helmd_source::Error,
    },
    /// A request option whose behaviour is not built yet.
    #[error("{field}: {what} is not supported yet")]
    Unsupported {
        /// The request field.
        field: &'static str,
        /// What it asks for.
        what: &'static str,
    },
}

impl From<helmd_kube::Error> for Error {
    fn from(e: helmd_kube::Error) -> Self {
        Error::Action(helmd_action::Error::from(e))
    }
}

impl Error {
    /// An `InvalidArgument` error for a single field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Error::InvalidArgument(vec![FieldViolation {
            field: field.into(),
            description: description.into(),
        }])
    }

    /// Classifies a database error met while serving: lost connections are UNAVAILABLE.
    pub fn from_db(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            Error::DatabaseUnavailable(err)
        } else {
            Error::Database(err)
        }
    }
}

impl From<helmd_release::Error> for Error {
    /// A storage failure carrying a server error (database, cluster) becomes that
    /// error again; every other release error is [`Error::Release`].
    fn from(err: helmd_release::Error) -> Self {
        match err {
            helmd_release::Error::Storage(inner) => match inner.downcast::<Error>() {
                Ok(server) => *server,
                Err(other) => Error::Release(helmd_release::Error::Storage(other)),
            },
            other => Error::Release(other),
        }
    }
}

impl Error {
    /// A store's `get` of one revision failing: not found names the revision.
    pub fn from_revision_get(err: helmd_release::Error, name: &str, version: i64) -> Self {
        match err {
            helmd_release::Error::NotFound => Error::RevisionNotFound {
                name: name.to_owned(),
                version,
            },
            other => other.into(),
        }
    }
}

fn describe(violations: &[FieldViolation]) -> String {
    let parts: Vec<String> = violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect();
    parts.join("; ")
}

/// Whether a database error means the database cannot be reached (rather than a bad query).
fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // SQLSTATE class 08 is "connection exception", 57 "operator intervention"
        // (shutting down, cannot connect now), 53 "insufficient resources".
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || code.starts_with("57") || code.starts_with("53")
        }),
        _ => false,
    }
}

/// The URL with its password replaced by `***`, for messages and logs.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            // Setting a password only fails for URLs that cannot carry one.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) => url.to_string(),
        Err(_) => "<unparsable URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_passwords() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5/db"),
            "postgres://u:***@h:5/db"
        );
        assert_eq!(redact_url("sqlite:///x/y.db"), "sqlite:///x/y.db");
        assert_eq!(redact_url("not a url"), "<unparsable URL>");
    }

    #[test]
    fn lost_connections_are_unavailable() {
        assert!(matches!(
            Error::from_db(sqlx::Error::PoolTimedOut),
            Error::DatabaseUnavailable(_)
        ));
        assert!(matches!(
            Error::from_db(sqlx::Error::RowNotFound),
            Error::Database(_)
        ));
    }
}
