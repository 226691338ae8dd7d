//! RenderChart with `validate` (`helm template --validate`) against the real local
//! cluster: the cluster's version and API versions are the capabilities, a valid chart
//! passes, an unknown kind and a rejected object are INVALID_ARGUMENT naming the
//! template; without a cluster the request is FAILED_PRECONDITION.

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_test_cluster::Cluster;
use helmd_test_support::{Helmd, HelmdOptions};
use tonic::Code;
use tonic_types::StatusExt;

use crate::common::{assert_error, client};

/// `files` packed under `name/`.
pub(crate) fn pack(name: &str, files: &[(&str, &str)]) -> Vec<u8> {
    crate::fixtures::pack(name, files.iter().copied())
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  \
     replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: web}\n  template:\n    \
     metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          \
     image: nginx\n";

/// A chart with a Deployment, a ConfigMap showing the capabilities, and `extra` templates.
fn chart(values: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut files = vec![
        (
            "Chart.yaml",
            "apiVersion: v2\nname: checked\nversion: 1.0.0\n",
        ),
        ("values.yaml", values),
        ("templates/deployment.yaml", DEPLOYMENT),
        (
            "templates/caps.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caps\ndata:\n  \
             kube: {{ .Capabilities.KubeVersion.Version | quote }}\n  \
             policy-v1: {{ .Capabilities.APIVersions.Has \"policy/v1\" | quote }}\n  \
             cronjob-beta: {{ .Capabilities.APIVersions.Has \"batch/v1beta1/CronJob\" | quote }}\n",
        ),
    ];
    files.extend_from_slice(extra);
    pack("checked", &files)
}

