//! Hardening of chart sources, what one request may cost (issue #14 items 6, 7, 8 and
//! 11), against the real helmd binary with hostile peers on loopback: alias bombs,
//! endless bodies, many large indexes and slow servers each fail with an error naming
//! the limit, while helmd's memory stays under a stated bound and health stays SERVING.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_test_support::Helmd;
use helmd_test_support::hostile::{HostilePeer, Reply};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::common::{assert_error, client};
use crate::fixtures::create_repository as create;
use crate::fixtures::{self, http_repository};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const MIB: u64 = 1 << 20;

async fn refresh(c: &Client, name: &str) -> Result<RefreshRepositoryResponse, tonic::Status> {
    c.repositories()
        .refresh_repository(RefreshRepositoryRequest { name: name.into() })
        .await
        .map(tonic::Response::into_inner)
}

/// Asserts helmd's peak resident memory stayed under `limit_mib` and it still serves.
async fn assert_bounded(helmd: &Helmd, limit_mib: u64) {
    let (rss, peak) = helmd.memory_kib().expect("memory");
    eprintln!("helmd RSS {} MiB, peak {} MiB", rss / 1024, peak / 1024);
    assert!(
        peak < limit_mib * 1024,
        "helmd peaked at {} MiB, over {limit_mib} MiB",
        peak / 1024
    );
    assert_eq!(
        helmd.health().await.expect("health"),
        ServingStatus::Serving
    );
}

/// An index.yaml of about `bytes` whose one anchor (an entry with a 1 KiB description)
/// is referenced again and again.
fn alias_bomb(bytes: usize) -> String {
    let mut text = format!(
        "apiVersion: v1\nentries:\n  bomb:\n  - &e {{name: bomb, version: 1.0.0, urls: [b.tgz], description: {}}}\n",
        "d".repeat(1024)
    );
    while text.len() < bytes {
        text.push_str("  - *e\n");
    }
    text
}

#[tokio::test]
async fn an_alias_bomb_index_is_refused_by_its_expanded_size() {
    let bomb = alias_bomb(4 * MIB as usize);
    let peer = HostilePeer::start(LOCAL, move |_| Reply::ok(bomb.clone()))
        .await
        .expect("peer");
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(&c, http_repository("bomb", &peer.url(), None)).await;
    let status = refresh(&c, "bomb").await.expect_err("refused");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "REPOSITORY_INDEX_INVALID",
    );
    assert!(
        status
            .message()
            .contains("alias expansion exceeds the limit"),
        "{}",
        status.message()
    );
    assert_bounded(&helmd, 300).await;
}

/// A plain-HTTP registry that answers `/v2/` openly and streams `total` bytes of JSON
/// for the path `endless`.
fn endless_registry(
    endless: &'static str,
    total: u64,
) -> impl Fn(&helmd_test_support::hostile::Received) -> Reply + Send + Sync {
    move |r| {
        if r.path == "/v2/" {
            return Reply::ok("{}");
        }
        if r.path.ends_with(endless) {
            return Reply::Stream {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                prefix: b"{\"tags\":[\"".to_vec(),
                filler: b"aaaaaaaaaaaaaaaa".to_vec(),
                total,
            };
        }
        Reply::status(404, &[])
    }
}

fn plain_oci(name: &str, peer: &HostilePeer) -> Repository {
    Repository {
        name: name.into(),
        r#type: RepositoryType::Oci as i32,
        url: format!("oci://{}/charts", peer.addr()),
        plain_http: true,
        ..Repository::default()
    }
}

