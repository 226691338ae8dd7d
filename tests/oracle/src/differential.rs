//! The differential run: every case rendered by helmd and judged against Helm's result.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::case::Case;
use crate::diff::judge;
use crate::oracle::Rendered;

/// Lines of one case's report kept in the failure text (diffs can be long).
const MAX_REPORT_LINES: usize = 80;

/// The outcome of a differential run over many cases.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases judged.
    pub total: usize,
    /// `(case name, why it differs)` for every case that does not agree.
    pub failures: Vec<(String, String)>,
    /// Per corpus file (the case name up to its last `/`): `(passed, total)`.
    pub per_group: BTreeMap<String, (usize, usize)>,
}

impl Report {
    /// Cases that agree with Helm.
    pub fn passed(&self) -> usize {
        self.total - self.failures.len()
    }

    /// One line per group: `group: passed/total`.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for (group, (passed, total)) in &self.per_group {
            let _ = writeln!(out, "{group}: {passed}/{total}");
        }
        let _ = writeln!(out, "all: {}/{}", self.passed(), self.total);
        out
    }

    /// Every failure with its (truncated) diff or error comparison.
    pub fn details(&self) -> String {
        let mut out = String::new();
        for (name, why) in &self.failures {
            let _ = writeln!(out, "== {name}");
            let lines: Vec<&str> = why.lines().collect();
            for line in lines.iter().take(MAX_REPORT_LINES) {
                let _ = writeln!(out, "{line}");
            }
            if lines.len() > MAX_REPORT_LINES {
                let _ = writeln!(out, "... {} more lines", lines.len() - MAX_REPORT_LINES);
            }
        }
        out
    }
}

/// Renders each case with `helmd` (a panic counts as an error naming it) and
/// judges it against Helm's result for the same case (`helm[i]` for `cases[i]`).
pub fn run_differential(
    cases: &[Case],
    helm: &[Rendered],
    helmd: impl Fn(&Case) -> Rendered,
) -> Report {
    let mut report = Report::default();
    for (case, helm) in cases.iter().zip(helm) {
        let got = catch_unwind(AssertUnwindSafe(|| helmd(case))).unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(format!("helmd panicked: {message}"))
        });
        let group = case
            .name
            .rsplit_once('/')
            .map_or(case.name.as_str(), |(group, _)| group)
            .to_owned();
        let entry = report.per_group.entry(group).or_default();
        entry.1 += 1;
        report.total += 1;
        match judge(case, helm, &got) {
            None => entry.0 += 1,
            Some(why) => report.failures.push((case.name.clone(), why)),
        }
    }
    report
}

/// Renders `case` with helmd's engine: the one place corpus tests call it.
pub fn render_with_helmd(case: &Case) -> Rendered {
    let opts = helmd_render::RenderOptions {
        release_name: case.release_name.clone(),
        namespace: case.namespace.clone(),
        revision: case.revision,
        is_install: case.is_install,
        is_upgrade: case.is_upgrade,
        kube_version: case.kube_version.clone(),
        api_versions: case.api_versions.clone(),
        ..Default::default()
    };
    helmd_render::render_chart_dir(&case.chart_dir, &case.values_yaml, &opts)
        .map_err(|e| e.to_string())
}

/// Renders `cases` with Helm and with helmd and panics with a per-file summary and
/// the diffs unless every case agrees byte for byte.
pub fn assert_helmd_matches_helm(cases: &[Case]) {
    let helm = crate::oracle::helm_render_batch(cases);
    let report = run_differential(cases, &helm, render_with_helmd);
    eprintln!("{}", report.summary());
    assert!(
        report.failures.is_empty(),
        "{} of {} cases differ from Helm\n{}\n{}",
        report.failures.len(),
        report.total,
        report.summary(),
        report.details()
    );
}

/// Why Helm's result breaks the case's own expectation, if it does.
pub fn corpus_problem(case: &Case, helm: &Rendered) -> Option<String> {
    use crate::case::Expectation;
    match (&case.expect, helm) {
        (Expectation::Match, Ok(_)) => None,
        (Expectation::Match, Err(err)) => Some(format!("expected to render, Helm failed: {err}")),
        (Expectation::BothFail { .. }, Ok(files)) => {
            Some(format!("expected an error, Helm rendered: {files:?}"))
        }
        (Expectation::BothFail { message_contains }, Err(err)) => match message_contains {
            Some(needle) if !err.contains(needle.as_str()) => {
                Some(format!("Helm's error lacks {needle:?}: {err}"))
            }
            _ => None,
        },
    }
}

/// Panics listing every case whose Helm result (`helm[i]` for `cases[i]`)
/// breaks the case's own expectation.
pub fn assert_helm_meets_expectations(cases: &[Case], helm: &[Rendered]) {
    let mut report = String::new();
    let mut failures = 0;
    for (case, helm) in cases.iter().zip(helm) {
        if let Some(problem) = corpus_problem(case, helm) {
            failures += 1;
            let _ = writeln!(report, "== {}: {problem}", case.name);
        }
    }
    assert!(
        failures == 0,
        "{failures} of {} corpus cases are wrong about Helm:\n{report}",
        cases.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(text: &str) -> Rendered {
        Ok(BTreeMap::from([(
            "c/templates/a.yaml".to_owned(),
            text.to_owned(),
        )]))
    }

    #[test]
    fn a_panicking_renderer_fails_only_its_case() {
        let cases = vec![Case::new("g/ok", "/x"), Case::new("g/boom", "/y")];
        let helm = vec![files("a\n"), files("b\n")];
        let report = run_differential(&cases, &helm, |case| {
            if case.name.ends_with("boom") {
                panic!("kaboom");
            }
            files("a\n")
        });
        assert_eq!(report.passed(), 1);
        assert_eq!(report.failures.len(), 1);
        assert!(report.failures[0].1.contains("helmd panicked: kaboom"));
        assert_eq!(report.summary(), "g: 1/2\nall: 1/2\n");
    }
}
