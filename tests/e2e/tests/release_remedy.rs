//! When a change goes wrong, against the real cluster and the real helmd binary:
//! rollback strategies (automatic, manual, version-based), retries counted in
//! events, rollback targets checked before anything changes, and a release left
//! pending by a killed server recovered on request.

use helmd_client::proto::{
    GetReleaseHistoryRequest, InstallReleaseRequest, ListAuditEventsRequest, OperationEvent,
    ReleaseStatus, RollbackReleaseRequest, RollbackStrategy, UpgradeReleaseRequest, WaitStrategy,
    operation_event, operation_finished,
};
use helmd_test_support::{Helmd, HelmdOptions};
use kube::Api;
use kube::api::{DeleteParams, DynamicObject};
use kube::discovery::ApiResource;
use tonic::Code;

use crate::chart_validate::pack;
use crate::releases::{
    Setup, drain, failed, install, released, set, setup, timeout, upgrade, uploaded, web_chart,
};

/// The revisions of a release, oldest first: (revision, status, description); none
/// when the release does not exist.
async fn history(s: &Setup, name: &str) -> Vec<(i32, ReleaseStatus, String)> {
    let response = s
        .client
        .releases()
        .get_release_history(GetReleaseHistoryRequest {
            namespace: s.namespace.clone(),
            name: name.into(),
            ..GetReleaseHistoryRequest::default()
        })
        .await;
    let response = match response {
        Err(e) if e.code() == Code::NotFound => return Vec::new(),
        other => other.expect("history"),
    };
    let mut revisions: Vec<(i32, ReleaseStatus, String)> = response
        .into_inner()
        .releases
        .into_iter()
        .map(|r| (r.revision, r.status(), r.description))
        .collect();
    revisions.sort_by_key(|(v, ..)| *v);
    revisions
}

/// The statuses of a release's revisions, oldest first.
async fn statuses(s: &Setup, name: &str) -> Vec<ReleaseStatus> {
    history(s, name)
        .await
        .into_iter()
        .map(|(_, st, _)| st)
        .collect()
}

/// The progress messages of an operation's events.
fn messages(events: &[OperationEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.payload {
            Some(operation_event::Payload::Progress(p)) => Some(p.message.clone()),
            _ => None,
        })
        .collect()
}

/// The ErrorInfo metadata of a failed operation's result.
fn error_metadata(
    result: &Option<operation_finished::Result>,
) -> std::collections::HashMap<String, String> {
    use prost::Message;
    match result {
        Some(operation_finished::Result::Error(status)) => status
            .details
            .iter()
            .find(|d| d.type_url.ends_with("google.rpc.ErrorInfo"))
            .and_then(|d| tonic_types::pb::ErrorInfo::decode(d.value.as_slice()).ok())
            .map(|i| i.metadata)
            .unwrap_or_default(),
        other => panic!("operation did not fail: {other:?}"),
    }
}

/// Installs web 1.0.0 (revision 1, deployed).
async fn installed(s: &Setup) {
    let (_, result) = install(
        s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    assert_eq!(released(result).revision, 1);
}

/// An upgrade of web whose Deployment never becomes ready, waited on for 3 s.
fn never_ready_upgrade(s: &Setup) -> UpgradeReleaseRequest {
    UpgradeReleaseRequest {
        namespace: s.namespace.clone(),
        name: "web".into(),
        chart: uploaded(web_chart("1.1.0")),
        values: set(&["behavior=never-ready", "greeting=broken"]),
        wait: WaitStrategy::Watcher as i32,
        timeout: timeout(3),
        ..UpgradeReleaseRequest::default()
    }
}

/// The `greeting` of the release's main ConfigMap as the cluster has it.
async fn live_greeting(s: &Setup) -> String {
    let api: Api<k8s_openapi::api::core::v1::ConfigMap> =
        Api::namespaced(s.cluster.admin_client().await.expect("admin"), &s.namespace);
    api.get("web-main")
        .await
        .expect("web-main")
        .data
        .unwrap_or_default()
        .get("greeting")
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_failed_upgrade_is_rolled_back_automatically_to_the_last_deployed_revision() {
    let s = setup("sql", "remedy-auto").await;
    installed(&s).await;
    let (events, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            rollback_strategy: RollbackStrategy::Automatic as i32,
            ..never_ready_upgrade(&s)
        },
    )
    .await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::DeadlineExceeded, "WAIT_TIMEOUT")
    );
    assert!(message.contains("has been rolled back"), "{message}");
    assert!(
        messages(&events)
            .iter()
            .any(|m| m.contains("rolling back to the last successful revision")),
        "{:?}",
        messages(&events)
    );
    let h = history(&s, "web").await;
    assert_eq!(
        h.iter().map(|(_, st, _)| *st).collect::<Vec<_>>(),
        [
            ReleaseStatus::Superseded,
            ReleaseStatus::Failed,
            ReleaseStatus::Deployed
        ]
    );
    assert_eq!(h[2].2, "Rollback to 1");
    assert_eq!(
        live_greeting(&s).await,
        "hello",
        "revision 1's objects are back"
    );
}

