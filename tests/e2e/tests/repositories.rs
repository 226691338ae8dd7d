//! RepositoryService against the real helmd binary: CRUD on SQLite and Postgres with
//! write-only credentials (never in a response, never in helmd's log), field
//! violations, refresh and search of a real HTTP repository, and credentials read from
//! a Kubernetes Secret of the local cluster.

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_test_support::{Helmd, fresh_database, shared_postgres};
use tonic::Code;
use tonic_types::StatusExt;

use crate::common::{assert_error, client};
use crate::fixtures::{self, REPO_PASSWORD, basic, http_repository, oci_repository};

const SECRET_PASSWORD: &str = "never-Echo-me-42";

/// Create, get, list (paged), update, delete, with the password checked absent from
/// every response and from helmd's log.
async fn check_crud(helmd: &Helmd) {
    let c = client(helmd).await.expect("client");
    let mut repos = c.repositories();
    let created = repos
        .create_repository(CreateRepositoryRequest {
            repository: Some(http_repository(
                "alpha",
                "https://charts.example.com/stable",
                basic("bob", SECRET_PASSWORD),
            )),
            verify: false,
        })
        .await
        .expect("create")
        .into_inner()
        .repository
        .expect("repository");
    assert!(created.has_credentials);
    assert!(created.credentials.is_none());
    assert!(!created.etag.is_empty());
    assert!(!format!("{created:?}").contains(SECRET_PASSWORD));

    let duplicate = repos
        .create_repository(CreateRepositoryRequest {
            repository: Some(http_repository("alpha", "https://x.example.com", None)),
            verify: false,
        })
        .await
        .expect_err("duplicate");
    assert_error(&duplicate, Code::AlreadyExists, "REPOSITORY_ALREADY_EXISTS");

    for name in ["beta", "gamma"] {
        repos
            .create_repository(CreateRepositoryRequest {
                repository: Some(http_repository(name, "https://charts.example.com", None)),
                verify: false,
            })
            .await
            .expect("create");
    }
    let first = repos
        .list_repositories(ListRepositoriesRequest {
            page_size: 2,
            page_token: String::new(),
        })
        .await
        .expect("list")
        .into_inner();
    let names: Vec<&str> = first.repositories.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta"]);
    let second = repos
        .list_repositories(ListRepositoriesRequest {
            page_size: 2,
            page_token: first.next_page_token.clone(),
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(second.repositories.len(), 1);
    assert_eq!(second.repositories[0].name, "gamma");
    assert!(second.next_page_token.is_empty());
    assert!(!format!("{first:?}{second:?}").contains(SECRET_PASSWORD));

    let mut change = http_repository("alpha", "https://mirror.example.com/stable", None);
    change.etag = created.etag.clone();
    let updated = repos
        .update_repository(UpdateRepositoryRequest {
            repository: Some(change.clone()),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["url".into()],
            }),
        })
        .await
        .expect("update")
        .into_inner()
        .repository
        .expect("repository");
    assert_eq!(updated.url, "https://mirror.example.com/stable");
    assert!(
        !updated.has_credentials,
        "credentials dropped: they belong to the old host and the mask does not set them"
    );
    assert_ne!(updated.etag, created.etag);
    let stale = repos
        .update_repository(UpdateRepositoryRequest {
            repository: Some(change),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["url".into()],
            }),
        })
        .await
        .expect_err("stale etag");
    assert_error(&stale, Code::Aborted, "ETAG_MISMATCH");
    let immutable = repos
        .update_repository(UpdateRepositoryRequest {
            repository: Some(http_repository("alpha", "", None)),
            update_mask: Some(prost_types::FieldMask {
                paths: vec!["name".into()],
            }),
        })
        .await
        .expect_err("immutable");
    assert_error(&immutable, Code::InvalidArgument, "REQUEST_INVALID");

    let got = repos
        .get_repository(GetRepositoryRequest {
            name: "alpha".into(),
        })
        .await
        .expect("get")
        .into_inner();
    assert!(!format!("{got:?}").contains(SECRET_PASSWORD));

    repos
        .delete_repository(DeleteRepositoryRequest {
            name: "alpha".into(),
            etag: updated.etag.clone(),
            allow_missing: false,
        })
        .await
        .expect("delete");
    let missing = repos
        .get_repository(GetRepositoryRequest {
            name: "alpha".into(),
        })
        .await
        .expect_err("gone");
    assert_error(&missing, Code::NotFound, "REPOSITORY_NOT_FOUND");
    let again = repos
        .delete_repository(DeleteRepositoryRequest {
            name: "alpha".into(),
            etag: String::new(),
            allow_missing: false,
        })
        .await
        .expect_err("gone");
    assert_error(&again, Code::NotFound, "REPOSITORY_NOT_FOUND");
    repos
        .delete_repository(DeleteRepositoryRequest {
            name: "alpha".into(),
            etag: String::new(),
            allow_missing: true,
        })
        .await
        .expect("allow_missing");
    assert!(
        !helmd.log().contains(SECRET_PASSWORD),
        "password in helmd's log"
    );
}

