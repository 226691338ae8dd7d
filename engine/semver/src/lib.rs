//! Semantic versions and version constraints as Helm reads them (Masterminds
//! semver v3): repository resolution, OCI tags, `kubeVersion` and Sprig's semver
//! functions all share these rules.

pub mod constraint;
pub mod version;

pub use constraint::Constraint;
pub use version::Version;

/// A constraint does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("improper constraint: {constraint}")]
pub struct InvalidConstraint {
    /// The constraint as given.
    pub constraint: String,
}
