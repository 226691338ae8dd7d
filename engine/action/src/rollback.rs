//! `helm rollback`: a new revision carrying an earlier revision's chart, values
//! and manifest — pre-rollback hooks, apply over the current objects (deleting
//! what the target does not have), wait, post-rollback hooks, every deployed
//! revision superseded, the new one deployed.

use helmd_kube::{Owner, Resource};
use helmd_release::{Info, Status, hook_event};
use helmd_render::manifest::INSTALL_ORDER;

use crate::Release;
use crate::common::{Context, Known, Outcome, Settings, now, set_status, status_of, supersede};
use crate::decide::rollback_target;
use crate::error::{Error, Result};
use crate::events::Stage;
use crate::hooks::HookRunner;
use crate::ordered::{Change, plan_groups};
use crate::remedy::Attempts;
use crate::render::docs_of_manifest;
use crate::upgrade::DEFAULT_MAX_HISTORY;

/// What to roll back to and how.
#[derive(Debug, Clone)]
pub struct Rollback {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// The revision to roll back to; 0 = the previous one.
    pub revision: i64,
    /// Report what would happen; change nothing.
    pub dry_run: bool,
    /// Revisions kept (0: all).
    pub max_history: i64,
    /// Delete objects this rollback created when it fails.
    pub cleanup_on_fail: bool,
    /// The request field that chose the revision, named when it cannot be restored.
    pub target_field: String,
    /// Timeout, wait, hooks, conflicts, description.
    pub settings: Settings,
}

impl Default for Rollback {
    fn default() -> Self {
        Rollback {
            name: String::new(),
            namespace: String::new(),
            revision: 0,
            dry_run: false,
            max_history: DEFAULT_MAX_HISTORY,
            cleanup_on_fail: false,
            target_field: "revision".into(),
            settings: Settings::default(),
        }
    }
}

