//! Helm charts as helmd loads them: directories and packaged `.tgz` archives
//! (with Helm's path checks and our size limits), Chart.yaml, values files and
//! values coalescing. Dependencies, `.helmignore`, schema validation and the
//! `--set` family land here too.

mod archive;
mod chart;
mod error;
mod strvals;
mod values;

pub use archive::{ArchiveLimits, read_chart_archive};
pub use chart::{Chart, load_chart_archive, load_chart_dir, load_chart_files};
pub use error::{Error, Result};
pub use strvals::{
    FileReader, ValueOptions, Values, merge_values, parse_set, parse_set_file, parse_set_json,
    parse_set_literal, parse_set_string,
};
pub use values::{coalesce, merge_user_values, values_error};