#[tokio::test]
async fn a_failed_install_with_rollback_on_failure_is_uninstalled() {
    let s = setup("secrets", "remedy-install").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            values: set(&["behavior=never-ready"]),
            wait: WaitStrategy::Watcher as i32,
            timeout: timeout(3),
            rollback_on_failure: true,
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    let (_, _, message) = failed(result);
    assert!(message.contains("has been uninstalled"), "{message}");
    assert!(statuses(&s, "web").await.is_empty(), "no history is left");
    assert!(s.config_maps().await.is_empty(), "no objects are left");
}

#[tokio::test]
async fn a_manual_strategy_leaves_the_release_failed_and_names_the_revision_to_restore() {
    let s = setup("sql", "remedy-manual").await;
    installed(&s).await;
    let (events, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            rollback_strategy: RollbackStrategy::Manual as i32,
            ..never_ready_upgrade(&s)
        },
    )
    .await;
    let metadata = error_metadata(&result);
    assert_eq!(
        metadata.get("rollback_revision").map(String::as_str),
        Some("1")
    );
    let (code, _, message) = failed(result);
    assert_eq!(code, Code::DeadlineExceeded);
    assert!(
        message.contains("a rollback would restore revision 1"),
        "{message}"
    );
    assert!(
        messages(&events)
            .iter()
            .any(|m| m.contains("the release stays failed; a rollback would restore revision 1")),
        "{:?}",
        messages(&events)
    );
    assert_eq!(
        statuses(&s, "web").await,
        [ReleaseStatus::Deployed, ReleaseStatus::Failed]
    );
    assert_eq!(live_greeting(&s).await, "broken", "nothing was rolled back");
    // Manual and rollback-on-failure contradict each other: refused at once.
    let contradictory = s
        .client
        .releases()
        .upgrade_release(UpgradeReleaseRequest {
            rollback_strategy: RollbackStrategy::Manual as i32,
            rollback_on_failure: true,
            ..never_ready_upgrade(&s)
        })
        .await
        .expect_err("contradictory");
    crate::common::assert_error(&contradictory, Code::InvalidArgument, "REQUEST_INVALID");
}

