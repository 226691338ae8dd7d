//! `helmd-bench render`: loads a chart N times and renders it N times in this
//! process, timing each, and prints one JSON object.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use helmd_render::{
    ArchiveLimits, Chart, RenderOptions, load_chart_archive, load_chart_dir, render_chart,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::RenderArgs;
use crate::rss;

/// What `helmd-bench render` prints (and `compare` reads back).
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Report {
    /// The chart's name from Chart.yaml.
    pub chart: String,
    /// Timed loads and timed renders (each).
    pub iterations: usize,
    /// Median time of one chart load, in milliseconds.
    pub load_ms_median: f64,
    /// Median time of one render (load excluded), in milliseconds.
    pub render_ms_median: f64,
    /// Fastest render, in milliseconds.
    pub render_ms_min: f64,
    /// Files rendered (templates, NOTES.txt included).
    pub files: usize,
    /// Bytes rendered.
    pub bytes: usize,
    /// SHA-256 over every `path NUL text NUL` in path order: equal digests mean equal output.
    pub digest: String,
    /// Resident memory at start, KiB (`VmRSS`).
    pub rss_start_kib: Option<u64>,
    /// Peak resident memory of the whole run, KiB (`VmHWM`).
    pub rss_peak_kib: Option<u64>,
}

/// Runs the benchmark and prints the report as one JSON line.
pub fn run(args: &RenderArgs) -> Result<()> {
    if !args.set.is_empty() {
        bail!("--set is not supported yet: helmd has no --set parser; use -f FILE");
    }
    if args.iterations == 0 {
        bail!("--iterations must be at least 1");
    }
    let report = bench(&args.chart, &args.values, args.iterations)?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

fn bench(chart_path: &Path, value_files: &[std::path::PathBuf], n: usize) -> Result<Report> {
    let rss_start_kib = rss::current_kib();
    let values = value_files
        .iter()
        .map(|p| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display())))
        .collect::<Result<Vec<String>>>()?;
    let mut loads = Vec::with_capacity(n);
    let mut chart = None;
    for _ in 0..n {
        let start = Instant::now();
        let loaded = load(chart_path)?;
        loads.push(ms(start));
        chart = Some(black_box(loaded));
    }
    let chart = chart.context("no chart loaded")?;
    let opts = RenderOptions::default();
    let mut renders = Vec::with_capacity(n);
    let mut last = BTreeMap::new();
    for _ in 0..n {
        let start = Instant::now();
        let out = render_chart(black_box(&chart), &values, &opts)
            .with_context(|| format!("rendering {}", chart_path.display()))?;
        renders.push(ms(start));
        last = black_box(out);
    }
    let name = chart.name().to_string();
    Ok(Report {
        chart: name,
        iterations: n,
        load_ms_median: median(&mut loads),
        render_ms_median: median(&mut renders),
        render_ms_min: renders.iter().copied().fold(f64::INFINITY, f64::min),
        files: last.len(),
        bytes: last.values().map(String::len).sum(),
        digest: digest(&last),
        rss_start_kib,
        rss_peak_kib: rss::peak_kib(),
    })
}

fn load(path: &Path) -> Result<Chart> {
    if path.is_dir() {
        return load_chart_dir(path).with_context(|| format!("loading {}", path.display()));
    }
    let archive = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    load_chart_archive(&archive, ArchiveLimits::default())
        .with_context(|| format!("loading {}", path.display()))
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1e3
}

/// The median (upper middle for even counts).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// SHA-256 of `path NUL text NUL` for every rendered file in path order.
pub fn digest(files: &BTreeMap<String, String>) -> String {
    let mut h = Sha256::new();
    for (path, text) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
