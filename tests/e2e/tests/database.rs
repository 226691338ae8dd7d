//! helmd and its database: health follows reachability, outages answer UNAVAILABLE and
//! recover without a restart, and stored operations page correctly.

use helmd_client::proto::{ListOperationsRequest, OperationKind, OperationState};
use helmd_test_support::{Helmd, HelmdOptions, PostgresServer, fresh_database};
use sqlx::Connection;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::common::{assert_error, client, helmd_on_postgres};

#[tokio::test]
async fn a_database_outage_turns_health_not_serving_and_recovers_without_restart() {
    // A private server: this test stops it.
    let pg = PostgresServer::start().expect("postgres");
    let url = fresh_database(&pg.admin_url()).await.expect("db");
    let helmd = Helmd::start(HelmdOptions {
        database_url: Some(url),
        ..Default::default()
    })
    .await
    .expect("helmd");
    let operations = || async { client(&helmd).await.expect("client").operations() };

    pg.stop().expect("stop postgres");
    helmd
        .wait_for_health(ServingStatus::NotServing)
        .await
        .expect("NOT_SERVING while the database is down");
    let err = operations()
        .await
        .list_operations(ListOperationsRequest::default())
        .await
        .expect_err("down");
    assert_error(&err, Code::Unavailable, "DATABASE_UNAVAILABLE");

    pg.start_again().expect("restart postgres");
    helmd
        .wait_for_health(ServingStatus::Serving)
        .await
        .expect("SERVING again");
    let listed = operations()
        .await
        .list_operations(ListOperationsRequest::default())
        .await;
    let listed = listed.unwrap_or_else(|e| panic!("not recovered: {e:?}; log:\n{}", helmd.log()));
    assert!(listed.into_inner().operations.is_empty());
}

async fn insert_operation(url: &str, id: &str, namespace: &str, state: &str, created: i64) {
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    sqlx::query(
        "INSERT INTO helmd_operations (id, kind, state, namespace, release_name, requested_by, create_time_us) \
         VALUES ($1, 'install', $2, $3, 'web', 'alice', $4)",
    )
    .bind(id)
    .bind(state)
    .bind(namespace)
    .bind(created)
    .execute(&mut conn)
    .await
    .expect("insert");
}

#[tokio::test]
async fn list_operations_pages_newest_first_with_filters() {
    let (helmd, url) = helmd_on_postgres().await.expect("helmd");
    for (i, state) in ["succeeded", "failed", "succeeded", "running", "succeeded"]
        .iter()
        .enumerate()
    {
        let created = 1_700_000_000_000_000 + i64::try_from(i).expect("small") * 1000;
        insert_operation(&url, &format!("op-{i}"), "team-a", state, created).await;
    }
    insert_operation(
        &url,
        "op-other",
        "team-b",
        "succeeded",
        1_800_000_000_000_000,
    )
    .await;
    let mut ops = client(&helmd).await.expect("client").operations();

    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = ops
            .list_operations(ListOperationsRequest {
                namespace: "team-a".into(),
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .expect("page")
            .into_inner();
        assert!(page.operations.len() <= 2);
        seen.extend(page.operations.iter().map(|o| o.id.clone()));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(seen, ["op-4", "op-3", "op-2", "op-1", "op-0"]);

    let succeeded = ops
        .list_operations(ListOperationsRequest {
            states: vec![OperationState::Succeeded.into()],
            kinds: vec![OperationKind::Install.into()],
            ..Default::default()
        })
        .await
        .expect("filtered")
        .into_inner();
    let ids: Vec<_> = succeeded.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["op-other", "op-4", "op-2", "op-0"]);
    assert_eq!(
        succeeded.operations[0]
            .requested_by
            .as_ref()
            .map(|p| p.subject.as_str()),
        Some("alice")
    );

    let err = ops
        .list_operations(ListOperationsRequest {
            page_token: "not-a-token".into(),
            ..Default::default()
        })
        .await
        .expect_err("bad token");
    assert_error(&err, Code::InvalidArgument, "REQUEST_INVALID");
}
