//! `dependency_update` on InstallRelease/UpgradeRelease against the real helmd and
//! cluster: a parent chart whose dependencies live in the test chart repository (a
//! registered repository named with `@name`, basic auth) and the test OCI registry
//! (under a registered OCI repository, TLS and htpasswd) is installed with them
//! fetched; without the flag the call is refused as Helm 4 refuses it; Chart.lock pins
//! versions, and a lock out of sync, a `file://` dependency and a slow repository fail
//! with clear errors; `helmctl install --dependency-update` updates a chart directory
//! locally like Helm's CLI.

use std::path::Path;
use std::time::{Duration, Instant};

use helmd_client::proto::{
    InstallReleaseRequest, PushChartRequest, Release, UpgradeReleaseRequest,
};
use helmd_source::chart_meta::Dependency;
use helmd_test_support::hostile::{HostilePeer, Reply};
use helmd_test_support::http_repo::HttpRepoServer;
use helmd_test_support::registry::RegistryServer;
use tonic::Code;
use tonic_types::StatusExt;

use crate::common::assert_error;
use crate::fixtures::{self, REPO_PASSWORD, pack};
use crate::releases::{Setup, install, released, setup_with, upgrade, uploaded};

/// A subchart whose ConfigMap names its chart and version.
fn sub_chart(name: &str, version: &str) -> Vec<u8> {
    pack(
        name,
        [
            (
                "Chart.yaml",
                format!("apiVersion: v2\nname: {name}\nversion: {version}\n"),
            ),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Chart.Name }}\n\
                 data:\n  version: {{ .Chart.Version | quote }}\n"
                    .to_owned(),
            ),
        ],
    )
}

/// The parent chart: Chart.yaml `chart_yaml`, its own ConfigMap, a vendored subchart
/// directory `charts/vend`, and `extra` files (a Chart.lock).
fn parent(chart_yaml: &str, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut files: Vec<(String, String)> = vec![
        ("Chart.yaml".into(), chart_yaml.into()),
        (
            "templates/cm.yaml".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-shop\n".into(),
        ),
        (
            "charts/vend/Chart.yaml".into(),
            "apiVersion: v2\nname: vend\nversion: 1.0.0\n".into(),
        ),
        (
            "charts/vend/templates/cm.yaml".into(),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-vend\n".into(),
        ),
    ];
    files.extend(
        extra
            .iter()
            .map(|(p, t)| ((*p).to_owned(), (*t).to_owned())),
    );
    pack("shop", files)
}

/// The test chart repository (basic auth when `auth`) with `charts` (name, version).
async fn chart_repo(charts: &[(&str, &str)], auth: bool) -> fixtures::HttpRepo {
    fixtures::http_repo_of(charts, sub_chart, None, auth).await
}

/// Everything a test needs: helmd with a credentials key on the cluster, the chart
/// repository registered as `charts` and the TLS registry as `oci` (holding `db`).
struct Deps {
    s: Setup,
    repo: HttpRepoServer,
    registry: RegistryServer,
    _files: tempfile::TempDir,
    _key: tempfile::TempDir,
}

async fn deps(prefix: &str) -> Deps {
    let key = tempfile::tempdir().expect("tempdir");
    let key_file = key.path().join("credentials.key");
    std::fs::write(&key_file, "42".repeat(32)).expect("key");
    let s = setup_with(
        "sql",
        prefix,
        &[
            "--credentials-key-file".to_owned(),
            key_file.display().to_string(),
        ],
    )
    .await;
    let fixtures::HttpRepo {
        server: repo,
        _dir: files,
    } = chart_repo(
        &[("web", "1.0.0"), ("web", "1.2.0"), ("web", "2.0.0")],
        true,
    )
    .await;
    let registry = fixtures::registry().await;
    fixtures::create_repository(
        &s.client,
        fixtures::http_repository(
            "charts",
            &repo.url(),
            fixtures::basic("helmd", REPO_PASSWORD),
        ),
    )
    .await;
    fixtures::create_repository(
        &s.client,
        fixtures::oci_repository(
            "oci",
            &registry,
            fixtures::basic(registry.username(), registry.password()),
        ),
    )
    .await;
    s.client
        .charts()
        .push_chart(PushChartRequest {
            archive: sub_chart("db", "0.1.0").into(),
            destination: format!("oci://{}/charts", registry.host()),
            repository: "oci".into(),
            provenance: Default::default(),
        })
        .await
        .expect("push db");
    Deps {
        s,
        repo,
        registry,
        _files: files,
        _key: key,
    }
}

