//! OCI pulls and pushes against a real Debian `docker-registry` with htpasswd auth,
//! over plain HTTP and TLS with a test CA; failure paths; the cache in front of it.

mod common;

use std::time::Duration;

use common::{chart_archive, registry, setup, source, transport};
use helmd_source::{ChartRequest, Credentials, Digest, Error, ErrorKind};
use helmd_test_support::paging_proxy::PagingProxy;

fn oci(reference: String, version: Option<&str>, t: &helmd_source::Transport) -> ChartRequest {
    ChartRequest::Oci {
        reference,
        version: version.map(str::to_owned),
        transport: t.clone(),
    }
}

#[tokio::test]
async fn a_pushed_chart_pulls_back_byte_for_byte_over_tls() {
    setup();
    let registry = registry(true).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (pusher, puller) = (source(&dir.path().join("a")), source(&dir.path().join("b")));
    let t = transport(&registry);
    let archive = chart_archive("demo", "1.2.3+build.7");
    let remote = format!("oci://{}/charts", registry.host());
    let pushed = pusher
        .push(&remote, &archive, None, &t)
        .await
        .expect("push");
    assert_eq!(pushed.reference, format!("{remote}/demo:1.2.3_build.7"));

    let pulled = puller
        .pull(&oci(format!("{remote}/demo"), Some("1.2.3+build.7"), &t))
        .await
        .expect("pull");
    assert_eq!(pulled.archive.as_ref(), archive.as_slice());
    assert_eq!(pulled.digest, Digest::of(&archive));
    assert_eq!(
        (pulled.name.as_str(), pulled.version.as_str()),
        ("demo", "1.2.3+build.7")
    );
    assert_eq!(
        pulled.origin,
        format!("{remote}/demo@{}", pushed.manifest_digest)
    );
    assert!(!pulled.from_cache);
}

