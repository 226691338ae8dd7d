//! PlanUpgrade and drift against the real helmd and cluster: a plan lists exactly the
//! objects the real upgrade then creates, changes and deletes (measured on the live
//! objects before and after), never shows a Secret's values, and helmctl's
//! `upgrade --dry-run=server --diff` prints it like the `helm diff` plugin; an edit by
//! another field manager and a deletion are reported by GetReleaseDrift (and
//! `helmctl status --show-drift`), and an upgrade with `correct_drift` takes both back.

use std::collections::{BTreeMap, BTreeSet};

use helmd_client::proto::{
    ChangeAction, DriftKind, GetReleaseDriftRequest, GetReleaseDriftResponse,
    InstallReleaseRequest, PlanUpgradeRequest, UpgradeReleaseRequest,
};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::Api;
use kube::api::{ListParams, Patch, PatchParams};

use crate::chart_validate::pack;
use crate::releases::{Setup, install, released, setup, timeout, upgrade, uploaded};

const FIRST_SECRET: &str = "first-S3cret-value";
const SECOND_SECRET: &str = "second-S3cret-value";

/// The `shop` chart: `settings` (colour from values), `static` (the same in every
/// version), `old` or `new` (as values say), a Secret whose password is in the
/// chart's values, a Deployment, and a pre-install/pre-upgrade Job hook.
fn shop_chart(version: &str, values: &str) -> Vec<u8> {
    let chart_yaml = format!("apiVersion: v2\nname: shop\nversion: {version}\n");
    pack(
        "shop",
        &[
            ("Chart.yaml", chart_yaml.as_str()),
            ("values.yaml", values),
            (
                "templates/settings.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  color: {{ .Values.color }}\n  size: large\n",
            ),
            (
                "templates/static.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-static\ndata:\n  fixed: \"yes\"\n",
            ),
            (
                "templates/old.yaml",
                "{{- if .Values.old }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-old\ndata:\n  era: old\n{{- end }}\n",
            ),
            (
                "templates/new.yaml",
                "{{- if .Values.new }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-new\ndata:\n  era: new\n{{- end }}\n",
            ),
            (
                "templates/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-creds\ntype: Opaque\ndata:\n  password: {{ .Values.password | b64enc }}\n  user: {{ \"admin\" | b64enc }}\n",
            ),
            (
                "templates/deployment.yaml",
                concat!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
                    "spec:\n  replicas: 1\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n",
                    "  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n",
                    "    spec:\n      containers:\n        - name: web\n          image: registry.invalid/web:1\n",
                    "          ports:\n            - containerPort: 80\n              protocol: TCP\n",
                ),
            ),
            (
                "templates/hook.yaml",
                concat!(
                    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n",
                    "  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n",
                    "spec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n",
                    "      containers:\n        - name: migrate\n          image: registry.invalid/migrate:1\n",
                ),
            ),
        ],
    )
}

fn shop_v1() -> Vec<u8> {
    shop_chart(
        "1.0.0",
        &format!("color: blue\nold: true\nnew: false\npassword: {FIRST_SECRET}\n"),
    )
}

fn shop_v2() -> Vec<u8> {
    shop_chart(
        "2.0.0",
        &format!("color: green\nold: false\nnew: true\npassword: {SECOND_SECRET}\n"),
    )
}

fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// Fails the test if `text` shows either password, plain or base64-encoded.
fn assert_no_secret_values(text: &str) {
    for secret in [FIRST_SECRET, SECOND_SECRET] {
        assert!(!text.contains(secret), "{secret} shown in:\n{text}");
        assert!(
            !text.contains(&base64(secret)),
            "{secret} (base64) shown in:\n{text}"
        );
    }
}

async fn install_shop(s: &Setup) {
    let (_, result) = install(
        s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "shop".into(),
            chart: uploaded(shop_v1()),
            timeout: timeout(120),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    released(result);
}

fn upgrade_to(s: &Setup, chart: Vec<u8>) -> UpgradeReleaseRequest {
    UpgradeReleaseRequest {
        namespace: s.namespace.clone(),
        name: "shop".into(),
        chart: uploaded(chart),
        timeout: timeout(120),
        ..UpgradeReleaseRequest::default()
    }
}

/// The namespace's ConfigMaps, Secrets and Deployments (`Kind/name`), each without
/// what the API server and controllers write (status, managed fields, resource
/// version, generation): what a change to the object's content would show in.
async fn live_objects(s: &Setup) -> BTreeMap<String, serde_json::Value> {
    let client = s.cluster.admin_client().await.expect("admin");
    let mut objects = BTreeMap::new();
    let mut add = |kind: &str, name: Option<String>, mut value: serde_json::Value| {
        let name = name.unwrap_or_default();
        if name == "kube-root-ca.crt" {
            return;
        }
        if let Some(map) = value.as_object_mut() {
            map.remove("status");
        }
        if let Some(meta) = value["metadata"].as_object_mut() {
            for key in ["managedFields", "resourceVersion", "generation"] {
                meta.remove(key);
            }
        }
        objects.insert(format!("{kind}/{name}"), value);
    };
    let lp = ListParams::default();
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &s.namespace);
    for o in config_maps.list(&lp).await.expect("list").items {
        add(
            "ConfigMap",
            o.metadata.name.clone(),
            serde_json::to_value(&o).expect("json"),
        );
    }
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &s.namespace);
    for o in secrets.list(&lp).await.expect("list").items {
        add(
            "Secret",
            o.metadata.name.clone(),
            serde_json::to_value(&o).expect("json"),
        );
    }
    let deployments: Api<Deployment> = Api::namespaced(client, &s.namespace);
    for o in deployments.list(&lp).await.expect("list").items {
        add(
            "Deployment",
            o.metadata.name.clone(),
            serde_json::to_value(&o).expect("json"),
        );
    }
    objects
}

