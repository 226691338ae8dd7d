//! `helmctl pull|push|show|search|repo` run locally, like Helm's, against the real TLS
//! registry with htpasswd and a real HTTP chart repository with basic auth.

use std::path::Path;

use crate::fixtures::{self, Helmctl, REPO_PASSWORD, chart_archive};

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[tokio::test]
async fn helmctl_pushes_pulls_and_shows_charts_in_a_tls_registry() {
    let registry = fixtures::registry().await;
    let ca = path(&registry.ca_file().expect("ca file"));
    let helmctl = Helmctl::new();
    let work = tempfile::tempdir().expect("tempdir");
    let archive = work.path().join("demo-1.0.0.tgz");
    std::fs::write(&archive, chart_archive("demo", "1.0.0")).expect("write");
    let remote = format!("oci://{}/charts", registry.host());
    let user = registry.username();
    let password = registry.password();

    let out = helmctl.ok(
        &[
            "push",
            &path(&archive),
            &remote,
            "--ca-file",
            &ca,
            "--username",
            user,
            "--password",
            password,
        ],
        None,
    );
    assert!(
        out.starts_with(&format!(
            "Pushed: {}/charts/demo:1.0.0\nDigest: sha256:",
            registry.host()
        )),
        "{out}"
    );

    let (ok, stdout, stderr) = helmctl.run(
        &[
            "push",
            &path(&archive),
            &remote,
            "--ca-file",
            &ca,
            "--username",
            user,
            "--password",
            "nope-Wrong-1",
        ],
        None,
    );
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("authentication"), "{stderr}");
    assert!(!stderr.contains("nope-Wrong-1"), "{stderr}");

    let dest = work.path().join("out");
    let out = helmctl.ok(
        &[
            "pull",
            &format!("{remote}/demo"),
            "--version",
            "1.0.0",
            "--destination",
            &path(&dest),
            "--ca-file",
            &ca,
            "--username",
            user,
            "--password-stdin",
        ],
        Some(&format!("{password}\n")),
    );
    assert!(out.contains("Digest: sha256:"), "{out}");
    assert_eq!(
        std::fs::read(dest.join("demo-1.0.0.tgz")).expect("pulled"),
        chart_archive("demo", "1.0.0")
    );

    let values = helmctl.ok(
        &[
            "show",
            "values",
            &format!("{remote}/demo"),
            "--ca-file",
            &ca,
            "--username",
            user,
            "--password",
            password,
        ],
        None,
    );
    // Helm prints values.yaml as written, then a newline.
    assert_eq!(values, "replicas: 2\n\n");
    let all = helmctl.ok(&["show", "all", &path(&archive)], None);
    assert!(
        all.contains("name: demo") && all.contains("replicas: 2") && all.contains("# demo"),
        "{all}"
    );
}

// helmctl runs synchronously here while the repository server answers on another
// worker thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn helmctl_repo_add_update_search_pull_and_remove_against_an_http_repository() {
    let repo = fixtures::http_repo(
        &[("web", "1.0.0"), ("web", "1.1.0"), ("cache", "0.1.0")],
        None,
    )
    .await;
    let helmctl = Helmctl::new();
    let url = repo.server.url();

    let (ok, _, stderr) = helmctl.run(&["repo", "list"], None);
    assert!(!ok);
    assert!(stderr.contains("no repositories to show"), "{stderr}");

    let (ok, _, stderr) = helmctl.run(
        &[
            "repo",
            "add",
            "stable",
            &url,
            "--username",
            "helmd",
            "--password",
            "Wrong-pw-9",
        ],
        None,
    );
    assert!(!ok, "a wrong password is caught when adding");
    assert!(!stderr.contains("Wrong-pw-9"), "{stderr}");

    let out = helmctl.ok(
        &[
            "repo",
            "add",
            "stable",
            &url,
            "--username",
            "helmd",
            "--password",
            REPO_PASSWORD,
        ],
        None,
    );
    assert_eq!(out, "\"stable\" has been added to your repositories\n");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(helmctl.home().join("repositories.json"))
            .expect("repositories file")
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    let list = helmctl.ok(&["repo", "list"], None);
    assert_eq!(list, format!("NAME  \tURL\nstable\t{url}\n"));

    let update = helmctl.ok(&["repo", "update"], None);
    assert!(
        update.contains("...Successfully got an update from the \"stable\" chart repository"),
        "{update}"
    );

    let found = helmctl.ok(&["search", "repo", "web", "--output", "json"], None);
    let found: serde_json::Value = serde_json::from_str(&found).expect("json");
    let names: Vec<String> = found
        .as_array()
        .expect("array")
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["name"].as_str().unwrap_or(""),
                r["version"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(names, ["stable/web 1.1.0", "stable/cache 0.1.0"]);
    let table = helmctl.ok(&["search", "repo", "cache"], None);
    assert!(table.starts_with("NAME        \tCHART VERSION"), "{table}");
    assert!(table.contains("stable/cache\t0.1.0"), "{table}");
    assert_eq!(
        helmctl.ok(&["search", "repo", "nothing-here"], None),
        "No results found\n"
    );

    let dest = tempfile::tempdir().expect("tempdir");
    helmctl.ok(
        &["pull", "stable/web", "--destination", &path(dest.path())],
        None,
    );
    assert_eq!(
        std::fs::read(dest.path().join("web-1.1.0.tgz")).expect("pulled"),
        chart_archive("web", "1.1.0")
    );
    let chart = helmctl.ok(&["show", "chart", "stable/web", "--version", "1.0.0"], None);
    assert!(chart.contains("version: 1.0.0"), "{chart}");

    let out = helmctl.ok(&["repo", "remove", "stable"], None);
    assert_eq!(out, "\"stable\" has been removed from your repositories\n");
    let (ok, _, stderr) = helmctl.run(&["repo", "remove", "stable"], None);
    assert!(!ok);
    assert!(
        stderr.contains("no repo named \"stable\" found"),
        "{stderr}"
    );
}

#[tokio::test]
async fn helmctl_repo_add_of_an_unreachable_repository_fails_at_once_like_helm() {
    // A port nothing listens on: Helm's getter tries once and reports the refusal.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", closed.local_addr().expect("addr"));
    drop(closed);
    let helmctl = Helmctl::new();
    let (ok, _, stderr) = helmctl.run(&["repo", "add", "gone", &url], None);
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "looks like \"{url}\" is not a valid chart repository or cannot be reached"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("after 1 attempt(s)"), "{stderr}");
    assert!(stderr.contains("Connection refused"), "{stderr}");
}