fn shop_yaml(registry: &RegistryServer) -> String {
    format!(
        "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n\
         - name: web\n  version: ^1\n  repository: \"@charts\"\n\
         - name: db\n  version: 0.1.0\n  repository: oci://{}/charts\n\
         - name: vend\n  version: 1.0.0\n",
        registry.host()
    )
}

fn install_request(d: &Deps, chart: Vec<u8>, dependency_update: bool) -> InstallReleaseRequest {
    InstallReleaseRequest {
        namespace: d.s.namespace.clone(),
        name: "shop".into(),
        chart: uploaded(chart),
        dependency_update,
        ..InstallReleaseRequest::default()
    }
}

/// The `data.version` of each ConfigMap the release's manifest holds, by name.
fn versions(release: &Release) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for doc in release.manifest.split("\n---\n") {
        let name = doc
            .lines()
            .find_map(|l| l.trim().strip_prefix("name: "))
            .unwrap_or_default()
            .to_owned();
        let version = doc
            .lines()
            .find_map(|l| l.trim().strip_prefix("version: "))
            .unwrap_or_default()
            .trim_matches('"')
            .to_owned();
        if !name.is_empty() {
            out.push((name, version));
        }
    }
    out.sort();
    out
}

/// The status an InstallRelease call is refused with.
async fn refused(s: &Setup, request: tonic::Request<InstallReleaseRequest>) -> tonic::Status {
    match s.client.releases().install_release(request).await {
        Ok(_) => panic!("install accepted"),
        Err(status) => status,
    }
}

#[tokio::test]
async fn install_with_dependency_update_fetches_what_the_chart_lacks() {
    let d = deps("deps").await;
    let chart = parent(&shop_yaml(&d.registry), &[]);

    // Without the flag: Helm 4's refusal, word for word.
    let status = refused(
        &d.s,
        tonic::Request::new(install_request(&d, chart.clone(), false)),
    )
    .await;
    assert_error(
        &status,
        Code::FailedPrecondition,
        "CHART_DEPENDENCIES_MISSING",
    );
    assert_eq!(
        status.message(),
        "an error occurred while checking for chart dependencies. You may need to run 'helm \
         dependency build' to fetch missing dependencies: found in Chart.yaml, but missing in \
         charts/ directory: web, db"
    );
    let archive = d.s.home.path().join("shop-1.0.0.tgz");
    std::fs::write(&archive, &chart).expect("archive");
    let (ok, _, helm_err) =
        d.s.helm(&["install", "shop", &archive.display().to_string()]);
    assert!(!ok);
    assert!(helm_err.contains(status.message()), "helm said: {helm_err}");

    // With it: the newest ^1 from the named repository, db from the registry, the
    // vendored subchart as packaged.
    let (_, result) = install(&d.s, install_request(&d, chart, true)).await;
    let release = released(result);
    assert_eq!(
        versions(&release),
        [
            ("shop-db".to_owned(), "0.1.0".to_owned()),
            ("shop-shop".to_owned(), String::new()),
            ("shop-vend".to_owned(), String::new()),
            ("shop-web".to_owned(), "1.2.0".to_owned()),
        ]
    );
    assert_eq!(
        d.s.config_maps().await,
        ["shop-db", "shop-shop", "shop-vend", "shop-web"]
    );
    // The repository was asked with the registered credentials.
    assert!(
        d.repo
            .requests()
            .iter()
            .any(|r| r.path == "/web-1.2.0.tgz" && r.status == 200 && r.authorization),
        "{:?}",
        d.repo.requests()
    );
}

