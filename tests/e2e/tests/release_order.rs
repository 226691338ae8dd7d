//! Ordering with readiness gates and safe CRD upgrades, against the real helmd and
//! cluster. Resource groups (Helm's HIP-0025 annotations): three groups A ← B ← C
//! with A slow to start are applied one after the other, each waited on until ready
//! before the next — on install (hook-only wait asked), upgrade and rollback — as the
//! operation's events and the objects' own timestamps show; a cycle and an unknown
//! group are refused before anything is applied or recorded. CRDs: a chart's CRD
//! that gains a storage version is updated on request and custom objects survive;
//! one that drops a stored version is refused with the reason, nothing changed; and
//! uninstall keeps CRDs, those of `crds/` and those of `templates/`.

use helmd_client::proto::{
    GetReleaseHistoryRequest, InstallReleaseRequest, OperationEvent, OperationStage,
    ResourceHealth, RollbackReleaseRequest, UpgradeReleaseRequest, operation_event,
    operation_finished,
};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::Api;
use kube::api::{ApiResource, DynamicObject, PostParams};
use prost::Message;
use tonic::Code;

use crate::chart_validate::pack;
use crate::releases::{
    Setup, drain, failed, install, released, set, setup, timeout, uninstall_kept, upgrade, uploaded,
};

/// A Deployment in `group` (if any) depending on `deps` (if any, as written), its
/// pods slow to start when `slow`.
fn deployment(name: &str, group: Option<&str>, deps: Option<&str>, slow: bool) -> String {
    let mut annotations = String::new();
    if let Some(g) = group {
        annotations.push_str(&format!("    helm.sh/resource-group: {g}\n"));
    }
    if let Some(d) = deps {
        annotations.push_str(&format!("    helm.sh/depends-on/resource-groups: '{d}'\n"));
    }
    let metadata = if annotations.is_empty() {
        String::new()
    } else {
        format!("  annotations:\n{annotations}")
    };
    let pod_annotations = if slow {
        "        helmd.test/behavior: slow-start\n        helmd.test/after-seconds: \"3\"\n"
    } else {
        ""
    };
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{metadata}\
         spec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    \
         metadata:\n      labels: {{app: {name}, rev: {{{{ .Values.rev | quote }}}}}}\n      \
         annotations:\n        helmd.test/rev: {{{{ .Values.rev | quote }}}}\n{pod_annotations}    \
         spec:\n      containers:\n        - name: main\n          image: registry.invalid/{name}:1\n"
    )
}

/// The ordered chart: A (slow) ← B ← C, and an ungrouped ConfigMap.
fn ordered_chart() -> Vec<u8> {
    let a = deployment("ord-a", Some("a"), None, true);
    let b = deployment("ord-b", Some("b"), Some(r#"["a"]"#), false);
    let c = deployment("ord-c", Some("c"), Some("b"), false);
    pack(
        "ordered",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: ordered\nversion: 1.0.0\n",
            ),
            ("values.yaml", "rev: one\n"),
            // Names in reverse so neither kind nor name order explains the result.
            ("templates/a.yaml", c.as_str()),
            ("templates/b.yaml", b.as_str()),
            ("templates/c.yaml", a.as_str()),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ord-plain\ndata:\n  k: v\n",
            ),
        ],
    )
}

fn progress(e: &OperationEvent) -> Option<&helmd_client::proto::OperationProgress> {
    match &e.payload {
        Some(operation_event::Payload::Progress(p)) => Some(p),
        _ => None,
    }
}

