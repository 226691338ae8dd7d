//! Releases applied client-side, as Helm 3 made them and Helm 4 does with
//! `--server-side=false`, against the real cluster, helmd and Helm CLIs: helmd keeps
//! upgrading them client-side (`apply_method` unset is Helm's `auto`) with three-way
//! patches — what the chart dropped is removed, what another writer added stays — and
//! records `csa`; switched to server-side apply it leaves nothing behind that the new
//! chart drops and meets no conflict with its own earlier writes; Helm 4 takes the
//! release back afterwards. A Helm 3 release (a record without `apply_method`) is
//! upgraded and rolled back client-side. Strategic merge keeps an injected sidecar
//! while an env entry the chart dropped goes.

use std::collections::BTreeMap;

use helmd_client::proto::{
    ApplyMethod, GetReleaseRequest, InstallReleaseRequest, UpgradeReleaseRequest,
};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::Api;
use kube::api::{Patch, PatchParams};
use tonic::Code;

use crate::chart_validate::pack;
use crate::common::assert_error;
use crate::releases::{Setup, install, released, setup, upgrade, uploaded};

/// A chart whose ConfigMap `<release>-cm` holds one entry per key, each `v-<version>`.
fn config_chart(version: &str, keys: &[&str]) -> Vec<u8> {
    let chart_yaml = format!("apiVersion: v2\nname: cfg\nversion: {version}\n");
    let mut cm = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n",
    );
    for key in keys {
        cm.push_str(&format!("  {key}: v-{version}\n"));
    }
    pack(
        "cfg",
        &[
            ("Chart.yaml", chart_yaml.as_str()),
            ("templates/cm.yaml", cm.as_str()),
        ],
    )
}

/// A chart with a Deployment whose container `web` carries the env entries named.
fn app_chart(version: &str, env: &[&str]) -> Vec<u8> {
    let chart_yaml = format!("apiVersion: v2\nname: app\nversion: {version}\n");
    let mut deployment = String::from(concat!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        "spec:\n  replicas: 1\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n",
        "  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n",
        "    spec:\n      containers:\n        - name: web\n          image: registry.invalid/web:1\n",
        "          env:\n",
    ));
    for name in env {
        deployment.push_str(&format!(
            "            - name: {name}\n              value: \"1\"\n"
        ));
    }
    pack(
        "app",
        &[
            ("Chart.yaml", chart_yaml.as_str()),
            ("templates/deployment.yaml", deployment.as_str()),
        ],
    )
}

/// Writes a chart archive into the test's home for the Helm CLIs; its path.
fn archive(s: &Setup, name: &str, bytes: Vec<u8>) -> String {
    let path = s.home.path().join(name);
    std::fs::write(&path, bytes).expect("chart archive");
    path.display().to_string()
}

/// The method the release's revision records, as helmd reads it.
async fn recorded_method(s: &Setup, name: &str, revision: i32) -> ApplyMethod {
    let release = s
        .client
        .releases()
        .get_release(GetReleaseRequest {
            namespace: s.namespace.clone(),
            name: name.into(),
            revision,
            ..GetReleaseRequest::default()
        })
        .await
        .expect("get release")
        .into_inner()
        .release
        .expect("release");
    assert_eq!(release.revision, revision);
    ApplyMethod::try_from(release.apply_method).expect("known method")
}

/// The (manager, operation) pairs of an object's managed fields, main resource only.
fn managers(meta: &ObjectMeta) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = meta
        .managed_fields
        .iter()
        .flatten()
        .filter(|m| m.subresource.as_deref().unwrap_or_default().is_empty())
        .map(|m| {
            (
                m.manager.clone().unwrap_or_default(),
                m.operation.clone().unwrap_or_default(),
            )
        })
        .collect();
    all.sort();
    all
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn config_map(s: &Setup, name: &str) -> ConfigMap {
    let client = s.cluster.admin_client().await.expect("admin");
    Api::<ConfigMap>::namespaced(client, &s.namespace)
        .get(name)
        .await
        .expect("the release's ConfigMap")
}

