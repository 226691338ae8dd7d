//! Helm's actions over a cluster (`helmd-kube`) and a release store
//! (`helmd-release`): install, upgrade, rollback and uninstall, one module each,
//! each an options struct and `run`; an upgrade's plan (`plan.rs`) and a release's
//! drift (`drift.rs`), their diffs shown by `diff.rs`. Deciding is kept apart from doing
//! (`decide.rs`, `groups.rs`, `crd_check.rs`); progress goes out as [`Event`]s.

mod apply_method;
mod chart_record;
mod common;
mod crd_check;
mod crds;
mod decide;
mod diff;
mod drift;
mod duration;
mod error;
mod events;
mod groups;
mod hooks;
mod install;
mod lookup;
mod ordered;
mod plan;
mod remedy;
mod render;
mod rollback;
mod test;
mod uninstall;
mod upgrade;

pub use apply_method::{ApplyMethod, FORCE_CONFLICTS_NEEDS_SERVER_SIDE};
pub use chart_record::chart_record;
pub use common::{Context, DryRun, Outcome, Settings, Wait, check_hide_secret};
pub use crds::check_upgrade_crds;
pub use decide::{
    PreviousValues, install_step, last_successful, recovered, rollback_target, upgrade_base,
    upgrade_values, version_target,
};
pub use diff::{MASK, MASK_CHANGED, VOLATILE_METADATA};
pub use drift::{Drift, DriftCheck, DriftKind, Drifted};
pub use duration::parse_go_duration;
pub use error::{Error, Result};
pub use events::{Count, Event, Events, ObjectRef, Stage};
pub use groups::{DEPENDS_ON_ANNOTATION, GROUP_ANNOTATION};
pub use hooks::{HOOK_TIMEOUT_ANNOTATION, hooks_for};
pub use install::Install;
pub use lookup::{LOOKUP_TIMEOUT, LiveLookup};
pub use plan::{Change, ChangeAction, Plan};
pub use remedy::{DEFAULT_BACKOFF, MAX_BACKOFF, MAX_RETRIES, Retry, Strategy, recover};
pub use render::{Rendered, docs_of_manifest};
pub use rollback::Rollback;
pub use test::Test;
pub use uninstall::Uninstall;
pub use upgrade::Upgrade;

/// A release record.
pub type Release = helmd_release::Release;