/// The index of the first event at `stage` whose message starts with `prefix`.
fn stage_at(events: &[OperationEvent], stage: OperationStage, prefix: &str) -> usize {
    events
        .iter()
        .position(|e| {
            progress(e).is_some_and(|p| p.stage == stage as i32 && p.message.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no {stage:?} event starting {prefix:?}: {events:#?}"))
}

/// The index of the first waiting event that judges Deployment `name` `health`.
fn judged(events: &[OperationEvent], name: &str, health: ResourceHealth) -> Option<usize> {
    events.iter().position(|e| {
        progress(e).is_some_and(|p| {
            p.stage == OperationStage::Waiting as i32
                && p.health == health as i32
                && p.resource.as_ref().is_some_and(|r| r.name == name)
        })
    })
}

/// Each group applied only after the one before was seen ready, the ungrouped
/// objects last.
fn assert_applied_in_order(events: &[OperationEvent]) {
    let applying = |label: &str| stage_at(events, OperationStage::Applying, label);
    let ready = |name: &str| {
        judged(events, name, ResourceHealth::Ready)
            .unwrap_or_else(|| panic!("{name} never seen ready: {events:#?}"))
    };
    let order = [
        applying("resource group \"a\" (1 of 4)"),
        ready("ord-a"),
        applying("resource group \"b\" (2 of 4, after \"a\")"),
        ready("ord-b"),
        applying("resource group \"c\" (3 of 4, after \"b\")"),
        ready("ord-c"),
        applying("objects without a resource group (4 of 4)"),
    ];
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "{order:?}: {events:#?}"
    );
    // A's gate held: it was seen not ready before it was seen ready.
    let waiting = judged(events, "ord-a", ResourceHealth::Progressing).expect("a seen progressing");
    assert!(waiting < ready("ord-a"));
}

/// When Deployment `name` became available (its condition's last transition).
fn available_since(d: &Deployment) -> Time {
    d.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| {
            c.iter()
                .find(|c| c.type_ == "Available" && c.status == "True")
        })
        .and_then(|c| c.last_transition_time.clone())
        .unwrap_or_else(|| panic!("{:?} not available", d.metadata.name))
}

#[tokio::test]
async fn resource_groups_are_applied_in_dependency_order_each_waited_on_before_the_next() {
    let s = setup("sql", "order").await;
    let request = InstallReleaseRequest {
        namespace: s.namespace.clone(),
        name: "ordered".into(),
        chart: uploaded(ordered_chart()),
        timeout: timeout(120),
        ..InstallReleaseRequest::default()
    };
    let (events, result) = install(&s, request).await;
    let release = released(result);
    assert_applied_in_order(&events);

    // Each Deployment was created only once the one it depends on was available.
    let client = s.cluster.admin_client().await.expect("admin");
    let deployments: Api<Deployment> = Api::namespaced(client, &s.namespace);
    let get = |name: &'static str| {
        let api = deployments.clone();
        async move { api.get(name).await.expect("deployment") }
    };
    let (a, b, c) = (get("ord-a").await, get("ord-b").await, get("ord-c").await);
    let created = |d: &Deployment| d.metadata.creation_timestamp.clone().expect("created");
    assert!(
        available_since(&a).0 <= created(&b).0,
        "B created before A was available"
    );
    assert!(
        available_since(&b).0 <= created(&c).0,
        "C created before B was available"
    );

    // The dependency annotation stays in the manifest but never reaches the cluster
    // (Kubernetes refuses its key); the group annotation does.
    assert!(
        release
            .manifest
            .contains("helm.sh/depends-on/resource-groups: '[\"a\"]'"),
        "{}",
        release.manifest
    );
    let annotations = b.metadata.annotations.unwrap_or_default();
    assert_eq!(
        annotations
            .get("helm.sh/resource-group")
            .map(String::as_str),
        Some("b")
    );
    assert!(!annotations.contains_key("helm.sh/depends-on/resource-groups"));

    // An upgrade (new pods: A slow again) and a rollback go group by group too.
    let (events, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            namespace: s.namespace.clone(),
            name: "ordered".into(),
            chart: uploaded(ordered_chart()),
            values: set(&["rev=two"]),
            timeout: timeout(120),
            ..UpgradeReleaseRequest::default()
        },
    )
    .await;
    assert_eq!(released(result).revision, 2);
    assert_applied_in_order(&events);
    let stream = s
        .client
        .releases()
        .rollback_release(RollbackReleaseRequest {
            namespace: s.namespace.clone(),
            name: "ordered".into(),
            revision: 1,
            timeout: timeout(120),
            ..RollbackReleaseRequest::default()
        })
        .await
        .expect("rollback accepted")
        .into_inner();
    let (events, result) = drain(stream).await;
    assert_eq!(released(result).revision, 3);
    assert_applied_in_order(&events);
}

