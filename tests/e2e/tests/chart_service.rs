//! ChartService against the real helmd binary, the real TLS registry with htpasswd and a
//! real HTTP chart repository: push, pull and list versions through registered
//! repositories (inline encrypted credentials, and a Secret in the local cluster), and
//! the failure paths with their codes.

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_test_cluster::Cluster;
use helmd_test_support::postgres::free_port;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, PostParams};
use sha2::Digest;
use tonic::Code;
use tonic_types::StatusExt;

use crate::common::{assert_error, client};
use crate::fixtures::{self, REPO_PASSWORD, basic, chart_archive, http_repository, oci_repository};
use crate::fixtures::{create_repository as create, repo_chart};

fn oci_chart(reference: &str, version: &str, repository: &str) -> Option<ChartReference> {
    Some(ChartReference {
        source: Some(chart_reference::Source::Oci(OciChart {
            reference: reference.into(),
            pin: (!version.is_empty()).then(|| oci_chart::Pin::Version(version.into())),
            repository: repository.into(),
        })),
    })
}

async fn push(c: &Client, registry_host: &str, name: &str, version: &str) -> PushChartResponse {
    c.charts()
        .push_chart(PushChartRequest {
            archive: chart_archive(name, version).into(),
            destination: format!("oci://{registry_host}/charts"),
            repository: "registry".into(),
            provenance: Default::default(),
        })
        .await
        .expect("push")
        .into_inner()
}

/// A pull that must fail: its status.
async fn pull_error(c: &Client, chart: Option<ChartReference>, what: &str) -> tonic::Status {
    c.charts()
        .pull_chart(PullChartRequest { chart })
        .await
        .expect_err(what)
}

async fn versions(c: &Client, chart: Option<ChartReference>) -> Vec<String> {
    c.charts()
        .list_chart_versions(ListChartVersionsRequest {
            chart,
            ..Default::default()
        })
        .await
        .expect("versions")
        .into_inner()
        .versions
        .into_iter()
        .map(|v| v.version)
        .collect()
}

#[tokio::test]
async fn chart_service_pushes_pulls_and_lists_versions_with_encrypted_registry_credentials() {
    let registry = fixtures::registry().await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(
        &c,
        oci_repository(
            "registry",
            &registry,
            basic(registry.username(), registry.password()),
        ),
    )
    .await;
    let host = registry.host();
    let pushed = push(&c, &host, "demo", "1.0.0").await;
    assert_eq!(pushed.reference, format!("oci://{host}/charts/demo:1.0.0"));
    assert!(pushed.manifest_digest.starts_with("sha256:"));
    assert_eq!(pushed.metadata.expect("metadata").name, "demo");
    push(&c, &host, "demo", "1.2.0").await;
    push(&c, &host, "demo", "2.0.0-beta.1").await;

    let reference = format!("oci://{host}/charts/demo");
    let pulled = c
        .charts()
        .pull_chart(PullChartRequest {
            chart: oci_chart(&reference, "^1.0", "registry"),
        })
        .await
        .expect("pull")
        .into_inner();
    assert_eq!(pulled.version, "1.2.0");
    let archive = chart_archive("demo", "1.2.0");
    assert_eq!(&pulled.archive[..], &archive[..]);
    assert_eq!(
        pulled.archive_digest,
        format!("sha256:{}", hex::encode(sha2::Sha256::digest(&archive)))
    );
    assert!(pulled.manifest_digest.starts_with("sha256:"));
    assert_eq!(pulled.resolved_reference, format!("{reference}:1.2.0"));
    assert_eq!(pulled.metadata.expect("metadata").app_version, "2.4");

    // The same chart by repository name (the path under the repository's URL).
    let by_repo = c
        .charts()
        .pull_chart(PullChartRequest {
            chart: repo_chart("registry", "demo", "1.0.0"),
        })
        .await
        .expect("pull by repository")
        .into_inner();
    assert_eq!(by_repo.version, "1.0.0");

    assert_eq!(
        versions(&c, oci_chart(&reference, "", "registry")).await,
        ["2.0.0-beta.1", "1.2.0", "1.0.0"]
    );
    assert_eq!(
        versions(&c, oci_chart(&reference, "<2.0.0", "registry")).await,
        ["1.2.0", "1.0.0"]
    );
    // Each listed OCI version carries its manifest digest, creation time and the
    // config blob's metadata, as an index entry would.
    let listed = c
        .charts()
        .list_chart_versions(ListChartVersionsRequest {
            chart: oci_chart(&reference, "", "registry"),
            page_size: 2,
            ..Default::default()
        })
        .await
        .expect("versions")
        .into_inner();
    assert_eq!(listed.versions.len(), 2);
    assert!(!listed.next_page_token.is_empty());
    let v120 = &listed.versions[1];
    assert_eq!(v120.version, "1.2.0");
    assert_eq!(v120.digest, pulled.manifest_digest);
    assert_eq!(v120.app_version, "2.4");
    assert_eq!(v120.description, "demo serves web pages");
    assert!(v120.create_time.is_some(), "{v120:?}");
    assert!(!v120.deprecated);

    let unknown = pull_error(
        &c,
        oci_chart(&reference, "9.9.9", "registry"),
        "no such version",
    )
    .await;
    assert_eq!(unknown.code(), Code::NotFound, "{unknown:?}");

    let missing = pull_error(
        &c,
        oci_chart(&format!("oci://{host}/charts/nothing"), "", "registry"),
        "no such chart",
    )
    .await;
    assert_eq!(missing.code(), Code::NotFound, "{missing:?}");
    assert!(!helmd.log().contains(registry.password()));
}

