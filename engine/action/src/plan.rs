//! PlanUpgrade: what an upgrade — or, with `install` and no release, an install —
//! would change, prepared exactly as `Upgrade::run` prepares it (values, render with
//! the cluster's capabilities and `lookup`, objects, ownership) and then changing
//! nothing: each new object compared live against a server-side dry run of its apply
//! (or replace), the objects the new revision drops, and the hooks that would run.
//! Diffs come from `diff.rs`; Secrets are never shown.

use std::collections::HashSet;

use helmd_kube::{ApplyOptions, Kube, Owner, Preview, Resource, keeps};
use helmd_release::{Hook, Status, hook_event};
use serde_json::Value;

use crate::Release;
use crate::common::{Context, DryRun, status_of};
use crate::decide::install_step;
use crate::diff::{self, Sides};
use crate::error::{Error, Result};
use crate::events::ObjectRef;
use crate::hooks::hooks_for;
use crate::install::Install;
use crate::upgrade::{Objects, Prepared, PreparedUpgrade, Upgrade};

/// The sides of a plan's diffs.
const PLANNED: Sides = Sides {
    old: "live",
    new: "planned",
};

/// What a plan would do to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeAction {
    /// Created.
    Create,
    /// Changed in place.
    Update,
    /// Deleted (the new revision no longer has it).
    Delete,
    /// Left as it is (or left behind: kept, not owned, already gone).
    Unchanged,
    /// Replaced (`force_replace`), or re-created for an immutable field.
    Replace,
}

/// One object's planned change.
#[derive(Debug, Clone)]
pub struct Change {
    /// What would happen.
    pub action: ChangeAction,
    /// The object.
    pub object: ObjectRef,
    /// Live → planned, as `diff::object_diff` shows it; empty when unchanged.
    pub diff: String,
}

/// What an upgrade would do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The revision as it would be recorded (pending), its manifest's and hooks'
    /// Secrets hidden.
    pub release: Release,
    /// Whether it would be an install.
    pub install: bool,
    /// The new revision's objects in install order, then those it drops.
    pub changes: Vec<Change>,
    /// The hooks that would run, in execution order (Secrets hidden).
    pub hooks: Vec<Hook>,
}

impl Upgrade {
    /// Plans the upgrade: nothing is recorded, applied or run. The run-time fields
    /// (`dry_run`, `hide_secret`, waiting, failure handling, history) are ignored.
    pub async fn plan(mut self, ctx: &Context) -> Result<Plan> {
        self.dry_run = DryRun::Server;
        self.hide_secret = false;
        let PreparedUpgrade {
            release, objects, ..
        } = match self.prepare(ctx).await? {
            Prepared::Install(install) => return plan_install(ctx, *install).await,
            Prepared::Upgrade(prepared) => *prepared,
        };
        let Some(Objects {
            current,
            target,
            owner,
            ..
        }) = objects
        else {
            return Err(Error::InvalidRequest {
                field: "dry_run".into(),
                message: "a plan needs the cluster".into(),
            });
        };
        let opts = ApplyOptions {
            owner: Some(owner.clone()),
            force_conflicts: self.settings.force_conflicts || self.correct_drift,
            dry_run: true,
        };
        let mut changes =
            compare_all(&ctx.kube, &target, &opts, self.settings.force_replace).await?;
        let kept: HashSet<_> = target.iter().map(Resource::key).collect();
        let dropped: Vec<Resource> = current
            .into_iter()
            .filter(|r| !kept.contains(&r.key()))
            .collect();
        changes.extend(deletions(&ctx.kube, &dropped, &owner).await?);
        let events = [hook_event::PRE_UPGRADE, hook_event::POST_UPGRADE];
        Ok(planned(
            release,
            false,
            changes,
            self.settings.disable_hooks,
            events,
        ))
    }
}

