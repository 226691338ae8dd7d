//! `helmctl dependency list|update|build` against Helm v4's own dependency manager
//! (helm_python): both run on copies of the same chart over a real HTTP chart
//! repository, and `charts/`, the archives, Chart.lock, the statuses and the errors
//! must come out the same (OCI dependencies too, against the TLS registry).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::Digest;

use helmd_test_support::http_repo::{HttpRepoOptions, HttpRepoServer};

use crate::fixtures::{self, REPO_PASSWORD, chart_archive};

/// helmctl with its own repositories file and cache.
struct Helmctl(fixtures::Helmctl);

impl Helmctl {
    fn new() -> Self {
        Helmctl(fixtures::Helmctl::new())
    }

    /// Runs helmctl; returns (ok, stdout, stderr).
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        self.0.run(args, None)
    }

    fn ok(&self, args: &[&str]) -> String {
        self.0.ok(args, None)
    }

    /// The error helmctl prints for `dependency <op> dir`.
    fn error(&self, op: &str, dir: &Path) -> String {
        let (ok, stdout, stderr) = self.run(&["dependency", op, &path(dir)]);
        assert!(!ok, "helmctl dependency {op} succeeded:\n{stdout}");
        stderr
            .trim_end()
            .strip_prefix("helmctl: error: ")
            .unwrap_or(&stderr)
            .to_owned()
    }

    /// `dependency list -o json` as (name, version, repository, status) rows; checks
    /// that the table holds the same rows in uitable's padded columns.
    fn list(&self, dir: &Path) -> Vec<[String; 4]> {
        let json = self.ok(&["dependency", "list", &path(dir), "--output", "json"]);
        let parsed: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
        let rows: Vec<[String; 4]> = parsed.iter().map(row).collect();

        let text = self.ok(&["dependency", "list", &path(dir)]);
        let lines: Vec<&str> = text.lines().take_while(|l| !l.is_empty()).collect();
        let cells = |line: &str| -> Vec<String> {
            line.split('\t').map(|c| c.trim_end().to_owned()).collect()
        };
        assert_eq!(cells(lines[0]), ["NAME", "VERSION", "REPOSITORY", "STATUS"]);
        let table: Vec<Vec<String>> = lines[1..].iter().map(|l| cells(l)).collect();
        let expected: Vec<Vec<String>> = rows.iter().map(|r| r.to_vec()).collect();
        assert_eq!(table, expected, "{text}");
        let widths = |line: &str| -> Vec<usize> { line.split('\t').map(str::len).collect() };
        for line in &lines {
            assert_eq!(widths(line), widths(lines[0]), "padded columns:\n{text}");
        }
        rows
    }
}

fn row(r: &serde_json::Value) -> [String; 4] {
    let s = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
    [s("name"), s("version"), s("repository"), s("status")]
}

const HELM_DEPENDENCY: &str = r#"
import json, sys
import helm_python as h
op, chart_dir = sys.argv[1], sys.argv[2]
try:
    listed = None
    if op == "list":
        listed = h.dependency_list(chart_dir)
    elif op == "update":
        h.dependency_update(chart_dir)
    else:
        h.dependency_build(chart_dir)
    print(json.dumps({"ok": True, "list": listed}))
except Exception as e:
    print(json.dumps({"ok": False, "error": str(e)}))
"#;

