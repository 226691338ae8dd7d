//! Hardening of chart sources, who may see what (issue #14 items 1–3), against the real
//! helmd binary and real helmctl: the chart cache never answers for credentials the
//! source refuses, stored credentials never follow a repository to another host or a
//! foreign token realm, and internal addresses are neither reached nor echoed.

use std::net::{IpAddr, Ipv4Addr};

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_test_support::hostile::{HostilePeer, Received, Reply};
use tonic::Code;

use crate::common::{assert_error, client};
use crate::fixtures::{
    self, Helmctl, REPO_PASSWORD, basic, chart_archive, create_repository as create,
    http_repository, oci_repository, repo_chart,
};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

fn oci_chart(
    reference: &str,
    pin: Option<oci_chart::Pin>,
    repository: &str,
) -> Option<ChartReference> {
    Some(ChartReference {
        source: Some(chart_reference::Source::Oci(OciChart {
            reference: reference.into(),
            pin,
            repository: repository.into(),
        })),
    })
}

async fn pull(
    c: &Client,
    chart: Option<ChartReference>,
) -> Result<PullChartResponse, tonic::Status> {
    c.charts()
        .pull_chart(PullChartRequest { chart })
        .await
        .map(tonic::Response::into_inner)
}

async fn refresh(c: &Client, name: &str) -> Result<RefreshRepositoryResponse, tonic::Status> {
    c.repositories()
        .refresh_repository(RefreshRepositoryRequest { name: name.into() })
        .await
        .map(tonic::Response::into_inner)
}