#[tokio::test]
async fn endless_tag_lists_and_manifests_fail_on_their_size_limits() {
    let tags = HostilePeer::start(LOCAL, endless_registry("/tags/list", 4096 * MIB))
        .await
        .expect("peer");
    let manifests = HostilePeer::start(LOCAL, endless_registry("/manifests/1.0.0", 4096 * MIB))
        .await
        .expect("peer");
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(&c, plain_oci("tags", &tags)).await;
    create(&c, plain_oci("manifests", &manifests)).await;
    let chart = |repository: &str| {
        Some(ChartReference {
            source: Some(chart_reference::Source::Repository(RepositoryChart {
                repository: repository.into(),
                chart: "demo".into(),
                version: "1.0.0".into(),
            })),
        })
    };
    let status = c
        .charts()
        .list_chart_versions(ListChartVersionsRequest {
            chart: chart("tags").map(|mut c| {
                if let Some(chart_reference::Source::Repository(r)) = &mut c.source {
                    r.version.clear();
                }
                c
            }),
            ..Default::default()
        })
        .await
        .expect_err("endless tag list");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "SOURCE_RESPONSE_TOO_LARGE",
    );
    assert!(
        status.message().contains("tag list page is too large"),
        "{}",
        status.message()
    );
    let status = c
        .charts()
        .pull_chart(PullChartRequest {
            chart: chart("manifests"),
        })
        .await
        .expect_err("endless manifest");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "SOURCE_RESPONSE_TOO_LARGE",
    );
    assert!(
        status.message().contains("manifest is too large"),
        "{}",
        status.message()
    );
    assert_bounded(&helmd, 200).await;
}

#[tokio::test]
async fn an_endless_token_response_fails_on_its_size_limit() {
    // The realm is absolute, on the peer itself: its port is known once it listens.
    let peer = {
        let port_cell = std::sync::Arc::new(std::sync::OnceLock::<u16>::new());
        let cell = port_cell.clone();
        let peer = HostilePeer::start(LOCAL, move |r| match r.path.as_str() {
            "/v2/" => Reply::status(
                401,
                &[(
                    "www-authenticate",
                    &format!(
                        "Bearer realm=\"http://127.0.0.1:{}/token\",service=\"r\"",
                        cell.get().copied().unwrap_or_default()
                    ),
                )],
            ),
            _ => Reply::Stream {
                status: 200,
                headers: Vec::new(),
                prefix: b"{\"token\":\"".to_vec(),
                filler: b"tttttttttttttttt".to_vec(),
                total: 4096 * MIB,
            },
        })
        .await
        .expect("peer");
        port_cell.set(peer.addr().port()).expect("port");
        peer
    };
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(&c, plain_oci("tokens", &peer)).await;
    let status = c
        .charts()
        .pull_chart(PullChartRequest {
            chart: Some(ChartReference {
                source: Some(chart_reference::Source::Repository(RepositoryChart {
                    repository: "tokens".into(),
                    chart: "demo".into(),
                    version: "1.0.0".into(),
                })),
            }),
        })
        .await
        .expect_err("endless token");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "SOURCE_RESPONSE_TOO_LARGE",
    );
    assert!(
        status.message().contains("token response is too large"),
        "{}",
        status.message()
    );
    assert_bounded(&helmd, 200).await;
}

/// An index of about `bytes` with distinct entries (`tag` makes each repository's own).
fn large_index(tag: &str, bytes: usize) -> String {
    let mut text = String::from("apiVersion: v1\nentries:\n");
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&format!(
            "  chart-{tag}-{i}:\n  - name: chart-{tag}-{i}\n    version: 1.0.{i}\n    \
             description: chart number {i} of repository {tag}, with some words to search\n    \
             digest: {:064x}\n    urls: [chart-{tag}-{i}-1.0.{i}.tgz]\n",
            i
        ));
        i += 1;
    }
    text
}