#[tokio::test]
async fn chart_lock_pins_versions_and_a_lock_out_of_sync_is_helms_error() {
    let d = deps("deps-lock").await;
    let chart_yaml = |constraint: &str| {
        format!(
            "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n\
             - name: web\n  version: \"{constraint}\"\n  repository: \"@charts\"\n\
             - name: vend\n  version: 1.0.0\n"
        )
    };
    let requirement = |constraint: &str, repository: &str| {
        vec![
            Dependency {
                name: "web".into(),
                version: constraint.into(),
                repository: repository.into(),
                ..Dependency::default()
            },
            Dependency {
                name: "vend".into(),
                version: "1.0.0".into(),
                ..Dependency::default()
            },
        ]
    };
    // Helm hashes `@charts` as the repository's URL.
    let locked = requirement("1.0.0", &d.repo.url());
    let digest = helmd_source::dependency::lock_digest(&requirement("^1", &d.repo.url()), &locked);
    let lock = format!(
        "dependencies:\n- name: web\n  repository: {}\n  version: 1.0.0\n\
         - name: vend\n  repository: \"\"\n  version: 1.0.0\ndigest: {digest}\n\
         generated: \"2026-12-01T00:00:00Z\"\n",
        d.repo.url()
    );
    let (_, result) = install(
        &d.s,
        install_request(
            &d,
            parent(&chart_yaml("^1"), &[("Chart.lock", &lock)]),
            true,
        ),
    )
    .await;
    let release = released(result);
    assert!(
        versions(&release).contains(&("shop-web".to_owned(), "1.0.0".to_owned())),
        "{}",
        release.manifest
    );

    // Chart.yaml changed, the lock not: `helm dependency build`'s refusal.
    let stream =
        d.s.client
            .releases()
            .upgrade_release(UpgradeReleaseRequest {
                namespace: d.s.namespace.clone(),
                name: "shop".into(),
                chart: uploaded(parent(&chart_yaml("^1.1"), &[("Chart.lock", &lock)])),
                dependency_update: true,
                ..UpgradeReleaseRequest::default()
            })
            .await;
    let Err(status) = stream else {
        panic!("an upgrade with a stale Chart.lock was accepted");
    };
    assert_error(
        &status,
        Code::FailedPrecondition,
        "CHART_DEPENDENCIES_MISSING",
    );
    assert_eq!(
        status.message(),
        "the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). \
         Please update the dependencies with 'helm dependency update'"
    );

    // Without a lock the same constraint resolves to the newest match.
    let (_, result) = upgrade(
        &d.s,
        UpgradeReleaseRequest {
            namespace: d.s.namespace.clone(),
            name: "shop".into(),
            chart: uploaded(parent(&chart_yaml("^1.1"), &[])),
            dependency_update: true,
            ..UpgradeReleaseRequest::default()
        },
    )
    .await;
    let release = released(result);
    assert_eq!(release.revision, 2);
    assert!(
        versions(&release).contains(&("shop-web".to_owned(), "1.2.0".to_owned())),
        "{}",
        release.manifest
    );
}

