//! The Sprig corpus (`tests/charts/sprig`) checked against Helm v4: every case
//! behaves in Helm as it says, and helmd renders every case byte for byte
//! like Helm. Set `HELMD_ORACLE_FILTER` to a substring of case names to run a subset.

use std::fmt::Write;

use helmd_oracle::{Case, Corpus, Expectation, Rendered, helm_render_batch};

fn load() -> Corpus {
    match Corpus::load_areas(&["sprig"]) {
        Ok(corpus) => corpus,
        Err(err) => panic!("corpus: {err}"),
    }
}

fn selected(corpus: &Corpus) -> Vec<Case> {
    let filter = std::env::var("HELMD_ORACLE_FILTER").unwrap_or_default();
    corpus
        .cases
        .iter()
        .filter(|c| c.name.contains(&filter))
        .cloned()
        .collect()
}

/// Why Helm's result breaks the case's own expectation, if it does.
fn corpus_problem(case: &Case, helm: &Rendered) -> Option<String> {
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

#[test]
fn every_sprig_corpus_case_behaves_in_helm_as_the_case_expects() {
    let corpus = load();
    let cases = selected(&corpus);
    assert!(!cases.is_empty(), "no cases selected");
    let results = helm_render_batch(&cases);
    let mut report = String::new();
    let mut failures = 0;
    for (case, helm) in cases.iter().zip(&results) {
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

#[test]
fn the_sprig_corpus_is_at_least_two_hundred_fifty_cases() {
    let corpus = load();
    assert!(
        corpus.cases.len() >= 250,
        "only {} cases",
        corpus.cases.len()
    );
}

/// Every enabled Sprig case rendered by helmd equals Helm's rendering byte for byte.
#[test]
fn helmd_renders_every_sprig_case_exactly_like_helm() {
    let corpus = load();
    let cases: Vec<Case> = selected(&corpus)
        .into_iter()
        .filter(helmd_oracle::is_enabled)
        .collect();
    helmd_oracle::assert_helmd_matches_helm(&cases);
}
