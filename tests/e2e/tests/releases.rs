//! The release lifecycle over gRPC against the real cluster, on both storage
//! drivers: install (hooks, wait), upgrade (objects dropped between revisions
//! deleted), rollback, uninstall; Helm 4 sees and manages what helmd did and the
//! other way round; failure paths with their codes and reasons.

use helmd_client::Client;
use helmd_client::proto::{
    ChartReference, InstallReleaseRequest, OperationEvent, ReleaseStatus, RollbackReleaseRequest,
    UninstallReleaseRequest, UpgradeReleaseRequest, UploadedChart, Values, WaitStrategy,
    chart_reference, operation_event, operation_finished,
};
use helmd_test_cluster::Cluster;
use helmd_test_support::{Helmd, HelmdOptions, fresh_database, shared_postgres};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::Api;
use tonic::Code;

use crate::chart_validate::pack;

/// Which store helmd runs with, and the env Helm needs to read the same one.
pub(crate) struct Setup {
    pub helmd: Helmd,
    pub client: Client,
    pub cluster: &'static Cluster,
    pub namespace: String,
    pub helm_env: Vec<(String, String)>,
    pub home: tempfile::TempDir,
    /// helmd's database (to start another helmd on it).
    pub database_url: String,
}

/// helmd on the cluster with `--release-storage driver` (`sql` on a fresh Postgres
/// database, or `secrets`), and a fresh namespace.
pub(crate) async fn setup(driver: &str, prefix: &str) -> Setup {
    setup_with(driver, prefix, &[]).await
}

/// Like [`setup`], helmd started with `extra` arguments too.
pub(crate) async fn setup_with(driver: &str, prefix: &str, extra: &[String]) -> Setup {
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster.create_namespace(prefix).await.expect("namespace");
    let url = fresh_database(&shared_postgres().expect("postgres"))
        .await
        .expect("database");
    let kubeconfig = cluster.kubeconfig_path().display().to_string();
    let helmd = Helmd::start(HelmdOptions {
        database_url: Some(url.clone()),
        args: [
            "--kubeconfig".to_owned(),
            kubeconfig,
            "--release-storage".to_owned(),
            driver.to_owned(),
        ]
        .into_iter()
        .chain(extra.iter().cloned())
        .collect(),
        ..HelmdOptions::default()
    })
    .await
    .expect("helmd");
    let client = Client::from_channel(helmd.channel().await.expect("channel"));
    let helm_env = match driver {
        "sql" => vec![
            ("HELM_DRIVER".to_owned(), "sql".to_owned()),
            (
                "HELM_DRIVER_SQL_CONNECTION_STRING".to_owned(),
                format!(
                    "{url}{}sslmode=disable",
                    if url.contains('?') { '&' } else { '?' }
                ),
            ),
        ],
        _ => vec![("HELM_DRIVER".to_owned(), "secret".to_owned())],
    };
    Setup {
        helmd,
        client,
        cluster,
        namespace,
        helm_env,
        home: tempfile::tempdir().expect("tempdir"),
        database_url: url,
    }
}

impl Setup {
    /// helmd's address for helmctl's `--server`.
    pub fn server(&self) -> String {
        self.helmd.addr().to_string()
    }

    /// Runs Helm 4 against the same cluster and store; returns (success, stdout, stderr).
    pub fn helm(&self, args: &[&str]) -> (bool, String, String) {
        self.helm_in(&self.namespace, args)
    }