fn data(cm: &ConfigMap) -> BTreeMap<String, String> {
    cm.data.clone().unwrap_or_default()
}

fn chart_upgrade(
    s: &Setup,
    name: &str,
    chart: Vec<u8>,
    method: ApplyMethod,
) -> UpgradeReleaseRequest {
    UpgradeReleaseRequest {
        namespace: s.namespace.clone(),
        name: name.into(),
        chart: uploaded(chart),
        apply_method: method as i32,
        ..UpgradeReleaseRequest::default()
    }
}

/// Annotates an object the way `kubectl annotate` does: a merge patch under its own
/// field manager.
async fn annotate<K>(api: &Api<K>, name: &str)
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let patch = serde_json::json!({"metadata": {"annotations": {"example.com/owner": "ops"}}});
    api.patch(
        name,
        &PatchParams {
            field_manager: Some("kubectl-annotate".into()),
            ..PatchParams::default()
        },
        &Patch::Merge(&patch),
    )
    .await
    .expect("annotate");
}

fn owner_annotation(meta: &ObjectMeta) -> Option<String> {
    meta.annotations
        .as_ref()
        .and_then(|a| a.get("example.com/owner").cloned())
}

#[tokio::test]
async fn a_client_side_release_of_helm_4_is_upgraded_client_side_then_switched_to_server_side() {
    let s = setup("sql", "csa-switch").await;
    let v1 = archive(&s, "cfg-1.0.0.tgz", config_chart("1.0.0", &["a", "b", "c"]));
    s.helm_ok(&["install", "cfg", &v1, "--server-side=false"]);
    assert_eq!(recorded_method(&s, "cfg", 1).await, ApplyMethod::ClientSide);
    let client = s.cluster.admin_client().await.expect("admin");
    let api: Api<ConfigMap> = Api::namespaced(client, &s.namespace);
    annotate(&api, "cfg-cm").await;

    // Unset method: client-side again (Helm's auto). `b` is dropped by the chart and
    // removed; the annotation another writer set stays.
    let (_, result) = upgrade(
        &s,
        chart_upgrade(
            &s,
            "cfg",
            config_chart("1.1.0", &["a", "c"]),
            ApplyMethod::Unspecified,
        ),
    )
    .await;
    let second = released(result);
    assert_eq!(
        (second.revision, second.apply_method),
        (2, ApplyMethod::ClientSide as i32)
    );
    let cm = config_map(&s, "cfg-cm").await;
    assert_eq!(
        data(&cm),
        BTreeMap::from([
            ("a".to_owned(), "v-1.1.0".to_owned()),
            ("c".to_owned(), "v-1.1.0".to_owned())
        ])
    );
    assert_eq!(owner_annotation(&cm.metadata).as_deref(), Some("ops"));
    assert_eq!(
        managers(&cm.metadata),
        pairs(&[("helm", "Update"), ("kubectl-annotate", "Update")])
    );

    // Server-side now: `c`, which only the client-side writes owned, goes too; the
    // client-side ownership became the apply's, so nothing conflicts.
    let (_, result) = upgrade(
        &s,
        chart_upgrade(
            &s,
            "cfg",
            config_chart("1.2.0", &["a"]),
            ApplyMethod::ServerSide,
        ),
    )
    .await;
    let third = released(result);
    assert_eq!(
        (third.revision, third.apply_method),
        (3, ApplyMethod::ServerSide as i32)
    );
    let cm = config_map(&s, "cfg-cm").await;
    assert_eq!(
        data(&cm),
        BTreeMap::from([("a".to_owned(), "v-1.2.0".to_owned())])
    );
    assert_eq!(owner_annotation(&cm.metadata).as_deref(), Some("ops"));
    assert_eq!(
        managers(&cm.metadata),
        pairs(&[("helm", "Apply"), ("kubectl-annotate", "Update")])
    );

    // Helm 4 upgrades it again (auto: server-side, as the record says).
    let v4 = archive(&s, "cfg-1.3.0.tgz", config_chart("1.3.0", &["a", "d"]));
    s.helm_ok(&["upgrade", "cfg", &v4]);
    assert_eq!(recorded_method(&s, "cfg", 4).await, ApplyMethod::ServerSide);
    let cm = config_map(&s, "cfg-cm").await;
    assert_eq!(
        data(&cm),
        BTreeMap::from([
            ("a".to_owned(), "v-1.3.0".to_owned()),
            ("d".to_owned(), "v-1.3.0".to_owned())
        ])
    );
    let status = s.helm_ok(&["status", "cfg", "-o", "json"]);
    assert!(status.contains("\"version\":4"), "{status}");
}