/// Revisions recorded for `name` (0 when the release does not exist).
async fn revisions(s: &Setup, name: &str) -> usize {
    match s
        .client
        .releases()
        .get_release_history(GetReleaseHistoryRequest {
            namespace: s.namespace.clone(),
            name: name.into(),
            ..GetReleaseHistoryRequest::default()
        })
        .await
    {
        Ok(r) => r.into_inner().releases.len(),
        Err(status) if status.code() == Code::NotFound => 0,
        Err(status) => panic!("history: {status:?}"),
    }
}

async fn deployment_names(s: &Setup) -> Vec<String> {
    let client = s.cluster.admin_client().await.expect("admin");
    let api: Api<Deployment> = Api::namespaced(client, &s.namespace);
    let mut names: Vec<String> = api
        .list(&Default::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .filter_map(|d| d.metadata.name)
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_cycle_of_resource_groups_is_refused_before_anything_is_applied_or_recorded() {
    let s = setup("sql", "order-cycle").await;
    // (Not `y`: YAML reads it as true, as Helm does.)
    let x = deployment("cyc-red", Some("red"), Some("blue"), false);
    let y = deployment("cyc-green", Some("green"), Some(r#"["red"]"#), false);
    let z = deployment("cyc-blue", Some("blue"), Some("green"), false);
    let chart = pack(
        "cycle",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: cycle\nversion: 1.0.0\n",
            ),
            ("values.yaml", "rev: one\n"),
            ("templates/x.yaml", x.as_str()),
            ("templates/y.yaml", y.as_str()),
            ("templates/z.yaml", z.as_str()),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cyc-plain\n",
            ),
        ],
    );
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "cycle".into(),
            chart: uploaded(chart),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    let status = match &result {
        Some(operation_finished::Result::Error(status)) => status.clone(),
        other => panic!("not refused: {other:?}"),
    };
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::InvalidArgument, "RESOURCE_GROUPS_INVALID")
    );
    assert_eq!(
        message,
        r#"resource groups form a cycle: "blue" depends on "green" depends on "red" depends on "blue""#
    );
    // The group in ErrorInfo's metadata, the chart as the field at fault.
    let detail = |suffix: &str| {
        status
            .details
            .iter()
            .find(|d| d.type_url.ends_with(suffix))
            .map(|d| d.value.clone())
            .unwrap_or_else(|| panic!("no {suffix} in {status:?}"))
    };
    let info = tonic_types::pb::ErrorInfo::decode(detail("google.rpc.ErrorInfo").as_slice())
        .expect("ErrorInfo");
    assert_eq!(info.metadata.get("group").map(String::as_str), Some("blue"));
    let bad = tonic_types::pb::BadRequest::decode(detail("google.rpc.BadRequest").as_slice())
        .expect("BadRequest");
    assert_eq!(bad.field_violations[0].field, "chart");
    assert!(deployment_names(&s).await.is_empty());
    assert!(s.config_maps().await.is_empty());
    assert_eq!(revisions(&s, "cycle").await, 0);
}

#[tokio::test]
async fn a_dependency_on_an_unknown_resource_group_is_refused_and_the_release_left_as_it_was() {
    let s = setup("sql", "order-unknown").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "ordered".into(),
            chart: uploaded(ordered_chart()),
            timeout: timeout(120),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    released(result);
    let app = deployment("ord-app", Some("app"), Some(r#"["db"]"#), false);
    let chart = pack(
        "ordered",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: ordered\nversion: 1.1.0\n",
            ),
            ("values.yaml", "rev: one\n"),
            ("templates/app.yaml", app.as_str()),
        ],
    );
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            namespace: s.namespace.clone(),
            name: "ordered".into(),
            chart: uploaded(chart),
            ..UpgradeReleaseRequest::default()
        },
    )
    .await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::InvalidArgument, "RESOURCE_GROUPS_INVALID")
    );
    assert_eq!(
        message,
        r#"resource group "app" depends on resource group "db", which no object is in"#
    );
    assert_eq!(revisions(&s, "ordered").await, 1);
    assert_eq!(deployment_names(&s).await, ["ord-a", "ord-b", "ord-c"]);
}