#[tokio::test]
async fn dependencies_the_server_cannot_fetch_are_refused_naming_them() {
    let d = deps("deps-refused").await;
    // A file:// dependency exists only on the packager's disk.
    let local = "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n\
                 - name: lib\n  version: 0.1.0\n  repository: file://../lib\n";
    let status = refused(
        &d.s,
        tonic::Request::new(install_request(&d, parent(local, &[]), true)),
    )
    .await;
    assert_error(
        &status,
        Code::FailedPrecondition,
        "CHART_DEPENDENCIES_MISSING",
    );
    assert!(
        status.message().contains("dependency \"lib\"") && status.message().contains("file://"),
        "{}",
        status.message()
    );
    // A repository name nobody registered.
    let unknown = "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n\
                   - name: web\n  version: ^1\n  repository: \"@nowhere\"\n";
    let status = refused(
        &d.s,
        tonic::Request::new(install_request(&d, parent(unknown, &[]), true)),
    )
    .await;
    assert_error(
        &status,
        Code::FailedPrecondition,
        "CHART_DEPENDENCIES_MISSING",
    );
    assert!(
        status.message().contains("@nowhere"),
        "{}",
        status.message()
    );
    // No version matches in the repository: the source's NOT_FOUND, naming the dependency.
    let none = "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n\
                - name: web\n  version: ^3\n  repository: \"@charts\"\n";
    let status = refused(
        &d.s,
        tonic::Request::new(install_request(&d, parent(none, &[]), true)),
    )
    .await;
    assert_error(&status, Code::NotFound, "CHART_VERSION_NOT_FOUND");
    assert!(
        status.message().starts_with("dependency \"web\": "),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_slow_dependency_repository_fails_within_the_request_deadline() {
    let peer = HostilePeer::start([127, 0, 0, 1].into(), |_| Reply::Drip {
        body: b"apiVersion: v1\nentries: {}\n".to_vec(),
        every: Duration::from_millis(700),
    })
    .await
    .expect("peer");
    let d = deps("deps-slow").await;
    let chart_yaml = format!(
        "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n\
         - name: web\n  version: ^1\n  repository: {}\n",
        peer.url()
    );
    let mut request = tonic::Request::new(install_request(&d, parent(&chart_yaml, &[]), true));
    let deadline = Duration::from_secs(3);
    request.set_timeout(deadline);
    let started = Instant::now();
    let status = refused(&d.s, request).await;
    assert!(started.elapsed() < deadline, "answered after the deadline");
    assert_error(&status, Code::DeadlineExceeded, "SOURCE_TIMEOUT");
    let info = status.get_details_error_info().expect("error info");
    assert_eq!(
        info.metadata.get("dependency").map(String::as_str),
        Some("web")
    );
}

/// helmctl with its own repositories file and cache, against `server`.
fn helmctl(server: &str, home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(
        helmd_test_support::binaries::binary("helmd-client", "helmctl").expect("helmctl"),
    )
    .arg("--server")
    .arg(server)
    .args(args)
    .env("HELMCTL_REPOSITORY_CONFIG", home.join("repositories.json"))
    .env("HELMCTL_REPOSITORY_CACHE", home.join("cache"))
    .output()
    .expect("run helmctl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// The repository answers on a worker thread while helmctl runs synchronously.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helmctl_updates_a_chart_directory_itself_and_asks_the_server_for_archives() {
    let d = deps("deps-cli").await;
    let open = chart_repo(&[("web", "1.0.0"), ("web", "1.2.0")], false).await;
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("shop");
    let chart_yaml = format!(
        "apiVersion: v2\nname: shop\nversion: 1.0.0\ndependencies:\n\
         - name: web\n  version: ^1\n  repository: {}\n",
        open.server.url()
    );
    fixtures::write_files(
        &dir,
        &[
            ("Chart.yaml", chart_yaml.as_str()),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-shop\n",
            ),
        ],
    );
    let server = d.s.server();
    let ns = d.s.namespace.as_str();
    let dir_arg = dir.display().to_string();
    let (ok, _, err) = helmctl(
        &server,
        home.path(),
        &["install", "shop", &dir_arg, "-n", ns],
    );
    assert!(!ok, "installed without its dependency");
    assert!(err.contains("missing in charts/ directory: web"), "{err}");

    // A directory is updated here, as Helm's CLI does: charts/ and Chart.lock written.
    let (ok, out, err) = helmctl(
        &server,
        home.path(),
        &["install", "shop", &dir_arg, "-n", ns, "--dependency-update"],
    );
    assert!(ok, "{out}\n{err}");
    assert!(dir.join("charts/web-1.2.0.tgz").is_file());
    assert!(dir.join("Chart.lock").is_file());
    assert!(d.s.config_maps().await.contains(&"shop-web".to_owned()));

    // An archive is sent as it is, and the server fetches what it lacks.
    let archive = home.path().join("bare.tgz");
    std::fs::write(
        &archive,
        parent(
            &format!(
                "apiVersion: v2\nname: shop\nversion: 1.0.1\ndependencies:\n\
                 - name: web\n  version: 1.0.0\n  repository: {}\n",
                open.server.url()
            ),
            &[],
        ),
    )
    .expect("archive");
    let (ok, out, err) = helmctl(
        &server,
        home.path(),
        &[
            "upgrade",
            "shop",
            &archive.display().to_string(),
            "-n",
            ns,
            "--dependency-update",
        ],
    );
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("REVISION: 2"), "{out}");
    let got =
        d.s.client
            .releases()
            .get_release(helmd_client::proto::GetReleaseRequest {
                namespace: ns.to_owned(),
                name: "shop".into(),
                view: helmd_client::proto::ReleaseView::Full as i32,
                ..Default::default()
            })
            .await
            .expect("get")
            .into_inner();
    let release = got.release.expect("release");
    assert!(
        versions(&release).contains(&("shop-web".to_owned(), "1.0.0".to_owned())),
        "{}",
        release.manifest
    );
}
