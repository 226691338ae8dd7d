//! Helm charts as helmd loads them: directories (with `.helmignore`) and packaged
//! `.tgz` archives (with Helm's path checks and our size limits), Chart.yaml as typed
//! metadata with Helm's validation, subcharts, dependency processing (conditions,
//! tags, aliases, import-values), values coalescing, `values.schema.json` and
//! `kubeVersion` checks.

mod archive;
mod chart;
mod coalesce;
mod deps;
mod error;
mod ignore;
mod kube_version;
mod metadata;
mod schema;
mod schema_cache;
mod show;
mod strvals;
mod values;

pub use archive::{ArchiveLimits, archive_top_dir, read_chart_archive};
pub use chart::{
    Chart, Crd, DirBudget, dangling_symlink, load_chart_archive, load_chart_dir, load_chart_files,
    load_chart_files_within, read_chart_dir,
};
pub use coalesce::{Table, coalesce_values, merge_tables};
pub use deps::{check_dependencies, missing_dependencies, process_dependencies};
pub use error::{Error, Result};
pub use ignore::IgnoreRules;
pub use kube_version::check_kube_version;
pub use metadata::{Dependency, Maintainer, Metadata};
pub use schema::{validate_against_schema, validate_values};
pub use show::{ShowPart, show_chart};
pub use strvals::{
    FileReader, ValueOptions, Values, merge_values, parse_set, parse_set_file, parse_set_json,
    parse_set_literal, parse_set_string,
};
pub use values::{merge_user_values, values_error};