#[tokio::test]
async fn many_large_indexes_stay_within_the_memory_and_cache_limits() {
    let mut peers = Vec::new();
    for tag in ["a", "b", "c", "d"] {
        let index = large_index(tag, 8 * MIB as usize);
        peers.push(
            HostilePeer::start(LOCAL, move |_| Reply::Body {
                status: 200,
                headers: vec![("etag".into(), "\"v1\"".into())],
                body: index.clone().into_bytes(),
            })
            .await
            .expect("peer"),
        );
    }
    let (helmd, _key) = fixtures::helmd_with_key(
        None,
        &[
            "--chart-cache-bytes",
            "20000000",
            "--index-memory-bytes",
            "17000000",
        ],
    )
    .await;
    let c = client(&helmd).await.expect("client");
    for (i, peer) in peers.iter().enumerate() {
        let name = format!("big-{i}");
        create(&c, http_repository(&name, &peer.url(), None)).await;
        refresh(&c, &name).await.expect("refresh");
    }
    // Every repository once more: most come back from the (bounded) cache or the peer.
    for i in 0..peers.len() {
        refresh(&c, &format!("big-{i}"))
            .await
            .expect("refresh again");
    }
    let cache = helmd.data_dir().join("cache/charts");
    let on_disk = dir_size(&cache);
    eprintln!("chart cache on disk: {} MiB", on_disk / MIB);
    assert!(on_disk < 20_000_000 + MIB, "cache holds {on_disk} bytes");
    assert_bounded(&helmd, 450).await;
}

fn dir_size(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn drip() -> Reply {
    Reply::Drip {
        body: b"apiVersion: v1\nentries: {}\n".to_vec(),
        every: Duration::from_millis(700),
    }
}

#[tokio::test]
async fn a_slow_repository_fails_within_the_client_deadline() {
    let peer = HostilePeer::start(LOCAL, |_| drip()).await.expect("peer");
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(&c, http_repository("slow", &peer.url(), None)).await;
    let mut request = tonic::Request::new(RefreshRepositoryRequest {
        name: "slow".into(),
    });
    let deadline = Duration::from_secs(3);
    request.set_timeout(deadline);
    let started = Instant::now();
    let status = c
        .repositories()
        .refresh_repository(request)
        .await
        .expect_err("too slow");
    assert!(started.elapsed() < deadline, "answered after the deadline");
    assert_error(&status, Code::DeadlineExceeded, "SOURCE_TIMEOUT");
    assert_eq!(
        helmd.health().await.expect("health"),
        ServingStatus::Serving
    );
}

#[tokio::test]
async fn a_slow_repository_fails_on_the_server_source_timeout_without_a_client_deadline() {
    let peer = HostilePeer::start(LOCAL, |_| drip()).await.expect("peer");
    let (helmd, _key) = fixtures::helmd_with_key(None, &["--source-timeout", "2s"]).await;
    let c = client(&helmd).await.expect("client");
    create(&c, http_repository("slow", &peer.url(), None)).await;
    let status = refresh(&c, "slow").await.expect_err("too slow");
    assert_error(&status, Code::DeadlineExceeded, "SOURCE_TIMEOUT");
    assert!(
        status.message().contains("--source-timeout"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn a_registry_answering_a_push_with_an_endless_body_is_never_read() {
    // Anonymous registry: blobs are missing, and the upload is refused with 4 GiB.
    let peer = HostilePeer::start(LOCAL, |r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/v2/") => Reply::ok("{}"),
        ("HEAD", _) => Reply::status(404, &[]),
        _ => Reply::Stream {
            status: 400,
            headers: vec![("content-type".into(), "application/json".into())],
            prefix: b"{\"errors\":[{\"message\":\"".to_vec(),
            filler: b"eeeeeeeeeeeeeeee".to_vec(),
            total: 4096 * MIB,
        },
    })
    .await
    .expect("peer");
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    create(&c, plain_oci("pushes", &peer)).await;
    let status = c
        .charts()
        .push_chart(PushChartRequest {
            archive: fixtures::chart_archive("demo", "1.0.0").into(),
            destination: format!("oci://{}/charts", peer.addr()),
            repository: "pushes".into(),
            provenance: Default::default(),
        })
        .await
        .expect_err("the upload is refused");
    assert_error(
        &status,
        Code::FailedPrecondition,
        "REPOSITORY_INDEX_INVALID",
    );
    assert!(status.message().contains("HTTP 400"), "{status:?}");
    assert!(status.message().len() < 1024, "{status:?}");
    assert_bounded(&helmd, 200).await;
}
