//! The crate's one error type: what an action refuses or fails with.

use helmd_release::Status;

/// Why an action was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The release name breaks Helm's rules.
    #[error("release name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Helm's words.
        reason: String,
    },
    /// A library chart cannot be installed.
    #[error("validation: chart.metadata.type is library and cannot be installed")]
    LibraryChart,
    /// The chart's `kubeVersion` excludes the cluster.
    #[error(
        "chart requires kubeVersion: {constraint} which is incompatible with Kubernetes {version}"
    )]
    KubeVersion {
        /// The chart's constraint.
        constraint: String,
        /// The cluster's version.
        version: String,
    },
    /// Install of a name still in use (Helm's words).
    #[error("cannot re-use a name that is still in use")]
    NameInUse,
    /// The release does not exist.
    #[error("release: not found")]
    NotFound,
    /// The release has no such revision (Helm's `release has no N version`).
    #[error("release has no {0} version")]
    RevisionNotFound(i64),
    /// The latest revision is pending: another process may be working on it.
    #[error(
        "another operation (install/upgrade/rollback) is in progress (revision {revision} is {status})"
    )]
    Pending {
        /// The pending revision.
        revision: i64,
        /// Its status.
        status: Status,
    },
    /// The release is not in a state that allows the action.
    #[error("{0}")]
    NotDeployed(String),
    /// The request is contradictory or unsupported (names the field).
    #[error("{field}: {message}")]
    InvalidRequest {
        /// The request field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The manifest's resource groups cannot be ordered (a cycle, an unknown group,
    /// conflicting or malformed declarations); nothing was applied or recorded.
    #[error("{message}")]
    ResourceGroups {
        /// The group it is about (the first of a cycle), if one.
        group: Option<String>,
        /// What is wrong, naming the groups and objects.
        message: String,
    },
    /// Upgrading a CRD of the chart's `crds/` (`upgrade_crds`) is not safe; nothing
    /// was changed.
    #[error("refusing to upgrade CustomResourceDefinition {crd:?}: {reason}")]
    CrdUpgradeUnsafe {
        /// The CRD's name.
        crd: String,
        /// Why.
        reason: String,
    },
    /// Rendering or the manifest stage failed.
    #[error(transparent)]
    Render(#[from] helmd_render::Error),
    /// The cluster refused or failed; after a release was recorded, the release is failed.
    #[error("{context}{source}")]
    Kube {
        /// Helm's prefix for the step (`failed pre-install: `), possibly empty.
        context: String,
        /// The cluster error.
        #[source]
        source: Box<helmd_kube::Error>,
    },
    /// A test hook failed.
    #[error("{message}")]
    TestFailed {
        /// What failed, naming the hook.
        message: String,
        /// The cluster's account of it.
        #[source]
        source: Box<helmd_kube::Error>,
    },
    /// The release store failed.
    #[error(transparent)]
    Store(#[from] helmd_release::Error),
    /// The revision a rollback would restore cannot be restored (not in the
    /// history, the latest one, or no longer valid on the cluster).
    #[error("{message}")]
    InvalidTarget {
        /// The request field that chose it (`revision`, `chart`).
        field: String,
        /// The revision.
        revision: i64,
        /// Why, in words that name it.
        message: String,
    },
    /// The action failed and the release was left failed on purpose (rollback
    /// strategy manual), naming the revision a rollback would restore.
    #[error("{message}")]
    LeftFailed {
        /// The failure and what a rollback would restore.
        message: String,
        /// The revision a rollback would restore, when there is one.
        rollback_revision: Option<i64>,
        /// What failed.
        #[source]
        cause: Box<Error>,
    },
    /// The action failed and was undone as asked (rollback-on-failure).
    #[error("{message}")]
    RolledBack {
        /// Helm's words.
        message: String,
        /// What failed first.
        #[source]
        cause: Box<Error>,
    },
}

impl From<helmd_kube::Error> for Error {
    fn from(source: helmd_kube::Error) -> Self {
        Error::Kube {
            context: String::new(),
            source: Box::new(source),
        }
    }
}

impl Error {
    /// The same cluster error with Helm's prefix for the step that failed.
    pub(crate) fn during(self, context: &str) -> Error {
        match self {
            Error::Kube { source, .. } => Error::Kube {
                context: context.to_owned(),
                source,
            },
            other => other,
        }
    }

    /// The error underneath rollback-on-failure wrapping (for codes and reasons).
    pub fn root(&self) -> &Error {
        match self {
            Error::RolledBack { cause, .. } | Error::LeftFailed { cause, .. } => cause.root(),
            other => other,
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, Error>;
