//! `helm uninstall`: pre-delete hooks, the release's objects deleted in Helm's
//! uninstall order (kept ones, CRDs — templated ones too, unlike Helm — and ones no
//! longer this release's left alone; the chart's `crds/` reported kept),
//! optionally waited for, post-delete hooks, then the history purged or kept.

use std::time::Duration;

use helmd_kube::{DeleteOptions, Owner, Propagation};
use helmd_release::{Status, hook_event};
use helmd_render::manifest::UNINSTALL_ORDER;

use crate::common::{Context, Outcome, Wait, now, set_status, status_of};
use crate::error::{Error, Result};
use crate::events::{ObjectRef, Stage};
use crate::hooks::HookRunner;
use crate::render::docs_of_manifest;

/// What to uninstall and how.
#[derive(Debug, Clone)]
pub struct Uninstall {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// The record's description instead of Helm's.
    pub description: String,
    /// Keep the history (status `uninstalled`) instead of purging it.
    pub keep_history: bool,
    /// How dependents are deleted.
    pub cascade: Propagation,
    /// A missing release is not an error.
    pub ignore_not_found: bool,
    /// Report what would happen; change nothing.
    pub dry_run: bool,
    /// Wait until the objects are gone.
    pub wait: Wait,
    /// Bound of hooks and the wait.
    pub timeout: Duration,
    /// Skip hooks.
    pub disable_hooks: bool,
}

impl Default for Uninstall {
    fn default() -> Self {
        Uninstall {
            name: String::new(),
            namespace: String::new(),
            description: String::new(),
            keep_history: false,
            cascade: Propagation::Background,
            ignore_not_found: false,
            dry_run: false,
            wait: Wait::HookOnly,
            timeout: Duration::from_secs(300),
            disable_hooks: false,
        }
    }
}

impl Uninstall {
    /// Runs the uninstall. `Ok(None)` when the release is missing and that is allowed.
    pub async fn run(self, ctx: &Context) -> Result<Option<Outcome>> {
        helmd_render::validate_release_name(&self.name).map_err(|reason| Error::InvalidName {
            name: self.name.clone(),
            reason,
        })?;
        let history = ctx.history(&self.namespace, &self.name).await?;
        let Some(mut release) = history.last().cloned() else {
            if self.ignore_not_found {
                return Ok(None);
            }
            return Err(Error::NotFound);
        };
        if self.dry_run {
            return Ok(Some(Outcome {
                release,
                kept: Vec::new(),
            }));
        }
        if status_of(&release) == Status::Uninstalled {
            if !self.keep_history {
                self.purge(ctx, &history).await?;
                return Ok(Some(Outcome {
                    release,
                    kept: Vec::new(),
                }));
            }
            return Err(Error::NotDeployed(format!(
                "the release named {:?} is already deleted",
                self.name
            )));
        }
        set_status(
            &mut release,
            Status::Uninstalling,
            "Deletion in progress (or silently failed)",
        );
        if let Some(info) = release.info.as_mut() {
            info.deleted = Some(now());
        }
        let hooks = HookRunner {
            kube: &ctx.kube,
            store: Some(ctx.store.as_ref()),
            events: &ctx.events,
            timeout: self.timeout,
        };
        if !self.disable_hooks {
            ctx.events
                .stage(Stage::RunningPreHooks, "running pre-delete hooks");
            hooks.run(&mut release, hook_event::PRE_DELETE).await?;
        }
        ctx.record_quietly(&release).await;
        let docs = docs_of_manifest(&release.manifest, UNINSTALL_ORDER)?;
        // Kinds the cluster no longer serves cannot be deleted: they are skipped
        // (after discovery ran again, in case a kind is only newer than it).
        let mut resources = Vec::new();
        for (doc, built) in docs
            .iter()
            .zip(ctx.kube.build_each(&docs, &self.namespace).await?)
        {
            match built {
                Ok(mut r) => resources.append(&mut r),
                Err(e) => {
                    tracing::warn!(template = %doc.template, error = %e, "uninstall skips an object")
                }
            }
        }
        ctx.events.stage(
            Stage::Deleting,
            format!("deleting {} objects", resources.len()),
        );
        let owner = Owner {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        };
        let report = ctx
            .kube
            .delete(
                &resources,
                &DeleteOptions {
                    owner: Some(owner),
                    propagation: self.cascade,
                    dry_run: false,
                },
            )
            .await?;
        let total = resources.len();
        let mut done = 0;
        for r in &report.deleted {
            done += 1;
            ctx.events
                .object(Stage::Deleting, "deleted", r, None, (done, total));
        }
        for r in &report.not_owned {
            done += 1;
            ctx.events.object(
                Stage::Deleting,
                "left alone: no longer owned by this release",
                r,
                None,
                (done, total),
            );
        }
        let mut kept: Vec<ObjectRef> = report.kept.iter().map(ObjectRef::of).collect();
        for crd in ctx.chart_crds_left(&release).await {
            if !kept.contains(&crd) {
                kept.push(crd);
            }
        }
        let mut errors = Vec::new();
        if self.wait != Wait::HookOnly && !report.deleted.is_empty() {
            ctx.events
                .stage(Stage::Waiting, "waiting for the objects to be deleted");
            if let Err(e) = ctx.kube.wait_gone(&report.deleted, self.timeout).await {
                errors.push(Error::from(e));
            }
        }
        if !self.disable_hooks {
            ctx.events
                .stage(Stage::RunningPostHooks, "running post-delete hooks");
            if let Err(e) = hooks.run(&mut release, hook_event::POST_DELETE).await {
                errors.push(e);
            }
        }
        let description = if self.description.is_empty() {
            "Uninstallation complete".to_owned()
        } else {
            self.description.clone()
        };
        set_status(&mut release, Status::Uninstalled, description);
        ctx.events
            .stage(Stage::RecordingRelease, "recording the uninstalled release");
        if self.keep_history {
            ctx.record_quietly(&release).await;
        } else if let Err(e) = self.purge(ctx, &history).await {
            errors.push(e);
        }
        if !errors.is_empty() {
            let joined: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return Err(Error::NotDeployed(format!(
                "uninstallation completed with {} error(s): {}",
                errors.len(),
                joined.join("; ")
            )));
        }
        Ok(Some(Outcome { release, kept }))
    }

    /// Deletes every revision's record (a few at a time).
    async fn purge(&self, ctx: &Context, history: &[crate::Release]) -> Result<()> {
        let deletes = history
            .iter()
            .map(|r| ctx.store.delete(&r.namespace, &r.name, r.version))
            .collect();
        for deleted in helmd_kube::concurrently(deletes).await {
            deleted?;
        }
        Ok(())
    }
}
