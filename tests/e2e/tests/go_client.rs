//! The Go client (`client/go`, stubs generated from proto/) against the real helmd:
//! typed calls render a chart, read ErrorInfo from a template error, and list
//! repositories and operations (`client/go/e2e`, run with `go test`).

use std::process::Command;

use helmd_test_support::Helmd;

#[tokio::test]
async fn the_go_client_renders_charts_and_lists_repositories_and_operations() {
    let helmd = Helmd::start(Default::default()).await.expect("helmd");
    let dir = helmd_test_support::binaries::workspace_root().join("client/go");
    let out = Command::new("go")
        .args(["test", "-count=1", "-v", "./e2e/"])
        .current_dir(&dir)
        .env("HELMD_ADDR", helmd.addr().to_string())
        .output()
        .expect("running go test (the machine needs Go)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "go test failed:\n{stdout}\n{stderr}");
    for test in [
        "TestRenderChartRendersAnUploadedChart",
        "TestRenderChartErrorsCarryErrorInfo",
        "TestRepositoriesAndOperationsAreListed",
    ] {
        assert!(
            stdout.contains(&format!("--- PASS: {test}")),
            "{test} did not pass:\n{stdout}"
        );
    }
}
