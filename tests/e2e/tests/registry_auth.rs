//! Registry authentication through the real helmd binary against a `docker-registry`
//! whose `auth.token` trusts the test token service: repositories with credentials earn
//! scoped bearer tokens; a user without the push scope gets PERMISSION_DENIED.

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_test_support::token_server::{Grant, TokenUser};
use tonic::Code;

use crate::common::{assert_error, client};
use crate::fixtures::{self, basic, chart_archive, oci_repository};

const READER_PASSWORD: &str = "reader-Pa55word!";

fn reader() -> TokenUser {
    TokenUser::new(
        "reader",
        READER_PASSWORD,
        vec![Grant::new("charts/demo", &["pull"])],
    )
}

async fn create(c: &Client, repository: Repository, verify: bool) -> Result<(), tonic::Status> {
    c.repositories()
        .create_repository(CreateRepositoryRequest {
            repository: Some(repository),
            verify,
        })
        .await
        .map(|_| ())
}

async fn push(
    c: &Client,
    host: &str,
    repository: &str,
) -> Result<PushChartResponse, tonic::Status> {
    c.charts()
        .push_chart(PushChartRequest {
            archive: chart_archive("demo", "1.0.0").into(),
            destination: format!("oci://{host}/charts"),
            repository: repository.into(),
            provenance: Default::default(),
        })
        .await
        .map(tonic::Response::into_inner)
}

fn demo(host: &str, repository: &str) -> PullChartRequest {
    PullChartRequest {
        chart: Some(ChartReference {
            source: Some(chart_reference::Source::Oci(OciChart {
                reference: format!("oci://{host}/charts/demo"),
                pin: Some(oci_chart::Pin::Version("^1".into())),
                repository: repository.into(),
            })),
        }),
    }
}

#[tokio::test]
async fn pull_chart_with_repository_credentials_goes_through_the_registry_token_service() {
    let registry = fixtures::token_registry(vec![reader()]).await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let host = registry.host();
    let admin = basic(registry.username(), registry.password());
    create(&c, oci_repository("admin", &registry, admin), false)
        .await
        .expect("create admin repository");
    create(
        &c,
        oci_repository("reader", &registry, basic("reader", READER_PASSWORD)),
        false,
    )
    .await
    .expect("create reader repository");
    push(&c, &host, "admin").await.expect("push as admin");

    let pulled = c
        .charts()
        .pull_chart(demo(&host, "reader"))
        .await
        .expect("the reader pulls")
        .into_inner();
    assert_eq!(pulled.version, "1.0.0");
    assert_eq!(&pulled.archive[..], &chart_archive("demo", "1.0.0")[..]);

    let status = push(&c, &host, "reader")
        .await
        .expect_err("the reader may not push");
    assert_error(&status, Code::PermissionDenied, "PERMISSION_DENIED");
    assert!(!format!("{status:?}").contains(READER_PASSWORD));
    assert!(!helmd.log().contains(READER_PASSWORD));
    assert!(!helmd.log().contains(registry.password()));

    let issued = registry.token_server().expect("token service").issued();
    assert!(
        issued
            .iter()
            .any(|i| i.username.as_deref() == Some("reader")
                && i.granted == ["repository:charts/demo:pull"]),
        "{issued:?}"
    );
}

#[tokio::test]
async fn create_repository_with_verify_logs_in_and_refuses_a_wrong_password_unstored() {
    let token = fixtures::token_registry(vec![]).await;
    let htpasswd = fixtures::registry().await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let wrong = "Wrong-Pa55-verify";
    for (kind, registry) in [("token", &token), ("htpasswd", &htpasswd)] {
        let good = format!("{kind}-good");
        create(
            &c,
            oci_repository(
                &good,
                registry,
                basic(registry.username(), registry.password()),
            ),
            true,
        )
        .await
        .unwrap_or_else(|e| panic!("{kind}: verified create: {e:?}"));

        let bad = format!("{kind}-bad");
        let status = create(
            &c,
            oci_repository(&bad, registry, basic(registry.username(), wrong)),
            true,
        )
        .await
        .expect_err("a wrong password is refused at creation");
        assert_error(
            &status,
            Code::FailedPrecondition,
            "REGISTRY_AUTHENTICATION_FAILED",
        );
        assert!(!format!("{status:?}").contains(wrong), "{status:?}");
        let missing = c
            .repositories()
            .get_repository(GetRepositoryRequest { name: bad.clone() })
            .await
            .expect_err("the refused repository is not stored");
        assert_eq!(missing.code(), Code::NotFound, "{kind}: {missing:?}");
        c.repositories()
            .get_repository(GetRepositoryRequest { name: good })
            .await
            .unwrap_or_else(|e| panic!("{kind}: the verified repository is stored: {e:?}"));
    }
    assert!(!helmd.log().contains(wrong));
    let logins = token.token_server().expect("token service").issued();
    assert!(
        logins
            .iter()
            .any(|i| i.username.as_deref() == Some(token.username()) && i.requested.is_empty()),
        "verify logs in without a scope, as docker login does: {logins:?}"
    );
}