/// Runs helmctl against `s`'s helmd in its namespace: (success, stdout, stderr).
fn helmctl(s: &Setup, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(
        helmd_test_support::binaries::binary("helmd-client", "helmctl").expect("helmctl"),
    )
    .args(["--server", &s.server()])
    .args(args)
    .args(["-n", &s.namespace])
    .output()
    .expect("run helmctl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs Helm 3 against the same cluster and store as `s`.
fn helm3_ok(s: &Setup, args: &[&str]) -> String {
    let out = crate::fixtures::helm_cli("helm3", s.home.path())
        .args(args)
        .arg("--kubeconfig")
        .arg(s.cluster.kubeconfig_path())
        .arg("--namespace")
        .arg(&s.namespace)
        .envs(s.helm_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run helm3");
    assert!(
        out.status.success(),
        "helm3 {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_release_helm_3_made_is_upgraded_and_rolled_back_client_side() {
    let s = setup("secrets", "csa-helm3").await;
    let v1 = archive(&s, "cfg-1.0.0.tgz", config_chart("1.0.0", &["a", "b"]));
    helm3_ok(&s, &["install", "old", &v1]);
    // Helm 3 records no apply method.
    assert_eq!(
        recorded_method(&s, "old", 1).await,
        ApplyMethod::Unspecified
    );
    let client = s.cluster.admin_client().await.expect("admin");
    let api: Api<ConfigMap> = Api::namespaced(client, &s.namespace);
    annotate(&api, "old-cm").await;

    let (_, result) = upgrade(
        &s,
        chart_upgrade(
            &s,
            "old",
            config_chart("1.1.0", &["a"]),
            ApplyMethod::Unspecified,
        ),
    )
    .await;
    let second = released(result);
    assert_eq!(second.apply_method, ApplyMethod::ClientSide as i32);
    let cm = config_map(&s, "old-cm").await;
    assert_eq!(
        data(&cm),
        BTreeMap::from([("a".to_owned(), "v-1.1.0".to_owned())])
    );
    assert_eq!(owner_annotation(&cm.metadata).as_deref(), Some("ops"));
    assert_eq!(
        managers(&cm.metadata),
        pairs(&[("helm", "Update"), ("kubectl-annotate", "Update")])
    );

    // Back to Helm 3's revision (helmctl, `--server-side` unset: auto): client-side, as
    // that record (no method) means.
    let (ok, out, err) = helmctl(&s, &["rollback", "old", "1"]);
    assert!(ok, "{err}");
    assert!(out.contains("Rollback was a success!"), "{out}");
    assert_eq!(recorded_method(&s, "old", 3).await, ApplyMethod::ClientSide);
    let cm = config_map(&s, "old-cm").await;
    assert_eq!(
        data(&cm),
        BTreeMap::from([
            ("a".to_owned(), "v-1.0.0".to_owned()),
            ("b".to_owned(), "v-1.0.0".to_owned())
        ])
    );
    assert_eq!(owner_annotation(&cm.metadata).as_deref(), Some("ops"));
    // Helm 3 reads helmd's revisions.
    let history = helm3_ok(&s, &["history", "old", "-o", "json"]);
    let history: serde_json::Value = serde_json::from_str(&history).expect("history json");
    assert_eq!(history.as_array().map(Vec::len), Some(3), "{history}");
    assert_eq!(history[2]["status"], "deployed", "{history}");
}

#[tokio::test]
async fn strategic_merge_drops_the_chart_s_env_entry_and_keeps_an_injected_sidecar() {
    let s = setup("sql", "csa-smp").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "app".into(),
            chart: uploaded(app_chart("1.0.0", &["A", "B"])),
            apply_method: ApplyMethod::ClientSide as i32,
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    assert_eq!(
        released(result).apply_method,
        ApplyMethod::ClientSide as i32
    );
    let client = s.cluster.admin_client().await.expect("admin");
    let api: Api<Deployment> = Api::namespaced(client, &s.namespace);
    // Another writer injects a sidecar (a strategic merge patch, as webhooks and
    // `kubectl patch` do).
    let sidecar = serde_json::json!({"spec": {"template": {"spec": {"containers": [
        {"name": "proxy", "image": "registry.invalid/proxy:1"}
    ]}}}});
    api.patch(
        "app",
        &PatchParams {
            field_manager: Some("injector".into()),
            ..PatchParams::default()
        },
        &Patch::Strategic(&sidecar),
    )
    .await
    .expect("inject sidecar");

    // force_conflicts means nothing to client-side apply: refused before anything runs.
    let refused = s
        .client
        .releases()
        .upgrade_release(UpgradeReleaseRequest {
            force_conflicts: true,
            ..chart_upgrade(
                &s,
                "app",
                app_chart("1.1.0", &["A"]),
                ApplyMethod::ClientSide,
            )
        })
        .await
        .expect_err("force_conflicts with client-side apply refused");
    assert_error(&refused, Code::InvalidArgument, "REQUEST_INVALID");
    assert!(
        refused
            .message()
            .contains("forceConflicts enabled when serverSideApply disabled"),
        "{refused:?}"
    );

    // helmctl with Helm's flag; its words for a value Helm does not take.
    let v2 = archive(&s, "app-1.1.0.tgz", app_chart("1.1.0", &["A"]));
    let (ok, _, err) = helmctl(&s, &["upgrade", "app", &v2, "--server-side=yes"]);
    assert!(!ok);
    assert!(
        err.contains("invalid/unknown release server-side apply method: yes"),
        "{err}"
    );
    let (ok, _, err) = helmctl(&s, &["upgrade", "app", &v2, "--server-side=false"]);
    assert!(ok, "{err}");
    assert_eq!(recorded_method(&s, "app", 2).await, ApplyMethod::ClientSide);
    let live = api.get("app").await.expect("deployment");
    let containers = live
        .spec
        .and_then(|spec| spec.template.spec)
        .map(|spec| spec.containers)
        .unwrap_or_default();
    let mut names: Vec<&str> = containers.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["proxy", "web"]);
    let web = containers.iter().find(|c| c.name == "web").expect("web");
    let env: Vec<&str> = web.env.iter().flatten().map(|e| e.name.as_str()).collect();
    assert_eq!(env, ["A"]);
    let labels = live.metadata.labels.unwrap_or_default();
    assert_eq!(
        labels
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("Helm")
    );
}

#[tokio::test]
async fn an_upgrade_that_installs_keeps_the_requested_apply_method() {
    let s = setup("secrets", "csa-install").await;
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            install: true,
            ..chart_upgrade(
                &s,
                "fresh",
                config_chart("1.0.0", &["a"]),
                ApplyMethod::ClientSide,
            )
        },
    )
    .await;
    let release = released(result);
    assert_eq!(
        (release.revision, release.apply_method),
        (1, ApplyMethod::ClientSide as i32)
    );
    assert_eq!(
        recorded_method(&s, "fresh", 1).await,
        ApplyMethod::ClientSide
    );
}
