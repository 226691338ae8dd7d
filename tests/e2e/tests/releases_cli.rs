//! `helmctl install/upgrade/rollback/test/uninstall` against the real helmd and
//! cluster: Helm's commands and output, exit codes, test pods' logs read through
//! the apiserver's `pods/log` (served by the test cluster's node agent).

use std::process::Command;

use helmd_test_support::binaries;

use crate::chart_validate::pack;
use crate::releases::setup;

/// The release chart plus a test hook Pod that prints a line.
fn chart_with_test(version: &str) -> Vec<u8> {
    let chart_yaml = format!("apiVersion: v2\nname: tested\nversion: {version}\n");
    pack(
        "tested",
        &[
            ("Chart.yaml", chart_yaml.as_str()),
            ("values.yaml", "greeting: hello\nextra: true\n"),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-main\ndata:\n  greeting: {{ .Values.greeting | quote }}\n",
            ),
            (
                "templates/extra.yaml",
                "{{- if .Values.extra }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\n{{- end }}\n",
            ),
            (
                "templates/tests/check.yaml",
                concat!(
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-check\n",
                    "  annotations:\n    helm.sh/hook: test\n",
                    "    helmd.test/log: \"checked {{ .Values.greeting }}\\n\"\n",
                    "spec:\n  restartPolicy: Never\n  containers:\n    - name: check\n      image: registry.invalid/check:1\n",
                ),
            ),
            (
                "templates/NOTES.txt",
                "Thanks for installing {{ .Release.Name }}.\n",
            ),
        ],
    )
}

pub(crate) fn helmctl(server: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(binaries::binary("helmd-client", "helmctl").expect("helmctl"))
        .arg("--server")
        .arg(server)
        .args(args)
        .output()
        .expect("run helmctl");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn helmctl_carries_a_release_through_its_life_and_prints_test_logs() {
    let s = setup("secrets", "cli").await;
    let server = s.server();
    let dir = tempfile::tempdir().expect("tempdir");
    let chart = dir.path().join("tested-1.0.0.tgz");
    std::fs::write(&chart, chart_with_test("1.0.0")).expect("chart");
    let chart = chart.display().to_string();
    let ns = s.namespace.as_str();

    let (ok, out, err) = helmctl(
        &server,
        &[
            "install",
            "web",
            &chart,
            "-n",
            ns,
            "--wait",
            "--set",
            "greeting=hi",
        ],
    );
    assert!(ok, "install: {err}");
    assert!(out.starts_with("NAME: web\nLAST DEPLOYED: "), "{out}");
    assert!(
        out.contains(&format!("NAMESPACE: {ns}\nSTATUS: deployed\nREVISION: 1\n")),
        "{out}"
    );
    assert!(
        out.ends_with("NOTES:\nThanks for installing web.\n"),
        "{out}"
    );

    let (ok, out, err) = helmctl(
        &server,
        &["upgrade", "web", &chart, "-n", ns, "--set", "extra=false"],
    );
    assert!(ok, "upgrade: {err}");
    assert!(
        out.starts_with("Release \"web\" has been upgraded. Happy Helming!\n"),
        "{out}"
    );
    assert!(out.contains("REVISION: 2\n"), "{out}");
    assert_eq!(s.config_maps().await, ["web-main"]);

    let (ok, out, err) = helmctl(&server, &["rollback", "web", "1", "-n", ns]);
    assert!(ok, "rollback: {err}");
    assert_eq!(out, "Rollback was a success! Happy Helming!\n");
    assert_eq!(s.config_maps().await, ["web-extra", "web-main"]);

    let (ok, out, err) = helmctl(&server, &["test", "web", "-n", ns, "--logs"]);
    assert!(ok, "test: {err}");
    assert!(out.contains("TEST SUITE:     web-check\n"), "{out}");
    assert!(out.contains("Phase:          Succeeded\n"), "{out}");
    // The test pod's log came through the apiserver's pods/log.
    assert!(err.contains("POD LOGS: web-check\nchecked hi\n"), "{err}");

    // Helm sees the history helmctl made, and its test result.
    let history = s.helm_ok(&["history", "web", "-o", "json"]);
    assert!(history.contains("\"revision\":3"), "{history}");

    let (ok, out, err) = helmctl(&server, &["uninstall", "web", "-n", ns]);
    assert!(ok, "uninstall: {err}");
    assert_eq!(out, "release \"web\" uninstalled\n");
    assert!(s.config_maps().await.is_empty());

    // A release that is gone: Helm's error, exit 1.
    let (ok, _, err) = helmctl(&server, &["rollback", "web", "-n", ns]);
    assert!(!ok);
    assert!(err.contains("release: not found"), "{err}");
}
