//! The Helm v4 oracle harness: renders charts with Helm through helm_python and diffs against helmd.
//!
//! - [`Case`]: a chart directory plus values documents and release options.
//! - [`Corpus`]: loads the team's spec files (`tests/charts/<area>/*.yaml`,
//!   many cases each, materialized as charts in a temp dir) and plain chart
//!   directories.
//! - [`helm_render_batch`]: renders cases with Helm v4 in one Python process
//!   (`helm_oracle.py`, the venv from `scripts/venv`).
//! - [`judge`] and [`unified_diff`]: compare Helm's result with helmd's;
//!   [`run_differential`] does it for a whole corpus and reports per file.
//!
//! What Helm does, case by case, is written up in `FINDINGS.md` next to this crate.

pub mod case;
pub mod corpus;
pub mod diff;
pub mod differential;
pub mod error;
pub mod lint;
pub mod oracle;
pub mod strvals;
pub mod template;

pub use case::{Case, Expectation};
pub use corpus::Corpus;
pub use diff::{files_diff, judge, unified_diff};
pub use differential::{
    Report, assert_helm_meets_expectations, assert_helmd_matches_helm, corpus_problem,
    render_with_helmd, run_differential,
};
pub use error::{Error, Result};
pub use oracle::{Rendered, helm_render_batch, try_helm_render_batch};

/// Features the differential test runs today; spec files `requires` others are Helm-checked only.
pub const ENABLED_FEATURES: &[&str] = &[
    "sprig",
    "sprig-crypto",
    "sprig-certificate-param",
    "gotmpl-uint32-and-slice-params",
];

/// Whether every feature `case` requires is enabled.
pub fn is_enabled(case: &Case) -> bool {
    case.requires
        .iter()
        .all(|r| ENABLED_FEATURES.contains(&r.as_str()))
}
