//! The crate's one error type, with a coarse [`ErrorKind`] the server maps to gRPC codes.

use std::time::Duration;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong fetching, resolving, caching or pushing a chart.
/// Messages never contain passwords or tokens; URLs are printed without user info.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A chart reference (`oci://…`, repository URL, digest) is malformed.
    #[error("invalid chart reference {reference:?}: {reason}")]
    InvalidReference {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A version or semver constraint does not parse.
    #[error("improper constraint: {constraint}")]
    InvalidConstraint {
        /// The constraint as given.
        constraint: String,
    },
    /// A chart archive is not a gzipped tar with a readable `Chart.yaml`.
    #[error("invalid chart archive: {reason}")]
    InvalidArchive {
        /// What is wrong with it.
        reason: String,
    },
    /// A chart archive (or index) exceeds the configured size limit.
    #[error("{what} is too large: {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// What was too large ("chart archive", "index.yaml", ...).
        what: &'static str,
        /// Its size, or the bytes read before giving up.
        size: u64,
        /// The configured limit.
        limit: u64,
    },
    /// Chart dependencies cannot be resolved as declared (lock out of sync, unknown
    /// repository name).
    #[error("{reason}")]
    DependencyLock {
        /// Helm's wording where Helm has one.
        reason: String,
    },
    /// Bad TLS or client configuration (for example a CA file that is not PEM).
    #[error("invalid configuration: {reason}")]
    InvalidConfig {
        /// What is wrong.
        reason: String,
    },
    /// The chart (or repository) does not exist at the source.
    #[error("chart {chart:?} not found in {source_name}")]
    ChartNotFound {
        /// Chart name or reference.
        chart: String,
        /// Where we looked (registry repository or repository URL).
        source_name: String,
    },
    /// No version of the chart satisfies the request; lists what exists.
    #[error(
        "chart {chart:?} version {constraint:?} not found; available versions: {}",
        list(available)
    )]
    VersionNotFound {
        /// Chart name or reference.
        chart: String,
        /// The version or constraint asked for.
        constraint: String,
        /// Versions that do exist, newest first.
        available: Vec<String>,
    },
    /// The source rejected our credentials (or demanded some we did not have).
    #[error("authentication to {host} failed: {reason}")]
    Unauthenticated {
        /// Registry or repository host.
        host: String,
        /// What the server said, without credentials.
        reason: String,
    },
    /// The credentials were accepted but do not allow the operation.
    #[error("access to {resource} on {host} denied")]
    PermissionDenied {
        /// Registry or repository host.
        host: String,
        /// Repository or path.
        resource: String,
    },
    /// The source could not be reached, or kept failing, until the deadline passed.
    #[error("{host} is unavailable after {attempts} attempt(s) over {elapsed:?}: {reason}")]
    Unavailable {
        /// Registry or repository host.
        host: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// The last failure.
        reason: String,
    },
    /// The server's TLS certificate is not trusted (unknown CA, wrong name, expired);
    /// not retried, since waiting does not fix it.
    #[error("TLS connection to {host} failed: {reason}")]
    Tls {
        /// Registry or repository host.
        host: String,
        /// The verification failure.
        reason: String,
    },
    /// Downloaded content does not have the digest it was promised to have.
    #[error("digest mismatch for {what}: expected {expected}, got {actual}")]
    DigestMismatch {
        /// What was downloaded.
        what: String,
        /// The digest promised by the manifest, index or caller.
        expected: String,
        /// The digest of what arrived.
        actual: String,
    },
    /// The source answered with something we cannot use (bad index.yaml, manifest without
    /// a chart layer, unexpected status).
    #[error("unexpected response from {source_name}: {reason}")]
    Protocol {
        /// Registry or repository.
        source_name: String,
        /// What was wrong.
        reason: String,
    },
    /// The source's address is one the server may not reach (`--source-deny-cidr`),
    /// directly, after DNS resolution or on a redirect hop.
    #[error("address {address} of {host} is denied to chart sources (rule {rule})")]
    AddressDenied {
        /// The host as named in the URL.
        host: String,
        /// The address it resolved to.
        address: std::net::IpAddr,
        /// The deny rule that matched.
        rule: String,
    },
    /// The source fetch did not finish within its overall deadline (the request's own
    /// deadline or the server's `--source-timeout`).
    #[error("fetching from {host} did not finish within {limit:?} ({what})")]
    DeadlineExceeded {
        /// Registry or repository.
        host: String,
        /// The deadline that passed.
        limit: Duration,
        /// Which limit it was (`--source-timeout` or the request's deadline).
        what: &'static str,
    },
    /// Credentials were withheld from a peer the repository did not opt in to trust with
    /// them (a token realm on another host, or plain HTTP from an HTTPS registry).
    #[error(
        "credentials for {host} are not sent to {target}: {reason}; allow it with the \
         repository's pass_credentials_all (helmctl: --pass-credentials)"
    )]
    CredentialsWithheld {
        /// The registry.
        host: String,
        /// Where they would have gone.
        target: String,
        /// Why not.
        reason: &'static str,
    },
    /// Reading or writing the on-disk cache failed.
    #[error("chart cache at {path}: {source}")]
    Cache {
        /// The file or directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// How the server should classify an [`Error`] (it maps these to gRPC codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// INVALID_ARGUMENT: the request is wrong (reference, constraint, archive, size).
    InvalidArgument,
    /// NOT_FOUND: chart or version absent.
    NotFound,
    /// UNAUTHENTICATED: credentials missing or wrong.
    Unauthenticated,
    /// PERMISSION_DENIED: credentials insufficient.
    PermissionDenied,
    /// UNAVAILABLE: the source is down; retrying later may help.
    Unavailable,
    /// DATA_LOSS / FAILED_PRECONDITION: the source served corrupt or unusable data.
    BadUpstream,
    /// INTERNAL: a local failure (cache I/O).
    Internal,
}