    /// Like [`Setup::helm`] in another namespace.
    pub fn helm_in(&self, namespace: &str, args: &[&str]) -> (bool, String, String) {
        let out = crate::fixtures::helm_cli("helm4", self.home.path())
            .args(args)
            .arg("--kubeconfig")
            .arg(self.cluster.kubeconfig_path())
            .arg("--namespace")
            .arg(namespace)
            .envs(self.helm_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("run helm");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Like [`Setup::helm`], failing the test when Helm fails.
    pub fn helm_ok(&self, args: &[&str]) -> String {
        self.helm_in_ok(&self.namespace, args)
    }

    /// Like [`Setup::helm_in`], failing the test when Helm fails.
    pub fn helm_in_ok(&self, namespace: &str, args: &[&str]) -> String {
        let (ok, out, err) = self.helm_in(namespace, args);
        assert!(ok, "helm {args:?} in {namespace} failed: {err}");
        out
    }

    /// The namespace's ConfigMaps' names.
    pub async fn config_maps(&self) -> Vec<String> {
        let client = self.cluster.admin_client().await.expect("admin");
        let api: Api<ConfigMap> = Api::namespaced(client, &self.namespace);
        let mut names: Vec<String> = api
            .list(&Default::default())
            .await
            .expect("list")
            .items
            .into_iter()
            .filter_map(|c| c.metadata.name)
            .filter(|n| n != "kube-root-ca.crt")
            .collect();
        names.sort();
        names
    }
}

/// The test chart: a ConfigMap always, a second one while `extra` is on, a
/// Deployment (ports spelled out for 1.20's server-side apply), a pre-install
/// Job hook, notes.
pub(crate) fn web_chart(version: &str) -> Vec<u8> {
    let chart_yaml =
        format!("apiVersion: v2\nname: web\nversion: {version}\nappVersion: \"1.0\"\n");
    pack(
        "web",
        &[
            ("Chart.yaml", chart_yaml.as_str()),
            (
                "values.yaml",
                "greeting: hello\nextra: true\nreplicas: 1\nbehavior: \"\"\n",
            ),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-main\ndata:\n  greeting: {{ .Values.greeting | quote }}\n  revision: {{ .Release.Revision | quote }}\n",
            ),
            (
                "templates/extra.yaml",
                "{{- if .Values.extra }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  on: \"yes\"\n{{- end }}\n",
            ),
            (
                "templates/deployment.yaml",
                concat!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
                    "spec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: {{ .Release.Name }}}\n",
                    "  template:\n    metadata:\n      labels: {app: {{ .Release.Name }}}\n",
                    "{{- with .Values.behavior }}\n      annotations:\n        helmd.test/behavior: {{ . }}\n{{- end }}\n",
                    "    spec:\n      containers:\n        - name: web\n          image: registry.invalid/web:1\n",
                    "          ports:\n            - containerPort: 80\n              protocol: TCP\n",
                ),
            ),
            (
                "templates/hook.yaml",
                concat!(
                    "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-setup\n",
                    "  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded\n",
                    "spec:\n  backoffLimit: 0\n  template:\n",
                    "{{- with .Values.hookBehavior }}\n    metadata:\n      annotations:\n        helmd.test/behavior: {{ . }}\n        helmd.test/after-seconds: \"1\"\n{{- end }}\n",
                    "    spec:\n      restartPolicy: Never\n      containers:\n        - name: setup\n          image: registry.invalid/setup:1\n",
                ),
            ),
            (
                "templates/NOTES.txt",
                "{{ .Release.Name }} is at revision {{ .Release.Revision }}.\n",
            ),
        ],
    )
}

pub(crate) fn uploaded(archive: Vec<u8>) -> Option<ChartReference> {
    Some(ChartReference {
        source: Some(chart_reference::Source::Uploaded(UploadedChart {
            archive: archive.into(),
        })),
    })
}

pub(crate) fn set(exprs: &[&str]) -> Option<Values> {
    Some(Values {
        set: exprs.iter().map(|s| (*s).to_owned()).collect(),
        ..Values::default()
    })
}

pub(crate) fn timeout(secs: i64) -> Option<prost_types::Duration> {
    Some(prost_types::Duration {
        seconds: secs,
        nanos: 0,
    })
}

