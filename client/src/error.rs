//! The client crate's error type.

/// Result with the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server address cannot be used.
    #[error("invalid server address {server:?}: {reason}")]
    InvalidServer {
        /// The address as given.
        server: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS settings cannot be used.
    #[error("invalid TLS settings: {source}")]
    Tls {
        /// The transport's complaint.
        #[source]
        source: tonic::transport::Error,
    },
    /// The server cannot be reached.
    #[error("cannot connect to helmd at {server}: {source}")]
    Connect {
        /// The address.
        server: String,
        /// The transport's complaint.
        #[source]
        source: tonic::transport::Error,
    },
    /// The server answered with an error status.
    #[error("{}: {}", .0.code(), .0.message())]
    Status(#[from] tonic::Status),
}
