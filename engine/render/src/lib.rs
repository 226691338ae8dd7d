//! Helm's rendering engine: loads a chart, coalesces values, and renders its
//! templates with Go text/template semantics and Helm's functions.
//!
//! Entry point: [`render_chart_dir`]. Templates are parsed once into one
//! [`helmd_gotmpl::Templates`] set, in Helm's order, and executed in Helm's
//! order; output is keyed `<chart>/templates/<file>` like Helm's. Rendering is
//! offline unless the caller passes a [`ClusterAccess`] (for `lookup`) or
//! enables DNS (for `getHostByName`) in [`RenderOptions`].

mod dns;
mod engine;
mod error;
mod errors;
mod files;
mod funcs;
mod host;
mod interrupt;
pub mod lint;
mod lookup;
pub mod manifest;
mod memory;
mod objects;
mod release_name;
mod sprig;
mod toml;

pub use dns::DNS_TIMEOUT;
pub use engine::{
    RenderOptions, enabled_crd_objects, funcs as helm_funcs, render_chart, render_chart_dir,
    render_chart_values,
};
pub use error::{Error, Result};
pub use helmd_chart::{
    ArchiveLimits, Chart, Crd, load_chart_archive, load_chart_dir, load_chart_files,
    merge_user_values, read_chart_archive,
};
pub use helmd_chart::{ShowPart, ValueOptions, Values, merge_values, read_chart_dir, show_chart};
pub use host::{ClusterAccess, LookupError, LookupRequest};
pub use interrupt::{Interrupt, Stopped};
pub use release_name::{MAX_RELEASE_NAME_LEN, validate_release_name};
