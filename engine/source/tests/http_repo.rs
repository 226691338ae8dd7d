//! HTTP chart repositories served by a real HTTP server the tests start: constraint
//! resolution (checked against Helm's own choices), ETag revalidation, the cache,
//! digests, basic auth and Helm's credential rule, TLS with a custom CA, failures.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{chart_archive, fast_retry, helm, setup, source};
use helmd_source::{ChartRequest, Credentials, Digest, Error, ErrorKind, Transport};
use helmd_test_support::http_repo::{HttpRepoOptions, HttpRepoServer};
use helmd_test_support::registry::TestCa;

const USER: &str = "repo-user";
const PASSWORD: &str = "repo-Pa55word";

/// Writes `name-version.tgz` for each version and an index.yaml whose URLs are
/// `url_prefix + file` (relative when the prefix is empty) with correct digests.
fn write_repo(dir: &Path, name: &str, versions: &[&str], url_prefix: &str) {
    write_charts(dir, &[(name, versions)], url_prefix);
}

/// [`write_repo`] for several charts in one index.
fn write_charts(dir: &Path, charts: &[(&str, &[&str])], url_prefix: &str) {
    let mut index = String::from("apiVersion: v1\nentries:\n");
    for (name, versions) in charts {
        index.push_str(&format!("  {name}:\n"));
        for version in *versions {
            let archive = chart_archive(name, version);
            let file = format!("{name}-{version}.tgz");
            std::fs::write(dir.join(&file), &archive).expect("write archive");
            index.push_str(&format!(
                "  - name: {name}\n    version: {version}\n    digest: {}\n    urls: [\"{url_prefix}{file}\"]\n",
                Digest::of(&archive).hex()
            ));
        }
    }
    std::fs::write(dir.join("index.yaml"), index).expect("write index");
}

fn request(url: &str, chart: &str, version: Option<&str>, transport: &Transport) -> ChartRequest {
    ChartRequest::Repo {
        url: url.to_owned(),
        chart: chart.to_owned(),
        version: version.map(str::to_owned),
        transport: transport.clone(),
        pass_credentials_all: false,
    }
}

fn quick() -> Transport {
    Transport {
        retry: fast_retry(Duration::from_secs(2)),
        ..Transport::default()
    }
}

const VERSIONS: &[&str] = &[
    "0.9.0",
    "1.0.0",
    "1.2.0",
    "1.2.5",
    "1.10.1",
    "2.0.0-beta.1",
    "2.0.0-rc.1",
    "2.0.0",
    "2.1.0-alpha",
];

// Multi-threaded: Helm runs as a blocking child process while our server answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn constraint_choices_match_helms_own_on_the_same_repository() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    let repo_dir = dir.path().join("repo");
    std::fs::create_dir_all(&repo_dir).expect("mkdir");
    write_repo(&repo_dir, "demo", VERSIONS, "");
    let server = HttpRepoServer::start(&repo_dir, HttpRepoOptions::default())
        .await
        .expect("server");
    let constraints = [
        "",
        "1.2.5",
        "^1",
        "~1.2",
        "1.2.x",
        ">=1.0 <1.10",
        "<1.0.0 || >=2.0",
        "1.0 - 1.2.3",
        "^0.9",
        ">=2.0.0-0",
        "~2.0.0-beta",
        ">=2.0.0-0 <2.0.0",
        "2.1.0-alpha",
        "!=2.0.0",
        ">3",
        "*",
        "=1.2",
        "^2.0.0-0",
        "~2.1.0-0 || ^1",
        ">1.2.0-0 <1.10.1",
        "<=2.0.0-rc.1 >1.10.1",
        "2.x",
    ];
    let dest = dir.path().join("helm");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let mut args = vec![
        "repo-pick",
        "demo",
        server.url().leak(),
        dest.to_str().expect("utf8"),
    ];
    args.extend(constraints);
    let helm_picks = helm(&args, None).expect("helm pulls");

    let src = source(dir.path());
    let t = quick();
    for (i, constraint) in constraints.iter().enumerate() {
        let ours = src
            .pull(&request(&server.url(), "demo", Some(constraint), &t))
            .await
            .map(|p| format!("demo-{}.tgz", p.version))
            .ok();
        let theirs = helm_picks["picked"][i].as_str().map(str::to_owned);
        assert_eq!(ours, theirs, "constraint {constraint:?}");
    }
}