/// The Widget CRD of `group`: `versions` as (name, storage), all served.
fn widget_crd(group: &str, versions: &[(&str, bool)]) -> String {
    let versions: String = versions
        .iter()
        .map(|(name, storage)| {
            format!(
                "    - name: {name}\n      served: true\n      storage: {storage}\n      schema:\n        \
                 openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              \
                 type: object\n              properties:\n                size: {{type: string}}\n"
            )
        })
        .collect();
    format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  \
         name: widgets.{group}\nspec:\n  group: {group}\n  scope: Namespaced\n  names:\n    \
         plural: widgets\n    singular: widget\n    kind: Widget\n    listKind: WidgetList\n  \
         versions:\n{versions}"
    )
}

/// The CRD chart at `version`: `crds/` holds the Widget CRD with `versions`, the
/// templates a Widget of `cr_version` and a templated Gadget CRD.
fn crd_chart(version: &str, group: &str, versions: &[(&str, bool)], cr_version: &str) -> Vec<u8> {
    let chart_yaml = format!("apiVersion: v2\nname: widgets\nversion: {version}\n");
    let crd = widget_crd(group, versions);
    let widget = format!(
        "apiVersion: {group}/{cr_version}\nkind: Widget\nmetadata:\n  name: chart-widget\nspec:\n  size: {version}\n"
    );
    let gadgets = format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  \
         name: gadgets.{group}\nspec:\n  group: {group}\n  scope: Namespaced\n  names:\n    \
         plural: gadgets\n    singular: gadget\n    kind: Gadget\n  versions:\n    - name: v1\n      \
         served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          \
         type: object\n          x-kubernetes-preserve-unknown-fields: true\n"
    );
    pack(
        "widgets",
        &[
            ("Chart.yaml", chart_yaml.as_str()),
            ("crds/widgets.yaml", crd.as_str()),
            ("templates/widget.yaml", widget.as_str()),
            ("templates/gadgets-crd.yaml", gadgets.as_str()),
        ],
    )
}

fn widgets(client: kube::Client, group: &str, version: &str, ns: &str) -> Api<DynamicObject> {
    let api = ApiResource {
        group: group.to_owned(),
        version: version.to_owned(),
        api_version: format!("{group}/{version}"),
        kind: "Widget".into(),
        plural: "widgets".into(),
    };
    Api::namespaced_with(client, ns, &api)
}

