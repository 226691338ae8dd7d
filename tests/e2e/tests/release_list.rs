//! ListReleases and helmctl's read commands (`list`, `status`, `history`, `get`)
//! against releases the real helm 4.3.2 made on the local cluster, on both release
//! stores (Helm's Secrets driver; Helm's SQL driver on Postgres): the RPC's filters,
//! order and paging, records that do not decode skipped as Helm skips them, and
//! helmctl printing what helm prints for the same releases, byte for byte.
//!
//! What is normalised, and why: `helm status` reads the release's live objects from
//! the cluster (its `RESOURCES:` block and `info.resources`); helmctl reads only the
//! release store, so those are removed from Helm's output before comparing. Times
//! need nothing: helm and helmctl run in the same time zone, and Helm prints the
//! zone the record was written in, which is that one.

use std::path::Path;
use std::process::Command;

use helmd_client::Client;
use helmd_client::proto::{ListReleasesRequest, ReleaseOrderBy, ReleaseStatus, ReleaseView};
use helmd_test_cluster::Cluster;
use helmd_test_support::{Helmd, HelmdOptions, binaries};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use serde_json::Value as Json;
use tonic::Code;
use tonic_types::StatusExt;

use crate::chart_validate::pack;
use crate::common::{assert_error, client};

/// Where a test's records live.
enum Store {
    /// Helm's Secrets driver in the cluster.
    Secrets,
    /// Helm's SQL driver on this Postgres database.
    Sql(String),
}

/// helm 4.3.2 and helmctl side by side, over one store, with a private Helm home.
struct Peers {
    cluster: &'static Cluster,
    store: Store,
    home: tempfile::TempDir,
    helmd: Helmd,
}

impl Peers {
    async fn start(store: Store) -> Peers {
        let cluster = Cluster::shared().await.expect("cluster");
        let kubeconfig = cluster.kubeconfig_path().display().to_string();
        let options = match &store {
            Store::Secrets => HelmdOptions {
                args: vec![
                    "--release-storage".into(),
                    "secrets".into(),
                    "--kubeconfig".into(),
                    kubeconfig,
                ],
                ..Default::default()
            },
            Store::Sql(url) => HelmdOptions {
                database_url: Some(url.clone()),
                ..Default::default()
            },
        };
        Peers {
            cluster,
            store,
            home: tempfile::tempdir().expect("helm home"),
            helmd: Helmd::start(options).await.expect("helmd"),
        }
    }

    fn helm_command(&self, args: &[&str]) -> Command {
        let mut cmd = crate::fixtures::helm_cli("helm4", self.home.path());
        cmd.args(args)
            .arg("--kubeconfig")
            .arg(self.cluster.kubeconfig_path())
            .env_remove("HELM_NAMESPACE");
        match &self.store {
            Store::Secrets => cmd.env("HELM_DRIVER", "secret"),
            Store::Sql(url) => {
                let separator = if url.contains('?') { '&' } else { '?' };
                cmd.env("HELM_DRIVER", "sql").env(
                    "HELM_DRIVER_SQL_CONNECTION_STRING",
                    format!("{url}{separator}sslmode=disable"),
                )
            }
        };
        cmd
    }