impl Rollback {
    /// Runs the rollback: attempts as the retry settings allow.
    pub async fn run(mut self, ctx: &Context) -> Result<Outcome> {
        if self.revision == 0 {
            // Fixed once: a retry must restore the same revision, not the one
            // before the failed attempt.
            let history = ctx.history(&self.namespace, &self.name).await?;
            let statuses: Vec<(i64, Status)> =
                history.iter().map(|r| (r.version, status_of(r))).collect();
            if let Ok((_, target)) = rollback_target(&statuses, 0) {
                self.revision = target;
            }
        }
        let mut attempts = Attempts::new(self.settings.retry);
        loop {
            match self.attempt(ctx).await? {
                Ok(outcome) => return Ok(outcome),
                Err(e) => {
                    if !attempts.again(ctx, "rollback", &e).await {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// One rollback attempt. `Err` when refused before anything was recorded;
    /// `Ok(Err(_))` when the recorded revision failed.
    async fn attempt(&self, ctx: &Context) -> Result<std::result::Result<Outcome, Error>> {
        helmd_render::validate_release_name(&self.name).map_err(|reason| Error::InvalidName {
            name: self.name.clone(),
            reason,
        })?;
        if self.revision < 0 {
            return Err(Error::InvalidRequest {
                field: "revision".into(),
                message: "must not be negative".into(),
            });
        }
        let history = ctx.history(&self.namespace, &self.name).await?;
        let statuses: Vec<(i64, Status)> =
            history.iter().map(|r| (r.version, status_of(r))).collect();
        let (last, target_version) =
            rollback_target(&statuses, self.revision).map_err(|e| match e {
                Error::InvalidTarget {
                    revision, message, ..
                } => Error::InvalidTarget {
                    field: self.target_field.clone(),
                    revision,
                    message,
                },
                other => other,
            })?;
        let find = |v: i64| history.iter().find(|r| r.version == v).cloned();
        let (Some(current), Some(previous)) = (find(last), find(target_version)) else {
            return Err(Error::RevisionNotFound(target_version));
        };
        let applying = self
            .settings
            .apply_method
            .for_rollback(&previous.apply_method);
        applying.check_force_conflicts(self.settings.force_conflicts)?;
        let description = self
            .settings
            .description_or(|| format!("Rollback to {target_version}"));
        let mut release = Release {
            name: self.name.clone(),
            namespace: current.namespace.clone(),
            version: current.version + 1,
            info: Some(Info {
                first_deployed: current.info.as_ref().and_then(|i| i.first_deployed),
                last_deployed: Some(now()),
                status: Status::PendingRollback,
                notes: previous
                    .info
                    .as_ref()
                    .map(|i| i.notes.clone())
                    .unwrap_or_default(),
                description: description.clone(),
                rollback_revision: target_version,
                ..Info::default()
            }),
            chart: previous.chart.clone(),
            config: previous.config.clone(),
            manifest: previous.manifest.clone(),
            hooks: previous.hooks.clone(),
            labels: previous.labels.clone(),
            apply_method: applying.record().into(),
        };
        if self.dry_run {
            return Ok(Ok(Outcome {
                release,
                kept: Vec::new(),
            }));
        }
        ctx.events
            .stage(Stage::Validating, "checking objects against the cluster");
        let current_docs = docs_of_manifest(&current.manifest, INSTALL_ORDER)?;
        let current_resources = ctx.build(&current_docs, &self.namespace).await?;
        let owner = Owner {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        };
        // The target must still be valid on the cluster before anything changes.
        let invalid = |e: Error| match e {
            e @ Error::InvalidTarget { .. } => e,
            e => Error::InvalidTarget {
                field: self.target_field.clone(),
                revision: target_version,
                message: format!("revision {target_version} cannot be restored: {e}"),
            },
        };
        let target_docs = docs_of_manifest(&release.manifest, INSTALL_ORDER).map_err(invalid)?;
        let groups = plan_groups(&target_docs)?;
        let target = ctx
            .build(&target_docs, &self.namespace)
            .await
            .map_err(invalid)?;
        let change = Change {
            current: &current_resources,
            target: &target,
            groups: groups.as_ref(),
            applying,
        };
        crate::remedy::check_target(
            ctx,
            &self.target_field,
            &previous,
            change,
            &owner,
            &self.settings,
        )
        .await?;
        ctx.events
            .stage(Stage::RecordingRelease, "recording the pending revision");
        ctx.store.create_pruned(&release, self.max_history).await?;
        let mut created = Vec::new();
        match self
            .perform(ctx, &mut release, change, &owner, &mut created)
            .await
        {
            Ok(()) => {
                for mut deployed in history
                    .into_iter()
                    .filter(|r| status_of(r) == Status::Deployed)
                {
                    supersede(&mut deployed);
                    ctx.record_quietly(&deployed).await;
                }
                set_status(&mut release, Status::Deployed, description);
                ctx.events
                    .stage(Stage::RecordingRelease, "recording the deployed revision");
                ctx.store.update(&release).await?;
                Ok(Ok(Outcome {
                    release,
                    kept: Vec::new(),
                }))
            }
            Err(e) => {
                let mut current = current;
                if status_of(&current) == Status::Deployed {
                    supersede(&mut current);
                    ctx.record_quietly(&current).await;
                }
                set_status(
                    &mut release,
                    Status::Failed,
                    format!("Rollback {:?} failed: {e}", self.name),
                );
                ctx.record_quietly(&release).await;
                if self.cleanup_on_fail {
                    ctx.cleanup(&created, &owner).await;
                }
                Ok(Err(e))
            }
        }
    }

    async fn perform(
        &self,
        ctx: &Context,
        release: &mut Release,
        change: Change<'_>,
        owner: &Owner,
        created: &mut Vec<Resource>,
    ) -> Result<()> {
        let hooks = HookRunner {
            kube: &ctx.kube,
            store: Some(ctx.store.as_ref()),
            events: &ctx.events,
            timeout: self.settings.timeout,
        };
        if !self.settings.disable_hooks {
            ctx.events
                .stage(Stage::RunningPreHooks, "running pre-rollback hooks");
            hooks.run(release, hook_event::PRE_ROLLBACK).await?;
        }
        // Objects of the current revision exist; others are read.
        let known = Known::new(change.current.iter().map(Resource::key), false);
        ctx.deploy(change, owner, &self.settings, &known, created)
            .await?;
        if !self.settings.disable_hooks {
            ctx.events
                .stage(Stage::RunningPostHooks, "running post-rollback hooks");
            hooks.run(release, hook_event::POST_ROLLBACK).await?;
        }
        Ok(())
    }
}
