//! `helmd-bench render` end to end: the real binary over a bench chart.

use std::path::Path;
use std::process::Command;

fn chart(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../charts/bench")
        .join(name)
}

fn bench(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_helmd-bench"))
        .args(args)
        .output()
        .expect("helmd-bench runs")
}

#[test]
fn render_prints_one_json_object_with_timings_and_memory() {
    let path = chart("small-app");
    let out = bench(&[
        "render",
        path.to_str().expect("utf-8 path"),
        "--iterations",
        "3",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(report["chart"], "small-app");
    assert_eq!(report["iterations"], 3);
    assert_eq!(report["files"], 5);
    for key in ["load_ms_median", "render_ms_median", "render_ms_min"] {
        let ms = report[key].as_f64().expect("a number of milliseconds");
        assert!(ms >= 0.0, "{key} = {ms}");
    }
    assert!(report["render_ms_min"].as_f64() <= report["render_ms_median"].as_f64());
    assert_eq!(report["digest"].as_str().map(str::len), Some(64));
    assert!(report["rss_peak_kib"].as_u64().is_some_and(|k| k > 0));
}

#[test]
fn values_files_change_what_is_rendered() {
    let path = chart("small-app");
    let dir = tempfile::tempdir().expect("temp dir");
    let values = dir.path().join("more.yaml");
    std::fs::write(&values, "serviceAccount:\n  create: false\n").expect("write values");
    let out = bench(&[
        "render",
        path.to_str().expect("utf-8 path"),
        "-f",
        values.to_str().expect("utf-8 path"),
        "--iterations",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let plain = bench(&[
        "render",
        path.to_str().expect("utf-8 path"),
        "--iterations",
        "1",
    ]);
    let plain: serde_json::Value = serde_json::from_slice(&plain.stdout).expect("JSON");
    assert_ne!(report["digest"], plain["digest"]);
}

#[test]
fn set_is_refused_with_a_clear_message() {
    let path = chart("small-app");
    let out = bench(&["render", path.to_str().expect("utf-8 path"), "--set", "a=1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--set is not supported yet"), "{err}");
}

#[test]
fn a_missing_chart_fails_naming_it() {
    let out = bench(&["render", "/nonexistent/chart-dir.tgz", "--iterations", "1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/chart-dir.tgz"));
}