    /// Runs helm, which must succeed; its stdout.
    fn helm(&self, args: &[&str]) -> String {
        let out = self.helm_command(args).output().expect("run helm");
        assert!(
            out.status.success(),
            "helm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("helm prints UTF-8")
    }

    /// Runs helm, which must fail (a release whose objects the apiserver refuses).
    fn helm_fails(&self, args: &[&str]) {
        let out = self.helm_command(args).output().expect("run helm");
        assert!(!out.status.success(), "helm {args:?} succeeded");
    }

    /// Runs helmctl against this helmd, which must succeed; its stdout.
    fn helmctl(&self, args: &[&str]) -> String {
        let out = Command::new(binaries::binary("helmd-client", "helmctl").expect("helmctl"))
            .arg("--server")
            .arg(self.helmd.addr().to_string())
            .args(args)
            .env_remove("HELMD_SERVER")
            .env_remove("HELM_NAMESPACE")
            .output()
            .expect("run helmctl");
        assert!(
            out.status.success(),
            "helmctl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("helmctl prints UTF-8")
    }

    /// The one comparison of the CLIs: both print the same bytes for `args`, after
    /// Helm's live objects are taken out of `helm status` (JSON that had them is then
    /// compared as data).
    fn check(&self, args: &[&str]) {
        let ours = self.helmctl(args);
        match without_live_objects(args, &self.helm(args)) {
            Helm::Text(theirs) => assert_eq!(ours, theirs, "helmctl and helm differ for {args:?}"),
            Helm::Json(theirs) => {
                let ours: Json = serde_json::from_str(&ours).expect("helmctl JSON");
                assert_eq!(ours, theirs, "helmctl and helm differ for {args:?}");
            }
        }
    }

    async fn client(&self) -> Client {
        client(&self.helmd).await.expect("client")
    }
}

/// What Helm printed, ready to compare.
enum Helm {
    /// Bytes to compare as they are.
    Text(String),
    /// JSON that held live objects, without them.
    Json(Json),
}

/// Helm's output with what `helm status` reads from the cluster taken out: the
/// `RESOURCES:` block of the text, `info.resources` of JSON.
fn without_live_objects(args: &[&str], out: &str) -> Helm {
    if args.first() != Some(&"status") {
        return Helm::Text(out.to_owned());
    }
    if let (Some(start), Some(end)) = (out.find("RESOURCES:\n"), out.find("TEST SUITE:")) {
        return Helm::Text(format!("{}{}", &out[..start], &out[end..]));
    }
    let json = args.windows(2).any(|w| w == ["-o", "json"]);
    if json && out.contains("\"resources\":") {
        let mut doc: Json = serde_json::from_str(out).expect("status JSON");
        if let Some(info) = doc["info"].as_object_mut() {
            info.remove("resources");
        }
        return Helm::Json(doc);
    }
    Helm::Text(out.to_owned())
}

/// A chart with an object, a hook and notes; `cmName` renames (or breaks) the object.
fn web_chart(dir: &Path) -> String {
    let archive = pack(
        "web",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 0.1.0\nappVersion: \"1.0\"\n",
            ),
            (
                "values.yaml",
                "greeting: hello\ncmName: \"\"\nreplicas: 2\n",
            ),
            (
                "templates/cm.yaml",
                concat!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n",
                    "  name: {{ .Values.cmName | default (printf \"%s-cm\" .Release.Name) }}\n",
                    "data:\n  greeting: {{ .Values.greeting | quote }}\n",
                ),
            ),
            (
                "templates/hook.yaml",
                concat!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hook\n",
                    "  annotations:\n    \"helm.sh/hook\": post-install,post-upgrade\n",
                    "    \"helm.sh/hook-weight\": \"2\"\ndata:\n  ran: \"yes\"\n",
                ),
            ),
            (
                "templates/NOTES.txt",
                "{{ .Release.Name }} says {{ .Values.greeting }} <&> in {{ .Release.Namespace }}.\n\n",
            ),
        ],
    );
    let path = dir.join("web-0.1.0.tgz");
    std::fs::write(&path, archive).expect("write chart");
    path.display().to_string()
}

/// A chart without objects: notes and a test hook only (so `helm status` reads
/// nothing from the cluster).
fn quiet_chart(dir: &Path) -> String {
    let archive = pack(
        "quiet",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: quiet\nversion: 2.0.0-rc.1\n",
            ),
            (
                "templates/test.yaml",
                concat!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-test\n",
                    "  annotations:\n    \"helm.sh/hook\": test\n",
                    "    \"helm.sh/hook-delete-policy\": hook-succeeded\ndata: {}\n",
                ),
            ),
            ("templates/NOTES.txt", "  Quiet.\n"),
        ],
    );
    let path = dir.join("quiet-2.0.0-rc.1.tgz");
    std::fs::write(&path, archive).expect("write chart");
    path.display().to_string()
}

