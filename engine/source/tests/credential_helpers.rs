//! Docker `config.json` credential helpers (`credHelpers`, `credsStore`) run as child
//! processes found through an explicit helper path, and identity tokens (from a helper's
//! `<token>` user or `identitytoken`) exchanged at a real registry's token service.

mod common;

use std::path::Path;

use common::{chart_archive, setup, source, token_registry, transport};
use helmd_source::docker_config::credentials_with_helpers;
use helmd_source::{ChartRequest, Credentials, ErrorKind, Secret};
use helmd_test_support::token_server::{Grant, TokenUser};

/// Writes `docker-credential-<name>`: it records its argument and stdin in
/// `<name>.calls`, prints `stdout` and exits with `code`.
fn helper(dir: &Path, name: &str, stdout: &str, code: i32) {
    use std::os::unix::fs::PermissionsExt;
    let calls = dir.join(format!("{name}.calls"));
    let script = format!(
        "#!/bin/sh\nread -r server || true\nprintf '%s %s\\n' \"$1\" \"$server\" >> '{}'\n\
         cat <<'EOF'\n{stdout}\nEOF\nexit {code}\n",
        calls.display()
    );
    let path = dir.join(format!("docker-credential-{name}"));
    std::fs::write(&path, script).expect("write helper");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn calls(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("{name}.calls"))).unwrap_or_default()
}

fn lookup(dir: &Path, config: &str, host: &str) -> helmd_source::Result<Credentials> {
    let path = dir.join("config.json");
    std::fs::write(&path, config).expect("write config.json");
    credentials_with_helpers(&path, host, Some(dir.as_os_str()))
}

#[test]
fn cred_helpers_for_the_host_win_over_creds_store_which_wins_over_auths() {
    let dir = tempfile::tempdir().expect("tempdir");
    helper(
        dir.path(),
        "perhost",
        r#"{"ServerURL":"a.example.com:5000","Username":"alice","Secret":"from-perhost"}"#,
        0,
    );
    helper(
        dir.path(),
        "store",
        r#"{"ServerURL":"b.example.com","Username":"<token>","Secret":"refresh-tok"}"#,
        0,
    );
    let config = r#"{"credsStore":"store",
        "credHelpers":{"https://a.example.com:5000":"perhost"},
        "auths":{"a.example.com:5000":{"auth":"dXNlcjpwYXNz"},"b.example.com":{"auth":"dXNlcjpwYXNz"}}}"#;
    assert_eq!(
        lookup(dir.path(), config, "a.example.com:5000").expect("per-host helper"),
        Credentials::basic("alice", "from-perhost")
    );
    assert_eq!(
        lookup(dir.path(), config, "b.example.com").expect("default helper"),
        Credentials::IdentityToken(Secret::new("refresh-tok"))
    );
    assert_eq!(calls(dir.path(), "perhost"), "get a.example.com:5000\n");
    assert_eq!(calls(dir.path(), "store"), "get b.example.com\n");

    let auths_only = r#"{"auths":{"b.example.com":{"auth":"dXNlcjpwYXNz"}}}"#;
    assert_eq!(
        lookup(dir.path(), auths_only, "b.example.com").expect("auths"),
        Credentials::basic("user", "pass")
    );
}

#[test]
fn a_helper_that_finds_nothing_means_anonymous_and_a_failing_one_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    helper(
        dir.path(),
        "empty",
        "credentials not found in native keychain",
        1,
    );
    helper(
        dir.path(),
        "broken",
        r#"{"Username":"u","Secret":"leaked-S3cret"}"#,
        3,
    );
    helper(dir.path(), "garbled", "Secret=leaked-S3cret", 0);
    let with = |name: &str| {
        format!(
            r#"{{"credHelpers":{{"h.example.com":"{name}"}},"auths":{{"h.example.com":{{"auth":"dXNlcjpwYXNz"}}}}}}"#
        )
    };
    assert_eq!(
        lookup(dir.path(), &with("empty"), "h.example.com").expect("not found"),
        Credentials::Anonymous,
        "like Docker, a helper's answer replaces the auths entry"
    );
    for (name, expected) in [
        ("broken", "exit status: 3"),
        ("garbled", "its answer is not the credentials JSON"),
        ("absent", "not found"),
        ("../evil", "not a valid helper name"),
    ] {
        let e = lookup(dir.path(), &with(name), "h.example.com").expect_err(name);
        let text = e.to_string();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{text}");
        assert!(
            text.contains(&format!("docker-credential-{name}")),
            "{text}"
        );
        assert!(
            text.contains("h.example.com") && text.contains(expected),
            "{text}"
        );
        assert!(!format!("{text} {e:?}").contains("leaked-S3cret"), "{text}");
    }
}

fn robot() -> TokenUser {
    TokenUser {
        identity_token: Some("robot-refresh-T0ken".into()),
        ..TokenUser::new("robot", "robot-Pa55!", vec![Grant::new("charts/*", &["*"])])
    }
}

#[tokio::test]
async fn identity_tokens_from_a_helper_or_auths_earn_scoped_tokens_by_oauth2_refresh() {
    setup();
    let registry = token_registry(vec![robot()]).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let host = registry.host();
    helper(
        dir.path(),
        "vault",
        r#"{"ServerURL":"x","Username":"<token>","Secret":"robot-refresh-T0ken"}"#,
        0,
    );
    let from_helper = lookup(
        dir.path(),
        &format!(r#"{{"credHelpers":{{"{host}":"vault"}}}}"#),
        &host,
    )
    .expect("helper");
    let from_auths = lookup(
        dir.path(),
        &format!(r#"{{"auths":{{"{host}":{{"identitytoken":"robot-refresh-T0ken"}}}}}}"#),
        &host,
    )
    .expect("auths");
    assert_eq!(from_helper, from_auths);

    let t = transport(&registry).with_credentials(from_helper);
    let src = source(dir.path());
    let remote = format!("oci://{host}/charts");
    let archive = chart_archive("robotic", "0.1.0");
    src.push(&remote, &archive, None, &t)
        .await
        .expect("push with an identity token");
    let pulled = source(&dir.path().join("fresh"))
        .pull(&ChartRequest::Oci {
            reference: format!("{remote}/robotic"),
            version: Some("0.1.0".into()),
            transport: t,
        })
        .await
        .expect("pull with an identity token");
    assert_eq!(pulled.archive.as_ref(), archive.as_slice());
    let issued = registry.token_server().expect("token service").issued();
    assert!(
        issued.iter().any(|i| i.grant == "refresh_token"
            && i.username.as_deref() == Some("robot")
            && i.granted == ["repository:charts/robotic:pull,push"]),
        "{issued:?}"
    );

    let wrong = transport(&registry)
        .with_credentials(Credentials::IdentityToken(Secret::new("stale-T0ken")));
    let e = src
        .push(&remote, &chart_archive("robotic", "0.2.0"), None, &wrong)
        .await
        .expect_err("a stale identity token");
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    assert!(!format!("{e} {e:?}").contains("stale-T0ken"));
}
