//! helmd's release stores against the real Helm 4.3.2 CLI, both drivers, both
//! directions: Helm installs and helmd's store reads the record field for field;
//! helmd's store writes a revision and Helm's history, get, list, rollback and
//! uninstall work on it. Store-level: the release actions and RPCs come later.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use helmd::sources::LazyKube;
use helmd::storage::{ConnectOptions, Database, SecretsReleaseStore, SqlReleaseStore};
use helmd_release::{Release, ReleaseStore, Status};
use helmd_test_cluster::Cluster;
use serde_json::{Value as Json, json};

use crate::chart_validate::pack;

/// Which of Helm's drivers a test drives: the env `helm` runs with, and helmd's store.
struct Driver {
    /// Whether `query` returns Helm's own labels too (the Secrets driver's List/Query).
    query_has_system_labels: bool,
    env: Vec<(&'static str, String)>,
    store: Arc<dyn ReleaseStore>,
    raw: Raw,
}

/// Where the record body Helm wrote is read back as stored.
pub(crate) enum Raw {
    /// The Secret's `data.release` (cluster admin client).
    Secret(kube::Client),
    /// `releases_v1.body` (the database URL).
    Sql(String),
}

impl Raw {
    /// The JSON inside the stored body of `name`'s revision `version`.
    pub(crate) async fn record(&self, namespace: &str, name: &str, version: i64) -> Json {
        let key = helmd_release::record_key(name, version);
        let body = match self {
            Raw::Secret(client) => {
                let secret = kube::Api::<k8s_openapi::api::core::v1::Secret>::namespaced(
                    client.clone(),
                    namespace,
                )
                .get(&key)
                .await
                .expect("the record Secret");
                let data = secret.data.unwrap_or_default();
                String::from_utf8(data["release"].0.clone()).expect("text body")
            }
            Raw::Sql(url) => {
                use sqlx::Connection as _;
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query_scalar("SELECT body FROM releases_v1 WHERE key = $1 AND namespace = $2")
                    .bind(&key)
                    .bind(namespace)
                    .fetch_one(&mut conn)
                    .await
                    .expect("the record row")
            }
        };
        let json = helmd_release::decode_body(&body).expect("Helm's body");
        serde_json::from_slice(&json).expect("Helm's record JSON")
    }
}

/// Runs Helm 4 with a private home, the cluster and the driver; returns stdout.
fn helm(home: &Path, cluster: &Cluster, driver: &Driver, args: &[&str]) -> String {
    let out = crate::fixtures::helm_cli("helm4", home)
        .args(args)
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig_path())
        .envs(driver.env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "helm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn helm_json(home: &Path, cluster: &Cluster, driver: &Driver, args: &[&str]) -> Json {
    let out = helm(home, cluster, driver, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("helm {args:?} JSON: {e}\n{out}"))
}

/// A small chart with values, a NOTES.txt and a post-install hook.
fn chart(dir: &Path) -> String {
    let archive = pack(
        "stored",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: stored\nversion: 0.3.1\nappVersion: \"2.0\"\n\
                 description: A chart whose release record crosses between Helm and helmd\n\
                 keywords: [store, interop]\n",
            ),
            ("values.yaml", "greeting: hello\nextra:\n  answer: 1\n"),
            (
                "templates/cm.yaml",
                concat!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n",
                    "data:\n  greeting: {{ .Values.greeting | quote }}\n",
                    "  answer: {{ .Values.extra.answer | quote }}\n",
                ),
            ),
            (
                "templates/hook.yaml",
                concat!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hook\n",
                    "  annotations:\n    \"helm.sh/hook\": post-install\n",
                    "    \"helm.sh/hook-weight\": \"3\"\n",
                    "data:\n  ran: \"yes\"\n",
                ),
            ),
            (
                "templates/NOTES.txt",
                "{{ .Release.Name }} says {{ .Values.greeting }} in {{ .Release.Namespace }}.\n",
            ),
        ],
    );
    let path = dir.join("stored-0.3.1.tgz");
    std::fs::write(&path, archive).expect("write chart");
    path.display().to_string()
}