/// The releases every test lists, made by helm: in `a`, alpha (team=red), beta
/// (team=blue; upgraded, then rolled back to 1), gamma (failed: its object is
/// refused), delta (uninstalled, history kept), quiet (no objects) and omega
/// (upgraded; its revision 2 is then corrupted); in `b`, alpha and epsilon
/// (team=red). Every one carries `run=<run>`.
fn install(peers: &Peers, a: &str, b: &str, run: &str) {
    let dir = tempfile::tempdir().expect("charts");
    let web = web_chart(dir.path());
    let quiet = quiet_chart(dir.path());
    let labels = |extra: &str| format!("run={run}{extra}");
    let install = |ns: &str, name: &str, chart: &str, extra: &[&str]| {
        let mut args = vec!["install", name, chart, "-n", ns];
        args.extend(extra);
        peers.helm(&args);
    };
    install(
        a,
        "alpha",
        &web,
        &["--labels", &labels(",team=red"), "--set", "replicas=3"],
    );
    install(a, "beta", &web, &["--labels", &labels(",team=blue")]);
    peers.helm(&["upgrade", "beta", &web, "-n", a, "--set", "greeting=hi"]);
    peers.helm(&["rollback", "beta", "1", "-n", a]);
    peers.helm_fails(&[
        "install",
        "gamma",
        &web,
        "-n",
        a,
        "--labels",
        &labels(""),
        "--set",
        "cmName=Bad_Name",
    ]);
    install(a, "delta", &web, &["--labels", &labels("")]);
    peers.helm(&["uninstall", "delta", "-n", a, "--keep-history"]);
    install(a, "quiet", &quiet, &["--labels", &labels("")]);
    install(a, "omega", &web, &["--labels", &labels("")]);
    peers.helm(&["upgrade", "omega", &web, "-n", a]);
    install(b, "alpha", &web, &["--labels", &labels("")]);
    install(b, "epsilon", &web, &["--labels", &labels(",team=red")]);
}

/// Corrupts omega's revision 2 and adds a record `zeta` that is not a release at all.
async fn corrupt(peers: &Peers, a: &str) {
    match &peers.store {
        Store::Secrets => {
            let api = kube::Api::<Secret>::namespaced(
                peers.cluster.admin_client().await.expect("admin client"),
                a,
            );
            let mut omega = api
                .get("sh.helm.release.v1.omega.v2")
                .await
                .expect("omega v2");
            omega.data =
                Some([("release".to_owned(), ByteString(b"not a release".to_vec()))].into());
            api.replace("sh.helm.release.v1.omega.v2", &Default::default(), &omega)
                .await
                .expect("corrupt omega v2");
            let mut zeta: Secret = serde_json::from_value(serde_json::json!({
                "metadata": {
                    "name": "sh.helm.release.v1.zeta.v1",
                    "labels": {"name": "zeta", "owner": "helm", "status": "deployed", "version": "1"},
                },
                "type": "helm.sh/release.v1",
            }))
            .expect("secret");
            zeta.data = Some([("release".to_owned(), ByteString(b"%%%".to_vec()))].into());
            api.create(&Default::default(), &zeta).await.expect("zeta");
        }
        Store::Sql(url) => {
            use sqlx::Connection as _;
            let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
            sqlx::query(
                "UPDATE releases_v1 SET body = 'not a release' WHERE key = $1 AND namespace = $2",
            )
            .bind("sh.helm.release.v1.omega.v2")
            .bind(a)
            .execute(&mut conn)
            .await
            .expect("corrupt omega v2");
            sqlx::query(
                "INSERT INTO releases_v1 (key, type, body, name, namespace, version, status, owner, \
                 createdAt) VALUES ($1, 'helm.sh/release.v1', '%%%', 'zeta', $2, 1, 'deployed', \
                 'helm', 1)",
            )
            .bind("sh.helm.release.v1.zeta.v1")
            .bind(a)
            .execute(&mut conn)
            .await
            .expect("zeta");
        }
    }
}

/// The one place ListReleases is called: every page of `req`, as (namespace, name,
/// revision), each page no larger than asked.
async fn list(c: &Client, req: ListReleasesRequest) -> Vec<(String, String, i32)> {
    let mut got = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .releases()
            .list_releases(ListReleasesRequest {
                page_token: token.clone(),
                ..req.clone()
            })
            .await
            .unwrap_or_else(|s| panic!("ListReleases {req:?}: {s:?}"))
            .into_inner();
        if req.page_size > 0 {
            assert!(page.releases.len() <= usize::try_from(req.page_size).unwrap_or(0));
        }
        got.extend(
            page.releases
                .into_iter()
                .map(|r| (r.namespace, r.name, r.revision)),
        );
        if page.next_page_token.is_empty() {
            return got;
        }
        token = page.next_page_token;
    }
}