#[tokio::test]
async fn a_version_based_upgrade_to_an_earlier_chart_version_rolls_back_to_its_revision() {
    let s = setup("sql", "remedy-version").await;
    installed(&s).await;
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("2.0.0")),
            values: set(&["greeting=two"]),
            ..UpgradeReleaseRequest::default()
        },
    )
    .await;
    assert_eq!(released(result).revision, 2);
    let back_to_one = UpgradeReleaseRequest {
        namespace: s.namespace.clone(),
        name: "web".into(),
        chart: uploaded(web_chart("1.0.0")),
        rollback_strategy: RollbackStrategy::Version as i32,
        ..UpgradeReleaseRequest::default()
    };
    // Values other than revision 1's are refused: a rollback restores its own.
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            values: set(&["greeting=other"]),
            ..back_to_one.clone()
        },
    )
    .await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::InvalidArgument, "REQUEST_INVALID")
    );
    assert!(message.contains("restores revision 1"), "{message}");
    let (events, result) = upgrade(&s, back_to_one).await;
    let release = released(result);
    assert_eq!(release.revision, 3);
    let description = release.description;
    assert!(
        description.starts_with("Rollback to 1: chart web 1.0.0"),
        "{description}"
    );
    assert!(
        messages(&events)
            .iter()
            .any(|m| m.contains("rolling back to it (rollback strategy version)")),
        "{:?}",
        messages(&events)
    );
    assert_eq!(live_greeting(&s).await, "hello");
    // A version the release never had is an ordinary upgrade.
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            chart: uploaded(web_chart("3.0.0")),
            rollback_strategy: RollbackStrategy::Version as i32,
            ..UpgradeReleaseRequest {
                namespace: s.namespace.clone(),
                name: "web".into(),
                ..UpgradeReleaseRequest::default()
            }
        },
    )
    .await;
    let release = released(result);
    assert_eq!(release.description, "Upgrade complete");
}

#[tokio::test]
async fn retries_are_new_revisions_counted_in_events_and_history_keeps_the_deployed_one() {
    let s = setup("sql", "remedy-retries").await;
    installed(&s).await;
    let (events, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            retries: 2,
            retry_backoff: timeout(1),
            // Three attempts and the first revision: the last deployed one is kept.
            max_history: Some(2),
            ..never_ready_upgrade(&s)
        },
    )
    .await;
    let (code, _, _) = failed(result);
    assert_eq!(code, Code::DeadlineExceeded);
    let messages = messages(&events);
    for expected in [
        "upgrade attempt 1 of 3 failed",
        "upgrade attempt 2 of 3",
        "upgrade attempt 2 of 3 failed",
        "upgrade attempt 3 of 3 failed",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected:?} in {messages:?}"
        );
    }
    let h = history(&s, "web").await;
    assert_eq!(
        h.iter().map(|(v, st, _)| (*v, *st)).collect::<Vec<_>>(),
        [(1, ReleaseStatus::Deployed), (4, ReleaseStatus::Failed)],
        "history max 2 prunes the earlier failed attempts, never the deployed revision 1"
    );
    let too_many = s
        .client
        .releases()
        .upgrade_release(UpgradeReleaseRequest {
            retries: 11,
            ..never_ready_upgrade(&s)
        })
        .await
        .expect_err("bounded");
    crate::common::assert_error(&too_many, Code::InvalidArgument, "REQUEST_INVALID");
    assert!(too_many.message().contains("retries"), "{too_many:?}");
}

/// Waits (watching, up to a minute) until the API server no longer has `name`.
async fn gone(api: &Api<DynamicObject>, name: &str) {
    let uid = api
        .get_opt(name)
        .await
        .expect("read")
        .and_then(|o| o.metadata.uid)
        .unwrap_or_default();
    let deleted = kube::runtime::wait::await_condition(
        api.clone(),
        name,
        kube::runtime::wait::conditions::is_deleted(&uid),
    );
    tokio::time::timeout(std::time::Duration::from_secs(60), deleted)
        .await
        .unwrap_or_else(|_| panic!("{name} was not deleted within a minute"))
        .expect("watch");
}

/// A chart whose first version adds a custom resource of a CRD it ships.
fn widget_chart(version: &str, with_widget: bool) -> Vec<u8> {
    let chart_yaml = format!("apiVersion: v2\nname: widgets\nversion: {version}\n");
    let crd = concat!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n",
        "metadata:\n  name: gadgets.remedy.helmd.test\n",
        "spec:\n  group: remedy.helmd.test\n  scope: Namespaced\n",
        "  names: {plural: gadgets, singular: gadget, kind: Gadget}\n",
        "  versions:\n    - name: v1\n      served: true\n      storage: true\n",
        "      schema:\n        openAPIV3Schema:\n          type: object\n",
        "          x-kubernetes-preserve-unknown-fields: true\n",
    );
    let mut files = vec![
        ("Chart.yaml", chart_yaml.as_str()),
        ("crds/gadget.yaml", crd),
        (
            "templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: widgets\ndata:\n  a: b\n",
        ),
    ];
    if with_widget {
        files.push((
            "templates/gadget.yaml",
            "apiVersion: remedy.helmd.test/v1\nkind: Gadget\nmetadata:\n  name: one\nspec:\n  size: 1\n",
        ));
    }
    pack("widgets", &files)
}

