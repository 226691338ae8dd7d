//! The harness's own failures: a broken corpus file or an oracle process that misbehaves.

use std::path::PathBuf;

/// Everything that stops the harness itself (never a rendering difference).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A corpus file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A corpus spec file is not valid YAML or does not have the spec shape.
    #[error("{path}: {source}")]
    Spec {
        /// The spec file.
        path: PathBuf,
        /// The parse error.
        #[source]
        source: serde_norway::Error,
    },
    /// A corpus spec file parsed but says something impossible.
    #[error("{path}: {message}")]
    Invalid {
        /// The spec file or chart directory.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The oracle's Python could not be found or started, or it failed.
    #[error("helm oracle: {0}")]
    Oracle(String),
}

/// The harness's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