fn rows(expected: &[(&str, &str, i32)]) -> Vec<(String, String, i32)> {
    expected
        .iter()
        .map(|(ns, name, rev)| ((*ns).to_owned(), (*name).to_owned(), *rev))
        .collect()
}

fn statuses(list: &[ReleaseStatus]) -> Vec<i32> {
    list.iter().map(|s| *s as i32).collect()
}

const EVERY_STATUS: [ReleaseStatus; 9] = [
    ReleaseStatus::Unknown,
    ReleaseStatus::Deployed,
    ReleaseStatus::Uninstalled,
    ReleaseStatus::Superseded,
    ReleaseStatus::Failed,
    ReleaseStatus::Uninstalling,
    ReleaseStatus::PendingInstall,
    ReleaseStatus::PendingUpgrade,
    ReleaseStatus::PendingRollback,
];

/// ListReleases' filters and paging over the releases `install` made (and `corrupt`
/// damaged).
async fn check_rpc_filters(peers: &Peers, a: &str, b: &str, run: &str) {
    let c = peers.client().await;
    let both = vec![a.to_owned(), b.to_owned()];
    let ours = |name: &str| -> ListReleasesRequest {
        ListReleasesRequest {
            namespaces: both.clone(),
            name_filter: name.to_owned(),
            ..Default::default()
        }
    };
    // Deployed and failed by default, latest revisions, by name then namespace; omega's
    // latest readable revision (1) is superseded, zeta is not a release.
    let default = rows(&[
        (a, "alpha", 1),
        (b, "alpha", 1),
        (a, "beta", 3),
        (b, "epsilon", 1),
        (a, "gamma", 1),
        (a, "quiet", 1),
    ]);
    assert_eq!(list(&c, ours("")).await, default);
    for page_size in [1, 2, 5] {
        let paged = ListReleasesRequest {
            page_size,
            ..ours("")
        };
        assert_eq!(list(&c, paged).await, default, "pages of {page_size}");
    }
    let mut reversed = default.clone();
    reversed.reverse();
    let descending = ListReleasesRequest {
        descending: true,
        page_size: 4,
        ..ours("")
    };
    assert_eq!(list(&c, descending).await, reversed);
    let every = ListReleasesRequest {
        namespaces: vec![a.to_owned()],
        statuses: statuses(&EVERY_STATUS),
        ..Default::default()
    };
    assert_eq!(
        list(&c, every.clone()).await,
        rows(&[
            (a, "alpha", 1),
            (a, "beta", 3),
            (a, "delta", 1),
            (a, "gamma", 1),
            (a, "omega", 1),
            (a, "quiet", 1),
        ])
    );
    let superseded = ListReleasesRequest {
        statuses: statuses(&[ReleaseStatus::Superseded]),
        page_size: 1,
        ..every.clone()
    };
    assert_eq!(
        list(&c, superseded).await,
        rows(&[(a, "beta", 1), (a, "beta", 2), (a, "omega", 1)])
    );
    let uninstalled = ListReleasesRequest {
        statuses: statuses(&[ReleaseStatus::Uninstalled, ReleaseStatus::Failed]),
        ..every.clone()
    };
    assert_eq!(
        list(&c, uninstalled).await,
        rows(&[(a, "delta", 1), (a, "gamma", 1)])
    );
    let filtered = ListReleasesRequest {
        name_filter: "ta$".into(),
        ..every.clone()
    };
    assert_eq!(
        list(&c, filtered).await,
        rows(&[(a, "beta", 3), (a, "delta", 1)])
    );
    // Every namespace, narrowed to this test's releases by their labels.
    let labelled = ListReleasesRequest {
        label_selector: format!("run={run},team in (red, blue)"),
        ..Default::default()
    };
    assert_eq!(
        list(&c, labelled).await,
        rows(&[(a, "alpha", 1), (a, "beta", 3), (b, "epsilon", 1)])
    );
    let unlabelled = ListReleasesRequest {
        label_selector: format!("run={run},!team"),
        statuses: statuses(&EVERY_STATUS),
        ..Default::default()
    };
    assert_eq!(
        list(&c, unlabelled).await,
        rows(&[
            (b, "alpha", 1),
            (a, "delta", 1),
            (a, "gamma", 1),
            (a, "omega", 1),
            (a, "quiet", 1),
        ])
    );
}