/// Reads an operation's stream to the end: its events, and `finished`'s result.
pub(crate) async fn drain(
    stream: tonic::Streaming<OperationEvent>,
) -> (Vec<OperationEvent>, Option<operation_finished::Result>) {
    let mut stream = stream;
    let mut events = Vec::new();
    while let Some(event) = stream.message().await.expect("stream") {
        events.push(event);
    }
    let first = events.first().and_then(|e| e.payload.clone());
    assert!(
        matches!(first, Some(operation_event::Payload::Started(_))),
        "first event is started: {events:?}"
    );
    let sequences: Vec<u64> = events.iter().map(|e| e.sequence).collect();
    assert!(
        sequences.windows(2).all(|w| w[1] == w[0] + 1),
        "sequences: {sequences:?}"
    );
    let result = match events.last().and_then(|e| e.payload.clone()) {
        Some(operation_event::Payload::Finished(f)) => f.result,
        other => panic!("last event is not finished: {other:?}"),
    };
    (events, result)
}

/// The release a finished operation returned, failing the test on an error.
pub(crate) fn released(result: Option<operation_finished::Result>) -> helmd_client::proto::Release {
    match result {
        Some(operation_finished::Result::Release(r)) => r,
        other => panic!("operation did not return a release: {other:?}"),
    }
}

/// The error a finished operation returned: (code, ErrorInfo reason, message).
pub(crate) fn failed(result: Option<operation_finished::Result>) -> (Code, String, String) {
    use prost::Message;
    match result {
        Some(operation_finished::Result::Error(status)) => {
            let reason = status
                .details
                .iter()
                .find(|d| d.type_url.ends_with("google.rpc.ErrorInfo"))
                .and_then(|d| tonic_types::pb::ErrorInfo::decode(d.value.as_slice()).ok())
                .map(|i| i.reason)
                .unwrap_or_default();
            (Code::from_i32(status.code), reason, status.message)
        }
        other => panic!("operation did not fail: {other:?}"),
    }
}

pub(crate) async fn install(
    s: &Setup,
    request: InstallReleaseRequest,
) -> (Vec<OperationEvent>, Option<operation_finished::Result>) {
    let stream = s
        .client
        .releases()
        .install_release(request)
        .await
        .expect("install accepted")
        .into_inner();
    drain(stream).await
}

pub(crate) async fn upgrade(
    s: &Setup,
    request: UpgradeReleaseRequest,
) -> (Vec<OperationEvent>, Option<operation_finished::Result>) {
    let stream = s
        .client
        .releases()
        .upgrade_release(request)
        .await
        .expect("upgrade accepted")
        .into_inner();
    drain(stream).await
}

/// Uninstalls `name` (history not kept); the objects the uninstall left in place.
pub(crate) async fn uninstall_kept(
    s: &Setup,
    name: &str,
) -> Vec<helmd_client::proto::ResourceReference> {
    let stream = s
        .client
        .releases()
        .uninstall_release(UninstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: name.into(),
            ..UninstallReleaseRequest::default()
        })
        .await
        .expect("uninstall")
        .into_inner();
    let (events, _) = drain(stream).await;
    match events.last().and_then(|e| e.payload.clone()) {
        Some(operation_event::Payload::Finished(f)) => f.kept_resources,
        other => panic!("no finished event: {other:?}"),
    }
}

