//! Chart sources: chart references, OCI registries, HTTP repositories and the digest cache.
//!
//! Start at [`ChartSource`]: it pulls a chart by OCI reference or from an HTTP repository
//! through the shared [`ChartCache`], and pushes packaged charts to OCI registries.
//! Nothing here knows gRPC or SQL; errors carry an [`ErrorKind`] the server maps to codes.

pub mod cache;
pub mod chart_meta;
pub mod dependency;
pub mod digest;
pub mod docker_config;
pub mod error;
pub mod net;
pub mod oci;
pub mod reference;
pub mod repo;
mod retry;
pub mod secret;
pub mod source;
pub mod transport;

pub use cache::{CachedRef, ChartCache};
pub use chart_meta::{ChartMetadata, read_chart_metadata};
pub use digest::Digest;
pub use error::{Error, ErrorKind, Result};
pub use helmd_semver::{Constraint, Version, constraint, version};
pub use net::{AddressPolicy, Cidr};
pub use oci::{OciRegistry, Pushed};
pub use reference::{OciRef, OciTarget};
pub use retry::RetryPolicy;
pub use secret::{Credentials, Secret};
pub use source::{ChartRequest, ChartSource, OciVersionInfo, PulledChart, SourceConfig};
pub use transport::{Transport, install_crypto_provider};
