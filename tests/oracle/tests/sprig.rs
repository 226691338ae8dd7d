//! The Sprig corpus (`tests/charts/sprig`) checked against Helm v4: every case
//! behaves in Helm as it says, and helmd renders every case byte for byte
//! like Helm. Set `HELMD_ORACLE_FILTER` to a substring of case names to run a subset.

use helmd_oracle::{Case, Corpus, helm_render_batch};

fn load() -> Corpus {
    match Corpus::load_areas(&["sprig"]) {
        Ok(corpus) => corpus,
        Err(err) => panic!("corpus: {err}"),
    }
}

#[test]
fn every_sprig_corpus_case_behaves_in_helm_as_the_case_expects() {
    let corpus = load();
    let cases = corpus.selected();
    assert!(!cases.is_empty(), "no cases selected");
    let results = helm_render_batch(&cases);
    helmd_oracle::assert_helm_meets_expectations(&cases, &results);
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
    let cases: Vec<Case> = corpus
        .selected()
        .into_iter()
        .filter(helmd_oracle::is_enabled)
        .collect();
    helmd_oracle::assert_helmd_matches_helm(&cases);
}