#[tokio::test]
async fn rollback_targets_are_checked_before_anything_changes() {
    let s = setup("sql", "remedy-target").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "widgets".into(),
            chart: uploaded(widget_chart("1.0.0", true)),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    assert_eq!(released(result).revision, 1);
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            namespace: s.namespace.clone(),
            name: "widgets".into(),
            chart: uploaded(widget_chart("2.0.0", false)),
            ..UpgradeReleaseRequest::default()
        },
    )
    .await;
    assert_eq!(released(result).revision, 2);
    let rollback = |revision| RollbackReleaseRequest {
        namespace: s.namespace.clone(),
        name: "widgets".into(),
        revision,
        ..RollbackReleaseRequest::default()
    };
    for (revision, words) in [
        (7, "release has no 7 version"),
        (2, "revision 2 is the latest revision"),
    ] {
        let refused = s
            .client
            .releases()
            .rollback_release(rollback(revision))
            .await
            .expect_err("invalid target");
        crate::common::assert_error(&refused, Code::InvalidArgument, "ROLLBACK_TARGET_INVALID");
        assert!(refused.message().contains(words), "{refused:?}");
        use tonic_types::StatusExt;
        let violations = refused
            .get_details_bad_request()
            .map(|b| b.field_violations)
            .unwrap_or_default();
        assert_eq!(
            violations.first().map(|v| v.field.as_str()),
            Some("revision")
        );
    }
    // The cluster stops serving revision 1's Gadget kind: revision 1 cannot be
    // restored, and the rollback is refused before it records anything.
    let client = s.cluster.admin_client().await.expect("admin");
    let crds: Api<DynamicObject> = Api::all_with(
        client,
        &ApiResource {
            group: "apiextensions.k8s.io".into(),
            version: "v1".into(),
            api_version: "apiextensions.k8s.io/v1".into(),
            kind: "CustomResourceDefinition".into(),
            plural: "customresourcedefinitions".into(),
        },
    );
    crds.delete("gadgets.remedy.helmd.test", &DeleteParams::default())
        .await
        .expect("delete the CRD");
    gone(&crds, "gadgets.remedy.helmd.test").await;
    let (_, result) = drain(
        s.client
            .releases()
            .rollback_release(rollback(1))
            .await
            .expect("accepted")
            .into_inner(),
    )
    .await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::InvalidArgument, "ROLLBACK_TARGET_INVALID"),
        "{message}"
    );
    assert!(
        message.contains("revision 1 cannot be restored"),
        "{message}"
    );
    assert!(message.contains("Gadget"), "{message}");
    assert_eq!(
        statuses(&s, "widgets").await,
        [ReleaseStatus::Superseded, ReleaseStatus::Deployed],
        "nothing was recorded"
    );
}