#[tokio::test]
async fn an_index_helm_generated_resolves_and_its_digests_are_verified() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    for version in ["0.1.0", "0.2.0"] {
        std::fs::write(
            dir.path().join(format!("gen-{version}.tgz")),
            chart_archive("gen", version),
        )
        .expect("write");
    }
    helm(&["repo-index", dir.path().to_str().expect("utf8")], None).expect("helm repo index");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("server");
    let cache_dir = tempfile::tempdir().expect("tempdir");
    let pulled = source(cache_dir.path())
        .pull(&request(&server.url(), "gen", None, &quick()))
        .await
        .expect("pull");
    assert_eq!(pulled.version, "0.2.0");
    assert_eq!(pulled.origin, format!("{}/gen-0.2.0.tgz", server.url()));
}

#[tokio::test]
async fn every_pull_revalidates_the_index_and_takes_the_archive_from_the_cache() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    write_repo(dir.path(), "demo", &["1.0.0", "1.1.0"], "");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("server");
    let cache = tempfile::tempdir().expect("tempdir");
    let src = source(cache.path());
    let t = quick();
    let latest = src
        .pull(&request(&server.url(), "demo", Some("^1"), &t))
        .await
        .expect("pull");
    assert!(!latest.from_cache);
    let again = src
        .pull(&request(&server.url(), "demo", Some("^1"), &t))
        .await
        .expect("pull");
    assert!(again.from_cache);
    let pinned = src
        .pull(&request(&server.url(), "demo", Some("1.1.0"), &t))
        .await
        .expect("pull");
    assert!(pinned.from_cache);
    let statuses: Vec<u16> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/index.yaml")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [200, 304, 304], "access proven on every pull");
    assert_eq!(
        server.count("/demo-1.1.0.tgz"),
        1,
        "the archive downloaded once"
    );
}

#[tokio::test]
async fn concurrent_pulls_download_the_archive_once() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    write_repo(dir.path(), "demo", &["1.0.0"], "");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("server");
    let cache = tempfile::tempdir().expect("tempdir");
    let src = source(cache.path());
    let t = quick();
    let requests: Vec<ChartRequest> = (0..8)
        .map(|_| request(&server.url(), "demo", Some("1.0.0"), &t))
        .collect();
    let results = futures::future::join_all(requests.iter().map(|r| src.pull(r))).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.count("/demo-1.0.0.tgz"), 1);
}

#[tokio::test]
async fn a_digest_mismatch_fails_and_caches_nothing() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    write_repo(dir.path(), "demo", &["1.0.0"], "");
    std::fs::write(
        dir.path().join("demo-1.0.0.tgz"),
        chart_archive("demo", "6.6.6"),
    )
    .expect("tamper");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("server");
    let cache = tempfile::tempdir().expect("tempdir");
    let src = source(cache.path());
    let err = src
        .pull(&request(&server.url(), "demo", Some("1.0.0"), &quick()))
        .await
        .expect_err("tampered archive");
    assert!(matches!(err, Error::DigestMismatch { .. }), "{err}");
    let index = std::fs::metadata(dir.path().join("index.yaml")).expect("index");
    assert_eq!(src.cache().size(), index.len(), "only the index is cached");
}

