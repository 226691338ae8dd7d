//! RenderChart against hostile templates on the real helmd binary: values
//! grown without bound fail with the render memory limit (INVALID_ARGUMENT,
//! TEMPLATE_ERROR, the limit named), printf widths and precisions behave as
//! Go's fmt (BADWIDTH/BADPREC above 10⁶, linear padding); the server's peak
//! RSS stays bounded and its health stays SERVING.

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_test_support::{Helmd, HelmdOptions};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::common::{assert_error, client};

/// The engine's default render memory budget, as its error names it.
const LIMIT_TEXT: &str = "render memory limit of 536870912 bytes exceeded";

/// A chart named `limits` with one template (NOTES.txt: its output need not
/// be YAML).
fn chart(template: &str) -> Option<ChartReference> {
    let files = [
        (
            "Chart.yaml",
            "apiVersion: v2\nname: limits\nversion: 0.1.0\n",
        ),
        ("templates/NOTES.txt", template),
    ];
    let archive = crate::fixtures::pack("limits", files.iter().copied());
    Some(ChartReference {
        source: Some(chart_reference::Source::Uploaded(UploadedChart {
            archive: archive.into(),
        })),
    })
}

async fn render(c: &Client, template: &str) -> Result<RenderChartResponse, tonic::Status> {
    c.charts()
        .render_chart(RenderChartRequest {
            chart: chart(template),
            ..Default::default()
        })
        .await
        .map(tonic::Response::into_inner)
}

/// The rendered text of the only template.
fn rendered(response: &RenderChartResponse) -> String {
    response
        .files
        .iter()
        .map(|f| f.content.as_str())
        .collect::<Vec<_>>()
        .join("")
}

/// helmd's peak resident memory so far, in MiB (`VmHWM`).
fn peak_rss_mib(helmd: &Helmd) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", helmd.pid()))
        .expect("read /proc/<pid>/status");
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status");
    kib / 1024
}

async fn check_fails_with_the_memory_limit(c: &Client, template: &str) {
    let status = render(c, template)
        .await
        .expect_err("the render exceeds the memory limit");
    assert_error(&status, Code::InvalidArgument, "TEMPLATE_ERROR");
    assert!(
        status.message().contains(LIMIT_TEXT),
        "{template}: {:?}",
        status.message()
    );
}

#[tokio::test]
async fn templates_that_grow_values_without_bound_fail_with_the_memory_limit() {
    let helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    let c = client(&helmd).await.expect("client");
    let hostile = [
        // a string doubled 40 times (8 TiB)
        r#"{{ $s := "aaaaaaaa" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}"#,
        // a list holding itself twice, 40 levels deep, then printed
        r#"{{ $l := list "aaaaaaaa" }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ toJson $l | len }}"#,
        r#"{{ $l := list "aaaaaaaa" }}{{ range until 40 }}{{ $l = list $l $l }}{{ end }}{{ printf "%v" $l | len }}"#,
        r#"{{ repeat 2000000000 "abc" | len }}"#,
        r#"{{ indent 2000000000 "a" | len }}"#,
        r#"{{ until 2000000000 | len }}"#,
        r#"{{ $s := repeat 100000000 "a" }}{{ $s | replace "a" "bbbbbbbbbbbbbbbb" | len }}"#,
    ];
    for template in hostile {
        check_fails_with_the_memory_limit(&c, template).await;
    }
    let peak = peak_rss_mib(&helmd);
    eprintln!("helmd peaked at {peak} MiB over the hostile renders");
    assert!(peak < 1024, "helmd peaked at {peak} MiB");
    assert_eq!(
        helmd.health().await.expect("health"),
        ServingStatus::Serving
    );
    // what Helm renders without running out of memory still renders
    let ok = render(
        &c,
        r#"{{ until 17000000 | len }} {{ indent 1100000 "x" | len }}"#,
    )
    .await
    .expect("render");
    assert!(rendered(&ok).contains("17000000 1100001"), "{ok:?}");
}

#[tokio::test]
async fn printf_widths_and_precisions_above_a_million_are_refused_like_go() {
    let helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    let c = client(&helmd).await.expect("client");
    let cases = [
        (r#"{{ printf "%*d" 2000000000 1 }}"#, "%!(BADWIDTH)1"),
        (r#"{{ printf "%.*d" 2000000000 1 }}"#, "%!(BADPREC)1"),
        (r#"{{ printf "%-*d|" -2000000000 1 }}"#, "%!(BADWIDTH)1|"),
        (
            r#"{{ printf "%20000000d" 1 }}"#,
            "%!(NOVERB)%!(EXTRA int=1)",
        ),
        (r#"{{ printf "%.*d" 1000000 1 | len }}"#, "1000000"),
        (r#"{{ printf "%*d" 1000000 1 | len }}"#, "1000000"),
        (r#"{{ printf "%9999999d" 1 | len }}"#, "9999999"),
    ];
    for (template, want) in cases {
        let response = render(&c, template).await.expect("render");
        assert_eq!(rendered(&response).trim_end(), want, "{template}");
    }
    let peak = peak_rss_mib(&helmd);
    eprintln!("helmd peaked at {peak} MiB over the printf renders");
    assert!(peak < 256, "helmd peaked at {peak} MiB");
    assert_eq!(
        helmd.health().await.expect("health"),
        ServingStatus::Serving
    );
}
