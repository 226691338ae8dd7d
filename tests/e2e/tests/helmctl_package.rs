//! `helmctl package` against the real Helm v4 CLI: both package the same chart
//! directories (so the files' modification times are the same), and the archives
//! must hold the same tar stream — entry names, order, headers and contents — with
//! `--version`/`--app-version`, a `.helmignore`, subcharts, a library chart,
//! `SOURCE_DATE_EPOCH` and `--dependency-update`; errors must carry Helm's words; and
//! Helm v4 must lint and template helmctl's archive as it does its own.

use std::io::Read;
use std::path::Path;

use crate::fixtures::{HelmOutcome, helm_cli, helmctl_cli, run_cli};

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

/// Runs Helm v4 (`helm`) or helmctl from `cwd` with `args`, private homes under `cwd`
/// and `SOURCE_DATE_EPOCH` set to `epoch` when given.
fn cli(helm: bool, cwd: &Path, args: &[&str], epoch: Option<&str>) -> HelmOutcome {
    let mut cmd = if helm {
        helm_cli("helm4", &cwd.join(".helm-home"))
    } else {
        helmctl_cli(&cwd.join(".helmctl-home"))
    };
    cmd.current_dir(cwd)
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH");
    if let Some(epoch) = epoch {
        cmd.env("SOURCE_DATE_EPOCH", epoch);
    }
    run_cli(cmd, None)
}

/// Helm's and helmctl's run of the same command line, both expected to succeed; their
/// outputs with the destination directory's name replaced by `DEST`.
fn both_ok(cwd: &Path, args: &[&str], epoch: Option<&str>) -> (String, String) {
    let with = |dest: &str| -> Vec<String> {
        args.iter()
            .map(|a| a.replace("DEST", dest))
            .collect::<Vec<_>>()
    };
    let run = |helm: bool, dest: &str| {
        let args = with(dest);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, stdout, error) = cli(helm, cwd, &args, epoch);
        assert!(
            ok,
            "{} {args:?} failed: {error}",
            if helm { "helm" } else { "helmctl" }
        );
        stdout.replace(dest, "DEST")
    };
    (run(true, "theirs"), run(false, "ours"))
}

/// The tar stream inside a `.tgz`.
fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).expect("open"))
        .read_to_end(&mut out)
        .expect("gunzip");
    out
}

/// The archive's entries: (name, contents).
fn entries(path: &Path) -> Vec<(String, String)> {
    let bytes = gunzip(path);
    let mut tar = tar::Archive::new(bytes.as_slice());
    tar.entries()
        .expect("entries")
        .map(|e| {
            let mut e = e.expect("entry");
            let name = e.path().expect("path").display().to_string();
            let mut text = String::new();
            e.read_to_string(&mut text).expect("read");
            (name, text)
        })
        .collect()
}

