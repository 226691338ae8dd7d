//! The helmd-chart error type; messages read like Helm's.

/// Errors of loading a chart and building its values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A chart file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A chart archive is malformed or unsafe (path escapes, links, size limits).
    #[error("{0}")]
    Archive(String),
    /// Chart.yaml is missing or malformed.
    #[error("{0}")]
    Chart(String),
    /// Dependencies declared in Chart.yaml have no chart in `charts/` (their names);
    /// the message is the one `helm install`, `upgrade` and `template` print.
    #[error(
        "an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        .0.join(", ")
    )]
    MissingDependencies(Vec<String>),
    /// The chart's `type` is not installable (Helm's `checkIfInstallable`: library charts).
    #[error("{0} charts are not installable")]
    NotInstallable(String),
    /// A values document is malformed (`failed to parse values file N: ...`).
    #[error("{0}")]
    Values(String),
    /// The values break a chart's `values.schema.json`.
    #[error("{0}")]
    Schema(String),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