#[tokio::test]
async fn constraints_choose_the_highest_matching_tag_and_digests_pin_exactly() {
    setup();
    let registry = registry(false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let t = transport(&registry);
    let remote = format!("oci://{}/charts", registry.host());
    let mut digests = Vec::new();
    for version in ["1.0.0", "1.4.2", "1.10.0", "2.0.0-rc.1", "2.0.0"] {
        let pushed = src
            .push(&remote, &chart_archive("demo", version), None, &t)
            .await
            .expect("push");
        digests.push(pushed.manifest_digest);
    }
    let reference = format!("{remote}/demo");
    let check = |version: Option<&'static str>, expected: &'static str| {
        let (src, t, reference) = (&src, &t, reference.clone());
        async move {
            let pulled = src.pull(&oci(reference, version, t)).await.expect("pull");
            assert_eq!(pulled.version, expected, "{version:?}");
        }
    };
    check(Some("^1.2"), "1.10.0").await;
    check(Some("~1.4"), "1.4.2").await;
    check(Some(">=2.0.0-0 <2.0.0-z"), "2.0.0-rc.1").await;
    check(None, "2.0.0").await;
    let by_digest = src
        .pull(&oci(format!("{reference}@{}", digests[1]), None, &t))
        .await
        .expect("pull by digest");
    assert_eq!(by_digest.version, "1.4.2");
    let versions = src
        .versions(&oci(reference, None, &t))
        .await
        .expect("versions");
    assert_eq!(
        versions,
        ["2.0.0", "2.0.0-rc.1", "1.10.0", "1.4.2", "1.0.0"]
    );
}

#[tokio::test]
async fn a_pinned_pull_asks_the_registry_and_fails_while_it_is_down() {
    setup();
    let mut registry = registry(false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let mut t = transport(&registry);
    let remote = format!("oci://{}/charts", registry.host());
    let pushed = src
        .push(&remote, &chart_archive("demo", "0.1.0"), None, &t)
        .await
        .expect("push");
    let fresh = source(&dir.path().join("fresh"));
    let by_version = oci(format!("{remote}/demo"), Some("0.1.0"), &t);
    let by_digest = oci(
        format!("{remote}/demo@{}", pushed.manifest_digest),
        None,
        &t,
    );
    assert!(
        !fresh
            .pull(&by_version)
            .await
            .expect("first pull")
            .from_cache
    );

    let again = fresh.pull(&by_digest).await.expect("pull by digest");
    assert!(
        again.from_cache,
        "content from the cache once access is proven"
    );
    assert_eq!(again.digest, pushed.chart_digest);

    registry.stop();
    t.retry = helmd_source::RetryPolicy::none();
    for request in [&by_version, &by_digest] {
        let err = fresh
            .pull(request)
            .await
            .expect_err("no access proof, no chart");
        assert!(
            matches!(err, helmd_source::Error::Unavailable { .. }),
            "{err}"
        );
    }
}

#[tokio::test]
async fn concurrent_pulls_of_one_chart_download_it_once() {
    setup();
    let registry = registry(false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let t = transport(&registry);
    let remote = format!("oci://{}/charts", registry.host());
    src.push(&remote, &chart_archive("demo", "3.0.0"), None, &t)
        .await
        .expect("push");
    let fresh = source(&dir.path().join("fresh"));
    let request = oci(format!("{remote}/demo"), Some("3.0.0"), &t);
    let pulls = (0..8).map(|_| fresh.pull(&request));
    let results = futures::future::join_all(pulls).await;
    let downloaded = results
        .iter()
        .map(|r| r.as_ref().expect("pull"))
        .filter(|p| !p.from_cache)
        .count();
    assert_eq!(downloaded, 1, "exactly one pull downloads");
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_error_that_never_shows_the_password() {
    setup();
    let registry = registry(true).await;
    let mut t = transport(&registry);
    t.credentials = Credentials::basic(registry.username(), "not-the-Password-42");
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let remote = format!("oci://{}/charts", registry.host());
    let push = src
        .push(&remote, &chart_archive("demo", "1.0.0"), None, &t)
        .await;
    let pull = src
        .pull(&oci(format!("{remote}/demo"), Some("1.0.0"), &t))
        .await;
    for result in [push.map(|_| ()), pull.map(|_| ())] {
        let err = result.expect_err("must fail");
        assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
        let text = format!("{err} {err:?}");
        assert!(!text.contains("not-the-Password-42"), "{text}");
    }
}

#[tokio::test]
async fn unknown_charts_and_versions_are_not_found_and_list_what_exists() {
    setup();
    let registry = registry(false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let t = transport(&registry);
    let remote = format!("oci://{}/charts", registry.host());
    for version in ["1.0.0", "1.1.0"] {
        src.push(&remote, &chart_archive("demo", version), None, &t)
            .await
            .expect("push");
    }
    for version in ["9.9.9", "^5"] {
        let err = src
            .pull(&oci(format!("{remote}/demo"), Some(version), &t))
            .await
            .expect_err("absent version");
        assert!(
            matches!(&err, Error::VersionNotFound { available, .. } if available == &["1.1.0", "1.0.0"]),
            "{err}"
        );
    }
    let err = src
        .pull(&oci(format!("{remote}/nope"), None, &t))
        .await
        .expect_err("absent chart");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn a_registry_that_comes_back_within_the_deadline_is_retried() {
    setup();
    let mut registry = registry(false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let mut t = transport(&registry);
    let remote = format!("oci://{}/charts", registry.host());
    src.push(&remote, &chart_archive("demo", "1.0.0"), None, &t)
        .await
        .expect("push");
    registry.stop();

    t.retry = common::fast_retry(Duration::from_millis(600));
    let fresh = source(&dir.path().join("fresh"));
    let err = fresh
        .pull(&oci(format!("{remote}/demo"), Some("1.0.0"), &t))
        .await
        .expect_err("registry down");
    assert!(
        matches!(err, Error::Unavailable { attempts, .. } if attempts > 1),
        "{err}"
    );

    t.retry = common::fast_retry(Duration::from_secs(30));
    let request = oci(format!("{remote}/demo"), Some("1.0.0"), &t);
    let pull = tokio::spawn({
        let fresh = fresh.clone();
        async move { fresh.pull(&request).await }
    });
    registry.start_again().await.expect("restart");
    let pulled = pull.await.expect("join").expect("pull after restart");
    assert_eq!(pulled.version, "1.0.0");
}

#[tokio::test]
async fn oversized_archives_are_refused_before_download_and_before_push() {
    setup();
    let registry = registry(false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let mut t = transport(&registry);
    let remote = format!("oci://{}/charts", registry.host());
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let noise: Vec<u8> = (0..200_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let big = common::chart_archive_with("big", "1.0.0", &[("files/noise.bin", &noise)]);
    src.push(&remote, &big, None, &t)
        .await
        .expect("push within the default limit");

    t.max_archive_bytes = 100_000;
    let fresh = source(&dir.path().join("fresh"));
    let err = fresh
        .pull(&oci(format!("{remote}/big"), Some("1.0.0"), &t))
        .await
        .expect_err("too large");
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert_eq!(fresh.cache().size(), 0);
    let err = src
        .push(&remote, &big, None, &t)
        .await
        .expect_err("too large");
    assert!(matches!(err, Error::TooLarge { .. }), "{err}");
}

#[tokio::test]
async fn a_registry_certificate_from_an_untrusted_ca_fails_at_once_with_a_tls_error() {
    setup();
    let registry = registry(true).await;
    let mut t = transport(&registry);
    t.ca_pem = None;
    let dir = tempfile::tempdir().expect("tempdir");
    let remote = format!("oci://{}/charts", registry.host());
    let err = source(dir.path())
        .push(&remote, &chart_archive("demo", "1.0.0"), None, &t)
        .await
        .expect_err("untrusted certificate");
    assert!(matches!(err, Error::Tls { .. }), "{err}");
}

#[tokio::test]
async fn a_provenance_file_is_pushed_as_its_own_layer_and_pulled_back() {
    setup();
    let registry = registry(false).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let t = transport(&registry);
    let remote = format!("oci://{}/charts", registry.host());
    let archive = chart_archive("signed", "1.0.0");
    let prov = b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nname: signed\n".to_vec();
    source(dir.path())
        .push(&remote, &archive, Some(&prov), &t)
        .await
        .expect("push");
    let pulled = source(&dir.path().join("fresh"))
        .pull(&oci(format!("{remote}/signed"), Some("1.0.0"), &t))
        .await
        .expect("pull");
    assert_eq!(pulled.provenance.as_deref(), Some(prov.as_slice()));
    assert_eq!(pulled.archive.as_ref(), archive.as_slice());
}

#[tokio::test]
async fn plain_http_is_never_implied_for_a_registry_not_configured_for_it() {
    setup();
    let registry = registry(false).await;
    let mut t = transport(&registry).with_plain_http(false);
    t.retry = common::fast_retry(Duration::from_secs(1));
    let dir = tempfile::tempdir().expect("tempdir");
    let err = source(dir.path())
        .pull(&oci(
            format!("oci://{}/charts/demo", registry.host()),
            Some("1.0.0"),
            &t,
        ))
        .await
        .expect_err("HTTPS to a plain HTTP registry");
    assert!(matches!(err, Error::Tls { .. }), "{err}");
}

#[tokio::test]
async fn tag_listing_follows_every_page_so_resolution_sees_the_last_tags() {
    setup();
    // docker-registry 2.8.2 answers every tag at once; the proxy pages like distribution 3.
    let registry = registry(false).await;
    let proxy = PagingProxy::start(&registry.base_url())
        .await
        .expect("paging proxy");
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let mut t = transport(&registry);
    for version in ["0.1.0", "0.2.0", "1.0.0", "1.5.0", "2.0.0"] {
        src.push(
            &format!("oci://{}/charts", registry.host()),
            &chart_archive("paged", version),
            None,
            &t,
        )
        .await
        .expect("push");
    }
    t.tag_page_size = Some(2);
    let reference = format!("oci://{}/charts/paged", proxy.host());
    let versions = src
        .versions(&oci(reference.clone(), None, &t))
        .await
        .expect("versions over three pages");
    assert_eq!(versions, ["2.0.0", "1.5.0", "1.0.0", "0.2.0", "0.1.0"]);
    assert_eq!(proxy.pages_served(), 3);
    let newest = source(&dir.path().join("fresh"))
        .pull(&oci(reference, Some(">=1.0.0"), &t))
        .await
        .expect("resolve against the last page");
    assert_eq!(newest.version, "2.0.0");
    assert_eq!(proxy.pages_served(), 6);
}
