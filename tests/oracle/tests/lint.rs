//! `helm lint` checked against Helm v4 itself: every case of
//! `tests/charts/lint/cases.yaml` is linted by helmd and by Helm (helm_python)
//! and must find the same things — severity, path, message, order — and
//! pass or fail alike.

use helmd_oracle::lint::{helm_lint_batch, helmd_lint, lint_cases};
use helmd_oracle::unified_diff;

#[test]
fn every_lint_case_finds_what_helm_finds() {
    let cases = lint_cases().expect("lint cases");
    assert!(cases.len() >= 25, "only {} lint cases", cases.len());
    let helm = helm_lint_batch(&cases).expect("helm lint");
    let mut failures = Vec::new();
    for (case, expected) in cases.iter().zip(&helm) {
        let got = helmd_lint(case);
        if &got != expected {
            failures.push(format!(
                "case {}:\n{}",
                case.name(),
                unified_diff(expected, &got, case.name())
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} lint cases differ from Helm:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_lint_corpus_covers_failing_and_passing_charts() {
    let cases = lint_cases().expect("lint cases");
    let texts: Vec<String> = cases.iter().map(helmd_lint).collect();
    assert!(texts.iter().any(|t| t.ends_with("(passed)\n")));
    assert!(texts.iter().any(|t| t.contains("(failed)\n")));
    assert!(cases.iter().any(|c| c.with_subcharts));
    assert!(cases.iter().any(|c| c.strict));
}