#[tokio::test]
async fn credentials_go_to_other_hosts_only_with_pass_credentials_all() {
    setup();
    let options = HttpRepoOptions {
        basic_auth: Some((USER.into(), PASSWORD.into())),
        tls: None,
    };
    let charts_dir = tempfile::tempdir().expect("tempdir");
    let charts = HttpRepoServer::start(charts_dir.path(), options.clone())
        .await
        .expect("charts server");
    let index_dir = tempfile::tempdir().expect("tempdir");
    write_repo(
        index_dir.path(),
        "demo",
        &["1.0.0"],
        &format!("{}/", charts.url()),
    );
    std::fs::copy(
        index_dir.path().join("demo-1.0.0.tgz"),
        charts_dir.path().join("demo-1.0.0.tgz"),
    )
    .expect("copy");
    let index = HttpRepoServer::start(index_dir.path(), options)
        .await
        .expect("index server");

    let cache = tempfile::tempdir().expect("tempdir");
    let src = source(cache.path());
    let t = quick().with_credentials(Credentials::basic(USER, PASSWORD));
    let err = src
        .pull(&request(&index.url(), "demo", Some("1.0.0"), &t))
        .await
        .expect_err("no credentials for the other host");
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert!(charts.requests().iter().all(|r| !r.authorization));

    let pass_all = ChartRequest::Repo {
        url: index.url(),
        chart: "demo".into(),
        version: Some("1.0.0".into()),
        transport: t,
        pass_credentials_all: true,
    };
    src.pull(&pass_all)
        .await
        .expect("pull with pass_credentials_all");
}

#[tokio::test]
async fn a_wrong_password_is_unauthenticated_and_never_echoed() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    write_repo(dir.path(), "demo", &["1.0.0"], "");
    let options = HttpRepoOptions {
        basic_auth: Some((USER.into(), PASSWORD.into())),
        tls: None,
    };
    let server = HttpRepoServer::start(dir.path(), options)
        .await
        .expect("server");
    let cache = tempfile::tempdir().expect("tempdir");
    let t = quick().with_credentials(Credentials::basic(USER, "Wrong-Secret-99"));
    let err = source(cache.path())
        .pull(&request(&server.url(), "demo", None, &t))
        .await
        .expect_err("wrong password");
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(!format!("{err} {err:?}").contains("Wrong-Secret-99"));
}

#[tokio::test]
async fn a_repository_over_tls_with_a_custom_ca_serves_charts() {
    setup();
    let ca = TestCa::generate().expect("test CA");
    let dir = tempfile::tempdir().expect("tempdir");
    write_repo(dir.path(), "secure", &["1.0.0"], "");
    let options = HttpRepoOptions {
        basic_auth: None,
        tls: Some(ca.clone()),
    };
    let server = HttpRepoServer::start(dir.path(), options)
        .await
        .expect("server");
    let cache = tempfile::tempdir().expect("tempdir");
    let src = source(cache.path());
    let untrusted = src
        .pull(&request(&server.url(), "secure", None, &quick()))
        .await;
    assert!(untrusted.is_err(), "the test CA is not trusted by default");
    let trusted = quick().with_ca_pem(ca.cert_pem.clone());
    let pulled = src
        .pull(&request(&server.url(), "secure", None, &trusted))
        .await
        .expect("pull");
    assert_eq!(pulled.name, "secure");
}

#[tokio::test]
async fn unknown_charts_and_versions_are_not_found_and_a_dead_repository_is_unavailable() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    write_repo(dir.path(), "demo", &["1.0.0", "1.1.0"], "");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("server");
    let cache = tempfile::tempdir().expect("tempdir");
    let src = source(cache.path());
    let err = src
        .pull(&request(&server.url(), "demo", Some("^2"), &quick()))
        .await
        .expect_err("absent");
    assert!(
        matches!(&err, Error::VersionNotFound { available, .. } if available == &["1.1.0", "1.0.0"]),
        "{err}"
    );
    let err = src
        .pull(&request(&server.url(), "nope", None, &quick()))
        .await
        .expect_err("absent");
    assert!(matches!(err, Error::ChartNotFound { .. }), "{err}");

    let port = helmd_test_support::postgres::free_port().expect("free port");
    let mut t = quick();
    t.retry = fast_retry(Duration::from_millis(400));
    let err = src
        .pull(&request(
            &format!("http://127.0.0.1:{port}"),
            "demo",
            None,
            &t,
        ))
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(err, Error::Unavailable { attempts, .. } if attempts > 1),
        "{err}"
    );
}