/// Helm's SQL driver on `url` (a database helmd's migrations set up), with helmd's
/// SQL store over the same database.
async fn sql_driver(url: &str) -> Driver {
    let options = ConnectOptions {
        max_connections: 2,
        connect_timeout: Duration::from_secs(30),
        acquire_timeout: Duration::from_secs(30),
    };
    let db = Database::connect(url, &options).await.expect("connect");
    db.migrate().await.expect("helmd's migrations");
    let separator = if url.contains('?') { '&' } else { '?' };
    Driver {
        query_has_system_labels: false,
        env: vec![
            ("HELM_DRIVER", "sql".to_owned()),
            (
                "HELM_DRIVER_SQL_CONNECTION_STRING",
                format!("{url}{separator}sslmode=disable"),
            ),
        ],
        store: Arc::new(SqlReleaseStore::new(db)),
        raw: Raw::Sql(url.to_owned()),
    }
}

fn status_of(release: &Release) -> Status {
    release
        .info
        .as_ref()
        .map(|i| i.status.clone())
        .unwrap_or_default()
}

async fn round_trip(cluster: &Cluster, namespace: &str, driver: Driver) {
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = chart(dir.path());
    let home = dir.path();
    helm(
        home,
        cluster,
        &driver,
        &[
            "install",
            "rs",
            &chart,
            "--namespace",
            namespace,
            "--set",
            "extra.answer=42",
            "--labels",
            "team=red",
        ],
    );

    // Helm wrote, helmd reads: every field Helm shows is what helmd decoded.
    let store = &driver.store;
    let first = store
        .get(namespace, "rs", 1)
        .await
        .expect("helmd reads rev 1");
    let ours: Json = serde_json::from_str(&helmd_release::release_json(&first).expect("json"))
        .expect("helmd's JSON");
    let theirs = helm_json(
        home,
        cluster,
        &driver,
        &["status", "rs", "--namespace", namespace, "--output", "json"],
    );
    // `helm status` reads the live objects into info.resources; the record has none.
    let mut theirs = theirs;
    if let Some(info) = theirs["info"].as_object_mut() {
        info.remove("resources");
    }
    for field in [
        "name",
        "namespace",
        "version",
        "info",
        "config",
        "manifest",
        "hooks",
    ] {
        assert_eq!(ours[field], theirs[field], "field {field}");
    }
    // `helm status` leaves the chart out: the stored record has it, and helmd's
    // re-encoding of what it read is Helm's record, field for field.
    let stored = driver.raw.record(namespace, "rs", 1).await;
    assert_eq!(ours["chart"], stored["chart"]);
    assert_eq!(ours, stored);
    assert_eq!(first.name, "rs");
    assert_eq!(first.namespace, namespace);
    assert_eq!(first.version, 1);
    assert_eq!(status_of(&first), Status::Deployed);
    let info = first.info.clone().expect("info");
    assert_eq!(info.description, "Install complete");
    assert_eq!(info.notes, format!("rs says hello in {namespace}.\n"));
    let values = helm_json(
        home,
        cluster,
        &driver,
        &[
            "get",
            "values",
            "rs",
            "--namespace",
            namespace,
            "-o",
            "json",
        ],
    );
    assert_eq!(values, json!({"extra": {"answer": 42}}));
    assert_eq!(ours["config"], values);
    let manifest = helm(
        home,
        cluster,
        &driver,
        &["get", "manifest", "rs", "--namespace", namespace],
    );
    assert_eq!(manifest.trim_end(), first.manifest.trim_end());
    assert_eq!(first.hooks.len(), 1);
    assert_eq!(first.hooks[0].name, "rs-hook");
    assert_eq!(first.hooks[0].events, ["post-install"]);
    assert_eq!(first.hooks[0].weight, 3);
    let metadata = first
        .chart
        .as_ref()
        .and_then(|c| c.metadata.as_ref())
        .expect("chart metadata");
    assert_eq!(
        (metadata.name.as_str(), metadata.version.as_str()),
        ("stored", "0.3.1")
    );
    assert_eq!(
        first.labels,
        BTreeMap::from([("team".to_owned(), "red".to_owned())])
    );

    let listed = store.history(namespace, "rs").await.expect("history");
    assert_eq!(listed.len(), 1);
    let labels = &listed[0].labels;
    assert_eq!(labels.get("team").map(String::as_str), Some("red"));
    if driver.query_has_system_labels {
        assert_eq!(labels.get("owner").map(String::as_str), Some("helm"));
        assert_eq!(labels.get("status").map(String::as_str), Some("deployed"));
        assert_eq!(labels.get("version").map(String::as_str), Some("1"));
        // Helm's install creates the record pending, then updates it from the
        // release it holds (custom labels only): `modifiedAt` replaced `createdAt`.
        assert!(labels.contains_key("modifiedAt"), "{labels:?}");
        assert!(!labels.contains_key("createdAt"), "{labels:?}");
    } else {
        assert_eq!(labels.len(), 1, "{labels:?}");
    }

    // helmd writes revision 2 (revision 1 superseded) with its own values and labels.
    let mut doc = ours.clone();
    doc["version"] = json!(2);
    doc["config"] = json!({"extra": {"answer": 43}});
    doc["info"]["description"] = json!("Upgraded by helmd");
    let mut second = helmd_release::release_from_json(&doc.to_string()).expect("rev 2");
    second.labels = BTreeMap::from([("team".to_owned(), "blue".to_owned())]);
    store.create(&second).await.expect("helmd writes rev 2");
    assert!(matches!(
        store.create(&second).await,
        Err(helmd_release::Error::Exists)
    ));
    let mut superseded = first.clone();
    if let Some(info) = superseded.info.as_mut() {
        info.status = Status::Superseded;
    }
    store.update(&superseded).await.expect("supersede rev 1");

    let blue = store
        .query(&helmd_release::Query {
            namespace: Some(namespace.to_owned()),
            labels: BTreeMap::from([("team".to_owned(), "blue".to_owned())]),
            ..Default::default()
        })
        .await
        .expect("query by custom label");
    assert_eq!(
        blue.iter().map(|r| r.version).collect::<Vec<_>>(),
        [2],
        "only revision 2 is labelled team=blue"
    );

    let history = helm_json(
        home,
        cluster,
        &driver,
        &["history", "rs", "--namespace", namespace, "-o", "json"],
    );
    let rows: Vec<(i64, String, String)> = history
        .as_array()
        .expect("history list")
        .iter()
        .map(|h| {
            (
                h["revision"].as_i64().unwrap_or_default(),
                h["status"].as_str().unwrap_or_default().to_owned(),
                h["description"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (1, "superseded".into(), "Install complete".into()),
            (2, "deployed".into(), "Upgraded by helmd".into()),
        ]
    );
    let values = helm_json(
        home,
        cluster,
        &driver,
        &[
            "get",
            "values",
            "rs",
            "--namespace",
            namespace,
            "-o",
            "json",
        ],
    );
    assert_eq!(values, json!({"extra": {"answer": 43}}));
    let manifest = helm(
        home,
        cluster,
        &driver,
        &["get", "manifest", "rs", "--namespace", namespace],
    );
    assert_eq!(manifest.trim_end(), second.manifest.trim_end());
    let listed = helm_json(
        home,
        cluster,
        &driver,
        &[
            "list",
            "--namespace",
            namespace,
            "--selector",
            "team=blue",
            "-o",
            "json",
        ],
    );
    assert_eq!(listed[0]["name"], "rs", "{listed}");
    assert_eq!(listed[0]["revision"], "2", "{listed}");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");

    // Helm acts on helmd's revision: a rollback to 1 makes revision 3.
    helm(
        home,
        cluster,
        &driver,
        &["rollback", "rs", "1", "--namespace", namespace],
    );
    let last = store.last(namespace, "rs").await.expect("last");
    assert_eq!(last.version, 3);
    assert_eq!(status_of(&last), Status::Deployed);
    let second_now = store.get(namespace, "rs", 2).await.expect("rev 2");
    assert_eq!(status_of(&second_now), Status::Superseded);
    assert_eq!(
        second_now.labels,
        BTreeMap::from([("team".to_owned(), "blue".to_owned())])
    );

    helm(
        home,
        cluster,
        &driver,
        &["uninstall", "rs", "--namespace", namespace],
    );
    let left = store.history(namespace, "rs").await.expect("history");
    assert!(left.is_empty(), "uninstall removed every record: {left:?}");
}

#[tokio::test]
async fn helm_and_helmd_share_release_records_in_secrets() {
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster.create_namespace("relsecret").await.expect("ns");
    let kube = LazyKube::from_kubeconfig(Some(cluster.kubeconfig_path()), None);
    let driver = Driver {
        query_has_system_labels: true,
        env: vec![("HELM_DRIVER", "secret".to_owned())],
        store: Arc::new(SecretsReleaseStore::new(Arc::new(kube))),
        raw: Raw::Secret(cluster.admin_client().await.expect("admin client")),
    };
    round_trip(cluster, &namespace, driver).await;
}

#[tokio::test]
async fn helm_and_helmd_share_release_records_in_sql() {
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster.create_namespace("relsql").await.expect("ns");
    let admin = helmd_test_support::postgres::shared_postgres().expect("postgres");
    let url = helmd_test_support::postgres::fresh_database(&admin)
        .await
        .expect("database");
    round_trip(cluster, &namespace, sql_driver(&url).await).await;
}

#[tokio::test]
async fn secrets_storage_without_a_cluster_still_starts() {
    // The cluster client is built at first use: start-up needs no cluster (a store
    // call then fails FAILED_PRECONDITION KUBERNETES_NOT_CONFIGURED, status.rs's tests).
    let home = tempfile::tempdir().expect("home");
    let helmd = helmd_test_support::Helmd::start(helmd_test_support::HelmdOptions {
        args: vec!["--release-storage".into(), "secrets".into()],
        env: vec![
            ("HOME".into(), home.path().display().to_string()),
            (
                "KUBECONFIG".into(),
                home.path().join("none").display().to_string(),
            ),
        ],
        ..Default::default()
    })
    .await;
    assert!(helmd.is_ok(), "{:?}", helmd.err());
}

/// GetRelease and GetReleaseHistory over gRPC serve what the real Helm installed and
/// upgraded (SQL driver, helmd on the same database), as `helm status`, `helm get` and
/// `helm history` show it.
#[tokio::test]
async fn get_release_and_history_serve_what_helm_installed() {
    use helmd_client::proto::{
        GetReleaseHistoryRequest, GetReleaseRequest, ReleaseStatus, ReleaseView,
    };
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster.create_namespace("relget").await.expect("ns");
    let admin = helmd_test_support::postgres::shared_postgres().expect("postgres");
    let url = helmd_test_support::postgres::fresh_database(&admin)
        .await
        .expect("database");
    // helmd migrates the database at start-up; Helm then finds its tables there.
    let helmd = helmd_test_support::Helmd::start(helmd_test_support::HelmdOptions {
        database_url: Some(url.clone()),
        ..Default::default()
    })
    .await
    .expect("helmd");
    let driver = sql_driver(&url).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = chart(dir.path());
    let home = dir.path();
    let ns = namespace.as_str();
    helm(
        home,
        cluster,
        &driver,
        &[
            "install",
            "rg",
            &chart,
            "-n",
            ns,
            "--set",
            "extra.answer=7",
            "--labels",
            "team=red",
        ],
    );
    helm(
        home,
        cluster,
        &driver,
        &["upgrade", "rg", &chart, "-n", ns, "--set", "greeting=hi"],
    );

    let c = crate::common::client(&helmd).await.expect("client");
    let full = c
        .releases()
        .get_release(GetReleaseRequest {
            namespace: ns.into(),
            name: "rg".into(),
            view: ReleaseView::Full as i32,
            ..Default::default()
        })
        .await
        .expect("get release")
        .into_inner()
        .release
        .expect("release");
    let status = helm_json(
        home,
        cluster,
        &driver,
        &["status", "rg", "-n", ns, "-o", "json"],
    );
    assert_eq!(
        i64::from(full.revision),
        status["version"].as_i64().expect("version")
    );
    assert_eq!(full.status(), ReleaseStatus::Deployed);
    assert_eq!(
        full.description,
        status["info"]["description"].as_str().expect("desc")
    );
    assert_eq!(full.notes, status["info"]["notes"].as_str().expect("notes"));
    let chart_meta = full.chart.as_ref().expect("chart");
    assert_eq!(
        (chart_meta.name.as_str(), chart_meta.version.as_str()),
        ("stored", "0.3.1")
    );
    assert_eq!(
        full.config,
        helm(
            home,
            cluster,
            &driver,
            &["get", "values", "rg", "-n", ns, "-o", "yaml"]
        )
    );
    assert_eq!(
        full.computed_values,
        helm(
            home,
            cluster,
            &driver,
            &["get", "values", "rg", "-n", ns, "--all", "-o", "yaml"]
        )
    );
    assert_eq!(
        full.manifest.trim_end(),
        helm(home, cluster, &driver, &["get", "manifest", "rg", "-n", ns]).trim_end()
    );
    assert_eq!(full.hooks.len(), 1);
    assert_eq!(full.hooks[0].weight, 3);

    // The summary view leaves the heavy fields out; revision 1 is superseded.
    let first = c
        .releases()
        .get_release(GetReleaseRequest {
            namespace: ns.into(),
            name: "rg".into(),
            revision: 1,
            ..Default::default()
        })
        .await
        .expect("revision 1")
        .into_inner()
        .release
        .expect("release");
    assert_eq!(first.status(), ReleaseStatus::Superseded);
    assert!(first.manifest.is_empty() && first.config.is_empty());
    assert_eq!(first.labels.get("team").map(String::as_str), Some("red"));

    // History, a revision a page, oldest first, like `helm history`.
    let history = helm_json(
        home,
        cluster,
        &driver,
        &["history", "rg", "-n", ns, "-o", "json"],
    );
    let mut revisions = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .releases()
            .get_release_history(GetReleaseHistoryRequest {
                namespace: ns.into(),
                name: "rg".into(),
                page_size: 1,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .expect("history")
            .into_inner();
        revisions.extend(
            page.releases
                .iter()
                .map(|r| (i64::from(r.revision), r.description.clone())),
        );
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    // GetReleaseHistory pages newest first; Helm prints oldest first.
    revisions.reverse();
    let helm_revisions: Vec<(i64, String)> = history
        .as_array()
        .expect("history array")
        .iter()
        .map(|h| {
            (
                h["revision"].as_i64().expect("revision"),
                h["description"].as_str().expect("description").to_owned(),
            )
        })
        .collect();
    assert_eq!(revisions, helm_revisions);

    // Errors: an unknown release, an unknown revision, an invalid name.
    let missing = c
        .releases()
        .get_release(GetReleaseRequest {
            namespace: ns.into(),
            name: "nope".into(),
            ..Default::default()
        })
        .await
        .expect_err("no such release");
    crate::common::assert_error(&missing, tonic::Code::NotFound, "RELEASE_NOT_FOUND");
    let no_revision = c
        .releases()
        .get_release(GetReleaseRequest {
            namespace: ns.into(),
            name: "rg".into(),
            revision: 9,
            ..Default::default()
        })
        .await
        .expect_err("no such revision");
    crate::common::assert_error(&no_revision, tonic::Code::NotFound, "REVISION_NOT_FOUND");
    let invalid = c
        .releases()
        .get_release_history(GetReleaseHistoryRequest {
            namespace: ns.into(),
            name: "Bad_Name".into(),
            ..Default::default()
        })
        .await
        .expect_err("invalid name");
    crate::common::assert_error(&invalid, tonic::Code::InvalidArgument, "REQUEST_INVALID");
}