/// The plan of an install (`install` with no release): the namespace must exist
/// unless it would be created, in which case nothing can be dry-run and each object
/// is shown as rendered, with its ownership metadata.
async fn plan_install(ctx: &Context, install: Install) -> Result<Plan> {
    helmd_release::validate_custom_labels(&install.labels)?;
    let history: Vec<(i64, Status)> = ctx
        .history(&install.namespace, &install.name)
        .await?
        .iter()
        .map(|r| (r.version, status_of(r)))
        .collect();
    let step = install_step(&history, false)?;
    let namespace_exists = ctx.kube.namespace_exists(&install.namespace).await?;
    if !namespace_exists && !install.create_namespace {
        return Err(helmd_kube::Error::NamespaceNotFound(install.namespace.clone()).into());
    }
    let (release, docs) = install.render_release(ctx, step.version).await?;
    let resources = ctx.build(&docs, &install.namespace).await?;
    let owner = Owner {
        name: install.name.clone(),
        namespace: install.namespace.clone(),
    };
    ctx.kube
        .check_ownership(
            &resources,
            &owner,
            install.take_ownership,
            "unable to continue with install",
        )
        .await?;
    let changes = if namespace_exists {
        let opts = ApplyOptions {
            owner: Some(owner),
            force_conflicts: install.settings.force_conflicts,
            dry_run: true,
        };
        compare_all(&ctx.kube, &resources, &opts, install.settings.force_replace).await?
    } else {
        resources
            .iter()
            .map(|r| {
                let mut object = r.object.clone();
                owner.stamp(&mut object);
                Change {
                    action: ChangeAction::Create,
                    object: ObjectRef::of(r),
                    diff: diff::object_diff(None, Some(&json(&object)), PLANNED),
                }
            })
            .collect()
    };
    let events = [hook_event::PRE_INSTALL, hook_event::POST_INSTALL];
    Ok(planned(
        release,
        true,
        changes,
        install.settings.disable_hooks,
        events,
    ))
}

/// The plan of `release`: its hooks for `events` in order (none when disabled), and
/// Secrets hidden from its manifest and hooks.
fn planned(
    mut release: Release,
    install: bool,
    changes: Vec<Change>,
    disable_hooks: bool,
    events: [&str; 2],
) -> Plan {
    release.manifest = diff::hide_secrets(&release.manifest);
    for h in &mut release.hooks {
        h.manifest = diff::hide_secret_hook(&h.manifest);
    }
    let hooks = if disable_hooks {
        Vec::new()
    } else {
        events
            .iter()
            .flat_map(|e| hooks_for(&release.hooks, e))
            .map(|i| release.hooks[i].clone())
            .collect()
    };
    Plan {
        release,
        install,
        changes,
        hooks,
    }
}

/// An object as JSON (for diffs).
pub(crate) fn json<T: serde::Serialize>(object: &T) -> Value {
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// Each of `target` compared with what applying it (or replacing it) would make of it.
async fn compare_all(
    kube: &Kube,
    target: &[Resource],
    opts: &ApplyOptions,
    replace: bool,
) -> Result<Vec<Change>> {
    helmd_kube::concurrently(
        target
            .iter()
            .map(|r| compare(kube, r, opts, replace))
            .collect(),
    )
    .await
    .into_iter()
    .collect()
}

/// One object: absent → created; re-created for an immutable field or replaced with
/// a difference → replaced; otherwise updated or unchanged as the diff says.
async fn compare(kube: &Kube, r: &Resource, opts: &ApplyOptions, replace: bool) -> Result<Change> {
    let live = kube.get(r).await?;
    let (after, recreated) = match kube.preview(r, opts, replace, live.as_ref()).await? {
        Preview::Changed(after) => (after, false),
        Preview::Recreated(after) => (after, true),
    };
    let diff = diff::object_diff(
        live.as_ref().map(json).as_ref(),
        Some(&json(&after)),
        PLANNED,
    );
    let action = match (&live, recreated) {
        (None, _) => ChangeAction::Create,
        (Some(_), true) => ChangeAction::Replace,
        (Some(_), false) if diff.is_empty() => ChangeAction::Unchanged,
        (Some(_), false) if replace => ChangeAction::Replace,
        (Some(_), false) => ChangeAction::Update,
    };
    Ok(Change {
        action,
        object: ObjectRef::of(r),
        diff,
    })
}

/// The current revision's objects the new one drops: deleted, unless Helm leaves
/// them (`helm.sh/resource-policy: keep`, no longer this release's, already gone),
/// which are unchanged.
async fn deletions(kube: &Kube, dropped: &[Resource], owner: &Owner) -> Result<Vec<Change>> {
    let live = helmd_kube::concurrently(dropped.iter().map(|r| kube.get(r)).collect()).await;
    dropped
        .iter()
        .zip(live)
        .map(|(r, live)| -> Result<Change> {
            let (action, diff) = match live? {
                Some(live) if !keeps(&live) && !keeps(&r.object) && owner.owns(&live) => (
                    ChangeAction::Delete,
                    diff::object_diff(Some(&json(&live)), None, PLANNED),
                ),
                _ => (ChangeAction::Unchanged, String::new()),
            };
            Ok(Change {
                action,
                object: ObjectRef::of(r),
                diff,
            })
        })
        .collect()
}