#[tokio::test]
async fn chart_service_pulls_from_an_http_repository_and_reports_missing_versions() {
    let repo = fixtures::http_repo(&[("web", "1.0.0"), ("web", "1.1.0")], Some("1.1.0")).await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(
        &c,
        http_repository("stable", &repo.server.url(), basic("helmd", REPO_PASSWORD)),
    )
    .await;
    let pulled = c
        .charts()
        .pull_chart(PullChartRequest {
            chart: repo_chart("stable", "web", "1.0.0"),
        })
        .await
        .expect("pull")
        .into_inner();
    assert_eq!(pulled.version, "1.0.0");
    assert_eq!(&pulled.archive[..], &chart_archive("web", "1.0.0")[..]);
    assert!(pulled.resolved_reference.ends_with("/web-1.0.0.tgz"));

    let listed = c
        .charts()
        .list_chart_versions(ListChartVersionsRequest {
            chart: repo_chart("stable", "web", ""),
            ..Default::default()
        })
        .await
        .expect("versions")
        .into_inner()
        .versions;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].version, "1.1.0");
    assert_eq!(listed[0].app_version, "2.4");
    assert!(listed[0].create_time.is_some());

    let status = pull_error(&c, repo_chart("stable", "web", "^3"), "no such version").await;
    assert_error(&status, Code::NotFound, "CHART_VERSION_NOT_FOUND");
    assert!(status.message().contains("1.1.0, 1.0.0"), "{status:?}");
    let info = status.get_details_error_info().expect("info");
    assert_eq!(info.metadata["available_versions"], "1.1.0,1.0.0");

    let status = pull_error(&c, repo_chart("stable", "nothing", ""), "no such chart").await;
    assert_error(&status, Code::NotFound, "CHART_NOT_FOUND");

    // 1.1.0's index digest is wrong: the download is refused and nothing is cached.
    let status = pull_error(&c, repo_chart("stable", "web", "1.1.0"), "digest mismatch").await;
    assert_error(&status, Code::DataLoss, "DIGEST_MISMATCH");
}

#[tokio::test]
async fn chart_service_wrong_password_fails_authentication_without_echoing_it() {
    let registry = fixtures::registry().await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let wrong = "Wrong-Pa55-zz";
    create(
        &c,
        oci_repository("registry", &registry, basic(registry.username(), wrong)),
    )
    .await;
    let status = c
        .charts()
        .push_chart(PushChartRequest {
            archive: chart_archive("demo", "1.0.0").into(),
            destination: format!("oci://{}/charts", registry.host()),
            repository: "registry".into(),
            provenance: Default::default(),
        })
        .await
        .expect_err("wrong password");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "REGISTRY_AUTHENTICATION_FAILED",
    );
    assert!(!status.message().contains(wrong), "{status:?}");
    assert!(!format!("{status:?}").contains(wrong));
    assert!(!helmd.log().contains(wrong));

    let repo = fixtures::http_repo(&[("web", "1.0.0")], None).await;
    create(
        &c,
        http_repository("stable", &repo.server.url(), basic("helmd", wrong)),
    )
    .await;
    let status = pull_error(&c, repo_chart("stable", "web", ""), "wrong password").await;
    assert_error(
        &status,
        Code::FailedPrecondition,
        "REGISTRY_AUTHENTICATION_FAILED",
    );
    assert!(!format!("{status:?}").contains(wrong));
}