async fn lifecycle(driver: &str) {
    let s = setup(driver, &format!("life-{driver}")).await;
    let ns = s.namespace.clone();
    let (events, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            values: set(&["greeting=hi"]),
            wait: WaitStrategy::Watcher as i32,
            timeout: timeout(120),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    let first = released(result);
    assert_eq!(first.revision, 1);
    assert_eq!(first.status, ReleaseStatus::Deployed as i32);
    assert_eq!(first.description, "Install complete");
    assert_eq!(first.notes, "web is at revision 1.\n");
    assert!(
        events.iter().any(|e| matches!(&e.payload, Some(operation_event::Payload::Hook(h)) if h.name == "web-setup")),
        "the pre-install hook ran: {events:?}"
    );
    assert_eq!(s.config_maps().await, ["web-extra", "web-main"]);

    // Helm lists helmd's release and reads its values.
    let listed = s.helm_ok(&["list", "-o", "json"]);
    assert!(listed.contains("\"name\":\"web\""), "{listed}");
    assert!(listed.contains("\"status\":\"deployed\""), "{listed}");
    let values = s.helm_ok(&["get", "values", "web", "-o", "json"]);
    assert_eq!(values.trim(), r#"{"greeting":"hi"}"#);

    // An upgrade that drops an object deletes it; the old revision is superseded.
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.1.0")),
            values: set(&["extra=false"]),
            timeout: timeout(120),
            ..UpgradeReleaseRequest::default()
        },
    )
    .await;
    let second = released(result);
    assert_eq!(
        (second.revision, second.status),
        (2, ReleaseStatus::Deployed as i32)
    );
    assert_eq!(s.config_maps().await, ["web-main"]);
    let history = s.helm_ok(&["history", "web", "-o", "json"]);
    assert!(history.contains("\"status\":\"superseded\""), "{history}");

    // Rollback to the previous revision brings the object back as revision 3.
    let stream = s
        .client
        .releases()
        .rollback_release(RollbackReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            ..RollbackReleaseRequest::default()
        })
        .await
        .expect("rollback accepted")
        .into_inner();
    let third = released(drain(stream).await.1);
    assert_eq!(
        (third.revision, third.description.as_str()),
        (3, "Rollback to 1")
    );
    assert_eq!(s.config_maps().await, ["web-extra", "web-main"]);

    // Helm upgrades what helmd rolled back, and helmd reads Helm's revision.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("web-1.2.0.tgz");
    std::fs::write(&path, web_chart("1.2.0")).expect("chart");
    s.helm_ok(&[
        "upgrade",
        "web",
        &path.display().to_string(),
        "--set",
        "greeting=from-helm",
    ]);
    let got = s
        .client
        .releases()
        .get_release(helmd_client::proto::GetReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            ..Default::default()
        })
        .await
        .expect("get")
        .into_inner()
        .release
        .expect("release");
    assert_eq!(
        (got.revision, got.status),
        (4, ReleaseStatus::Deployed as i32)
    );

    // helmd uninstalls what Helm last upgraded.
    let stream = s
        .client
        .releases()
        .uninstall_release(UninstallReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            ..UninstallReleaseRequest::default()
        })
        .await
        .expect("uninstall accepted")
        .into_inner();
    let gone = released(drain(stream).await.1);
    assert_eq!(gone.status, ReleaseStatus::Uninstalled as i32);
    assert!(s.config_maps().await.is_empty());
    let err = s
        .client
        .releases()
        .get_release(helmd_client::proto::GetReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            ..Default::default()
        })
        .await
        .expect_err("purged");
    crate::common::assert_error(&err, Code::NotFound, "RELEASE_NOT_FOUND");
}

#[tokio::test]
async fn a_release_lives_through_install_upgrade_rollback_and_uninstall_on_sql() {
    lifecycle("sql").await;
}

#[tokio::test]
async fn a_release_lives_through_install_upgrade_rollback_and_uninstall_on_secrets() {
    lifecycle("secrets").await;
}

#[tokio::test]
async fn helmd_upgrades_rolls_back_and_uninstalls_what_helm_installed() {
    let s = setup("secrets", "from-helm").await;
    let ns = s.namespace.clone();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("web-1.0.0.tgz");
    std::fs::write(&path, web_chart("1.0.0")).expect("chart");
    s.helm_ok(&[
        "install",
        "web",
        &path.display().to_string(),
        "--server-side=true",
        "--wait",
    ]);
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.1.0")),
            values: set(&["extra=false"]),
            ..UpgradeReleaseRequest::default()
        },
    )
    .await;
    let upgraded = released(result);
    assert_eq!(upgraded.revision, 2);
    assert_eq!(s.config_maps().await, ["web-main"]);
    let status = s.helm_ok(&["status", "web", "-o", "json"]);
    assert!(status.contains("\"version\":2"), "{status}");
    let stream = s
        .client
        .releases()
        .rollback_release(RollbackReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            revision: 1,
            ..RollbackReleaseRequest::default()
        })
        .await
        .expect("rollback")
        .into_inner();
    assert_eq!(released(drain(stream).await.1).revision, 3);
    assert_eq!(s.config_maps().await, ["web-extra", "web-main"]);
    // Helm itself rolls back what helmd did.
    s.helm_ok(&["rollback", "web", "2"]);
    assert_eq!(s.config_maps().await, ["web-main"]);
    let stream = s
        .client
        .releases()
        .uninstall_release(UninstallReleaseRequest {
            namespace: ns.clone(),
            name: "web".into(),
            keep_history: true,
            ..UninstallReleaseRequest::default()
        })
        .await
        .expect("uninstall")
        .into_inner();
    released(drain(stream).await.1);
    let listed = s.helm_ok(&["list", "--uninstalled", "-o", "json"]);
    assert!(listed.contains("\"status\":\"uninstalled\""), "{listed}");
}