#[tokio::test]
async fn repository_crud_on_sqlite_keeps_credentials_write_only_and_encrypted() {
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    check_crud(&helmd).await;
    // Sealed at rest: the SQLite file never holds the password in clear.
    let c = client(&helmd).await.expect("client");
    c.repositories()
        .create_repository(CreateRepositoryRequest {
            repository: Some(http_repository(
                "sealed",
                "https://charts.example.com",
                basic("bob", SECRET_PASSWORD),
            )),
            verify: false,
        })
        .await
        .expect("create");
    let mut bytes = std::fs::read(helmd.data_dir().join("helmd.db")).expect("db");
    if let Ok(wal) = std::fs::read(helmd.data_dir().join("helmd.db-wal")) {
        bytes.extend(wal);
    }
    assert!(
        !bytes
            .windows(SECRET_PASSWORD.len())
            .any(|w| w == SECRET_PASSWORD.as_bytes()),
        "password stored in clear"
    );
}

#[tokio::test]
async fn repository_crud_on_postgres_keeps_credentials_write_only_and_encrypted() {
    let url = fresh_database(&shared_postgres().expect("postgres"))
        .await
        .expect("database");
    let (helmd, _key) = fixtures::helmd_with_key(Some(url.clone()), &[]).await;
    check_crud(&helmd).await;
    let c = client(&helmd).await.expect("client");
    c.repositories()
        .create_repository(CreateRepositoryRequest {
            repository: Some(http_repository(
                "sealed",
                "https://charts.example.com",
                basic("bob", SECRET_PASSWORD),
            )),
            verify: false,
        })
        .await
        .expect("create");
    let pool = sqlx::PgPool::connect(&url).await.expect("connect");
    let stored: Vec<(String, String, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT name, config, credentials FROM helmd_repositories ORDER BY name")
            .fetch_all(&pool)
            .await
            .expect("rows");
    let names: Vec<&str> = stored.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["beta", "gamma", "sealed"]);
    let (_, config, sealed) = &stored[2];
    let sealed = sealed.as_ref().expect("sealed credentials");
    assert!(!config.contains(SECRET_PASSWORD));
    assert!(
        !sealed
            .windows(SECRET_PASSWORD.len())
            .any(|w| w == SECRET_PASSWORD.as_bytes()),
        "password stored in clear"
    );
}

#[tokio::test]
async fn inline_credentials_without_a_key_are_refused_but_secret_references_are_not() {
    let helmd = Helmd::start(Default::default()).await.expect("helmd");
    let mut repos = client(&helmd).await.expect("client").repositories();
    let refused = repos
        .create_repository(CreateRepositoryRequest {
            repository: Some(http_repository(
                "alpha",
                "https://charts.example.com",
                basic("bob", SECRET_PASSWORD),
            )),
            verify: false,
        })
        .await
        .expect_err("no key");
    assert_error(
        &refused,
        Code::FailedPrecondition,
        "CREDENTIALS_KEY_NOT_CONFIGURED",
    );
    assert!(!refused.message().contains(SECRET_PASSWORD));
    let with_secret = repos
        .create_repository(CreateRepositoryRequest {
            repository: Some(http_repository(
                "beta",
                "https://charts.example.com",
                fixtures::secret_ref("default", "creds"),
            )),
            verify: false,
        })
        .await
        .expect("secret reference needs no key")
        .into_inner()
        .repository
        .expect("repository");
    assert!(with_secret.has_credentials);
}

#[tokio::test]
async fn invalid_repositories_are_invalid_argument_with_field_violations() {
    let helmd = Helmd::start(Default::default()).await.expect("helmd");
    let mut repos = client(&helmd).await.expect("client").repositories();
    let status = repos
        .create_repository(CreateRepositoryRequest {
            repository: Some(Repository {
                name: "Not_Valid".into(),
                r#type: RepositoryType::Oci as i32,
                url: "https://not-oci.example.com".into(),
                ..Repository::default()
            }),
            verify: false,
        })
        .await
        .expect_err("invalid");
    assert_error(&status, Code::InvalidArgument, "REQUEST_INVALID");
    let fields: Vec<String> = status
        .get_details_bad_request()
        .expect("bad request")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["repository.name", "repository.url"]);
}