#[tokio::test]
async fn chart_service_unreachable_registry_is_unavailable() {
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let port = free_port().expect("port");
    create(
        &c,
        http_repository("down", &format!("http://127.0.0.1:{port}"), None),
    )
    .await;
    let status = pull_error(&c, repo_chart("down", "web", ""), "down").await;
    assert_error(&status, Code::Unavailable, "REGISTRY_UNAVAILABLE");
    let status = c
        .repositories()
        .refresh_repository(RefreshRepositoryRequest {
            name: "down".into(),
        })
        .await
        .expect_err("down");
    assert_eq!(status.code(), Code::Unavailable);
}

#[tokio::test]
async fn chart_service_oversized_and_corrupt_archives_are_invalid_argument() {
    let registry = fixtures::registry().await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &["--max-chart-bytes", "4096"]).await;
    let c = client(&helmd).await.expect("client");
    create(
        &c,
        oci_repository(
            "registry",
            &registry,
            basic(registry.username(), registry.password()),
        ),
    )
    .await;
    let big = fixtures::chart_archive_sized("big", "1.0.0", 64 * 1024);
    let status = c
        .charts()
        .push_chart(PushChartRequest {
            archive: big.into(),
            destination: format!("oci://{}/charts", registry.host()),
            repository: "registry".into(),
            provenance: Default::default(),
        })
        .await
        .expect_err("too large");
    assert_error(&status, Code::InvalidArgument, "CHART_TOO_LARGE");
    let status = c
        .charts()
        .push_chart(PushChartRequest {
            archive: b"not a gzip archive".to_vec().into(),
            destination: format!("oci://{}/charts", registry.host()),
            repository: "registry".into(),
            provenance: Default::default(),
        })
        .await
        .expect_err("corrupt");
    assert_error(&status, Code::InvalidArgument, "CHART_INVALID");
    let status = c
        .charts()
        .pull_chart(PullChartRequest { chart: None })
        .await
        .expect_err("no chart");
    assert_error(&status, Code::InvalidArgument, "REQUEST_INVALID");
}

#[tokio::test]
async fn chart_service_reads_registry_credentials_from_a_kubernetes_secret() {
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster.create_namespace("creds").await.expect("namespace");
    let registry = fixtures::registry().await;
    let secrets: Api<Secret> =
        Api::namespaced(cluster.admin_client().await.expect("client"), &namespace);
    let secret: Secret = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "registry-creds"},
        "stringData": {"username": registry.username(), "password": registry.password()},
    }))
    .expect("secret");
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .expect("create secret");
    let kubeconfig = cluster.kubeconfig_path().display().to_string();
    // No credentials key: a Secret reference needs none.
    let helmd = helmd_test_support::Helmd::start(helmd_test_support::HelmdOptions {
        args: vec!["--kubeconfig".into(), kubeconfig],
        ..Default::default()
    })
    .await
    .expect("helmd");
    let c = client(&helmd).await.expect("client");
    create(
        &c,
        oci_repository(
            "registry",
            &registry,
            fixtures::secret_ref(&namespace, "registry-creds"),
        ),
    )
    .await;
    push(&c, &registry.host(), "demo", "0.3.0").await;
    let pulled = c
        .charts()
        .pull_chart(PullChartRequest {
            chart: repo_chart("registry", "demo", ""),
        })
        .await
        .expect("pull with Secret credentials")
        .into_inner();
    assert_eq!(pulled.version, "0.3.0");

    create(
        &c,
        oci_repository(
            "missing",
            &registry,
            fixtures::secret_ref(&namespace, "no-such-secret"),
        ),
    )
    .await;
    let status = pull_error(&c, repo_chart("missing", "demo", ""), "missing secret").await;
    assert_error(
        &status,
        Code::FailedPrecondition,
        "CREDENTIALS_SECRET_INVALID",
    );
    assert!(!helmd.log().contains(registry.password()));
}
