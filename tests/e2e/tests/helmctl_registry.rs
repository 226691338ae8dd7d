//! `helmctl registry login|logout` against the real TLS registry with htpasswd and the
//! real Helm v4 CLI sharing one registry config file (`HELM_REGISTRY_CONFIG`): the
//! credentials are checked before they are stored, stored as Helm stores them, and
//! used by helmctl's and Helm's push and pull (and helmctl's `package -u`) whichever
//! of the two logged in; and through a registry token service.

use std::path::Path;

use crate::fixtures::{HelmOutcome, chart_archive, helm_cli, helmctl_cli, run_cli};

/// Runs Helm v4 (`helm`) or helmctl from `cwd` with the registry config `config`.
fn cli(helm: bool, cwd: &Path, config: &Path, args: &[&str], stdin: Option<&str>) -> HelmOutcome {
    let mut cmd = if helm {
        helm_cli("helm4", &cwd.join(".helm-home"))
    } else {
        helmctl_cli(&cwd.join(".helmctl-home"))
    };
    cmd.current_dir(cwd)
        .args(args)
        .env("HELM_REGISTRY_CONFIG", config);
    run_cli(cmd, stdin.map(str::as_bytes))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_login_stores_credentials_helm_and_helmctl_both_use() {
    let registry = crate::fixtures::registry().await;
    let ca = registry.ca_file().expect("ca file").display().to_string();
    let host = registry.host();
    let (user, password) = (registry.username(), registry.password());
    let root = tempfile::tempdir().expect("tempdir");
    let cwd = root.path();
    let config = cwd.join("registry/config.json");
    std::fs::write(cwd.join("demo-1.0.0.tgz"), chart_archive("demo", "1.0.0")).expect("write");
    for dest in ["helm-pulled", "ours-pulled", "refused"] {
        std::fs::create_dir(cwd.join(dest)).expect("mkdir");
    }
    let remote = format!("oci://{host}/charts");
    let chart = format!("{remote}/demo");
    let run = |helm: bool, args: &[&str], stdin: Option<&str>| cli(helm, cwd, &config, args, stdin);
    let login = |helm: bool, password: &str| {
        run(
            helm,
            &[
                "registry",
                "login",
                &host,
                "-u",
                user,
                "--password-stdin",
                "--ca-file",
                &ca,
            ],
            Some(&format!("{password}\n")),
        )
    };

    // A wrong password is refused by both, and nothing is stored.
    for helm in [true, false] {
        let (ok, _, error) = login(helm, "wrong");
        assert!(!ok, "helm={helm}: a wrong password logged in");
        assert!(
            error.starts_with(&format!("authenticating to {host:?}: ")),
            "helm={helm}: {error}"
        );
    }
    assert!(!config.exists(), "nothing stored after a refused login");

    // helmctl's login writes the file Helm writes.
    let (ok, stdout, error) = login(false, password);
    assert!(ok, "{error}");
    assert_eq!(stdout, "Login Succeeded\n");
    let ours = std::fs::read_to_string(&config).expect("config");
    let (ok, stdout, error) = login(true, password);
    assert!(ok, "{error}");
    assert_eq!(stdout, "Login Succeeded\n");
    assert_eq!(std::fs::read_to_string(&config).expect("config"), ours);
    assert!(ours.contains(&format!("\"{host}\"")), "{ours}");

    // helmctl pushes with the stored credentials, Helm pulls with them.
    let (ok, stdout, error) = run(
        false,
        &["push", "demo-1.0.0.tgz", &remote, "--ca-file", &ca],
        None,
    );
    assert!(ok, "helmctl push with stored credentials: {error}");
    assert!(stdout.starts_with("Pushed: "), "{stdout}");
    let (ok, _, error) = run(
        true,
        &[
            "pull",
            &chart,
            "--version",
            "1.0.0",
            "--ca-file",
            &ca,
            "-d",
            "helm-pulled",
        ],
        None,
    );
    assert!(ok, "helm pull with helmctl's login: {error}");

    // Logout removes them as Helm's does; helmctl's pull is then anonymous and refused.
    let (ok, stdout, error) = run(false, &["registry", "logout", &host], None);
    assert!(ok, "{error}");
    assert_eq!(stdout, format!("Removing login credentials for {host}\n"));
    let after_ours = std::fs::read_to_string(&config).expect("config");
    let pull = |helm: bool, dest: &str| {
        run(
            helm,
            &[
                "pull",
                &chart,
                "--version",
                "1.0.0",
                "--ca-file",
                &ca,
                "-d",
                dest,
            ],
            None,
        )
    };
    assert!(!pull(false, "refused").0, "pulled after logout");
    assert!(login(true, password).0);
    let (ok, stdout, _) = run(true, &["registry", "logout", &host], None);
    assert!(ok);
    assert_eq!(stdout, format!("Removing login credentials for {host}\n"));
    assert_eq!(
        std::fs::read_to_string(&config).expect("config"),
        after_ours
    );

    // Helm's login serves helmctl's pull.
    assert!(login(true, password).0);
    let (ok, _, error) = pull(false, "ours-pulled");
    assert!(ok, "helmctl pull with Helm's login: {error}");
    assert_eq!(
        std::fs::read(cwd.join("ours-pulled/demo-1.0.0.tgz")).expect("ours"),
        std::fs::read(cwd.join("helm-pulled/demo-1.0.0.tgz")).expect("helm's")
    );

    // `package -u` resolves an OCI dependency with the stored credentials too.
    let app = cwd.join("app");
    std::fs::create_dir(&app).expect("mkdir");
    std::fs::write(
        app.join("Chart.yaml"),
        format!(
            "apiVersion: v2\nname: app\nversion: 0.1.0\n\
             dependencies:\n- name: demo\n  version: ^1\n  repository: {remote}\n"
        ),
    )
    .expect("write");
    let (ok, stdout, error) = run(false, &["package", "-u", "app", "--ca-file", &ca], None);
    assert!(ok, "helmctl package -u with Helm's login: {error}");
    assert!(app.join("charts/demo-1.0.0.tgz").is_file(), "{stdout}");
    assert!(cwd.join("app-0.1.0.tgz").is_file(), "{stdout}");

    // Logged out, `package -u` needs the registry flags, which it takes as Helm's does.
    assert!(run(false, &["registry", "logout", &host], None).0);
    std::fs::remove_file(app.join("charts/demo-1.0.0.tgz")).expect("remove");
    let flags = ["package", "-u", "app", "--ca-file", &ca, "-d", "flags"];
    assert!(!run(false, &flags, None).0, "anonymous package -u pulled");
    let mut with_user = flags.to_vec();
    with_user.extend(["--username", user, "--password", password]);
    let (ok, _, error) = run(false, &with_user, None);
    assert!(ok, "package -u --username: {error}");
    assert!(cwd.join("flags/app-0.1.0.tgz").is_file());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_login_goes_through_a_token_service_as_helms_does() {
    let registry = crate::fixtures::token_registry(vec![]).await;
    let ca = registry.ca_file().expect("ca file").display().to_string();
    let host = registry.host();
    let (user, password) = (registry.username(), registry.password());
    let root = tempfile::tempdir().expect("tempdir");
    let cwd = root.path();
    let config = cwd.join("config.json");
    std::fs::write(cwd.join("demo-1.0.0.tgz"), chart_archive("demo", "1.0.0")).expect("write");
    std::fs::create_dir(cwd.join("pulled")).expect("mkdir");
    let run = |helm: bool, args: &[&str], stdin: Option<&str>| cli(helm, cwd, &config, args, stdin);
    let login = |helm: bool, password: &str| {
        let args = [
            "registry",
            "login",
            &host,
            "-u",
            user,
            "--password-stdin",
            "--ca-file",
            &ca,
        ];
        run(helm, &args, Some(password))
    };
    for helm in [true, false] {
        assert!(
            !login(helm, "wrong").0,
            "helm={helm}: a wrong password logged in"
        );
    }
    assert!(!config.exists());
    let (ok, stdout, error) = login(false, password);
    assert!(ok, "{error}");
    assert_eq!(stdout, "Login Succeeded\n");
    let remote = format!("oci://{host}/charts");
    let (ok, _, error) = run(
        false,
        &["push", "demo-1.0.0.tgz", &remote, "--ca-file", &ca],
        None,
    );
    assert!(ok, "helmctl push through the token service: {error}");
    let chart = format!("{remote}/demo");
    let pull = [
        "pull",
        &chart,
        "--version",
        "1.0.0",
        "--ca-file",
        &ca,
        "-d",
        "pulled",
    ];
    let (ok, _, error) = run(true, &pull, None);
    assert!(ok, "helm pull with helmctl's login: {error}");
}
