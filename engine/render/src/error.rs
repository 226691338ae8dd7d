//! The helmd-render error type; messages read like Helm's.

/// Errors of loading and rendering a chart.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The chart could not be loaded or its values built.
    #[error(transparent)]
    Chart(#[from] helmd_chart::Error),
    /// The target Kubernetes version is not a version.
    #[error("{0}")]
    KubeVersion(String),
    /// A template failed to parse: `parse error at (FILE:LINE): MESSAGE`.
    #[error("{0}")]
    Parse(String),
    /// A template failed to execute, in one of Helm's three shapes.
    #[error("{0}")]
    Execute(String),
    /// The rendered manifest is not what Helm accepts (`YAML parse error on FILE: ...`),
    /// or `--show-only` names no template.
    #[error("{0}")]
    Manifest(String),
    /// The render was stopped from outside: its caller cancelled it, or it ran past
    /// its time limit.
    #[error("{}", describe_stop(.0))]
    Stopped(crate::Stopped),
}

fn describe_stop(stopped: &crate::Stopped) -> String {
    match stopped {
        crate::Stopped::Cancelled => "rendering cancelled".to_owned(),
        crate::Stopped::TimedOut(limit) => {
            format!("rendering took longer than its time limit of {limit:?}")
        }
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