#[tokio::test]
async fn a_release_left_pending_by_a_killed_server_is_recovered_and_then_upgraded() {
    let mut s = setup("sql", "remedy-recover").await;
    installed(&s).await;
    // An upgrade that waits for a Deployment that never becomes ready; the server is
    // killed while it waits.
    let mut stream = s
        .client
        .releases()
        .upgrade_release(UpgradeReleaseRequest {
            timeout: timeout(600),
            ..never_ready_upgrade(&s)
        })
        .await
        .expect("upgrade accepted")
        .into_inner();
    loop {
        let event = stream
            .message()
            .await
            .expect("stream")
            .expect("the upgrade reaches its wait");
        if let Some(operation_event::Payload::Progress(p)) = event.payload
            && p.stage == helmd_client::proto::OperationStage::Waiting as i32
        {
            break;
        }
    }
    s.helmd
        .signal(nix::sys::signal::Signal::SIGKILL)
        .expect("kill");
    s.helmd
        .wait_exit(std::time::Duration::from_secs(30))
        .await
        .expect("exit");
    let helmd = Helmd::start(HelmdOptions {
        database_url: Some(s.database_url.clone()),
        args: vec![
            "--kubeconfig".into(),
            s.cluster.kubeconfig_path().display().to_string(),
            "--release-storage".into(),
            "sql".into(),
        ],
        ..HelmdOptions::default()
    })
    .await
    .expect("a new helmd");
    s.client = helmd_client::Client::from_channel(helmd.channel().await.expect("channel"));
    s.helmd = helmd;
    assert_eq!(
        statuses(&s, "web").await,
        [ReleaseStatus::Deployed, ReleaseStatus::PendingUpgrade]
    );
    let fixed = UpgradeReleaseRequest {
        namespace: s.namespace.clone(),
        name: "web".into(),
        chart: uploaded(web_chart("1.2.0")),
        ..UpgradeReleaseRequest::default()
    };
    let pending = s
        .client
        .releases()
        .upgrade_release(fixed.clone())
        .await
        .expect_err("pending");
    crate::common::assert_error(&pending, Code::FailedPrecondition, "RELEASE_PENDING");
    let (events, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            recover: true,
            ..fixed
        },
    )
    .await;
    assert_eq!(released(result).revision, 3);
    assert!(
        messages(&events)
            .iter()
            .any(|m| m.contains("recovering revision 2 left pending-upgrade")),
        "{:?}",
        messages(&events)
    );
    let h = history(&s, "web").await;
    assert_eq!(h[1].1, ReleaseStatus::Failed);
    assert!(
        h[1].2
            .starts_with("Interrupted: revision 2 was left pending-upgrade"),
        "{}",
        h[1].2
    );
    assert_eq!(h[2].1, ReleaseStatus::Deployed);
    let audit = s
        .client
        .operations()
        .list_audit_events(ListAuditEventsRequest {
            namespace: s.namespace.clone(),
            ..ListAuditEventsRequest::default()
        })
        .await
        .expect("audit")
        .into_inner();
    assert!(
        audit
            .audit_events
            .iter()
            .any(|e| e.outcome.as_ref().is_some_and(|o| o
                .message
                .contains("recovered revision 2 left pending-upgrade"))),
        "{audit:?}"
    );
}

#[tokio::test]
async fn helmctl_takes_the_remediation_flags() {
    let s = setup("secrets", "remedy-cli").await;
    installed(&s).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = dir.path().join("web-1.1.0.tgz");
    std::fs::write(&chart, web_chart("1.1.0")).expect("chart");
    let chart = chart.display().to_string();
    let server = s.server();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "upgrade",
            "web",
            chart.as_str(),
            "-n",
            s.namespace.as_str(),
            "--wait",
            "--timeout",
            "3s",
            "--set",
            "behavior=never-ready",
        ];
        args.extend_from_slice(extra);
        crate::releases_cli::helmctl(&server, &args)
    };
    let (ok, _, err) = run(&[
        "--rollback-strategy",
        "manual",
        "--retries",
        "1",
        "--retry-backoff",
        "1s",
    ]);
    assert!(!ok);
    assert!(err.contains("a rollback would restore revision 1"), "{err}");
    assert_eq!(
        statuses(&s, "web").await,
        [
            ReleaseStatus::Deployed,
            ReleaseStatus::Failed,
            ReleaseStatus::Failed
        ],
        "two attempts, left failed"
    );
    let (ok, _, err) = run(&["--rollback-strategy", "sideways"]);
    assert!(!ok);
    assert!(
        err.contains("invalid rollback strategy \"sideways\""),
        "{err}"
    );
    let (ok, _, err) = run(&["--atomic"]);
    assert!(!ok);
    assert!(err.contains("has been rolled back"), "{err}");
    assert_eq!(
        statuses(&s, "web").await.last(),
        Some(&ReleaseStatus::Deployed)
    );
}