async fn validate(
    c: &Client,
    archive: Vec<u8>,
    namespace: &str,
) -> Result<RenderChartResponse, tonic::Status> {
    c.charts()
        .render_chart(RenderChartRequest {
            chart: Some(ChartReference {
                source: Some(chart_reference::Source::Uploaded(UploadedChart {
                    archive: archive.into(),
                })),
            }),
            release_name: "checked".into(),
            namespace: namespace.to_owned(),
            validate: true,
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// Asserts a MANIFEST_REJECTED error names `template` and says `says`.
fn assert_rejected(status: &tonic::Status, template: &str, says: &str) {
    assert_error(status, Code::InvalidArgument, "MANIFEST_REJECTED");
    let info = status.get_details_error_info().expect("error info");
    assert_eq!(
        info.metadata.get("template").map(String::as_str),
        Some(template)
    );
    assert!(
        status
            .message()
            .starts_with("unable to build kubernetes objects from release manifest: "),
        "{}",
        status.message()
    );
    assert!(status.message().contains(says), "{}", status.message());
}

#[tokio::test]
async fn render_chart_validate_checks_every_object_against_the_cluster() {
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster
        .create_namespace("validate")
        .await
        .expect("namespace");
    let helmd = Helmd::start(HelmdOptions {
        args: vec![
            "--kubeconfig".into(),
            cluster.kubeconfig_path().display().to_string(),
        ],
        ..Default::default()
    })
    .await
    .expect("helmd");
    let c = client(&helmd).await.expect("client");

    let ok = validate(&c, chart("replicas: 2\n", &[]), &namespace)
        .await
        .expect("a valid chart passes");
    // The capabilities are the cluster's, not Helm's defaults: policy/v1 is served
    // from 1.21, batch/v1beta1 CronJob until 1.24 (so 1.20 has only the latter).
    let version = cluster.version().expect("cluster version");
    assert!(
        ok.manifest
            .contains(&format!("kube: \"{}\"", version.git_version)),
        "{}",
        ok.manifest
    );
    let policy_v1 = version.minor >= 21;
    assert!(
        ok.manifest.contains(&format!("policy-v1: \"{policy_v1}\"")),
        "{}",
        ok.manifest
    );
    let cronjob_beta = version.minor < 25;
    assert!(
        ok.manifest
            .contains(&format!("cronjob-beta: \"{cronjob_beta}\"")),
        "{}",
        ok.manifest
    );
    assert!(ok.manifest.contains("replicas: 2"), "{}", ok.manifest);

    let unknown = "apiVersion: bar/v1\nkind: Foo\nmetadata:\n  name: x\n";
    let status = validate(
        &c,
        chart("replicas: 2\n", &[("templates/foo.yaml", unknown)]),
        &namespace,
    )
    .await
    .expect_err("an unknown kind");
    assert_rejected(
        &status,
        "checked/templates/foo.yaml",
        "resource mapping not found for name: \"x\" namespace: \"\" from \"\": no matches for kind \"Foo\" in version \"bar/v1\"\nensure CRDs are installed first",
    );

    let status = validate(&c, chart("replicas: x\n", &[]), &namespace)
        .await
        .expect_err("a string where the schema wants an integer");
    assert_rejected(&status, "checked/templates/deployment.yaml", "replicas");

    // Nothing was created by the dry runs.
    let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> = kube::Api::namespaced(
        cluster.admin_client().await.expect("admin client"),
        &namespace,
    );
    let listed = deployments
        .list(&Default::default())
        .await
        .expect("list deployments");
    assert!(listed.items.is_empty());
}

#[tokio::test]
async fn render_chart_validate_without_a_cluster_is_failed_precondition() {
    let home = tempfile::tempdir().expect("home");
    let helmd = Helmd::start(HelmdOptions {
        env: vec![
            ("HOME".into(), home.path().display().to_string()),
            (
                "KUBECONFIG".into(),
                home.path().join("none").display().to_string(),
            ),
        ],
        ..Default::default()
    })
    .await
    .expect("helmd");
    let c = client(&helmd).await.expect("client");
    let status = validate(&c, chart("replicas: 1\n", &[]), "default")
        .await
        .expect_err("no cluster");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "KUBERNETES_NOT_CONFIGURED",
    );
    assert!(
        status
            .message()
            .starts_with("no Kubernetes cluster is configured"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn render_chart_validate_prints_what_the_helm_4_cli_prints_on_the_same_cluster() {
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster
        .create_namespace("validate-helm")
        .await
        .expect("namespace");
    let kubeconfig = cluster.kubeconfig_path().display().to_string();
    let helmd = Helmd::start(HelmdOptions {
        args: vec!["--kubeconfig".into(), kubeconfig.clone()],
        ..Default::default()
    })
    .await
    .expect("helmd");
    let c = client(&helmd).await.expect("client");
    // Rendering against the cluster, `lookup` reads it (Helm's `--dry-run=server`).
    let looked = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: looked\ndata:\n  \
                  ns: {{ dig \"metadata\" \"name\" \"offline\" (lookup \"v1\" \"Namespace\" \"\" .Release.Namespace) | quote }}\n";
    let archive = chart("replicas: 3\n", &[("templates/looked.yaml", looked)]);
    let ours = validate(&c, archive.clone(), &namespace)
        .await
        .expect("a valid chart passes");
    assert!(
        ours.manifest.contains(&format!("ns: \"{namespace}\"")),
        "{}",
        ours.manifest
    );

    // The real Helm v4.3 CLI (built from the Go module proxy), same chart, same cluster.
    let dir = tempfile::tempdir().expect("tempdir");
    let tgz = dir.path().join("checked-1.0.0.tgz");
    std::fs::write(&tgz, &archive).expect("write chart");
    let out = crate::fixtures::helm_cli("helm4", dir.path())
        .args(["template", "checked"])
        .arg(&tgz)
        .args([
            "--namespace",
            &namespace,
            "--validate",
            "--kubeconfig",
            &kubeconfig,
        ])
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm template --validate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(ours.manifest, String::from_utf8_lossy(&out.stdout));
}
