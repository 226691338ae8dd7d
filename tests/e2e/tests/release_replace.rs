//! `force_replace` (Helm 4's `--force-replace`) against the real helmd and cluster: an
//! upgrade that changes a Job's pod template (immutable) fails without it, naming the
//! Job, and re-creates the Job with it; a replace overwrites a field another field
//! manager owns and drops what the chart does not set, with no conflict, and leaves
//! the field ownership so that the next plain upgrade applies cleanly; the option's
//! contradictions are refused; an object adopted on install is replaced; a server dry
//! run changes nothing; helmctl's `--force` (Helm's deprecated name) on a
//! rollback; and what Helm 4 itself does with the same requests.

use helmd_client::proto::{InstallReleaseRequest, UpgradeReleaseRequest};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use tonic::Code;

use crate::chart_validate::pack;
use crate::common::assert_error;
use crate::releases::{
    Setup, failed, install, released, set, setup, timeout, upgrade, uploaded, web_chart,
};

/// A chart with a Job whose pod template carries `.Values.flavour` as a label.
fn job_chart(version: &str) -> Vec<u8> {
    let chart_yaml = format!("apiVersion: v2\nname: batch\nversion: {version}\n");
    pack(
        "batch",
        &[
            ("Chart.yaml", chart_yaml.as_str()),
            ("values.yaml", "flavour: plain\n"),
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

fn job_upgrade(s: &Setup, flavour: &str, force_replace: bool) -> UpgradeReleaseRequest {
    UpgradeReleaseRequest {
        namespace: s.namespace.clone(),
        name: "batch".into(),
        chart: uploaded(job_chart("1.0.0")),
        values: set(&[format!("flavour={flavour}").as_str()]),
        force_replace,
        timeout: timeout(120),
        ..UpgradeReleaseRequest::default()
    }
}

#[tokio::test]
async fn an_immutable_change_fails_without_force_replace_and_recreates_the_object_with_it() {
    let s = setup("sql", "replace-job").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "batch".into(),
            chart: uploaded(job_chart("1.0.0")),
            timeout: timeout(120),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    released(result);
    let client = s.cluster.admin_client().await.expect("admin");
    let jobs: Api<Job> = Api::namespaced(client, &s.namespace);
    let before = jobs.get("batch-migrate").await.expect("job");

    let (_, result) = upgrade(&s, job_upgrade(&s, "spicy", false)).await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::InvalidArgument, "KUBERNETES_REJECTED")
    );
    assert!(
        message.contains(&format!(
            "Job \"batch-migrate\" in namespace \"{}\"",
            s.namespace
        )),
        "{message}"
    );
    assert!(message.contains("field is immutable"), "{message}");

    // A server dry run of the replace validates it and changes nothing.
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            dry_run: helmd_client::proto::DryRun::Server as i32,
            ..job_upgrade(&s, "spicy", true)
        },
    )
    .await;
    released(result);
    let unchanged = jobs.get("batch-migrate").await.expect("job");
    assert_eq!(unchanged.metadata.uid, before.metadata.uid);

    let (events, result) = upgrade(&s, job_upgrade(&s, "spicy", true)).await;
    assert_eq!(released(result).revision, 3);
    let after = jobs.get("batch-migrate").await.expect("job");
    assert_ne!(after.metadata.uid, before.metadata.uid, "re-created");
    let labels = after
        .spec
        .and_then(|spec| spec.template.metadata)
        .and_then(|m| m.labels)
        .unwrap_or_default();
    assert_eq!(labels.get("flavour").map(String::as_str), Some("spicy"));
    let owner = after.metadata.annotations.unwrap_or_default();
    assert_eq!(
        owner.get("meta.helm.sh/release-name").map(String::as_str),
        Some("batch")
    );
    assert!(
        events.iter().any(|e| matches!(
            &e.payload,
            Some(helmd_client::proto::operation_event::Payload::Progress(p))
                if p.message == "deleted and created again"
        )),
        "{events:?}"
    );

    // helmctl's rollback with Helm's deprecated `--force` replaces it back.
    let out = std::process::Command::new(
        helmd_test_support::binaries::binary("helmd-client", "helmctl").expect("helmctl"),
    )
    .args(["--server", &s.server(), "rollback", "batch", "1", "--force"])
    .args(["-n", &s.namespace, "--timeout", "2m"])
    .output()
    .expect("run helmctl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let back = jobs.get("batch-migrate").await.expect("job");
    let labels = back
        .spec
        .and_then(|spec| spec.template.metadata)
        .and_then(|m| m.labels)
        .unwrap_or_default();
    assert_eq!(labels.get("flavour").map(String::as_str), Some("plain"));
}

