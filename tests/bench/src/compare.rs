//! `helmd-bench compare`: each chart through helmd (`helmd-bench render` in a
//! child process) and through Helm v4 (`helm_bench.py` in the oracle's venv),
//! then one table of timings, their ratios and peak memory.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::CompareArgs;
use crate::measure::Report;

/// The repository root (this crate lives in `tests/bench`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs every chart through both engines and prints the table.
pub fn run(args: &CompareArgs) -> Result<()> {
    let charts = if args.charts.is_empty() {
        default_charts()?
    } else {
        args.charts.clone()
    };
    let python = match &args.python {
        Some(p) => p.clone(),
        None => venv_python()?,
    };
    let mut rows = Vec::new();
    for chart in &charts {
        let helmd = helmd_report(chart, args.iterations)?;
        let helm = helm_report(&python, chart, args.iterations)?;
        rows.push((helmd, helm));
    }
    print_table(&rows);
    Ok(())
}

/// Every chart directory under `tests/charts/bench`, by name.
fn default_charts() -> Result<Vec<PathBuf>> {
    let dir = repo_root().join("tests/charts/bench");
    let mut charts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Chart.yaml").is_file())
        .collect();
    charts.sort();
    Ok(charts)
}

/// The venv's Python, as `scripts/venv` prints it (creating the venv if needed).
fn venv_python() -> Result<PathBuf> {
    let out = Command::new(repo_root().join("scripts/venv"))
        .output()
        .context("running scripts/venv")?;
    if !out.status.success() {
        bail!(
            "scripts/venv failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(PathBuf::from(String::from_utf8(out.stdout)?.trim()))
}

fn helmd_report(chart: &Path, iterations: usize) -> Result<Report> {
    let exe = std::env::current_exe().context("finding helmd-bench itself")?;
    let mut cmd = Command::new(exe);
    cmd.arg("render")
        .arg(chart)
        .arg("--iterations")
        .arg(iterations.to_string());
    parse_report(cmd, "helmd-bench render")
}

fn helm_report(python: &Path, chart: &Path, iterations: usize) -> Result<Report> {
    let mut cmd = Command::new(python);
    cmd.arg(repo_root().join("tests/bench/helm_bench.py"))
        .arg(chart)
        .arg("--iterations")
        .arg(iterations.to_string());
    parse_report(cmd, "helm_bench.py")
}

fn parse_report(mut cmd: Command, what: &str) -> Result<Report> {
    let out = cmd.output().with_context(|| format!("running {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    serde_json::from_slice(&out.stdout).with_context(|| format!("reading {what}'s report"))
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
}

fn delta(r: &Report) -> Option<u64> {
    Some(r.rss_peak_kib?.saturating_sub(r.rss_start_kib?))
}

fn print_table(rows: &[(Report, Report)]) {
    println!(
        "| chart | files | same output | render ms helm / helmd (median) | ratio | render min helm / helmd | ratio | load ms helm / helmd | ratio | peak RSS MiB helm (Δ) / helmd (Δ) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (d, h) in rows {
        println!(
            "| {} | {} | {} | {:.3} / {:.3} | {:.1}x | {:.3} / {:.3} | {:.1}x | {:.3} / {:.3} | {:.1}x | {} ({}) / {} ({}) |",
            d.chart,
            d.files,
            if d.digest == h.digest { "yes" } else { "NO" },
            h.render_ms_median,
            d.render_ms_median,
            h.render_ms_median / d.render_ms_median,
            h.render_ms_min,
            d.render_ms_min,
            h.render_ms_min / d.render_ms_min,
            h.load_ms_median,
            d.load_ms_median,
            h.load_ms_median / d.load_ms_median,
            mib(h.rss_peak_kib),
            mib(delta(h)),
            mib(d.rss_peak_kib),
            mib(delta(d)),
        );
    }
    println!(
        "\nratio = Helm time / helmd time (above 1: helmd faster). RSS from /proc/self/status: \
         peak = VmHWM of the process; Δ = peak minus VmRSS at start (Helm: after importing \
         helm_python, i.e. with the Go runtime loaded; helmd: at process start)."
    );
}
