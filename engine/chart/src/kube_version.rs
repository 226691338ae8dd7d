//! The chart's `kubeVersion` constraint against the target Kubernetes version, as
//! Helm's install and template check it.

use crate::chart::Chart;
use crate::error::{Error, Result};

/// Fails like Helm when the root chart's `kubeVersion` does not admit `kube_version`
/// (the normalized version, `v1.36.0`).
pub fn check_kube_version(chart: &Chart, kube_version: &str) -> Result<()> {
    let wanted = &chart.metadata.kube_version;
    if wanted.is_empty() {
        return Ok(());
    }
    let ok = helmd_semver::Version::parse(kube_version)
        .is_some_and(|v| helmd_semver::Constraint::parse(wanted).is_ok_and(|c| c.matches(&v)));
    if ok {
        return Ok(());
    }
    Err(Error::Chart(format!(
        "chart requires kubeVersion: {wanted} which is incompatible with Kubernetes {kube_version}"
    )))
}
