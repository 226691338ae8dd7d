//! Shared by the dependency differential tests: render a case with helmd, build
//! cases over chart directories, and judge them against Helm (messages included).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use helmd_oracle::{Case, Expectation, Rendered, helm_render_batch, run_differential};
use helmd_render::{RenderOptions, load_chart_dir, render_chart};

pub fn deps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/charts/deps")
}

pub fn helmd(case: &Case) -> Rendered {
    let opts = RenderOptions {
        release_name: case.release_name.clone(),
        namespace: case.namespace.clone(),
        kube_version: case.kube_version.clone(),
        ..RenderOptions::default()
    };
    let chart = load_chart_dir(&case.chart_dir).map_err(|e| e.to_string())?;
    render_chart(&chart, &case.values_yaml, &opts).map_err(|e| e.to_string())
}

/// A case over `dir` with values documents; `fails` expects both to fail alike.
pub fn case(dir: &Path, variant: &str, values: &[&str], fails: bool) -> Case {
    let chart = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut c = Case::new(format!("deps/{}:{variant}", chart.unwrap_or_default()), dir);
    c.values_yaml = values.iter().map(|v| v.to_string()).collect();
    if fails {
        c.expect = Expectation::BothFail {
            message_contains: None,
        };
    }
    c
}

/// Judges every case against Helm; error messages must be equal too.
pub fn check(cases: &[Case]) {
    let helm = helm_render_batch(cases);
    let report = run_differential(cases, &helm, helmd);
    let mut problems = report.details();
    for (c, h) in cases.iter().zip(&helm) {
        if let (Err(theirs), Err(ours)) = (h, helmd(c)) {
            // Helm's validator reports schema violations in map order: compare line sets.
            let lines = |s: &str| {
                let mut l: Vec<String> = s.trim_end().lines().map(str::to_owned).collect();
                l.sort();
                l
            };
            if lines(theirs) != lines(&ours) {
                problems.push_str(&format!(
                    "== {}: messages differ\nhelm:  {theirs}\nhelmd: {ours}\n",
                    c.name
                ));
            }
        }
    }
    eprintln!("{}", report.summary());
    assert!(problems.is_empty(), "{problems}\n{}", report.summary());
}

pub fn chart(name: &str) -> PathBuf {
    deps_dir().join(name)
}

/// Writes `files` (path, text) as a chart directory under `root/name`.
pub fn scratch(root: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = root.join(name);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}
