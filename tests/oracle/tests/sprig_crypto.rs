//! Sprig's crypto corpus (`tests/charts/sprig_crypto`): the deterministic
//! functions (hashes, derivePassword, decryptAES of fixed ciphertexts,
//! certificates rebuilt from fixed PEM) and the error texts, rendered by
//! helmd and by Helm v4 and compared byte for byte. Set
//! `HELMD_ORACLE_FILTER` to a substring of case names to run a subset.

use helmd_oracle::{Case, Corpus};

/// The corpus (it owns the materialized chart directories) and the selected cases.
fn selected() -> (Corpus, Vec<Case>) {
    let corpus = match Corpus::load_areas(&["sprig_crypto"]) {
        Ok(corpus) => corpus,
        Err(err) => panic!("corpus: {err}"),
    };
    let cases = corpus
        .selected()
        .into_iter()
        .filter(helmd_oracle::is_enabled)
        .collect();
    (corpus, cases)
}

/// Every sprig_crypto case rendered by helmd equals Helm's rendering byte for byte.
#[test]
fn helmd_renders_every_sprig_crypto_case_exactly_like_helm() {
    let (_corpus, cases) = selected();
    assert!(!cases.is_empty(), "no cases selected");
    helmd_oracle::assert_helmd_matches_helm(&cases);
}