#[tokio::test]
async fn a_restarted_source_revalidates_the_index_it_kept_on_disk() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    write_repo(dir.path(), "demo", &["1.0.0"], "");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("server");
    let cache = tempfile::tempdir().expect("tempdir");
    for _ in 0..2 {
        let src = source(cache.path());
        src.pull(&request(&server.url(), "demo", Some("^1"), &quick()))
            .await
            .expect("pull");
    }
    let statuses: Vec<u16> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/index.yaml")
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [200, 304]);
}

#[tokio::test]
async fn each_password_gets_its_own_answer_from_one_source() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    write_repo(dir.path(), "demo", &["1.0.0"], "");
    let options = HttpRepoOptions {
        basic_auth: Some((USER.into(), PASSWORD.into())),
        tls: None,
    };
    let server = HttpRepoServer::start(dir.path(), options)
        .await
        .expect("server");
    let cache = tempfile::tempdir().expect("tempdir");
    let src = source(cache.path());
    let right = quick().with_credentials(Credentials::basic(USER, PASSWORD));
    let wrong = quick().with_credentials(Credentials::basic(USER, "guess"));
    src.pull(&request(&server.url(), "demo", Some("^1"), &right))
        .await
        .expect("right password");
    let err = src
        .pull(&request(&server.url(), "demo", Some("^1"), &wrong))
        .await
        .expect_err("wrong password");
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
}

// Multi-threaded: Helm runs as a blocking child process while our server answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependencies_resolve_and_lock_like_helm_dependency_update() {
    setup();
    let dir = tempfile::tempdir().expect("tempdir");
    let repo_dir = dir.path().join("repo");
    std::fs::create_dir_all(&repo_dir).expect("mkdir");
    write_charts(
        &repo_dir,
        &[
            ("dep-a", &["1.0.0", "1.1.0", "2.0.0"]),
            ("dep-b", &["0.1.0", "0.2.0-rc.1"]),
        ],
        "",
    );
    let server = HttpRepoServer::start(&repo_dir, HttpRepoOptions::default())
        .await
        .expect("server");
    let parent = dir.path().join("parent");
    std::fs::create_dir_all(parent.join("templates")).expect("mkdir");
    let chart_yaml = format!(
        "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n\
         - name: dep-a\n  version: ^1\n  repository: {url}\n  alias: first\n  condition: first.enabled\n  tags: [backend]\n\
         - name: dep-b\n  version: '>=0.1.0 <1'\n  repository: {url}\n",
        url = server.url()
    );
    std::fs::write(parent.join("Chart.yaml"), &chart_yaml).expect("write Chart.yaml");
    let helm_result = helm(&["dep-update", parent.to_str().expect("utf8")], None)
        .expect("helm dependency update");
    assert_eq!(
        helm_result["charts"],
        serde_json::json!(["dep-a-1.1.0.tgz", "dep-b-0.1.0.tgz"])
    );

    let meta: helmd_source::ChartMetadata =
        serde_norway::from_str(&chart_yaml).expect("Chart.yaml");
    let lock_text = helm_result["lock"].as_str().expect("lock");
    let lock = helmd_source::dependency::ChartLock::parse(lock_text).expect("Chart.lock");
    assert_eq!(
        helmd_source::dependency::lock_digest(&meta.dependencies, &lock.dependencies),
        lock.digest,
        "our lock digest equals Helm's:\n{lock_text}"
    );
    let options = helmd_source::dependency::DependencyOptions {
        default_transport: quick(),
        ..Default::default()
    };
    let cache = tempfile::tempdir().expect("tempdir");
    let src = source(cache.path());
    for lock in [Some(&lock), None] {
        let pulled = src
            .pull_dependencies(&meta.dependencies, lock, &options)
            .await
            .expect("pull dependencies");
        for chart in &pulled {
            let helm_bytes = std::fs::read(
                parent
                    .join("charts")
                    .join(format!("{}-{}.tgz", chart.name, chart.version)),
            )
            .expect("Helm downloaded the same version");
            assert_eq!(chart.archive.as_ref(), helm_bytes.as_slice());
        }
        assert_eq!(pulled.len(), 2);
    }
}
