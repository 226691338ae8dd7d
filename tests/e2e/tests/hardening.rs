//! One request must not take helmd down: server-wide request and memory limits,
//! renders stopped at their time limit or when their caller goes away, error texts cut
//! to what gRPC clients can receive; and helmctl's local chart reading bounded like an
//! archive's. Each test uses the real helmd (or helmctl) binary.

use std::time::{Duration, Instant};

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_test_support::{Helmd, HelmdOptions};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_types::StatusExt;

use crate::common::{assert_error, client};
use crate::fixtures::{Helmctl, pack, write_files};

/// A template that runs for hours: 10^12 loop steps over one small list, so it
/// allocates (and charges the render's memory budget) almost nothing.
const SPIN: &str = "{{ $l := until 1000 }}{{ range $l }}{{ range $l }}{{ range $l }}\
    {{ range $l }}{{ end }}{{ end }}{{ end }}{{ end }}";

/// The longest any wait here may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(60);

fn chart(template: &str) -> Option<ChartReference> {
    let archive = pack(
        "demo",
        [
            ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
            ("templates/t.yaml", template),
        ],
    );
    Some(ChartReference {
        source: Some(chart_reference::Source::Uploaded(UploadedChart {
            archive: archive.into(),
        })),
    })
}

fn render_request(template: &str) -> RenderChartRequest {
    RenderChartRequest {
        chart: chart(template),
        ..Default::default()
    }
}

async fn start(args: &[&str]) -> Helmd {
    Helmd::start(HelmdOptions {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        ..Default::default()
    })
    .await
    .expect("helmd starts")
}

/// RenderChart with the caller's deadline (sent as `grpc-timeout`).
async fn render(
    c: &Client,
    req: RenderChartRequest,
    deadline: Option<Duration>,
) -> Result<RenderChartResponse, tonic::Status> {
    let mut request = tonic::Request::new(req);
    if let Some(deadline) = deadline {
        request.set_timeout(deadline);
    }
    c.charts()
        .render_chart(request)
        .await
        .map(tonic::Response::into_inner)
}

async fn assert_serving(helmd: &Helmd) {
    assert_eq!(
        helmd.health().await.expect("health answers"),
        ServingStatus::Serving
    );
}

/// Polls `check` until it yields a value, failing with `what` after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < PATIENCE, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until helmd's log holds `count` lines containing `needle`.
async fn wait_for_log(helmd: &Helmd, needle: &str, count: usize) {
    let what = format!("helmd never logged {count}× {needle:?}");
    eventually(&what, || async {
        (helmd.log().matches(needle).count() >= count).then_some(())
    })
    .await;
}

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn a_render_past_the_render_time_limit_fails_with_deadline_exceeded_naming_it() {
    let helmd = start(&["--render-timeout", "1s"]).await;
    let c = client(&helmd).await.expect("client");
    let status = render(&c, render_request(SPIN), None)
        .await
        .expect_err("a render past its time limit fails");
    assert_error(&status, Code::DeadlineExceeded, "LIMIT_EXCEEDED");
    let info = status.get_details_error_info().expect("error info");
    assert_eq!(info.metadata["limit"], "render-timeout");
    assert!(status.message().contains("time limit of 1s"), "{status:?}");
    let ok = render(&c, render_request("a: {{ 1 }}\n"), None)
        .await
        .expect("a quick render still works");
    assert_eq!(ok.files.len(), 1);
    assert_serving(&helmd).await;
}

#[tokio::test]
async fn renders_abandoned_by_their_callers_stop_and_free_the_cpu() {
    // Nine callers give up after a second; the server's own limit is far away.
    let helmd = start(&["--render-timeout", "1h", "--max-concurrent-renders", "9"]).await;
    let c = client(&helmd).await.expect("client");
    let calls = (0..9).map(|_| render(&c, render_request(SPIN), Some(Duration::from_secs(1))));
    for result in futures::future::join_all(calls).await {
        let status = result.expect_err("the caller's deadline passes");
        // Whichever side notices first: the server's deadline or the client's timer.
        assert!(
            matches!(status.code(), Code::DeadlineExceeded | Code::Cancelled),
            "{status:?}"
        );
    }
    // Each render notices at its next check and ends its thread.
    wait_for_log(
        &helmd,
        "render stopped: its caller cancelled it or went away",
        9,
    )
    .await;
    assert_serving(&helmd).await;
}