#[tokio::test]
async fn replace_overwrites_fields_another_manager_owns_and_the_next_apply_is_clean() {
    let s = setup("sql", "replace-cm").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    released(result);
    let client = s.cluster.admin_client().await.expect("admin");
    let api: Api<ConfigMap> = Api::namespaced(client, &s.namespace);
    let theirs = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web-main"},
        "data": {"greeting": "mine", "theirs": "kept?"}
    });
    api.patch(
        "web-main",
        &kube::api::PatchParams::apply("someone-else").force(),
        &kube::api::Patch::Apply(&theirs),
    )
    .await
    .expect("other manager applies");
    let request = UpgradeReleaseRequest {
        namespace: s.namespace.clone(),
        name: "web".into(),
        chart: uploaded(web_chart("1.0.1")),
        values: set(&["greeting=ours"]),
        ..UpgradeReleaseRequest::default()
    };

    // The exclusive combinations Helm refuses.
    for (field, value) in [("force_conflicts", true), ("apply_method", false)] {
        let mut bad = UpgradeReleaseRequest {
            force_replace: true,
            ..request.clone()
        };
        if value {
            bad.force_conflicts = true;
        } else {
            bad.apply_method = helmd_client::proto::ApplyMethod::ServerSide as i32;
        }
        let status = s
            .client
            .releases()
            .upgrade_release(bad)
            .await
            .err()
            .unwrap_or_else(|| panic!("{field} with force_replace accepted"));
        assert_error(&status, Code::InvalidArgument, "REQUEST_INVALID");
        assert!(
            status.message().contains("force replace together"),
            "{status:?}"
        );
    }

    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            force_replace: true,
            ..request.clone()
        },
    )
    .await;
    assert_eq!(released(result).revision, 2);
    let cm = api.get("web-main").await.expect("cm");
    let data = cm.data.clone().unwrap_or_default();
    assert_eq!(data.get("greeting").map(String::as_str), Some("ours"));
    assert_eq!(
        data.get("theirs"),
        None,
        "a replace drops what the chart lacks"
    );
    let labels = cm.metadata.labels.clone().unwrap_or_default();
    assert_eq!(
        labels
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("Helm")
    );
    let managers: Vec<(String, String)> = cm
        .metadata
        .managed_fields
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            (
                e.manager.unwrap_or_default(),
                e.operation.unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        managers.contains(&("helm".to_owned(), "Apply".to_owned())),
        "{managers:?}"
    );
    assert!(
        !managers.contains(&("helm".to_owned(), "Update".to_owned())),
        "{managers:?}"
    );

    // A plain upgrade (server-side apply) changes the replaced field without conflict.
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            values: set(&["greeting=again"]),
            ..request
        },
    )
    .await;
    assert_eq!(released(result).revision, 3);
    let cm = api.get("web-main").await.expect("cm");
    assert_eq!(
        cm.data
            .unwrap_or_default()
            .get("greeting")
            .map(String::as_str),
        Some("again")
    );
}

#[tokio::test]
async fn an_adopted_object_is_replaced_on_install_with_force_replace() {
    let s = setup("sql", "replace-adopt").await;
    let client = s.cluster.admin_client().await.expect("admin");
    let api: Api<ConfigMap> = Api::namespaced(client, &s.namespace);
    let stray = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "cfg-settings"},
        "data": {"mode": "hand-made", "stray": "yes"}
    }))
    .expect("config map");
    api.create(&Default::default(), &stray)
        .await
        .expect("create");
    let chart = pack(
        "cfg",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: cfg\nversion: 1.0.0\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  mode: charted\n",
            ),
        ],
    );
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "cfg".into(),
            chart: uploaded(chart),
            take_ownership: true,
            force_replace: true,
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    released(result);
    let cm = api.get("cfg-settings").await.expect("cm");
    let data = cm.data.unwrap_or_default();
    assert_eq!(data.get("mode").map(String::as_str), Some("charted"));
    assert_eq!(data.get("stray"), None, "replaced, not merged");
    assert_eq!(
        cm.metadata
            .labels
            .unwrap_or_default()
            .get("app.kubernetes.io/managed-by")
            .map(String::as_str),
        Some("Helm")
    );
}

#[tokio::test]
async fn helm_4_refuses_force_replace_over_server_side_apply() {
    // What Helm 4 itself does with the same request, for the record: its replace needs
    // client-side apply, and a release installed with server-side apply refuses it.
    let s = setup("sql", "replace-helm").await;
    let archive = s.home.path().join("batch-1.0.0.tgz");
    std::fs::write(&archive, job_chart("1.0.0")).expect("archive");
    let archive = archive.display().to_string();
    s.helm_ok(&["install", "batch", &archive]);
    let (ok, _, err) = s.helm(&[
        "upgrade",
        "batch",
        &archive,
        "--force-replace",
        "--set",
        "flavour=spicy",
    ]);
    assert!(!ok, "helm replaced over server-side apply");
    assert!(
        err.contains("cannot use server-side apply and force replace together"),
        "{err}"
    );
    // With client-side apply Helm sends the PUT, which the API server refuses.
    let (ok, _, err) = s.helm(&[
        "upgrade",
        "batch",
        &archive,
        "--force-replace",
        "--server-side=false",
        "--set",
        "flavour=spicy",
    ]);
    assert!(!ok, "helm replaced an immutable field");
    assert!(err.contains("field is immutable"), "{err}");
}