#[tokio::test]
async fn a_cached_private_oci_chart_is_refused_to_wrong_missing_and_anonymous_credentials() {
    let registry = fixtures::registry().await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let good = basic(registry.username(), registry.password());
    create(&c, oci_repository("good", &registry, good)).await;
    create(
        &c,
        oci_repository("bad", &registry, basic(registry.username(), "wrong-Pass-1")),
    )
    .await;
    create(&c, oci_repository("anonymous", &registry, None)).await;
    let host = registry.host();
    let pushed = c
        .charts()
        .push_chart(PushChartRequest {
            archive: chart_archive("secret", "1.0.0").into(),
            destination: format!("oci://{host}/charts"),
            repository: "good".into(),
            provenance: Default::default(),
        })
        .await
        .expect("push")
        .into_inner();
    let reference = format!("oci://{host}/charts/secret");
    let version = Some(oci_chart::Pin::Version("1.0.0".into()));
    let digest = Some(oci_chart::Pin::Digest(pushed.manifest_digest.clone()));
    pull(&c, oci_chart(&reference, version.clone(), "good"))
        .await
        .expect("the owner pulls, and the chart is cached");

    for repository in ["bad", "anonymous"] {
        for pin in [version.clone(), digest.clone()] {
            let status = pull(&c, oci_chart(&reference, pin, repository))
                .await
                .expect_err("refused");
            assert_error(
                &status,
                Code::FailedPrecondition,
                "REGISTRY_AUTHENTICATION_FAILED",
            );
        }
    }
    // No repository at all: anonymous over HTTPS with the system roots, which do not
    // trust the test CA, so the registry is contacted and refuses at TLS already.
    let status = pull(&c, oci_chart(&reference, version.clone(), ""))
        .await
        .expect_err("refused without a repository");
    assert_ne!(status.code(), Code::Ok);
    assert!(
        pull(&c, oci_chart(&reference, version, "good"))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_cached_private_repository_chart_is_refused_to_a_wrong_password() {
    let repo = fixtures::http_repo(&[("secret", "1.0.0")], None).await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let url = repo.server.url();
    create(
        &c,
        http_repository("good", &url, basic("helmd", REPO_PASSWORD)),
    )
    .await;
    create(
        &c,
        http_repository("bad", &url, basic("helmd", "wrong-Pass-1")),
    )
    .await;
    create(&c, http_repository("anonymous", &url, None)).await;
    pull(&c, repo_chart("good", "secret", "1.0.0"))
        .await
        .expect("the owner pulls, and the chart is cached");
    for repository in ["bad", "anonymous"] {
        let status = pull(&c, repo_chart(repository, "secret", "1.0.0"))
            .await
            .expect_err("refused");
        assert_error(
            &status,
            Code::FailedPrecondition,
            "REGISTRY_AUTHENTICATION_FAILED",
        );
    }
    let pulled = pull(&c, repo_chart("good", "secret", "1.0.0"))
        .await
        .expect("owner again");
    assert_eq!(&pulled.archive[..], &chart_archive("secret", "1.0.0")[..]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helmctl_pull_with_a_wrong_password_is_refused_after_a_good_pull() {
    let registry = fixtures::registry().await;
    let ca = registry.ca_file().expect("ca file").display().to_string();
    let helmctl = Helmctl::new();
    let work = tempfile::tempdir().expect("tempdir");
    let archive = work.path().join("secret-1.0.0.tgz");
    std::fs::write(&archive, chart_archive("secret", "1.0.0")).expect("write");
    let archive = archive.display().to_string();
    let remote = format!("oci://{}/charts", registry.host());
    let chart = format!("{remote}/secret");
    let dest = work.path().display().to_string();
    let run = |args: &[&str], password: &str| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "--ca-file",
            &ca,
            "--username",
            registry.username(),
            "--password",
            password,
        ]);
        helmctl.run(&all, None)
    };
    let good = registry.password();
    let (ok, _, stderr) = run(&["push", &archive, &remote], good);
    assert!(ok, "{stderr}");
    let pull = [
        "pull",
        chart.as_str(),
        "--version",
        "1.0.0",
        "--destination",
        dest.as_str(),
    ];
    let (ok, _, stderr) = run(&pull, good);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = run(&pull, "wrong-Pass-1");
    assert!(
        !ok,
        "a wrong password must not get the cached chart: {stdout}"
    );
    assert!(stderr.contains("authentication"), "{stderr}");
}

#[tokio::test]
async fn moving_a_repository_to_another_host_drops_its_credentials() {
    let attacker = HostilePeer::start(LOCAL, |_| Reply::ok("apiVersion: v1\nentries: {}\n"))
        .await
        .expect("peer");
    let repo = fixtures::http_repo(&[("web", "1.0.0")], None).await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(
        &c,
        http_repository("team", &repo.server.url(), basic("helmd", REPO_PASSWORD)),
    )
    .await;
    let moved = c
        .repositories()
        .update_repository(UpdateRepositoryRequest {
            repository: Some(Repository {
                name: "team".into(),
                url: format!("{}/charts", attacker.url()),
                ..Repository::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["url".into()],
            }),
        })
        .await
        .expect("update")
        .into_inner()
        .repository
        .expect("repository");
    assert!(
        !moved.has_credentials,
        "credentials dropped with the old host"
    );
    refresh(&c, "team").await.expect("refresh at the new host");
    let received = attacker.received();
    assert!(!received.is_empty());
    assert!(
        received.iter().all(|r| r.authorization.is_none()),
        "no credentials reached the new host: {received:?}"
    );

    // Moving with credentials in the same request keeps those.
    let with_creds = c
        .repositories()
        .update_repository(UpdateRepositoryRequest {
            repository: Some(Repository {
                name: "team".into(),
                url: repo.server.url(),
                credentials: basic("helmd", REPO_PASSWORD),
                ..Repository::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["url".into(), "credentials".into()],
            }),
        })
        .await
        .expect("update")
        .into_inner()
        .repository
        .expect("repository");
    assert!(with_creds.has_credentials);
    refresh(&c, "team").await.expect("refresh with credentials");
}

/// A registry whose token realm lives on `realm_host` (another host name for the same
/// loopback address); the realm answers a token, the registry a 404 for everything else.
fn foreign_realm_registry(realm: String) -> impl Fn(&Received) -> Reply + Send + Sync {
    move |r| match r.path.as_str() {
        "/v2/" if r.authorization.is_none() => Reply::status(
            401,
            &[(
                "www-authenticate",
                &format!("Bearer realm=\"{realm}\",service=\"registry\""),
            )],
        ),
        _ => Reply::status(404, &[]),
    }
}

#[tokio::test]
async fn credentials_are_withheld_from_a_token_realm_on_another_host_without_opt_in() {
    let realm = HostilePeer::start(LOCAL, |_| Reply::ok(r#"{"token":"t"}"#))
        .await
        .expect("realm");
    let realm_url = format!("http://localhost:{}/token", realm.addr().port());
    let registry = HostilePeer::start(LOCAL, foreign_realm_registry(realm_url))
        .await
        .expect("registry");
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let url = format!("oci://{}/charts", registry.addr());
    let repository = |name: &str, pass: bool| Repository {
        name: name.into(),
        r#type: RepositoryType::Oci as i32,
        url: url.clone(),
        credentials: basic("alice", "alice-Secret-1"),
        plain_http: true,
        pass_credentials_all: pass,
        ..Repository::default()
    };
    create(&c, repository("strict", false)).await;
    create(&c, repository("trusting", true)).await;
    let reference = format!("{url}/demo");
    let pin = Some(oci_chart::Pin::Version("1.0.0".into()));
    let status = pull(&c, oci_chart(&reference, pin.clone(), "strict"))
        .await
        .expect_err("withheld");
    assert_error(&status, Code::FailedPrecondition, "CREDENTIALS_WITHHELD");
    assert!(realm.received().is_empty(), "{:?}", realm.received());

    // With the opt-in the realm gets them (the chart itself is absent: NOT_FOUND).
    let status = pull(&c, oci_chart(&reference, pin, "trusting"))
        .await
        .expect_err("absent");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert!(
        realm.received().iter().any(|r| r
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))),
        "{:?}",
        realm.received()
    );
}

#[tokio::test]
async fn an_index_that_is_no_index_is_quoted_in_a_short_excerpt_only() {
    let secret = "internal-secret-".repeat(2000);
    let body = secret.clone();
    let peer = HostilePeer::start(LOCAL, move |_| Reply::ok(body.clone()))
        .await
        .expect("peer");
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(&c, http_repository("internal", &peer.url(), None)).await;
    let status = refresh(&c, "internal").await.expect_err("not an index");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "REPOSITORY_INDEX_INVALID",
    );
    assert!(status.message().len() < 400, "{}", status.message());
    assert!(
        status.message().contains("more bytes not shown"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn denied_addresses_are_refused_directly_after_dns_and_on_redirect_hops() {
    let internal = HostilePeer::start(LOCAL, |_| Reply::ok("apiVersion: v1\nentries: {}\n"))
        .await
        .expect("internal");
    let port = internal.addr().port();
    let public = HostilePeer::start(OTHER, move |r| match r.path.as_str() {
        "/by-ip/index.yaml" => Reply::Redirect(format!("http://127.0.0.1:{port}/index.yaml")),
        "/by-name/index.yaml" => Reply::Redirect(format!("http://localhost:{port}/index.yaml")),
        _ => Reply::ok("apiVersion: v1\nentries: {}\n"),
    })
    .await
    .expect("public");
    let (helmd, _key) =
        fixtures::helmd_with_key(None, &["--source-deny-cidr", "127.0.0.1/32,::1/128"]).await;
    let c = client(&helmd).await.expect("client");
    let urls = [
        ("direct", format!("http://127.0.0.1:{port}/")),
        ("by-dns", format!("http://localhost:{port}/")),
        ("redirect-ip", format!("{}/by-ip/", public.url())),
        ("redirect-dns", format!("{}/by-name/", public.url())),
    ];
    for (name, url) in &urls {
        create(&c, http_repository(name, url, None)).await;
        let status = refresh(&c, name).await.expect_err("denied");
        assert_error(&status, Code::FailedPrecondition, "SOURCE_ADDRESS_DENIED");
    }
    create(&c, http_repository("public", &public.url(), None)).await;
    refresh(&c, "public").await.expect("allowed address");
    assert!(internal.received().is_empty(), "{:?}", internal.received());
    assert_eq!(
        helmd.health().await.expect("health"),
        tonic_health::pb::health_check_response::ServingStatus::Serving
    );
}

#[tokio::test]
async fn switching_a_registry_to_plain_http_drops_its_credentials() {
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(
        &c,
        Repository {
            name: "reg".into(),
            r#type: RepositoryType::Oci as i32,
            url: "oci://registry.example.com/charts".into(),
            credentials: basic("alice", "alice-Secret-1"),
            ..Repository::default()
        },
    )
    .await;
    let updated = c
        .repositories()
        .update_repository(UpdateRepositoryRequest {
            repository: Some(Repository {
                name: "reg".into(),
                plain_http: true,
                ..Repository::default()
            }),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["plain_http".into()],
            }),
        })
        .await
        .expect("update")
        .into_inner()
        .repository
        .expect("repository");
    assert!(updated.plain_http);
    assert!(!updated.has_credentials, "no credentials over a downgrade");
}