/// ListReleases by date, as `helm list --date` orders the same releases (oldest
/// first), and the full view.
async fn check_rpc_order_and_view(peers: &Peers, a: &str) {
    let c = peers.client().await;
    let every = ListReleasesRequest {
        namespaces: vec![a.to_owned()],
        statuses: statuses(&EVERY_STATUS),
        ..Default::default()
    };
    for (reverse, flags) in [(false, vec!["-d"]), (true, vec!["-d", "-r"])] {
        let by_date = ListReleasesRequest {
            order_by: ReleaseOrderBy::LastDeployTime as i32,
            descending: reverse,
            page_size: 2,
            ..every.clone()
        };
        let ours: Vec<String> = list(&c, by_date)
            .await
            .into_iter()
            .map(|(_, name, _)| name)
            .collect();
        let mut args = vec!["list", "-n", a, "-q"];
        args.extend(flags);
        let theirs: Vec<String> = peers.helm(&args).lines().map(str::to_owned).collect();
        assert_eq!(ours, theirs, "helm {args:?}");
    }

    // The full view carries what `helm get` prints.
    let full = c
        .releases()
        .list_releases(ListReleasesRequest {
            name_filter: "^alpha$".into(),
            namespaces: vec![a.to_owned()],
            view: ReleaseView::Full as i32,
            ..Default::default()
        })
        .await
        .expect("full view")
        .into_inner();
    let alpha = &full.releases[0];
    assert_eq!(
        alpha.manifest.trim_end(),
        peers
            .helm(&["get", "manifest", "alpha", "-n", a])
            .trim_end()
    );
    assert_eq!(alpha.config, "replicas: 3\n");
    assert_eq!(alpha.labels.get("team").map(String::as_str), Some("red"));
}

/// Records that do not decode were skipped and logged; invalid requests name their
/// field; a page token is bound to its request.
async fn check_rpc_skips_and_errors(peers: &Peers, a: &str) {
    let c = peers.client().await;
    let ours = |name: &str| -> ListReleasesRequest {
        ListReleasesRequest {
            namespaces: vec![a.to_owned()],
            name_filter: name.to_owned(),
            ..Default::default()
        }
    };
    // Records that do not decode were skipped, and said so once in the log.
    let log = peers.helmd.log();
    assert!(
        log.contains("skipped release records that do not decode")
            && log.contains("sh.helm.release.v1.zeta.v1")
            && log.contains("sh.helm.release.v1.omega.v2"),
        "{log}"
    );

    // Invalid requests name the field; a page token is bound to its request.
    for (req, field) in [
        (ours("a("), "name_filter"),
        (
            ListReleasesRequest {
                label_selector: "team in red".into(),
                ..Default::default()
            },
            "label_selector",
        ),
        (
            ListReleasesRequest {
                statuses: vec![0],
                ..Default::default()
            },
            "statuses",
        ),
        (
            ListReleasesRequest {
                namespaces: vec!["Not_A_Namespace".into()],
                ..Default::default()
            },
            "namespaces",
        ),
    ] {
        let err = c
            .releases()
            .list_releases(req)
            .await
            .expect_err("invalid request");
        assert_error(&err, Code::InvalidArgument, "REQUEST_INVALID");
        let violations = err.get_details_bad_request().expect("field violations");
        assert_eq!(violations.field_violations[0].field, field, "{err:?}");
    }
    let first = c
        .releases()
        .list_releases(ListReleasesRequest {
            page_size: 1,
            ..ours("")
        })
        .await
        .expect("first page")
        .into_inner();
    let changed = c
        .releases()
        .list_releases(ListReleasesRequest {
            page_size: 1,
            page_token: first.next_page_token,
            ..ours("^a")
        })
        .await
        .expect_err("a changed request");
    assert_eq!(changed.code(), Code::InvalidArgument);
}

