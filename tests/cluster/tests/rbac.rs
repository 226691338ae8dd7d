//! RBAC is on: the static-token test users start with no rights, and grants take effect.

mod common;

use anyhow::{Result, ensure};
use common::setup;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::Api;
use kube::api::{ListParams, PostParams};
use serde_json::json;

fn is_forbidden<T>(result: &kube::Result<T>) -> bool {
    matches!(result, Err(kube::Error::Api(e)) if e.code == 403)
}

#[tokio::test]
async fn rbac_denies_an_unprivileged_user() -> Result<()> {
    let ctx = setup("rbac-deny").await?;
    let alice = ctx.cluster.user_client("alice").await?;
    let pods: Api<Pod> = Api::namespaced(alice, &ctx.ns);
    let listed = pods.list(&ListParams::default()).await;
    ensure!(is_forbidden(&listed), "alice listed pods: {listed:?}");

    let bob = ctx.cluster.user_client("bob").await?;
    let cms: Api<ConfigMap> = Api::namespaced(bob, &ctx.ns);
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}}))?;
    let created = cms.create(&PostParams::default(), &cm).await;
    ensure!(
        is_forbidden(&created),
        "bob created a ConfigMap: {created:?}"
    );
    Ok(())
}

#[tokio::test]
async fn a_role_binding_to_a_test_users_group_grants_exactly_that_role() -> Result<()> {
    let ctx = setup("rbac-grant").await?;
    ctx.apply::<RoleBinding>(json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "developers-view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
            "name": helmd_test_cluster::pki::ALICE_GROUP}],
    }))
    .await?;
    let alice = ctx.cluster.user_client("alice").await?;
    let pods: Api<Pod> = Api::namespaced(alice.clone(), &ctx.ns);
    ensure!(
        pods.list(&ListParams::default()).await.is_ok(),
        "view did not let alice list pods"
    );
    let cms: Api<ConfigMap> = Api::namespaced(alice, &ctx.ns);
    let cm: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "x"}}))?;
    ensure!(
        is_forbidden(&cms.create(&PostParams::default(), &cm).await),
        "view let alice write"
    );
    let bob = ctx.cluster.user_client("bob").await?;
    let bob_pods: Api<Pod> = Api::namespaced(bob, &ctx.ns);
    ensure!(
        is_forbidden(&bob_pods.list(&ListParams::default()).await),
        "bob got alice's grant"
    );
    Ok(())
}