#[tokio::test]
async fn a_failing_hook_fails_the_install_naming_the_hook_and_records_it_failed() {
    let s = setup("sql", "hook-fail").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            values: set(&["hookBehavior=fail"]),
            timeout: timeout(60),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::FailedPrecondition, "HOOK_FAILED")
    );
    assert!(message.contains("pre-install"), "{message}");
    assert!(message.contains("web/templates/hook.yaml"), "{message}");
    let (_, out, _) = s.helm(&["history", "web", "-o", "json"]);
    assert!(out.contains("\"status\":\"failed\""), "{out}");
    assert!(
        s.config_maps().await.is_empty(),
        "nothing applied after the failed hook"
    );
}

#[tokio::test]
async fn a_deployment_that_never_becomes_ready_times_out_naming_it() {
    let s = setup("sql", "never-ready").await;
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            values: set(&["behavior=never-ready"]),
            wait: WaitStrategy::Watcher as i32,
            timeout: timeout(4),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::DeadlineExceeded, "WAIT_TIMEOUT")
    );
    assert!(message.contains("Deployment"), "{message}");
    assert!(message.contains("\"web\""), "{message}");
}

#[tokio::test]
async fn an_object_of_nobody_is_not_taken_over_unless_asked() {
    let s = setup("secrets", "owned").await;
    let client = s.cluster.admin_client().await.expect("admin");
    let api: Api<ConfigMap> = Api::namespaced(client, &s.namespace);
    let cm: ConfigMap = serde_json::from_value(serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web-main"}, "data": {"a": "b"}
    }))
    .expect("cm");
    api.create(&Default::default(), &cm).await.expect("create");
    let request = InstallReleaseRequest {
        namespace: s.namespace.clone(),
        name: "web".into(),
        chart: uploaded(web_chart("1.0.0")),
        ..InstallReleaseRequest::default()
    };
    let (_, result) = install(&s, request.clone()).await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::FailedPrecondition, "RESOURCE_NOT_OWNED")
    );
    assert!(
        message.starts_with("unable to continue with install: ConfigMap \"web-main\" in namespace"),
        "{message}"
    );
    // Nothing was recorded: the name is free for the retry that takes ownership.
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            take_ownership: true,
            ..request
        },
    )
    .await;
    assert_eq!(released(result).status, ReleaseStatus::Deployed as i32);
    let taken = api.get("web-main").await.expect("cm");
    let annotations = taken.metadata.annotations.unwrap_or_default();
    assert_eq!(
        annotations
            .get("meta.helm.sh/release-name")
            .map(String::as_str),
        Some("web")
    );
}

#[tokio::test]
async fn a_second_operation_on_a_busy_release_is_refused_with_release_locked() {
    let s = setup("sql", "locked").await;
    // The pre-install hook takes a few seconds: the release is busy meanwhile.
    let stream = s
        .client
        .releases()
        .install_release(InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            values: set(&["hookBehavior=slow-start"]),
            timeout: timeout(60),
            ..InstallReleaseRequest::default()
        })
        .await
        .expect("first install")
        .into_inner();
    let second = s
        .client
        .releases()
        .upgrade_release(UpgradeReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            install: true,
            ..UpgradeReleaseRequest::default()
        })
        .await
        .expect_err("locked");
    crate::common::assert_error(&second, Code::Aborted, "RELEASE_LOCKED");
    assert_eq!(released(drain(stream).await.1).revision, 1);
}