fn planned(
    plan: &helmd_client::proto::PlanUpgradeResponse,
    action: ChangeAction,
) -> BTreeSet<String> {
    plan.changes
        .iter()
        .filter(|c| c.action() == action)
        .filter_map(|c| c.resource.as_ref())
        .map(|r| format!("{}/{}", r.kind, r.name))
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn helmctl(s: &Setup, args: &[&str]) -> String {
    let out = std::process::Command::new(
        helmd_test_support::binaries::binary("helmd-client", "helmctl").expect("helmctl"),
    )
    .args(["--server", &s.server()])
    .args(args)
    .args(["-n", &s.namespace])
    .output()
    .expect("run helmctl");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "helmctl {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[tokio::test]
async fn a_plan_lists_exactly_what_the_upgrade_then_changes_and_never_a_secret_value() {
    let s = setup("sql", "plan").await;
    install_shop(&s).await;
    let before = live_objects(&s).await;

    let plan = s
        .client
        .releases()
        .plan_upgrade(PlanUpgradeRequest {
            upgrade: Some(upgrade_to(&s, shop_v2())),
        })
        .await
        .expect("plan")
        .into_inner();
    assert_eq!((plan.revision, plan.install), (2, false));
    assert_eq!(
        plan.chart.as_ref().map(|c| c.version.as_str()),
        Some("2.0.0")
    );
    assert_eq!(
        planned(&plan, ChangeAction::Create),
        set(&["ConfigMap/shop-new"])
    );
    assert_eq!(
        planned(&plan, ChangeAction::Update),
        set(&["ConfigMap/shop-settings", "Secret/shop-creds"])
    );
    assert_eq!(
        planned(&plan, ChangeAction::Delete),
        set(&["ConfigMap/shop-old"])
    );
    assert_eq!(
        planned(&plan, ChangeAction::Unchanged),
        set(&["ConfigMap/shop-static", "Deployment/shop"])
    );
    assert!(planned(&plan, ChangeAction::Replace).is_empty());
    let diff_of = |name: &str| {
        plan.changes
            .iter()
            .find(|c| c.resource.as_ref().is_some_and(|r| r.name == name))
            .map(|c| c.diff.clone())
            .unwrap_or_default()
    };
    let settings = diff_of("shop-settings");
    assert!(
        settings.starts_with("--- live\n+++ planned\n@@"),
        "{settings}"
    );
    assert!(
        settings.contains("\n-  color: blue\n+  color: green\n"),
        "{settings}"
    );
    assert!(!settings.contains("managedFields") && !settings.contains("resourceVersion"));
    let creds = diff_of("shop-creds");
    assert!(
        creds.contains("\n-  password: '***'\n+  password: '*** (changed)'\n"),
        "{creds}"
    );
    assert!(
        !creds.contains("user:") || creds.contains("  user: '***'"),
        "{creds}"
    );
    assert!(diff_of("shop-new").contains("+  era: new\n"));
    assert!(diff_of("shop-old").contains("-  era: old\n"));
    assert_eq!(
        plan.hooks
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["shop-migrate"]
    );
    assert!(
        plan.manifest
            .contains("# HIDDEN: The Secret output has been suppressed")
    );
    assert_no_secret_values(&format!("{plan:?}"));

    // helmctl prints the same plan like `helm diff`, without colour off a terminal.
    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("shop-2.0.0.tgz");
    std::fs::write(&archive, shop_v2()).expect("write chart");
    let chart = archive.display().to_string();
    let printed = helmctl(
        &s,
        &["upgrade", "shop", &chart, "--dry-run=server", "--diff"],
    );
    let ns = &s.namespace;
    for header in [
        format!("{ns}, shop-settings, ConfigMap (v1) has changed:\n"),
        format!("{ns}, shop-creds, Secret (v1) has changed:\n"),
        format!("{ns}, shop-new, ConfigMap (v1) has been added:\n"),
        format!("{ns}, shop-old, ConfigMap (v1) has been removed:\n"),
    ] {
        assert!(
            printed.contains(&header),
            "{header} missing from:\n{printed}"
        );
    }
    assert!(
        printed.contains("\n-   color: blue\n+   color: green\n"),
        "{printed}"
    );
    assert!(
        printed.contains("+   password: '*** (changed)'\n"),
        "{printed}"
    );
    assert!(
        !printed.contains("shop-static") && !printed.contains('\x1b'),
        "{printed}"
    );
    assert!(printed.contains("Hooks that would run, in order:\n  shop-migrate (Job)\n"));
    assert_no_secret_values(&printed);
    // The plan changed nothing.
    assert_eq!(live_objects(&s).await, before);

    let (_, result) = upgrade(&s, upgrade_to(&s, shop_v2())).await;
    assert_eq!(released(result).revision, 2);
    let after = live_objects(&s).await;
    let created: BTreeSet<String> = after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .cloned()
        .collect();
    let deleted: BTreeSet<String> = before
        .keys()
        .filter(|k| !after.contains_key(*k))
        .cloned()
        .collect();
    let changed: BTreeSet<String> = before
        .iter()
        .filter(|(k, v)| after.get(*k).is_some_and(|a| a != *v))
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(created, planned(&plan, ChangeAction::Create));
    assert_eq!(deleted, planned(&plan, ChangeAction::Delete));
    assert_eq!(changed, planned(&plan, ChangeAction::Update));
}

#[tokio::test]
async fn a_plan_with_install_and_no_release_is_an_install() {
    let s = setup("sql", "plan-install").await;
    let plan = s
        .client
        .releases()
        .plan_upgrade(PlanUpgradeRequest {
            upgrade: Some(UpgradeReleaseRequest {
                install: true,
                ..upgrade_to(&s, shop_v1())
            }),
        })
        .await
        .expect("plan")
        .into_inner();
    assert_eq!((plan.revision, plan.install), (1, true));
    assert_eq!(
        planned(&plan, ChangeAction::Create),
        set(&[
            "ConfigMap/shop-old",
            "ConfigMap/shop-settings",
            "ConfigMap/shop-static",
            "Deployment/shop",
            "Secret/shop-creds",
        ])
    );
    assert_eq!(plan.changes.len(), 5);
    assert_eq!(
        plan.hooks
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["shop-migrate"]
    );
    assert_no_secret_values(&format!("{plan:?}"));
    assert!(
        live_objects(&s).await.is_empty(),
        "the plan created nothing"
    );
}

async fn drift(s: &Setup) -> GetReleaseDriftResponse {
    s.client
        .releases()
        .get_release_drift(GetReleaseDriftRequest {
            namespace: s.namespace.clone(),
            name: "shop".into(),
        })
        .await
        .expect("drift")
        .into_inner()
}

#[tokio::test]
async fn drift_from_an_edit_and_a_deletion_is_reported_and_corrected_on_request() {
    let s = setup("sql", "drift").await;
    install_shop(&s).await;
    let none = drift(&s).await;
    assert_eq!(none.revision, 1);
    assert!(none.drifted.is_empty(), "{none:?}");
    assert_eq!(none.in_sync.len(), 5, "{none:?}");

    // `kubectl edit`'s way: a patch by another field manager.
    let client = s.cluster.admin_client().await.expect("admin");
    let edit = PatchParams {
        field_manager: Some("kubectl-edit".into()),
        ..PatchParams::default()
    };
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &s.namespace);
    config_maps
        .patch(
            "shop-settings",
            &edit,
            &Patch::Merge(serde_json::json!({"data": {"color": "purple"}})),
        )
        .await
        .expect("edit the ConfigMap");
    let secrets: Api<Secret> = Api::namespaced(client.clone(), &s.namespace);
    secrets
        .patch(
            "shop-creds",
            &edit,
            &Patch::Merge(serde_json::json!({"data": {"password": base64(SECOND_SECRET)}})),
        )
        .await
        .expect("edit the Secret");
    config_maps
        .delete("shop-static", &Default::default())
        .await
        .expect("delete");

    let report = drift(&s).await;
    let kinds: Vec<(String, DriftKind)> = report
        .drifted
        .iter()
        .map(|d| {
            (
                d.resource
                    .as_ref()
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                d.kind(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("shop-creds".to_owned(), DriftKind::Changed),
            ("shop-settings".to_owned(), DriftKind::Changed),
            ("shop-static".to_owned(), DriftKind::Deleted),
        ],
        "{report:?}"
    );
    let in_sync: BTreeSet<String> = report
        .in_sync
        .iter()
        .map(|r| format!("{}/{}", r.kind, r.name))
        .collect();
    assert_eq!(in_sync, set(&["ConfigMap/shop-old", "Deployment/shop"]));
    let settings = &report.drifted[1].diff;
    assert!(
        settings.starts_with("--- live\n+++ recorded\n@@"),
        "{settings}"
    );
    assert!(
        settings.contains("\n-  color: purple\n+  color: blue\n"),
        "{settings}"
    );
    assert!(
        report.drifted[0]
            .diff
            .contains("\n-  password: '***'\n+  password: '*** (changed)'\n"),
        "{report:?}"
    );
    assert!(
        report.drifted[2].diff.contains("+  fixed: \"yes\"\n"),
        "{report:?}"
    );
    assert_no_secret_values(&format!("{report:?}"));

    let printed = helmctl(&s, &["status", "shop", "--show-drift"]);
    let ns = &s.namespace;
    assert!(printed.contains("STATUS: deployed"), "{printed}");
    assert!(
        printed.contains("DRIFT: 3 of the 5 objects of revision 1 differ on the cluster\n"),
        "{printed}"
    );
    assert!(printed.contains(&format!(
        "{ns}, shop-settings, ConfigMap (v1) has changed:\n"
    )));
    assert!(printed.contains(&format!(
        "{ns}, shop-static, ConfigMap (v1) has been removed:\n"
    )));
    assert!(
        printed.contains("-   color: purple\n+   color: blue\n"),
        "{printed}"
    );
    assert_no_secret_values(&printed);

    // The same chart again with correct_drift: both taken back.
    let (events, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            correct_drift: true,
            ..upgrade_to(&s, shop_v1())
        },
    )
    .await;
    assert_eq!(released(result).revision, 2);
    let corrected: Vec<String> = events
        .iter()
        .filter_map(|e| match &e.payload {
            Some(helmd_client::proto::operation_event::Payload::Progress(p))
                if p.message == "drift corrected" || p.message.starts_with("created again") =>
            {
                p.resource.as_ref().map(|r| r.name.clone())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        corrected,
        ["shop-creds", "shop-settings", "shop-static"],
        "{events:?}"
    );
    let after = drift(&s).await;
    assert_eq!(after.revision, 2);
    assert!(after.drifted.is_empty(), "{after:?}");
    assert_eq!(after.in_sync.len(), 5);
    let settings = config_maps.get("shop-settings").await.expect("settings");
    assert_eq!(
        settings
            .data
            .unwrap_or_default()
            .get("color")
            .map(String::as_str),
        Some("blue")
    );
    config_maps.get("shop-static").await.expect("re-created");
    let printed = helmctl(&s, &["status", "shop", "--show-drift"]);
    assert!(
        printed.contains("DRIFT: none; the 5 objects of revision 2 match the cluster\n"),
        "{printed}"
    );
}

/// A chart with a Job whose pod template (immutable) carries `flavour`.
fn job_chart(flavour: &str) -> Vec<u8> {
    let values = format!("flavour: {flavour}\n");
    pack(
        "batch",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: batch\nversion: 1.0.0\n",
            ),
            ("values.yaml", values.as_str()),
            (
                "templates/job.yaml",
                concat!(
                    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n",
                    "spec:\n  backoffLimit: 0\n  template:\n    metadata:\n      labels:\n",
                    "        flavour: {{ .Values.flavour }}\n",
                    "    spec:\n      restartPolicy: Never\n      containers:\n",
                    "        - name: migrate\n          image: registry.invalid/migrate:1\n",
                ),
            ),
        ],
    )
}

#[tokio::test]
async fn a_change_to_an_immutable_field_is_planned_as_a_replace() {
    let s = setup("sql", "plan-replace").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "batch".into(),
            chart: uploaded(job_chart("plain")),
            timeout: timeout(120),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    released(result);
    for force_replace in [false, true] {
        let plan = s
            .client
            .releases()
            .plan_upgrade(PlanUpgradeRequest {
                upgrade: Some(UpgradeReleaseRequest {
                    namespace: s.namespace.clone(),
                    name: "batch".into(),
                    chart: uploaded(job_chart("spicy")),
                    force_replace,
                    ..UpgradeReleaseRequest::default()
                }),
            })
            .await
            .expect("plan")
            .into_inner();
        assert_eq!(plan.changes.len(), 1, "{plan:?}");
        let change = &plan.changes[0];
        assert_eq!(change.action(), ChangeAction::Replace, "{change:?}");
        assert!(
            change.diff.contains("\n-        flavour: plain\n")
                && change.diff.contains("\n+        flavour: spicy\n"),
            "{}",
            change.diff
        );
        // The re-created object keeps its name wherever the name shows (its uid and
        // the labels made from it change, as they would).
        assert!(!change.diff.contains("batch-migrate-"), "{}", change.diff);
    }
}