/// Helm's `dependency <op>` on `dir`: Ok(list rows) or Err(message).
fn helm(op: &str, dir: &Path) -> Result<Vec<[String; 4]>, String> {
    let python = helmd_oracle::oracle::python().expect("venv python");
    let out = Command::new(python)
        .args(["-c", HELM_DEPENDENCY, op])
        .arg(dir)
        .output()
        .expect("run helm_python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    if result["ok"] != true {
        return Err(result["error"].as_str().unwrap_or_default().to_owned());
    }
    let rows = result["list"].as_array().cloned().unwrap_or_default();
    Ok(rows.iter().map(row).collect())
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// An HTTP chart repository without auth (Helm's dependency manager registers the
/// repositories a chart names itself, without credentials).
async fn open_repo(charts: &[(&str, &str)]) -> (HttpRepoServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut index = String::from("apiVersion: v1\nentries:\n");
    let mut names: Vec<&str> = charts.iter().map(|(n, _)| *n).collect();
    names.dedup();
    for name in names {
        index.push_str(&format!("  {name}:\n"));
        for (_, version) in charts.iter().filter(|(n, _)| *n == name) {
            let file = format!("{name}-{version}.tgz");
            std::fs::write(dir.path().join(&file), chart_archive(name, version)).expect("write");
            index.push_str(&format!(
                "  - name: {name}\n    version: {version}\n    urls: [{file}]\n"
            ));
        }
    }
    std::fs::write(dir.path().join("index.yaml"), index).expect("index");
    let server = HttpRepoServer::start(dir.path(), HttpRepoOptions::default())
        .await
        .expect("http repo");
    (server, dir)
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

/// A parent chart at `root/name` whose Chart.yaml is `chart_yaml`, with a vendored
/// chart directory `charts/vend` and stale archives of its repository dependencies.
fn parent(root: &Path, name: &str, chart_yaml: &str) -> PathBuf {
    let dir = root.join(name);
    write(&dir.join("Chart.yaml"), chart_yaml);
    write(
        &dir.join("charts/vend/Chart.yaml"),
        "apiVersion: v2\nname: vend\nversion: 1.0.0\n",
    );
    write(
        &dir.join("charts/web-1.0.0.tgz"),
        chart_archive("web", "1.0.0"),
    );
    write(&dir.join("charts/old.tgz"), chart_archive("web", "2.0.0"));
    write(
        &dir.join("charts/cache-0.0.1.tgz"),
        chart_archive("cache", "0.1.0"),
    );
    dir
}

/// A `file://` chart with comments, unsorted keys, a numeric appVersion, ignored files
/// and a subchart archive (which Helm's packager unpacks into `charts/db/`).
fn local_chart(root: &Path) {
    let dir = root.join("local");
    write(
        &dir.join("Chart.yaml"),
        "# a local chart\nname: local\nversion: 0.3.0\napiVersion: v2\nappVersion: 1.10\n\
         annotations:\n  zeta: z\n  alpha: a\n",
    );
    write(&dir.join("values.yaml"), "# defaults\nport: 80\n");
    write(
        &dir.join("templates/cm.yaml"),
        "kind: ConfigMap\nname: {{ .Release.Name }}\n",
    );
    write(&dir.join("README.md"), "# local\n");
    write(&dir.join("files/data.txt"), "data\n");
    write(
        &dir.join("crds/crd.yaml"),
        "kind: CustomResourceDefinition\n",
    );
    write(&dir.join(".helmignore"), "*.bak\n");
    write(&dir.join("notes.bak"), "ignored\n");
    // One subchart only: Helm packages several in Go's random map order.
    write(
        &dir.join("charts/db-1.0.0.tgz"),
        chart_archive("db", "1.0.0"),
    );
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("open"))
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

/// Chart.lock without its `generated` line, and that line.
fn lock(dir: &Path) -> (String, String) {
    let text = std::fs::read_to_string(dir.join("Chart.lock")).expect("Chart.lock");
    let (rest, generated): (Vec<&str>, Vec<&str>) = text
        .split_inclusive('\n')
        .partition(|l| !l.starts_with("generated: "));
    (rest.concat(), generated.concat())
}

/// A parent chart; the `cache` entry holds YAML 1.1 scalars (`on`, `y`) that Helm's
/// loader reads as booleans (as text in `tags`) before hashing the lock.
fn chart_yaml(url: &str) -> String {
    format!(
        "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n\
         - name: web\n  version: ^1\n  repository: {url}\n  alias: frontend\n  \
           condition: frontend.enabled\n  tags: [edge]\n\
         - name: cache\n  version: '>=0.1.0 <1'\n  repository: {url}\n  tags: [on]\n  \
           import-values:\n  - child: exports.data\n    parent: y\n  - data\n\
         - name: vend\n  version: 1.0.0\n\
         - name: local\n  version: '*'\n  repository: file://../local\n"
    )
}

/// Runs `op` with helmctl on `ours` and with Helm on `theirs`, both expected to work.
fn both(helmctl: &Helmctl, op: &str, ours: &Path, theirs: &Path) {
    helmctl.ok(&["dependency", op, &path(ours)]);
    helm(op, theirs).unwrap_or_else(|e| panic!("helm dependency {op}: {e}"));
}

// The repository answers on a worker thread while helmctl and Helm run synchronously.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependency_update_and_build_leave_the_charts_and_lock_helm_leaves() {
    let (repo, _repo_dir) = open_repo(&[
        ("web", "1.0.0"),
        ("web", "1.1.0"),
        ("web", "2.0.0"),
        ("cache", "0.1.0"),
        ("cache", "0.2.0"),
        ("cache", "1.0.0"),
    ])
    .await;
    let root = tempfile::tempdir().expect("tempdir");
    local_chart(root.path());
    let text = chart_yaml(&repo.url());
    let ours = parent(root.path(), "ours", &text);
    let theirs = parent(root.path(), "theirs", &text);
    let helmctl = Helmctl::new();

    let before = helmctl.list(&ours);
    assert_eq!(before, helm("list", &theirs).expect("helm list"));
    let statuses: Vec<&str> = before.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(statuses, ["ok", "ok", "unpacked", "missing"]);

    both(&helmctl, "update", &ours, &theirs);
    let charts = files(&ours.join("charts"));
    assert_eq!(charts, files(&theirs.join("charts")));
    assert_eq!(
        charts,
        [
            "cache-0.2.0.tgz",
            "local-0.3.0.tgz",
            "vend",
            "web-1.1.0.tgz"
        ],
        "stale archives of repository dependencies are gone, whatever their file name"
    );
    for archive in ["cache-0.2.0.tgz", "web-1.1.0.tgz"] {
        assert_eq!(
            std::fs::read(ours.join("charts").join(archive)).expect("ours"),
            std::fs::read(theirs.join("charts").join(archive)).expect("theirs"),
            "{archive}"
        );
    }
    assert_eq!(
        gunzip(&ours.join("charts/local-0.3.0.tgz")),
        gunzip(&theirs.join("charts/local-0.3.0.tgz")),
        "the packaged file:// chart holds the same tar stream (only the deflate bytes differ)"
    );
    let (our_lock, our_generated) = lock(&ours);
    let (helm_lock, helm_generated) = lock(&theirs);
    assert_eq!(our_lock, helm_lock);
    assert!(our_lock.contains("  repository: \"\"\n"), "{our_lock}");
    for generated in [&our_generated, &helm_generated] {
        let stamp = generated
            .strip_prefix("generated: \"")
            .and_then(|s| s.strip_suffix("Z\"\n"))
            .unwrap_or_else(|| panic!("{generated:?}"));
        assert!(
            stamp.len() >= 19 && stamp.as_bytes()[10] == b'T' && !stamp.ends_with('0'),
            "{generated:?}"
        );
    }
    assert_eq!(helmctl.list(&ours), helm("list", &theirs).expect("list"));

    helmctl.ok(&["dependency", "update", &path(&ours)]);
    assert_eq!(
        lock(&ours).1,
        our_generated,
        "an unchanged digest leaves Chart.lock alone"
    );

    for dir in [&ours, &theirs] {
        for archive in ["cache-0.2.0.tgz", "web-1.1.0.tgz", "local-0.3.0.tgz"] {
            std::fs::remove_file(dir.join("charts").join(archive)).expect("remove");
        }
        write(
            &dir.join("charts/web-1.0.0.tgz"),
            chart_archive("web", "1.0.0"),
        );
    }
    both(&helmctl, "build", &ours, &theirs);
    assert_eq!(files(&ours.join("charts")), files(&theirs.join("charts")));
    assert_eq!(
        std::fs::read(ours.join("charts/web-1.1.0.tgz")).expect("ours"),
        std::fs::read(theirs.join("charts/web-1.1.0.tgz")).expect("theirs"),
    );
    assert_eq!(lock(&ours).0, helm_lock, "build leaves the lock as it was");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_sync_locks_and_unknown_versions_fail_with_helms_errors() {
    let (repo, _repo_dir) = open_repo(&[("web", "1.0.0"), ("web", "1.1.0")]).await;
    let url = repo.url();
    let root = tempfile::tempdir().expect("tempdir");
    local_chart(root.path());
    let helmctl = Helmctl::new();
    let simple = format!(
        "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n\
         - name: web\n  version: ^1\n  repository: {url}\n"
    );
    let ours = parent(root.path(), "ours", &simple);
    let theirs = parent(root.path(), "theirs", &simple);

    // Without a lock, build updates.
    both(&helmctl, "build", &ours, &theirs);
    assert_eq!(lock(&ours).0, lock(&theirs).0);
    assert_eq!(files(&ours.join("charts")), files(&theirs.join("charts")));

    let changed = simple.replace("^1", "~1.0");
    for dir in [&ours, &theirs] {
        write(&dir.join("Chart.yaml"), &changed);
    }
    let helm_error = helm("build", &theirs).expect_err("out of sync");
    assert!(helm_error.contains("out of sync"), "{helm_error}");
    assert_eq!(helmctl.error("build", &ours), helm_error);
    assert_eq!(helmctl.list(&ours), helm("list", &theirs).expect("list"));
    assert_eq!(helmctl.list(&ours)[0][3], "wrong version");

    // A lock in sync with Chart.yaml that names a version the repository lacks.
    let json =
        |version: &str| format!(r#"{{"name":"web","version":"{version}","repository":"{url}"}}"#);
    let digest = hex::encode(sha2::Sha256::digest(
        format!("[[{}],[{}]]", json("^1"), json("1.7.0")).as_bytes(),
    ));
    for dir in [&ours, &theirs] {
        write(&dir.join("Chart.yaml"), &simple);
        write(
            &dir.join("Chart.lock"),
            format!(
                "dependencies:\n- name: web\n  repository: {url}\n  version: 1.7.0\n\
                 digest: sha256:{digest}\ngenerated: \"2026-01-02T03:04:05Z\"\n"
            ),
        );
    }
    let helm_error = helm("build", &theirs).expect_err("no such version");
    assert_eq!(helm_error, "could not find : no matching version");
    assert_eq!(helmctl.error("build", &ours), helm_error);

    let cases = [
        format!(
            "- name: web\n  version: ^5\n  repository: {url}\n\
             - name: web\n  alias: other\n  version: 9.9.9\n  repository: {url}\n\
             - name: local\n  version: '>1'\n  repository: file://../local\n"
        ),
        format!("- name: nothere\n  version: 1.0.0\n  repository: {url}\n"),
        format!("- name: web\n  version: zz\n  repository: {url}\n"),
        "- name: vend\n  version: 2.0.0\n".to_owned(),
        "- name: absent\n  version: 1.0.0\n".to_owned(),
        "- name: local\n  version: '*'\n  repository: file://../nowhere\n".to_owned(),
        // no version: Masterminds refuses the blank constraint, vendored charts too
        "- name: local\n  repository: file://../local\n".to_owned(),
        "- name: vend\n".to_owned(),
    ];
    for (i, deps) in cases.iter().enumerate() {
        let text = format!("apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n{deps}");
        let ours = parent(root.path(), &format!("ours{i}"), &text);
        let theirs = parent(root.path(), &format!("theirs{i}"), &text);
        let helm_error = helm("update", &theirs).expect_err("helm fails");
        assert_eq!(
            helmctl.error("update", &ours).replace(&path(&ours), "DIR"),
            helm_error.replace(&path(&theirs), "DIR"),
            "{deps}"
        );
    }
}

#[test]
fn dependency_list_reports_each_status_helm_reports() {
    let root = tempfile::tempdir().expect("tempdir");
    let text = "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n\
                - name: web\n  version: ^1\n  repository: https://charts.example.com\n\
                - name: cache\n  version: ^1\n  repository: https://charts.example.com\n\
                - name: db\n  version: 1.0.0\n  repository: https://charts.example.com\n\
                - name: vend\n  version: 1.0.0\n\
                - name: gone\n  version: 1.0.0\n  repository: https://charts.example.com\n\
                - name: multi\n  version: '*'\n  repository: https://charts.example.com\n\
                - name: bad\n  version: zz\n  repository: https://charts.example.com\n\
                - name: old\n  version: ^2\n\
                - name: nover\n  repository: https://charts.example.com\n\
                - name: blank\n";
    let helmctl = Helmctl::new();
    let mut listed = Vec::new();
    for name in ["ours", "theirs"] {
        let dir = root.path().join(name);
        write(&dir.join("Chart.yaml"), text);
        let charts = dir.join("charts");
        write(&charts.join("web-1.1.0.tgz"), chart_archive("web", "1.1.0"));
        write(
            &charts.join("cache-0.1.0.tgz"),
            chart_archive("cache", "0.1.0"),
        );
        write(&charts.join("db-1.0.0.tgz"), chart_archive("web", "1.0.0"));
        write(
            &charts.join("vend/Chart.yaml"),
            "apiVersion: v2\nname: vend\nversion: 1.0.0\n",
        );
        write(
            &charts.join("multi-1.0.0.tgz"),
            chart_archive("multi", "1.0.0"),
        );
        write(
            &charts.join("multi-2.0.0.tgz"),
            chart_archive("multi", "2.0.0"),
        );
        write(&charts.join("bad-1.0.0.tgz"), chart_archive("bad", "1.0.0"));
        write(
            &charts.join("old/Chart.yaml"),
            "apiVersion: v2\nname: old\nversion: 1.0.0\n",
        );
        // Masterminds refuses a blank constraint: no version is "invalid version"
        write(
            &charts.join("nover-1.0.0.tgz"),
            chart_archive("nover", "1.0.0"),
        );
        write(
            &charts.join("blank/Chart.yaml"),
            "apiVersion: v2\nname: blank\nversion: 1.0.0\n",
        );
        listed.push(dir);
    }
    let ours = helmctl.list(&listed[0]);
    assert_eq!(ours, helm("list", &listed[1]).expect("helm list"));
    let statuses: Vec<&str> = ours.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(
        statuses,
        [
            "ok",
            "wrong version",
            "misnamed",
            "unpacked",
            "missing",
            "too many matches",
            "invalid version",
            "wrong version",
            "invalid version",
            "invalid version"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn named_repositories_resolve_from_repo_add_with_their_credentials() {
    let repo = fixtures::http_repo(&[("web", "1.0.0"), ("web", "1.2.0")], None).await;
    let url = repo.server.url();
    let helmctl = Helmctl::new();
    helmctl.ok(&[
        "repo",
        "add",
        "stable",
        &url,
        "--username",
        "helmd",
        "--password",
        REPO_PASSWORD,
    ]);
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("named");
    write(
        &dir.join("Chart.yaml"),
        "apiVersion: v2\nname: named\nversion: 0.1.0\ndependencies:\n\
         - name: web\n  version: ~1\n  repository: '@stable'\n\
         - name: web\n  alias: again\n  version: 1.0.0\n  repository: alias:stable\n",
    );
    let out = helmctl.ok(&["dependency", "update", &path(&dir)]);
    assert!(out.contains("Saving 2 charts"), "{out}");
    assert_eq!(
        files(&dir.join("charts")),
        ["web-1.0.0.tgz", "web-1.2.0.tgz"]
    );
    assert_eq!(
        std::fs::read(dir.join("charts/web-1.2.0.tgz")).expect("archive"),
        chart_archive("web", "1.2.0")
    );
    let (locked, _) = lock(&dir);
    assert!(
        locked.starts_with(&format!(
            "dependencies:\n- name: web\n  repository: {url}\n  version: 1.2.0\n\
             - name: web\n  repository: {url}\n  version: 1.0.0\ndigest: sha256:"
        )),
        "the lock names the repository's URL, as Helm's does:\n{locked}"
    );
    std::fs::remove_dir_all(dir.join("charts")).expect("clean");
    helmctl.ok(&["dependency", "build", &path(&dir)]);
    assert_eq!(
        files(&dir.join("charts")),
        ["web-1.0.0.tgz", "web-1.2.0.tgz"]
    );

    let other = Helmctl::new();
    assert_eq!(
        other.error("update", &dir),
        "no repository definition for @stable, alias:stable. Please add the missing repos via 'helm repo add'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oci_dependencies_resolve_from_the_registrys_tags_like_helm() {
    let registry = fixtures::registry().await;
    let ca = path(&registry.ca_file().expect("ca file"));
    let helmctl = Helmctl::new();
    let work = tempfile::tempdir().expect("tempdir");
    let remote = format!("oci://{}/charts", registry.host());
    let login = [
        "--ca-file",
        &ca,
        "--username",
        registry.username(),
        "--password",
        registry.password(),
    ];
    for version in ["1.0.0", "1.4.0", "2.0.0"] {
        let archive = work.path().join(format!("api-{version}.tgz"));
        std::fs::write(&archive, chart_archive("api", version)).expect("write");
        let mut args = vec!["push", archive.to_str().expect("utf-8"), &remote];
        args.extend(login);
        helmctl.ok(&args);
    }
    let dir = work.path().join("parent");
    write(
        &dir.join("Chart.yaml"),
        format!(
            "apiVersion: v2\nname: parent\nversion: 0.1.0\ndependencies:\n\
             - name: api\n  version: ^1\n  repository: {remote}\n"
        ),
    );
    let dir_arg = path(&dir);
    let mut args = vec!["dependency", "update", dir_arg.as_str()];
    args.extend(login);
    helmctl.ok(&args);
    assert_eq!(files(&dir.join("charts")), ["api-1.4.0.tgz"]);
    assert_eq!(
        std::fs::read(dir.join("charts/api-1.4.0.tgz")).expect("archive"),
        chart_archive("api", "1.4.0")
    );
    let (locked, _) = lock(&dir);
    assert!(
        locked.starts_with(&format!(
            "dependencies:\n- name: api\n  repository: {remote}\n  version: 1.4.0\ndigest: sha256:"
        )),
        "{locked}"
    );
    assert_eq!(helmctl.list(&dir)[0][3], "ok");

    // Helm reads registry credentials from a Docker config and trusts SSL_CERT_FILE.
    let theirs = work.path().join("theirs");
    write(
        &theirs.join("Chart.yaml"),
        std::fs::read(dir.join("Chart.yaml")).expect("read"),
    );
    let docker = work.path().join("docker");
    let python = helmd_oracle::oracle::python().expect("venv python");
    let out = Command::new(python)
        .args(["-c", HELM_OCI_UPDATE])
        .arg(&theirs)
        .arg(registry.host())
        .arg(registry.username())
        .arg(registry.password())
        .arg(&docker)
        .env("SSL_CERT_FILE", &ca)
        .env("DOCKER_CONFIG", &docker)
        .output()
        .expect("helm");
    assert!(
        out.status.success(),
        "helm dependency update: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(files(&theirs.join("charts")), ["api-1.4.0.tgz"]);
    assert_eq!(
        std::fs::read(theirs.join("charts/api-1.4.0.tgz")).expect("archive"),
        chart_archive("api", "1.4.0")
    );
    assert_eq!(lock(&theirs).0, locked);
}

const HELM_OCI_UPDATE: &str = r#"
import sys
import base64, json, os
import helm_python as h
chart_dir, host, user, password, creds = sys.argv[1:6]
os.makedirs(creds, exist_ok=True)
auth = base64.b64encode(f"{user}:{password}".encode()).decode()
with open(os.path.join(creds, "config.json"), "w") as f:
    json.dump({"auths": {host: {"auth": auth}}}, f)
h.dependency_update(chart_dir)
"#;
