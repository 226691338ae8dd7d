//! Benchmark of rendering a representative chart (helpers, a deployment per
//! component, config maps with toYaml, a tpl) — load excluded
//! (`cargo bench -p helmd-render`; set HELMD_BENCH_CHART to write the chart
//! to that directory for a side-by-side run with Helm).

use std::hint::black_box;
use std::time::Instant;

use helmd_render::{RenderOptions, load_chart_dir, render_chart};

mod bench_chart;

use bench_chart::write_chart;

fn main() {
    let tmp = tempfile::tempdir().ok();
    let dir = match std::env::var("HELMD_BENCH_CHART") {
        Ok(d) => std::path::PathBuf::from(d),
        Err(_) => match &tmp {
            Some(t) => t.path().join("bench"),
            None => return,
        },
    };
    if let Err(e) = write_chart(&dir) {
        println!("cannot write chart: {e}");
        return;
    }
    let Ok(chart) = load_chart_dir(&dir) else {
        println!("cannot load chart");
        return;
    };
    let opts = RenderOptions::default();
    match render_chart(&chart, &[], &opts) {
        Ok(out) => println!(
            "rendered {} files, {} bytes",
            out.len(),
            out.values().map(String::len).sum::<usize>()
        ),
        Err(e) => {
            println!("render failed: {e}");
            return;
        }
    }
    let mut times = Vec::new();
    for _ in 0..1000 {
        let start = Instant::now();
        black_box(render_chart(black_box(&chart), &[], &opts).ok());
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "render chart: median {:.3} ms, min {:.3} ms (1000 renders)",
        times[500], times[0]
    );
}
