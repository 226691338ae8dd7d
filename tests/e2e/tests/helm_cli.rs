//! The real Helm CLIs as peers on the local cluster: Helm 3 (v3.22.1) makes a
//! Helm-3-era release (client-side apply, the records helmd must take over) and Helm
//! 4 (v4.3.2) reads it back. Both are built from the Go module proxy.

use std::path::Path;

use helmd_test_cluster::Cluster;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};

use crate::chart_validate::pack;

/// Runs `tool` (`helm3`, `helm4`) with a private Helm home and `--kubeconfig`; returns stdout.
fn helm(tool: &str, home: &Path, cluster: &Cluster, args: &[&str]) -> String {
    let out = crate::fixtures::helm_cli(tool, home)
        .args(args)
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig_path())
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_helm_3_release_is_applied_client_side_and_helm_4_lists_it() {
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster.create_namespace("helm3").await.expect("namespace");
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = dir.path().join("old-1.0.0.tgz");
    let archive = pack(
        "old",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: old\nversion: 1.0.0\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  era: helm3\n",
            ),
        ],
    );
    std::fs::write(&chart, archive).expect("write chart");
    let chart = chart.display().to_string();

    let version = helm("helm3", dir.path(), cluster, &["version", "--short"]);
    assert!(version.starts_with("v3.22.1"), "{version}");
    helm(
        "helm3",
        dir.path(),
        cluster,
        &["install", "legacy", &chart, "--namespace", &namespace],
    );

    // Client-side apply: the object's fields belong to manager `helm` through an
    // Update (Helm 4 applies server-side, as operation Apply).
    let client = cluster.admin_client().await.expect("admin client");
    let cm = kube::Api::<ConfigMap>::namespaced(client.clone(), &namespace)
        .get("legacy-cm")
        .await
        .expect("the release's ConfigMap");
    let managers: Vec<(String, String)> = cm
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            (
                m.manager.unwrap_or_default(),
                m.operation.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(managers, [("helm".to_owned(), "Update".to_owned())]);

    // Helm 3 keeps the record in the Secrets driver's format Helm 4 reads.
    let secret = kube::Api::<Secret>::namespaced(client, &namespace)
        .get("sh.helm.release.v1.legacy.v1")
        .await
        .expect("the release record");
    assert_eq!(secret.type_.as_deref(), Some("helm.sh/release.v1"));
    let listed = helm(
        "helm4",
        dir.path(),
        cluster,
        &["list", "--namespace", &namespace, "--output", "json"],
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("helm list json");
    assert_eq!(listed[0]["name"], "legacy", "{listed}");
    assert_eq!(listed[0]["status"], "deployed", "{listed}");
    assert_eq!(listed[0]["revision"], "1", "{listed}");
}