/// A chart exercising what the packager writes: comments and unsorted keys in
/// Chart.yaml, a schema, templates, plain files, a `.helmignore` and a subchart
/// directory (one only: Helm's loader orders several in Go's random map order).
fn web_chart(dir: &Path) {
    write(
        &dir.join("Chart.yaml"),
        "# the web chart\nname: web\nversion: 0.1.0\napiVersion: v2\nappVersion: 1.10\n\
         description: serves pages\nannotations:\n  zeta: z\n  alpha: a\n\
         dependencies:\n- name: sub\n  version: 1.0.0\n",
    );
    write(&dir.join("values.yaml"), "# defaults\nport: 80\nsub: {}\n");
    write(
        &dir.join("values.schema.json"),
        r#"{"type": "object", "properties": {"port": {"type": "integer"}}}"#,
    );
    write(
        &dir.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n\
         data:\n  port: {{ .Values.port | quote }}\n  app: {{ .Chart.AppVersion | quote }}\n",
    );
    write(
        &dir.join("templates/_helpers.tpl"),
        "{{- define \"x\" }}x{{ end }}\n",
    );
    write(
        &dir.join("templates/NOTES.txt"),
        "Thanks for {{ .Chart.Name }}\n",
    );
    write(&dir.join("README.md"), "# web\n");
    write(&dir.join("files/data.txt"), "data\n");
    write(&dir.join(".helmignore"), "*.bak\nsecret/\n");
    write(&dir.join("notes.bak"), "ignored\n");
    write(&dir.join("secret/key.txt"), "ignored too\n");
    write(
        &dir.join("charts/sub/Chart.yaml"),
        "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
    );
    write(
        &dir.join("charts/sub/templates/svc.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-sub\n",
    );
}

#[test]
fn package_writes_the_archive_helm_writes() {
    let root = tempfile::tempdir().expect("tempdir");
    let cwd = root.path();
    web_chart(&cwd.join("web"));
    write(
        &cwd.join("lib/Chart.yaml"),
        "apiVersion: v2\nname: lib\nversion: 2.0.0\ntype: library\n",
    );
    write(
        &cwd.join("lib/templates/_lib.tpl"),
        "{{- define \"lib.name\" }}lib{{ end }}\n",
    );

    let (helm, ours) = both_ok(cwd, &["package", "web", "./lib/", "-d", "DEST"], None);
    assert_eq!(ours, helm);
    assert_eq!(
        helm,
        "Successfully packaged chart and saved it to: DEST/web-0.1.0.tgz\n\
         Successfully packaged chart and saved it to: DEST/lib-2.0.0.tgz\n"
    );
    for archive in ["web-0.1.0.tgz", "lib-2.0.0.tgz"] {
        assert_eq!(
            gunzip(&cwd.join("ours").join(archive)),
            gunzip(&cwd.join("theirs").join(archive)),
            "{archive}: the same tar stream (only the deflate bytes may differ)"
        );
    }
    let names: Vec<String> = entries(&cwd.join("ours/web-0.1.0.tgz"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("bak") || n.contains("secret")),
        "{names:?}"
    );
    assert!(
        names.contains(&"web/charts/sub/Chart.yaml".to_owned()),
        "{names:?}"
    );

    // --version and --app-version rewrite Chart.yaml and the file name; the default
    // destination is the working directory, printed as an absolute path.
    let (helm, ours) = both_ok(
        cwd,
        &[
            "package",
            "web",
            "--version",
            "v1.2",
            "--app-version",
            "9.9-rc",
            "-d",
            "DEST",
        ],
        None,
    );
    assert_eq!(ours, helm);
    assert_eq!(
        gunzip(&cwd.join("ours/web-v1.2.tgz")),
        gunzip(&cwd.join("theirs/web-v1.2.tgz"))
    );
    let chart_yaml = entries(&cwd.join("ours/web-v1.2.tgz"))
        .into_iter()
        .find(|(n, _)| n == "web/Chart.yaml")
        .expect("Chart.yaml")
        .1;
    assert!(
        chart_yaml.contains("version: v1.2\n") && chart_yaml.contains("appVersion: 9.9-rc\n"),
        "{chart_yaml}"
    );
    for dest in ["ours", "theirs"] {
        let out = cwd.join(dest);
        let (ok, stdout, error) = cli(dest == "theirs", &out, &["package", "../lib"], None);
        assert!(ok, "{error}");
        assert_eq!(
            stdout,
            format!(
                "Successfully packaged chart and saved it to: {}/lib-2.0.0.tgz\n",
                out.display()
            )
        );
    }

    // SOURCE_DATE_EPOCH stamps every entry.
    let (helm, ours) = both_ok(
        cwd,
        &["package", "web", "-d", "DEST/epoch"],
        Some("1700000000"),
    );
    assert_eq!(ours, helm);
    let stamped = gunzip(&cwd.join("ours/epoch/web-0.1.0.tgz"));
    assert_eq!(stamped, gunzip(&cwd.join("theirs/epoch/web-0.1.0.tgz")));

    // Helm v4 lints and renders helmctl's archive as it does its own.
    for args in [
        vec!["lint", "web-0.1.0.tgz"],
        vec!["lint", "web-0.1.0.tgz", "--strict"],
        vec!["template", "rel", "web-0.1.0.tgz"],
        vec!["show", "all", "web-0.1.0.tgz"],
        vec!["lint", "lib-2.0.0.tgz"],
    ] {
        let theirs = cli(true, &cwd.join("theirs"), &args, None);
        let ours = cli(true, &cwd.join("ours"), &args, None);
        assert!(theirs.0, "helm {args:?}: {}", theirs.2);
        assert_eq!(ours, theirs, "helm {args:?}");
    }
}

#[test]
fn package_dependency_update_packages_what_helm_packages() {
    let root = tempfile::tempdir().expect("tempdir");
    let cwd = root.path();
    for side in ["ours", "theirs"] {
        let dir = cwd.join(side);
        write(
            &dir.join("app/Chart.yaml"),
            "apiVersion: v2\nname: app\nversion: 3.0.0\n\
             dependencies:\n- name: local\n  version: '>=0.1.0'\n  repository: file://../local\n",
        );
        write(&dir.join("app/templates/a.yaml"), "kind: A\n");
        write(
            &dir.join("local/Chart.yaml"),
            "apiVersion: v2\nname: local\nversion: 0.3.0\n",
        );
        write(&dir.join("local/templates/b.yaml"), "kind: B\n");
    }
    // Without -u the missing dependency fails as in Helm.
    let missing = |helm: bool| cli(helm, &cwd.join("ours"), &["package", "app"], None);
    let theirs = missing(true);
    assert!(!theirs.0);
    assert_eq!(missing(false), theirs);
    assert_eq!(
        theirs.2,
        "found in Chart.yaml, but missing in charts/ directory: local"
    );

    let run = |side: &str, epoch: Option<&str>| {
        let dir = cwd.join(side);
        let out = cli(
            side == "theirs",
            &dir,
            &["package", "-u", "app", "-d", "out"],
            epoch,
        );
        assert!(out.0, "{side}: {}", out.2);
        out.1
    };
    assert_eq!(
        run("ours", None),
        run("theirs", None).replace("theirs", "ours")
    );
    let (ours, theirs) = (
        entries(&cwd.join("ours/out/app-3.0.0.tgz")),
        entries(&cwd.join("theirs/out/app-3.0.0.tgz")),
    );
    let without_generated = |e: Vec<(String, String)>| -> Vec<(String, String)> {
        e.into_iter()
            .map(|(n, text)| {
                let kept: String = text
                    .split_inclusive('\n')
                    .filter(|l| !l.starts_with("generated: "))
                    .collect();
                (n, kept)
            })
            .collect()
    };
    let ours = without_generated(ours);
    assert_eq!(ours, without_generated(theirs));
    let names: Vec<&str> = ours.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "app/Chart.yaml",
            "app/Chart.lock",
            "app/templates/a.yaml",
            "app/charts/local/Chart.yaml",
            "app/charts/local/templates/b.yaml"
        ]
    );
    assert!(cwd.join("ours/app/charts/local-0.3.0.tgz").is_file());

    // With SOURCE_DATE_EPOCH the lock's time is stamped too: the same tar stream.
    run("ours", Some("1234567890"));
    run("theirs", Some("1234567890"));
    assert_eq!(
        gunzip(&cwd.join("ours/out/app-3.0.0.tgz")),
        gunzip(&cwd.join("theirs/out/app-3.0.0.tgz"))
    );
    assert_eq!(
        gunzip(&cwd.join("ours/app/charts/local-0.3.0.tgz")),
        gunzip(&cwd.join("theirs/app/charts/local-0.3.0.tgz")),
        "the file:// chart is stamped too"
    );
}