#[tokio::test]
async fn a_full_server_refuses_more_requests_with_resource_exhausted_and_retry_info() {
    let helmd = start(&["--max-concurrent-requests", "1", "--render-timeout", "1h"]).await;
    // The slow render holds the only slot, on its own connection.
    let slow_client = client(&helmd).await.expect("client");
    let slow = tokio::spawn(async move {
        // A probe below may hold the slot when this arrives: try again until admitted.
        eventually("the slow render was never admitted", || async {
            let request = render_request(SPIN);
            match render(&slow_client, request, Some(Duration::from_secs(120))).await {
                Err(status) if status.code() == Code::ResourceExhausted => None,
                result => Some(result),
            }
        })
        .await
    });
    // Every other connection is refused at once while it runs.
    let refused = eventually("never refused", || async {
        let other = client(&helmd).await.expect("client");
        match render(&other, render_request("a: 1\n"), None).await {
            Err(status) if status.code() == Code::ResourceExhausted => Some(status),
            _ => None,
        }
    })
    .await;
    assert_error(&refused, Code::ResourceExhausted, "LIMIT_EXCEEDED");
    let info = refused.get_details_error_info().expect("error info");
    assert_eq!(info.metadata["limit"], "max-concurrent-requests");
    let retry = refused.get_details_retry_info().expect("retry info");
    assert!(retry.retry_delay.is_some_and(|d| d > Duration::ZERO));
    // Health is not counted against the limit.
    assert_serving(&helmd).await;
    // Once the slow request is gone, the slot is free again.
    slow.abort();
    let _ = slow.await;
    let c = client(&helmd).await.expect("client");
    eventually("slot never freed", || async {
        match render(&c, render_request("a: 1\n"), None).await {
            Ok(_) => Some(()),
            Err(status) => {
                assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                None
            }
        }
    })
    .await;
}

#[tokio::test]
async fn request_bytes_past_the_server_wide_budget_are_refused_and_given_back() {
    let helmd = start(&[
        "--max-request-memory",
        "1048576",
        "--max-message-bytes",
        "8388608",
    ])
    .await;
    let c = client(&helmd).await.expect("client");
    let big = RenderChartRequest {
        values: Some(Values {
            yaml_documents: vec![format!("blob: {}\n", "x".repeat(2 * 1024 * 1024))],
            ..Default::default()
        }),
        ..render_request("a: {{ len .Values.blob }}\n")
    };
    let status = render(&c, big, None).await.expect_err("over the budget");
    assert_error(&status, Code::ResourceExhausted, "LIMIT_EXCEEDED");
    let info = status.get_details_error_info().expect("error info");
    assert_eq!(info.metadata["limit"], "max-request-memory");
    // What the refused request held went back: a request within the budget works,
    // twice in a row.
    for _ in 0..2 {
        let small = RenderChartRequest {
            values: Some(Values {
                yaml_documents: vec![format!("blob: {}\n", "x".repeat(512 * 1024))],
                ..Default::default()
            }),
            ..render_request("a: {{ len .Values.blob }}\n")
        };
        let ok = render(&c, small, None).await.expect("within the budget");
        assert!(ok.manifest.contains("a: 524288"), "{}", ok.manifest);
    }
    assert_serving(&helmd).await;
}

