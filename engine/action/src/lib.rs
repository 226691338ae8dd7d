//! Helm's actions over a cluster (`helmd-kube`) and a release store
//! (`helmd-release`): install, upgrade, rollback and uninstall, one module each,
//! each an options struct and `run`. Deciding is kept apart from doing
//! (`decide.rs`); progress goes out as [`Event`]s.

mod apply_method;
mod chart_record;
mod common;
mod decide;
mod duration;
mod error;
mod events;
mod hooks;
mod install;
mod lookup;
mod render;
mod rollback;
mod test;
mod uninstall;
mod upgrade;

pub use apply_method::{ApplyMethod, FORCE_CONFLICTS_NEEDS_SERVER_SIDE};
pub use chart_record::chart_record;
pub use common::{Context, DryRun, Outcome, Settings, Wait, check_hide_secret};
pub use decide::{PreviousValues, install_step, rollback_target, upgrade_base, upgrade_values};
pub use duration::parse_go_duration;
pub use error::{Error, Result};
pub use events::{Count, Event, Events, ObjectRef, Stage};
pub use hooks::{HOOK_TIMEOUT_ANNOTATION, hooks_for};
pub use install::Install;
pub use lookup::{LOOKUP_TIMEOUT, LiveLookup};
pub use render::{Rendered, docs_of_manifest};
pub use rollback::Rollback;
pub use test::Test;
pub use uninstall::Uninstall;
pub use upgrade::Upgrade;

/// A release record.
pub type Release = helmd_release::Release;