#[tokio::test]
async fn crds_are_upgraded_only_when_safe_and_never_deleted() {
    let s = setup("sql", "crd-up").await;
    let group = format!("{}.helmd.test", s.namespace);
    let client = s.cluster.admin_client().await.expect("admin");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    let widget_crd_name = format!("widgets.{group}");
    let gadget_crd_name = format!("gadgets.{group}");
    let upgrade_to = |chart: Vec<u8>| UpgradeReleaseRequest {
        namespace: s.namespace.clone(),
        name: "widgets".into(),
        chart: uploaded(chart),
        upgrade_crds: true,
        timeout: timeout(120),
        ..UpgradeReleaseRequest::default()
    };

    // v1: the CRD (v1alpha1) is created, as Helm does, and a Widget with it.
    let v1 = crd_chart("1.0.0", &group, &[("v1alpha1", true)], "v1alpha1");
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "widgets".into(),
            chart: uploaded(v1),
            timeout: timeout(120),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    released(result);
    let alpha = widgets(client.clone(), &group, "v1alpha1", &s.namespace);
    let mine: DynamicObject = serde_json::from_value(serde_json::json!({
        "apiVersion": format!("{group}/v1alpha1"), "kind": "Widget",
        "metadata": {"name": "mine"}, "spec": {"size": "big"},
    }))
    .expect("widget");
    let mine = alpha
        .create(&PostParams::default(), &mine)
        .await
        .expect("a widget of nobody's");
    let chart_widget = alpha.get("chart-widget").await.expect("chart widget");

    // v2: v1beta1 added as the storage version, v1alpha1 still served → updated.
    let v2 = crd_chart(
        "2.0.0",
        &group,
        &[("v1alpha1", false), ("v1beta1", true)],
        "v1beta1",
    );
    let (events, result) = upgrade(&s, upgrade_to(v2)).await;
    assert_eq!(released(result).revision, 2);
    assert!(
        events.iter().any(|e| progress(e).is_some_and(|p| {
            p.stage == OperationStage::InstallingCrds as i32
                && p.message == "updated"
                && p.resource
                    .as_ref()
                    .is_some_and(|r| r.name == widget_crd_name)
        })),
        "{events:#?}"
    );
    let live = crds.get(&widget_crd_name).await.expect("crd");
    let served: Vec<(String, bool, bool)> = live
        .spec
        .versions
        .iter()
        .map(|v| (v.name.clone(), v.served, v.storage))
        .collect();
    assert_eq!(
        served,
        [
            ("v1alpha1".to_owned(), true, false),
            ("v1beta1".to_owned(), true, true)
        ]
    );
    let beta = widgets(client.clone(), &group, "v1beta1", &s.namespace);
    let survived = beta.get("mine").await.expect("survived");
    assert_eq!(survived.metadata.uid, mine.metadata.uid);
    assert_eq!(survived.data["spec"]["size"], "big");
    let updated = beta.get("chart-widget").await.expect("chart widget");
    assert_eq!(updated.metadata.uid, chart_widget.metadata.uid);
    assert_eq!(updated.data["spec"]["size"], "2.0.0");
    let stored = live
        .status
        .and_then(|s| s.stored_versions)
        .unwrap_or_default();
    assert!(stored.contains(&"v1alpha1".to_owned()), "{stored:?}");

    // v3 drops v1alpha1, still in storedVersions → refused, nothing changed.
    let v3 = crd_chart("3.0.0", &group, &[("v1beta1", true)], "v1beta1");
    // helmctl's `--upgrade-crds` asks for the same and is refused the same way.
    let archive = s.home.path().join("widgets-3.0.0.tgz");
    std::fs::write(&archive, &v3).expect("write chart");
    let archive = archive.display().to_string();
    let (code, _, stderr) = crate::fixtures::helmctl_in(
        s.home.path(),
        &[
            "--server",
            &s.server(),
            "upgrade",
            "widgets",
            &archive,
            "-n",
            &s.namespace,
            "--upgrade-crds",
        ],
        None,
    );
    assert_ne!(code, 0, "{stderr}");
    assert!(
        stderr.contains("\"v1alpha1\" would be removed, but objects may be stored in it"),
        "{stderr}"
    );
    let (_, result) = upgrade(&s, upgrade_to(v3)).await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::FailedPrecondition, "CRD_UPGRADE_UNSAFE")
    );
    assert!(
        message.starts_with(&format!(
            "refusing to upgrade CustomResourceDefinition {widget_crd_name:?}: version \"v1alpha1\" would be removed, but objects may be stored in it"
        )),
        "{message}"
    );
    let after = crds.get(&widget_crd_name).await.expect("crd");
    assert_eq!(
        after.metadata.resource_version,
        live.metadata.resource_version
    );
    assert_eq!(revisions(&s, "widgets").await, 2);
    assert_eq!(
        beta.get("chart-widget").await.expect("widget").data["spec"]["size"],
        "2.0.0"
    );

    // Uninstall deletes the release's Widget but keeps both CRDs, and says so.
    let mut kept: Vec<String> = uninstall_kept(&s, "widgets")
        .await
        .into_iter()
        .map(|r| r.name)
        .collect();
    kept.sort();
    assert_eq!(kept, [gadget_crd_name.clone(), widget_crd_name.clone()]);
    for name in [&widget_crd_name, &gadget_crd_name] {
        assert!(
            crds.get_opt(name).await.expect("read").is_some(),
            "{name} deleted"
        );
    }
    assert!(beta.get_opt("chart-widget").await.expect("read").is_none());
    assert!(beta.get_opt("mine").await.expect("read").is_some());

    // The cluster is shared: leave no CRD behind.
    for name in [&widget_crd_name, &gadget_crd_name] {
        crds.delete(name, &Default::default())
            .await
            .expect("delete crd");
    }
}
