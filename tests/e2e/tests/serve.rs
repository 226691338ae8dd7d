//! `helmd serve` start-up: embedded SQLite defaults, Postgres, idempotent migrations,
//! concurrent replicas, UNIMPLEMENTED for unbuilt RPCs, graceful SIGTERM.

use std::process::{Command, Stdio};
use std::time::Duration;

use helmd_client::proto::{
    CancelOperationRequest, DatabaseBackend, GetServerInfoRequest, ListOperationsRequest,
};
use helmd_test_support::{Helmd, HelmdOptions, binaries, fresh_database, shared_postgres};
use nix::sys::signal::Signal;
use sqlx::Connection;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::common::{assert_error, client, helmd_on_postgres};

async fn migration_rows(url: &str) -> Vec<(i64, String)> {
    let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
    sqlx::query_as("SELECT version, installed_on::text FROM _sqlx_migrations ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .expect("migrations table")
}

#[tokio::test]
async fn serve_with_no_arguments_uses_embedded_sqlite_on_the_default_address() {
    let home = tempfile::tempdir().expect("temp home");
    let mut child = Command::new(binaries::binary("helmd", "helmd").expect("helmd binary"))
        .arg("serve")
        .env_clear()
        .env("HOME", home.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn helmd");
    let guard = KillOnDrop(&mut child);
    let stdout = guard.0.stdout.take().expect("stdout");
    let first = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        std::io::BufReader::new(stdout).lines().next()
    })
    .await
    .expect("join");
    assert_eq!(
        first.expect("a line").expect("utf-8"),
        "helmd listening on 127.0.0.1:50051"
    );
    let channel = tonic::transport::Channel::from_static("http://127.0.0.1:50051")
        .connect()
        .await
        .expect("connect");
    let health = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health");
    assert_eq!(health.into_inner().status(), ServingStatus::Serving);
    let info = helmd_client::Client::from_channel(channel)
        .server()
        .get_server_info(GetServerInfoRequest {})
        .await
        .expect("server info")
        .into_inner();
    assert_eq!(info.database(), DatabaseBackend::Sqlite);
    assert!(
        home.path().join(".local/share/helmd/helmd.db").exists(),
        "SQLite file in the default data dir"
    );
}

struct KillOnDrop<'a>(&'a mut std::process::Child);

impl Drop for KillOnDrop<'_> {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serve_with_a_postgres_url_creates_helms_sql_driver_schema() {
    let (helmd, url) = helmd_on_postgres().await.expect("helmd");
    let info = client(&helmd)
        .await
        .expect("client")
        .server()
        .get_server_info(GetServerInfoRequest {})
        .await;
    assert_eq!(
        info.expect("info").into_inner().database(),
        DatabaseBackend::Postgres
    );
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM gorp_migrations ORDER BY id")
        .fetch_all(&mut conn)
        .await
        .expect("gorp_migrations");
    assert_eq!(ids, ["custom_labels", "init"]);
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'releases_v1' ORDER BY ordinal_position",
    )
    .fetch_all(&mut conn)
    .await
    .expect("columns");
    assert_eq!(
        columns,
        [
            "key",
            "type",
            "body",
            "name",
            "namespace",
            "version",
            "status",
            "owner",
            "createdat",
            "modifiedat"
        ]
    );
}

#[tokio::test]
async fn a_second_start_on_the_same_database_applies_no_migrations() {
    let (first, url) = helmd_on_postgres().await.expect("helmd");
    let before = migration_rows(&url).await;
    assert_eq!(before.len(), 3, "every migration applied once: {before:?}");
    drop(first);
    let second = Helmd::start(HelmdOptions {
        database_url: Some(url.to_owned()),
        ..Default::default()
    })
    .await
    .expect("again");
    assert_eq!(migration_rows(&url).await, before, "nothing re-applied");
    assert!(second.log().contains("applied=0"), "log: {}", second.log());
}

#[tokio::test]
async fn two_replicas_starting_at_once_on_one_postgres_both_come_up() {
    let url = fresh_database(&shared_postgres().expect("postgres"))
        .await
        .expect("db");
    let options = HelmdOptions {
        database_url: Some(url.clone()),
        ..Default::default()
    };
    let (a, b) = tokio::join!(Helmd::start(options.clone()), Helmd::start(options));
    let (a, b) = (a.expect("replica a"), b.expect("replica b"));
    assert_eq!(a.health().await.expect("a"), ServingStatus::Serving);
    assert_eq!(b.health().await.expect("b"), ServingStatus::Serving);
    assert_eq!(migration_rows(&url).await.len(), 3);
    for helmd in [&a, &b] {
        let listed = client(helmd)
            .await
            .expect("client")
            .operations()
            .list_operations(ListOperationsRequest::default())
            .await;
        assert!(listed.expect("list").into_inner().operations.is_empty());
    }
}

#[tokio::test]
async fn unbuilt_rpcs_answer_unimplemented_with_a_reason() {
    let helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    let err = client(&helmd)
        .await
        .expect("client")
        .operations()
        .cancel_operation(CancelOperationRequest::default())
        .await
        .expect_err("not built yet");
    assert_error(&err, Code::Unimplemented, "NOT_IMPLEMENTED");
    assert!(
        err.message()
            .contains("helmd.v1.OperationService/CancelOperation"),
        "{}",
        err.message()
    );
}

#[tokio::test]
async fn sigterm_stops_the_server_gracefully() {
    let mut helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    helmd.signal(Signal::SIGTERM).expect("signal");
    let status = helmd
        .wait_exit(Duration::from_secs(20))
        .await
        .expect("exits");
    assert!(
        status.success(),
        "exit status {status}; log:\n{}",
        helmd.log()
    );
    assert!(
        helmd.log().contains("helmd stopped"),
        "log:\n{}",
        helmd.log()
    );
}

#[tokio::test]
async fn sigterm_while_waiting_for_the_database_stops_at_once() {
    let port = helmd_test_support::postgres::free_port().expect("port");
    let dir = tempfile::tempdir().expect("dir");
    let log_path = dir.path().join("helmd.log");
    let mut child = Command::new(binaries::binary("helmd", "helmd").expect("helmd binary"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .args(["--database-connect-timeout", "5m", "--database-url"])
        .arg(format!("postgres://nobody@127.0.0.1:{port}/none"))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log file"))
        .spawn()
        .expect("spawn helmd");
    let guard = KillOnDrop(&mut child);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .contains("retrying")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "helmd never retried the database"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(guard.0.id()).expect("pid"));
    nix::sys::signal::kill(pid, Signal::SIGTERM).expect("signal");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = guard.0.try_wait().expect("wait") {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "helmd ignored SIGTERM during start-up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit status {status}");
}
