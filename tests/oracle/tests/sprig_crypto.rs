//! Sprig's crypto corpus (`tests/charts/sprig_crypto`): the deterministic
//! functions (hashes, derivePassword, decryptAES of fixed ciphertexts,
//! certificates rebuilt from fixed PEM) and the error texts, rendered by
//! helmd and by Helm v4 and compared byte for byte. Set
//! `HELMD_ORACLE_FILTER` to a substring of case names to run a subset.

use helmd_oracle::{Case, Corpus, Rendered, helm_render_batch, run_differential};

/// The corpus (it owns the materialized chart directories) and the selected cases.
fn selected() -> (Corpus, Vec<Case>) {
    let corpus = match Corpus::load_areas(&["sprig_crypto"]) {
        Ok(corpus) => corpus,
        Err(err) => panic!("corpus: {err}"),
    };
    let filter = std::env::var("HELMD_ORACLE_FILTER").unwrap_or_default();
    let cases = corpus
        .cases
        .iter()
        .filter(|c| c.name.contains(&filter))
        .filter(|c| helmd_oracle::is_enabled(c))
        .cloned()
        .collect();
    (corpus, cases)
}

/// Every sprig_crypto case rendered by helmd equals Helm's rendering byte for byte.
#[test]
fn helmd_renders_every_sprig_crypto_case_exactly_like_helm() {
    let (_corpus, cases) = selected();
    assert!(!cases.is_empty(), "no cases selected");
    let helm = helm_render_batch(&cases);
    let report = run_differential(&cases, &helm, check);
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

/// The one place that calls helmd's renderer.
fn check(case: &Case) -> Rendered {
    let opts = helmd_render::RenderOptions {
        release_name: case.release_name.clone(),
        namespace: case.namespace.clone(),
        revision: case.revision,
        is_install: case.is_install,
        is_upgrade: case.is_upgrade,
        kube_version: case.kube_version.clone(),
        api_versions: case.api_versions.clone(),
    };
    helmd_render::render_chart_dir(&case.chart_dir, &case.values_yaml, &opts)
        .map_err(|e| e.to_string())
}
