//! `helmctl`: finds helmd through `--server` / `HELMD_SERVER` and reports versions and health.

use std::process::Command;

use helmd_test_support::postgres::free_port;
use helmd_test_support::{Helmd, HelmdOptions, binaries};

fn helmctl(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let output = Command::new(binaries::binary("helmd-client", "helmctl").expect("helmctl binary"))
        .args(args)
        .env_remove("HELMD_SERVER")
        .envs(env.iter().copied())
        .output()
        .expect("run helmctl");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn version_reports_client_and_server_versions_and_health() {
    let helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    let addr = helmd.addr().to_string();
    let (ok, stdout, stderr) = helmctl(&["--server", &addr, "version"], &[]);
    assert!(ok, "{stderr}");
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        stdout,
        format!("Client: v{version}\nServer: v{version} ({addr})\nHealth: SERVING\n")
    );

    let (ok, stdout, _) = helmctl(&["version", "--output", "json"], &[("HELMD_SERVER", &addr)]);
    assert!(ok);
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(json["server"], version);
    assert_eq!(json["health"], "SERVING");
}

#[test]
fn version_against_no_server_fails_and_says_so() {
    let addr = format!("127.0.0.1:{}", free_port().expect("port"));
    let (ok, stdout, stderr) = helmctl(
        &["--server", &addr, "--connect-timeout", "2s", "version"],
        &[],
    );
    assert!(!ok);
    assert!(
        stdout.contains(&format!("Server: unreachable ({addr})")),
        "{stdout}"
    );
    assert!(stderr.contains("cannot connect to helmd"), "{stderr}");
}