#[tokio::test]
async fn refused_requests_fail_the_call_and_write_nothing() {
    let s = setup("sql", "refused").await;
    let bad_name = s
        .client
        .releases()
        .install_release(InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "Not_A_Name".into(),
            chart: uploaded(web_chart("1.0.0")),
            ..InstallReleaseRequest::default()
        })
        .await
        .expect_err("bad name");
    crate::common::assert_error(&bad_name, Code::InvalidArgument, "REQUEST_INVALID");
    let missing = s
        .client
        .releases()
        .rollback_release(RollbackReleaseRequest {
            namespace: s.namespace.clone(),
            name: "ghost".into(),
            ..RollbackReleaseRequest::default()
        })
        .await
        .expect_err("missing");
    crate::common::assert_error(&missing, Code::NotFound, "RELEASE_NOT_FOUND");
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
    let again = s
        .client
        .releases()
        .install_release(InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(web_chart("1.0.0")),
            ..InstallReleaseRequest::default()
        })
        .await
        .expect_err("in use");
    crate::common::assert_error(&again, Code::AlreadyExists, "RELEASE_ALREADY_EXISTS");
    let bad_revision = s
        .client
        .releases()
        .rollback_release(RollbackReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            revision: 7,
            ..RollbackReleaseRequest::default()
        })
        .await
        .expect_err("no such revision");
    crate::common::assert_error(
        &bad_revision,
        Code::InvalidArgument,
        "ROLLBACK_TARGET_INVALID",
    );
}

#[tokio::test]
async fn a_chart_whose_ports_omit_protocol_installs_on_every_supported_server() {
    let s = setup("secrets", "protocol").await;
    let chart = pack(
        "ports",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: ports\nversion: 1.0.0\n",
            ),
            (
                "templates/svc.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  selector: {app: x}\n  ports:\n    - port: 80\n",
            ),
            (
                "templates/pod.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  containers:\n    - name: c\n      image: registry.invalid/c:1\n      ports:\n        - containerPort: 8080\n",
            ),
        ],
    );
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "ports".into(),
            chart: uploaded(chart),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    let release = released(result);
    assert_eq!(release.status, ReleaseStatus::Deployed as i32);
    // The stored manifest is the chart's, as rendered: the default is only sent.
    assert!(
        !release.manifest.contains("protocol"),
        "{}",
        release.manifest
    );
}

#[tokio::test]
async fn uninstall_keeps_objects_marked_keep_and_reports_them() {
    let s = setup("sql", "keep").await;
    let chart = pack(
        "keeper",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: keeper\nversion: 1.0.0\n",
            ),
            (
                "templates/kept.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-kept\n  annotations:\n    helm.sh/resource-policy: keep\n",
            ),
            (
                "templates/gone.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-gone\n",
            ),
        ],
    );
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "web".into(),
            chart: uploaded(chart),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    released(result);
    assert_eq!(s.config_maps().await, ["web-gone", "web-kept"]);
    let kept = uninstall_kept(&s, "web").await;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        (kept[0].kind.as_str(), kept[0].name.as_str()),
        ("ConfigMap", "web-kept")
    );
    assert_eq!(s.config_maps().await, ["web-kept"]);
}

#[tokio::test]
async fn a_field_another_manager_owns_is_a_conflict_unless_forced() {
    let s = setup("sql", "conflict").await;
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
    // Another manager takes the greeting with server-side apply.
    let client = s.cluster.admin_client().await.expect("admin");
    let api: Api<ConfigMap> = Api::namespaced(client, &s.namespace);
    let patch = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web-main"}, "data": {"greeting": "mine"}
    });
    api.patch(
        "web-main",
        &kube::api::PatchParams::apply("someone-else").force(),
        &kube::api::Patch::Apply(&patch),
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
    let (_, result) = upgrade(&s, request.clone()).await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::FailedPrecondition, "RESOURCE_CONFLICT")
    );
    assert!(message.contains("someone-else"), "{message}");
    assert!(message.contains(".data.greeting"), "{message}");
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            force_conflicts: true,
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
        Some("ours")
    );
}