/// helmctl prints what helm prints for the same releases.
fn check_cli(peers: &Peers, a: &str, run: &str) {
    let selector = format!("run={run},team");
    // Helm's SQL driver reads custom labels of the driver's namespace, none under
    // `-A`, so `helm list -A -l` matches nothing there: compared in one namespace.
    let across = match peers.store {
        Store::Secrets => vec!["list", "-A", "-l", &selector],
        Store::Sql(_) => vec!["list", "-n", a, "-l", &selector],
    };
    for args in [
        across,
        vec!["list", "-n", a],
        vec!["list", "-n", a, "-o", "json"],
        vec!["list", "-n", a, "-o", "yaml"],
        vec!["list", "-n", a, "-d"],
        vec!["list", "-n", a, "-d", "-r"],
        vec!["list", "-n", a, "-r", "--no-headers"],
        vec!["list", "-n", a, "--superseded"],
        vec!["list", "-n", a, "--uninstalled", "-o", "json"],
        vec!["list", "-n", a, "--deployed", "--failed"],
        vec!["list", "-n", a, "-f", "ta$"],
        vec!["list", "-n", a, "-q"],
        vec!["list", "-n", a, "-q", "-o", "json"],
        vec!["list", "-n", a, "-q", "-o", "yaml"],
        vec!["list", "-n", a, "--max", "2", "--offset", "1"],
        vec!["list", "-n", a, "-l", "team=nobody"],
        vec!["list", "-n", a, "-l", "team=nobody", "-o", "json"],
        vec!["status", "alpha", "-n", a],
        vec!["status", "alpha", "-n", a, "-o", "json"],
        vec!["status", "beta", "-n", a, "--revision", "2"],
        vec!["status", "quiet", "-n", a],
        vec!["status", "quiet", "-n", a, "-o", "json"],
        vec!["status", "quiet", "-n", a, "-o", "yaml"],
        vec!["status", "delta", "-n", a, "-o", "json"],
        vec!["history", "beta", "-n", a],
        vec!["history", "beta", "-n", a, "--max", "2"],
        vec!["history", "beta", "-n", a, "--show-rollback-revision"],
        vec!["history", "beta", "-n", a, "-o", "json"],
        vec!["history", "beta", "-n", a, "-o", "yaml"],
        vec!["history", "delta", "-n", a],
        vec!["get", "values", "alpha", "-n", a],
        vec!["get", "values", "alpha", "-n", a, "-o", "json"],
        vec!["get", "values", "alpha", "-n", a, "-a"],
        vec!["get", "values", "alpha", "-n", a, "-a", "-o", "json"],
        vec![
            "get",
            "values",
            "beta",
            "-n",
            a,
            "--revision",
            "2",
            "-o",
            "yaml",
        ],
        vec!["get", "values", "quiet", "-n", a],
        vec!["get", "values", "quiet", "-n", a, "-o", "json"],
        vec!["get", "manifest", "alpha", "-n", a],
        vec!["get", "manifest", "quiet", "-n", a],
        vec!["get", "hooks", "beta", "-n", a],
        vec!["get", "notes", "alpha", "-n", a],
        vec!["get", "notes", "quiet", "-n", a],
        vec!["get", "all", "alpha", "-n", a],
        vec!["get", "all", "quiet", "-n", a],
    ] {
        peers.check(&args);
    }
}

async fn lists_and_reads(store: Store) {
    let peers = Peers::start(store).await;
    let one = peers
        .cluster
        .create_namespace("rlist")
        .await
        .expect("namespace");
    let two = peers
        .cluster
        .create_namespace("rlist")
        .await
        .expect("namespace");
    // `a` sorts first: listings order equal names by namespace.
    let (a, b) = if one < two { (one, two) } else { (two, one) };
    let run = a.clone();
    install(&peers, &a, &b, &run);
    corrupt(&peers, &a).await;
    check_rpc_filters(&peers, &a, &b, &run).await;
    check_rpc_order_and_view(&peers, &a).await;
    check_rpc_skips_and_errors(&peers, &a).await;
    check_cli(&peers, &a, &run);
}

#[tokio::test]
async fn releases_helm_made_in_secrets_are_listed_and_read_as_helm_shows_them() {
    lists_and_reads(Store::Secrets).await;
}

#[tokio::test]
async fn releases_helm_made_in_sql_are_listed_and_read_as_helm_shows_them() {
    let admin = helmd_test_support::postgres::shared_postgres().expect("postgres");
    let url = helmd_test_support::postgres::fresh_database(&admin)
        .await
        .expect("database");
    lists_and_reads(Store::Sql(url)).await;
}