#[test]
fn package_errors_carry_helms_words() {
    let root = tempfile::tempdir().expect("tempdir");
    let cwd = root.path();
    write(
        &cwd.join("good/Chart.yaml"),
        "apiVersion: v2\nname: good\nversion: 1.0.0\n",
    );
    write(
        &cwd.join("noversion/Chart.yaml"),
        "apiVersion: v2\nname: noversion\n",
    );
    write(&cwd.join("empty/README.md"), "no chart here\n");
    write(&cwd.join("file.yaml"), "a: 1\n");
    let cases: Vec<(Vec<&str>, Option<&str>)> = vec![
        (vec!["package"], None),
        (vec!["package", "missing"], None),
        (vec!["package", "file.yaml"], None),
        (vec!["package", "empty"], None),
        (vec!["package", "noversion"], None),
        (vec!["package", "good", "--version", "abc"], None),
        (vec!["package", "good", "--version", "1.2.3.4"], None),
        (vec!["package", "good", "-d", "file.yaml"], None),
        (vec!["package", "good"], Some("-5")),
        (vec!["package", "good"], Some("soon")),
    ];
    for (args, epoch) in cases {
        let theirs = cli(true, cwd, &args, epoch);
        assert!(!theirs.0, "helm {args:?} succeeded");
        assert_eq!(cli(false, cwd, &args, epoch), theirs, "{args:?} {epoch:?}");
    }
}
