//! The Docker token flow against a real `docker-registry` whose `auth.token` trusts the
//! test token service: basic credentials earn scoped bearer tokens; a wrong password and
//! a scope the user lacks fail with the right kinds; Helm v4 interoperates both ways.

mod common;

use common::{chart_archive, helm, setup, source, token_registry, transport};
use helmd_source::{ChartRequest, Credentials, Error, ErrorKind, Transport};
use helmd_test_support::registry::RegistryServer;
use helmd_test_support::token_server::{Grant, TokenUser};

const READER: &str = "reader";
const READER_PASSWORD: &str = "reader-Pa55!";

fn reader() -> TokenUser {
    TokenUser::new(
        READER,
        READER_PASSWORD,
        vec![Grant::new("charts/demo", &["pull"])],
    )
}

fn as_user(registry: &RegistryServer, user: &str, password: &str) -> Transport {
    transport(registry).with_credentials(Credentials::basic(user, password))
}

fn request(reference: String, version: &str, t: &Transport) -> ChartRequest {
    ChartRequest::Oci {
        reference,
        version: Some(version.to_owned()),
        transport: t.clone(),
    }
}

#[tokio::test]
async fn charts_push_and_pull_through_the_token_service_with_basic_credentials() {
    setup();
    let registry = token_registry(vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (pusher, puller) = (source(&dir.path().join("a")), source(&dir.path().join("b")));
    let t = transport(&registry);
    let remote = format!("oci://{}/charts", registry.host());
    let archive = chart_archive("demo", "1.0.0");
    pusher
        .push(&remote, &archive, None, &t)
        .await
        .expect("push through the token flow");
    let pulled = puller
        .pull(&request(format!("{remote}/demo"), "^1", &t))
        .await
        .expect("pull through the token flow");
    assert_eq!(pulled.archive.as_ref(), archive.as_slice());

    let issued = registry.token_server().expect("token service").issued();
    let grants: Vec<(Option<&str>, &str, Vec<&str>)> = issued
        .iter()
        .map(|i| {
            (
                i.username.as_deref(),
                i.grant.as_str(),
                i.granted.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert!(
        grants.contains(&(
            Some(registry.username()),
            "GET",
            vec!["repository:charts/demo:pull,push"]
        )),
        "{grants:?}"
    );
    assert!(
        grants.contains(&(
            Some(registry.username()),
            "GET",
            vec!["repository:charts/demo:pull"]
        )),
        "{grants:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_by_the_token_service_without_echoing_it() {
    setup();
    let registry = token_registry(vec![]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let wrong = "not-the-Pa55word";
    let t = as_user(&registry, registry.username(), wrong);
    let remote = format!("oci://{}/charts", registry.host());
    let check = |e: Error| {
        assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
        let text = format!("{e} {e:?}");
        assert!(!text.contains(wrong), "{text}");
        assert!(text.contains("token service rejected"), "{text}");
    };
    check(
        src.push(&remote, &chart_archive("demo", "1.0.0"), None, &t)
            .await
            .expect_err("push with a wrong password"),
    );
    check(
        src.pull(&request(format!("{remote}/demo"), "1.0.0", &t))
            .await
            .expect_err("pull with a wrong password"),
    );
    assert!(
        registry
            .token_server()
            .expect("token service")
            .issued()
            .is_empty(),
        "no token for a wrong password"
    );

    let stale = transport(&registry).with_credentials(Credentials::Bearer("stale-T0ken".into()));
    let e = src
        .pull(&request(format!("{remote}/demo"), "1.0.0", &stale))
        .await
        .expect_err("a bearer token the registry does not accept");
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    assert!(!format!("{e} {e:?}").contains("stale-T0ken"));
}

#[tokio::test]
async fn a_user_allowed_only_to_pull_one_repository_is_denied_push_and_other_repositories() {
    setup();
    let registry = token_registry(vec![reader()]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let src = source(dir.path());
    let host = registry.host();
    let archive = chart_archive("demo", "1.0.0");
    for remote in ["charts", "private"] {
        src.push(
            &format!("oci://{host}/{remote}"),
            &archive,
            None,
            &transport(&registry),
        )
        .await
        .expect("push as the admin");
    }

    let t = as_user(&registry, READER, READER_PASSWORD);
    let reader_src = source(&dir.path().join("reader"));
    let pulled = reader_src
        .pull(&request(format!("oci://{host}/charts/demo"), "1.0.0", &t))
        .await
        .expect("the reader pulls what it may");
    assert_eq!(pulled.archive.as_ref(), archive.as_slice());

    let denied = reader_src
        .push(
            &format!("oci://{host}/charts"),
            &chart_archive("demo", "1.0.1"),
            None,
            &t,
        )
        .await
        .expect_err("push without the push scope");
    assert_eq!(denied.kind(), ErrorKind::PermissionDenied, "{denied}");
    assert!(denied.to_string().contains("charts/demo"), "{denied}");
    assert!(!format!("{denied:?}").contains(READER_PASSWORD));

    let other = reader_src
        .pull(&request(format!("oci://{host}/private/demo"), "1.0.0", &t))
        .await
        .expect_err("pull from a repository without a grant");
    assert_eq!(other.kind(), ErrorKind::PermissionDenied, "{other}");

    let issued = registry.token_server().expect("token service").issued();
    let reader_push = issued
        .iter()
        .find(|i| {
            i.username.as_deref() == Some(READER)
                && i.requested == ["repository:charts/demo:pull,push"]
        })
        .expect("the reader asked for push");
    assert_eq!(reader_push.granted, ["repository:charts/demo:pull"]);
}

#[tokio::test]
async fn helm_and_helmd_exchange_charts_through_the_token_service() {
    setup();
    let registry = token_registry(vec![]).await;
    let ca = registry.ca_file();
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().to_str().expect("utf8 path");
    let (host, user, pass) = (registry.host(), registry.username(), registry.password());

    let packaged = helm(&["package", work, "fromhelm", "0.1.0"], None).expect("helm package");
    let helm_archive_path = packaged["archive"].as_str().expect("archive").to_owned();
    let helm_archive = std::fs::read(&helm_archive_path).expect("read archive");
    let remote = format!("oci://{host}/team");
    helm(
        &["push", &helm_archive_path, &remote, &host, user, pass],
        ca.as_ref(),
    )
    .expect("helm push through the token service");
    let src = source(dir.path());
    let t = transport(&registry);
    let pulled = src
        .pull(&request(format!("{remote}/fromhelm"), "0.1.0", &t))
        .await
        .expect("helmd pulls what Helm pushed");
    assert_eq!(pulled.archive.as_ref(), helm_archive.as_slice());

    let ours = chart_archive("fromhelmd", "2.0.0");
    src.push(&remote, &ours, None, &t)
        .await
        .expect("helmd pushes");
    let dest = dir.path().join("pulled");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let dest_str = dest.to_str().expect("utf8");
    let reference = format!("{remote}/fromhelmd");
    let pulled = helm(
        &["pull", &reference, "2.0.0", dest_str, &host, user, pass],
        ca.as_ref(),
    )
    .expect("helm pulls what helmd pushed");
    let helm_bytes =
        std::fs::read(pulled["archive"].as_str().expect("archive")).expect("read Helm's pull");
    assert_eq!(helm_bytes, ours);
    let tags = helm(&["tags", &reference, &host, user, pass], ca.as_ref()).expect("helm tags");
    assert_eq!(tags["tags"], serde_json::json!(["2.0.0"]));
    let issued = registry.token_server().expect("token service").issued();
    // Helm v4's `registry login` asks with an OAuth2 password grant and no scope; its
    // pushes and pulls then use GET with basic auth, per repository scope.
    assert!(
        issued.iter().any(|i| i.grant == "password"
            && i.username.as_deref() == Some(user)
            && i.requested.is_empty()),
        "{issued:?}"
    );
    let helm_users: Vec<_> = issued
        .into_iter()
        .filter(|i| i.requested.iter().any(|s| s.contains("team/fromhelmd")))
        .collect();
    assert!(
        helm_users.len() >= 2,
        "both clients went through the token service: {helm_users:?}"
    );
}