impl Error {
    /// The classification the server maps to a status code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidReference { .. }
            | Error::InvalidConstraint { .. }
            | Error::InvalidArchive { .. }
            | Error::TooLarge { .. }
            | Error::DependencyLock { .. }
            | Error::InvalidConfig { .. } => ErrorKind::InvalidArgument,
            Error::AddressDenied { .. } | Error::CredentialsWithheld { .. } => {
                ErrorKind::PermissionDenied
            }
            Error::DeadlineExceeded { .. } => ErrorKind::Unavailable,
            Error::ChartNotFound { .. } | Error::VersionNotFound { .. } => ErrorKind::NotFound,
            Error::Unauthenticated { .. } => ErrorKind::Unauthenticated,
            Error::PermissionDenied { .. } => ErrorKind::PermissionDenied,
            Error::Unavailable { .. } => ErrorKind::Unavailable,
            Error::Tls { .. } | Error::DigestMismatch { .. } | Error::Protocol { .. } => {
                ErrorKind::BadUpstream
            }
            Error::Cache { .. } => ErrorKind::Internal,
        }
    }

    pub(crate) fn cache(path: &std::path::Path, source: std::io::Error) -> Self {
        Error::Cache {
            path: path.display().to_string(),
            source,
        }
    }

    pub(crate) fn protocol(source_name: impl Into<String>, reason: impl ToString) -> Self {
        // Reasons often quote what the peer sent: keep a short, printable excerpt only.
        Error::Protocol {
            source_name: source_name.into(),
            reason: crate::net::excerpt(&reason.to_string()),
        }
    }
}

fn list(versions: &[String]) -> String {
    if versions.is_empty() {
        "none".to_owned()
    } else {
        versions.join(", ")
    }
}

/// `url` without user info (and with the query removed, which may carry tokens).
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.to_string()
        }
        Err(_) => "<unparsable url>".to_owned(),
    }
}

impl From<helmd_semver::InvalidConstraint> for Error {
    fn from(e: helmd_semver::InvalidConstraint) -> Self {
        Error::InvalidConstraint {
            constraint: e.constraint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_drops_user_info_and_query() {
        assert_eq!(
            redact_url("https://bob:hunter2@charts.example.com/a.tgz?token=x"),
            "https://charts.example.com/a.tgz"
        );
    }

    #[test]
    fn version_not_found_lists_available_versions() {
        let e = Error::VersionNotFound {
            chart: "demo".into(),
            constraint: "^9".into(),
            available: vec!["1.2.0".into(), "1.1.0".into()],
        };
        assert_eq!(
            e.to_string(),
            "chart \"demo\" version \"^9\" not found; available versions: 1.2.0, 1.1.0"
        );
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
}