async fn search(c: &Client, query: &str, all_versions: bool) -> Vec<String> {
    c.repositories()
        .search_charts(SearchChartsRequest {
            query: query.into(),
            all_versions,
            ..SearchChartsRequest::default()
        })
        .await
        .expect("search")
        .into_inner()
        .results
        .into_iter()
        .map(|r| format!("{}/{} {}", r.repository, r.chart, r.version))
        .collect()
}

#[tokio::test]
async fn refresh_downloads_the_index_and_search_finds_its_charts() {
    let repo = fixtures::http_repo(
        &[
            ("nginx", "1.0.0"),
            ("nginx", "1.1.0"),
            ("nginx", "2.0.0-rc.1"),
            ("redis", "7.0.0"),
        ],
        None,
    )
    .await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let created = c
        .repositories()
        .create_repository(CreateRepositoryRequest {
            repository: Some(http_repository(
                "stable",
                &repo.server.url(),
                basic("helmd", REPO_PASSWORD),
            )),
            verify: true,
        })
        .await
        .expect("create with verify")
        .into_inner()
        .repository
        .expect("repository");
    assert_eq!(created.chart_count, 2);
    assert!(created.index_digest.starts_with("sha256:"));
    assert!(created.last_refresh_time.is_some());

    let refreshed = c
        .repositories()
        .refresh_repository(RefreshRepositoryRequest {
            name: "stable".into(),
        })
        .await
        .expect("refresh")
        .into_inner()
        .repository
        .expect("repository");
    assert_eq!(refreshed.index_digest, created.index_digest);

    assert_eq!(search(&c, "nginx", false).await, ["stable/nginx 1.1.0"]);
    assert_eq!(
        search(&c, "NGINX", true).await,
        ["stable/nginx 1.1.0", "stable/nginx 1.0.0"]
    );
    assert_eq!(
        search(&c, "", false).await,
        ["stable/nginx 1.1.0", "stable/redis 7.0.0"]
    );
    assert!(search(&c, "postgres", false).await.is_empty());
    assert!(!helmd.log().contains(REPO_PASSWORD));
}

#[tokio::test]
async fn refresh_of_an_oci_repository_is_failed_precondition() {
    let registry = fixtures::registry().await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let mut repos = client(&helmd).await.expect("client").repositories();
    repos
        .create_repository(CreateRepositoryRequest {
            repository: Some(oci_repository("oci", &registry, None)),
            verify: false,
        })
        .await
        .expect("create");
    let status = repos
        .refresh_repository(RefreshRepositoryRequest { name: "oci".into() })
        .await
        .expect_err("no index");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "REPOSITORY_TYPE_UNSUPPORTED",
    );
}

#[tokio::test]
async fn search_pages_through_every_repository_and_names_its_paging_limit() {
    let repo = fixtures::http_repo(
        &[("nginx", "1.0.0"), ("nginx", "1.1.0"), ("redis", "7.0.0")],
        None,
    )
    .await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    for name in ["b", "a"] {
        c.repositories()
            .create_repository(CreateRepositoryRequest {
                repository: Some(http_repository(
                    name,
                    &repo.server.url(),
                    basic("helmd", REPO_PASSWORD),
                )),
                verify: true,
            })
            .await
            .expect("create with verify");
    }
    // One result a page: the order of one big page, repository by repository.
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .repositories()
            .search_charts(SearchChartsRequest {
                all_versions: true,
                page_size: 1,
                page_token: token.clone(),
                ..SearchChartsRequest::default()
            })
            .await
            .expect("search")
            .into_inner();
        paged.extend(
            page.results
                .iter()
                .map(|r| format!("{}/{} {}", r.repository, r.chart, r.version)),
        );
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(
        paged,
        [
            "a/nginx 1.1.0",
            "a/nginx 1.0.0",
            "a/redis 7.0.0",
            "b/nginx 1.1.0",
            "b/nginx 1.0.0",
            "b/redis 7.0.0"
        ]
    );
    assert_eq!(search(&c, "", true).await, paged);
    // A page past the first 10,000 results is refused, naming the limit.
    let status = c
        .repositories()
        .search_charts(SearchChartsRequest {
            // The token of offset 20,000 (what next_page_token would say there).
            page_token: "c2VhcmNoCjIwMDAwCg".into(),
            ..SearchChartsRequest::default()
        })
        .await
        .expect_err("past the window");
    assert_error(&status, Code::InvalidArgument, "REQUEST_INVALID");
    assert!(status.message().contains("first 10000"), "{status:?}");
}
