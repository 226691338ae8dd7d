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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn check(constraint: &str, kube: &str) -> String {
        let mut files = BTreeMap::new();
        files.insert(
            "Chart.yaml".to_string(),
            format!("apiVersion: v2\nname: k\nversion: 1.0.0\nkubeVersion: \"{constraint}\"\n")
                .into_bytes(),
        );
        let chart = crate::load_chart_files(files).expect("chart loads");
        match check_kube_version(&chart, kube) {
            Ok(()) => "ok".into(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn kube_version_constraints_admit_or_refuse_like_helm() {
        assert_eq!(check(">=1.20.0", "v1.36.0"), "ok");
        assert_eq!(check("~1.36", "v1.36.0"), "ok");
        assert_eq!(check(">= 1.20.0-0 < 2.0.0", "v1.28.3"), "ok");
        assert_eq!(
            check(">=1.40.0-0", "v1.36.0"),
            "chart requires kubeVersion: >=1.40.0-0 which is incompatible with Kubernetes v1.36.0"
        );
        assert_eq!(
            check("not a constraint", "v1.36.0"),
            "chart requires kubeVersion: not a constraint which is incompatible with Kubernetes v1.36.0"
        );
    }
}
