//! A third-party client (Python grpcio-reflection, the way grpcurl works) discovers and
//! calls helmd through server reflection alone.

use std::path::PathBuf;
use std::process::Command;

use helmd_test_support::binaries::workspace_root;
use helmd_test_support::{Helmd, HelmdOptions};

fn python() -> String {
    let output = Command::new(workspace_root().join("scripts/venv"))
        .output()
        .expect("scripts/venv");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

fn client(addr: &str, args: &[&str]) -> (i32, String) {
    let script: PathBuf = workspace_root().join("tests/e2e/python/reflect_client.py");
    let output = Command::new(python())
        .arg(script)
        .arg(addr)
        .args(args)
        .output()
        .expect("python");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.trim().is_empty() || output.status.code() == Some(3),
        "client failed: {stderr}"
    );
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[tokio::test]
async fn a_reflection_client_lists_describes_and_calls_helmd() {
    let helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    let addr = helmd.addr().to_string();

    let (_, services) = client(&addr, &["list"]);
    for service in [
        "grpc.health.v1.Health",
        "helmd.v1.ChartService",
        "helmd.v1.OperationService",
        "helmd.v1.ReleaseService",
        "helmd.v1.RepositoryService",
    ] {
        assert!(
            services.lines().any(|l| l == service),
            "{service} missing from:\n{services}"
        );
    }

    let (_, described) = client(
        &addr,
        &["describe", "helmd.v1.ReleaseService.InstallRelease"],
    );
    let described: serde_json::Value = serde_json::from_str(&described).expect("json");
    assert_eq!(described["input"], "helmd.v1.InstallReleaseRequest");
    assert_eq!(described["output"], "helmd.v1.OperationEvent");
    let fields = described["input_fields"].as_array().expect("fields");
    for field in ["namespace", "name", "chart", "values", "request_id"] {
        assert!(fields.iter().any(|f| f == field), "{field} missing");
    }

    let (code, health) = client(&addr, &["call", "/grpc.health.v1.Health/Check", "{}"]);
    assert_eq!(code, 0);
    let health: serde_json::Value = serde_json::from_str(&health).expect("json");
    assert_eq!(health["status"], "SERVING");

    let (code, unbuilt) = client(
        &addr,
        &["call", "/helmd.v1.OperationService/CancelOperation", "{}"],
    );
    assert_eq!(code, 3);
    assert!(
        unbuilt.starts_with("ERROR UNIMPLEMENTED NOT_IMPLEMENTED"),
        "{unbuilt}"
    );
}

#[tokio::test]
async fn reflection_v1_lists_every_service_too() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    let mut client = ServerReflectionClient::new(helmd.channel().await.expect("channel"));
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = client
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .expect("reflection v1")
        .into_inner();
    let response = responses
        .message()
        .await
        .expect("answer")
        .expect("one response");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer: {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for service in [
        "grpc.health.v1.Health",
        "helmd.v1.ReleaseService",
        "helmd.v1.ServerService",
    ] {
        assert!(
            names.iter().any(|n| n == service),
            "{service} missing from {names:?}"
        );
    }
}

/// Runs the real grpcurl (v1.9.4, from the Go module proxy): `grpcurl -plaintext
/// <flags> <addr> <args>`.
fn grpcurl(addr: &str, flags: &[&str], args: &[&str]) -> (i32, String, String) {
    let grpcurl = helmd_test_support::binaries::go_tool("grpcurl").expect("grpcurl");
    let output = Command::new(grpcurl)
        .arg("-plaintext")
        .args(flags)
        .arg(addr)
        .args(args)
        .output()
        .expect("grpcurl");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn grpcurl_lists_describes_and_calls_helmd_through_reflection() {
    let helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    let addr = helmd.addr().to_string();

    let (code, services, stderr) = grpcurl(&addr, &[], &["list"]);
    assert_eq!(code, 0, "{stderr}");
    for service in [
        "grpc.health.v1.Health",
        "helmd.v1.ChartService",
        "helmd.v1.ReleaseService",
        "helmd.v1.ServerService",
    ] {
        assert!(
            services.lines().any(|l| l == service),
            "{service} missing from:\n{services}"
        );
    }

    let (code, described, stderr) = grpcurl(
        &addr,
        &[],
        &["describe", "helmd.v1.ReleaseService.InstallRelease"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        described.contains(
            "rpc InstallRelease ( .helmd.v1.InstallReleaseRequest ) returns ( stream .helmd.v1.OperationEvent );"
        ),
        "{described}"
    );

    let (code, health, stderr) = grpcurl(&addr, &["-d", "{}"], &["grpc.health.v1.Health/Check"]);
    assert_eq!(code, 0, "{stderr}");
    let health: serde_json::Value = serde_json::from_str(&health).expect("json");
    assert_eq!(health["status"], "SERVING");

    // grpcurl exits with 64 + the status code and prints code and message.
    let (code, _, stderr) = grpcurl(
        &addr,
        &["-d", "{}"],
        &["helmd.v1.OperationService/CancelOperation"],
    );
    assert_eq!(code, 64 + 12, "{stderr}");
    assert!(stderr.contains("Code: Unimplemented"), "{stderr}");
}