#[tokio::test]
async fn huge_error_texts_are_cut_to_what_grpc_clients_can_receive() {
    let helmd = start(&[]).await;
    let c = client(&helmd).await.expect("client");
    for template in [
        "{{ fail (repeat 20000000 \"x\") }}",
        "{{ define \"loop\" }}{{ include \"loop\" . }}{{ end }}{{ include \"loop\" . }}",
    ] {
        let status = render(&c, render_request(template), None)
            .await
            .expect_err("template error");
        assert_error(&status, Code::InvalidArgument, "TEMPLATE_ERROR");
        assert!(
            status.message().len() <= 2048,
            "{} bytes",
            status.message().len()
        );
        assert!(
            status.message().contains("bytes cut"),
            "{}",
            status.message()
        );
        assert!(
            status.message().contains("demo/templates/t.yaml"),
            "{}",
            status.message()
        );
    }
    let (_, peak_kib) = helmd.memory_kib().expect("memory");
    assert!(peak_kib * 1024 < 1024 * MIB, "peak {peak_kib} KiB");
    assert_serving(&helmd).await;
}

/// helmctl's peak RSS over every child this test process has waited for.
fn children_peak_rss_bytes() -> u64 {
    let usage = nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
        .expect("getrusage");
    u64::try_from(usage.max_rss()).unwrap_or(0) * 1024
}

#[tokio::test]
async fn helmctl_refuses_fifos_and_device_links_in_a_chart_directory() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("demo");
    write_files(
        &chart,
        &[
            ("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"),
            ("templates/cm.yaml", "a: 1\n"),
        ],
    );
    let fifo = chart.join("files-fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
    let helmctl = Helmctl::new();
    for command in [&["template", "x"][..], &["show", "chart"][..]] {
        let mut args = command.to_vec();
        let path = chart.display().to_string();
        args.push(&path);
        let (ok, _, stderr) = helmctl.run(&args, None);
        assert!(!ok);
        assert!(
            stderr.contains("cannot load irregular file") && stderr.contains("files-fifo"),
            "{stderr}"
        );
    }
    std::fs::remove_file(&fifo).expect("rm fifo");
    std::os::unix::fs::symlink("/dev/zero", chart.join("zero")).expect("symlink");
    let (ok, _, stderr) = helmctl.run(&["template", "x", &chart.display().to_string()], None);
    assert!(!ok);
    assert!(stderr.contains("cannot load irregular file"), "{stderr}");
    assert!(children_peak_rss_bytes() < 256 * MIB);
}

#[tokio::test]
async fn helmctl_reads_chart_directories_within_archive_limits() {
    let dir = tempfile::tempdir().expect("dir");
    // No Chart.yaml: refused before the 3 GB file is read.
    let not_a_chart = dir.path().join("junk");
    std::fs::create_dir_all(&not_a_chart).expect("mkdir");
    std::fs::File::create(not_a_chart.join("huge.bin"))
        .and_then(|f| f.set_len(3 * 1024 * MIB))
        .expect("sparse file");
    let helmctl = Helmctl::new();
    let (ok, _, stderr) = helmctl.run(&["template", "x", &not_a_chart.display().to_string()], None);
    assert!(!ok);
    assert!(stderr.contains("Chart.yaml file is missing"), "{stderr}");
    // A chart with a file over Helm's 5 MiB per-file limit.
    let chart = dir.path().join("demo");
    write_files(
        &chart,
        &[("Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n")],
    );
    std::fs::File::create(chart.join("huge.bin"))
        .and_then(|f| f.set_len(3 * 1024 * MIB))
        .expect("sparse file");
    let (ok, _, stderr) = helmctl.run(&["template", "x", &chart.display().to_string()], None);
    assert!(!ok);
    assert!(
        stderr.contains("chart file \"huge.bin\" is larger than the maximum file size 5242880"),
        "{stderr}"
    );
    assert!(children_peak_rss_bytes() < 256 * MIB);
}

#[tokio::test]
async fn helmctl_repo_add_refuses_names_that_are_paths() {
    let helmctl = Helmctl::new();
    let (ok, _, stderr) = helmctl.run(&["repo", "add", "../../../x", "http://127.0.0.1:9/"], None);
    assert!(!ok);
    assert!(
        stderr.contains(
            "repository name (../../../x) contains '/', please specify a different name without '/'"
        ),
        "{stderr}"
    );
    assert!(!helmctl.home().join("../../x-charts.json").exists());
    assert!(!helmctl.home().join("repositories.json").exists());
}
