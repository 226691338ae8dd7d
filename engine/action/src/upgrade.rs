//! `helm upgrade`: a new revision over the deployed one — values per the
//! previous-values rule, render, ownership of new objects, record pending (history
//! pruned), pre-upgrade hooks, apply and delete what the chart no longer renders,
//! wait, post-upgrade hooks, previous revision superseded; `--install` when the
//! release is missing; on failure cleanup and rollback as asked. The preparation
//! (up to the first change) is `prepare`, shared with `plan.rs`; `correct_drift`
//! re-applies drifted objects after the pre-upgrade hooks (`drift.rs`).

use std::collections::BTreeMap;

use helmd_kube::{Owner, Resource};
use helmd_release::{Info, Status, hook_event};
use helmd_render::manifest::INSTALL_ORDER;
use helmd_render::{Chart, Values};

use crate::Release;
use crate::apply_method::Applying;
use crate::chart_record::chart_record;
use crate::common::{
    Context, DryRun, Known, Outcome, Settings, check_hide_secret, now, set_status, status_of,
    supersede,
};
use crate::decide::{PreviousValues, upgrade_base, upgrade_values};
use crate::error::{Error, Result};
use crate::events::Stage;
use crate::hooks::HookRunner;
use crate::install::Install;
use crate::ordered::{Change, plan_groups};
use crate::remedy::{Attempts, OnFailure, Strategy};
use crate::render::{RenderInput, docs_of_manifest};
use crate::rollback::Rollback;

/// Helm's default `--history-max` for upgrades and rollbacks.
pub const DEFAULT_MAX_HISTORY: i64 = 10;

/// What to upgrade to and how.
#[derive(Debug, Clone)]
pub struct Upgrade {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// The chart.
    pub chart: Chart,
    /// User values.
    pub values: Values,
    /// Custom labels to set.
    pub labels: BTreeMap<String, String>,
    /// Custom labels to remove.
    pub remove_labels: Vec<String>,
    /// Install when the release does not exist.
    pub install: bool,
    /// How previous values are treated.
    pub previous_values: PreviousValues,
    /// Revisions kept (0: all).
    pub max_history: i64,
    /// Create the namespace (with `install`).
    pub create_namespace: bool,
    /// Dry run.
    pub dry_run: DryRun,
    /// Roll back to the last successful revision when the upgrade fails.
    pub rollback_on_failure: bool,
    /// What a failure does, and whether an earlier chart version rolls back.
    pub rollback_strategy: Strategy,
    /// Delete objects this upgrade created when it fails.
    pub cleanup_on_fail: bool,
    /// Skip `crds/` (with `install`).
    pub skip_crds: bool,
    /// Update the CRDs of `crds/` when the change is safe, and create missing ones
    /// (Helm never touches `crds/` on upgrade).
    pub upgrade_crds: bool,
    /// Take over objects without this release's ownership.
    pub take_ownership: bool,
    /// Keep subcharts' notes.
    pub render_subchart_notes: bool,
    /// Leave Secrets out of a dry run's manifest (`--hide-secret`).
    pub hide_secret: bool,
    /// Let templates resolve names with `getHostByName` (`--enable-dns`).
    pub enable_dns: bool,
    /// Re-apply the current revision's drifted objects first (`drift.rs`).
    pub correct_drift: bool,
    /// Timeout, wait, hooks, conflicts, description.
    pub settings: Settings,
}

/// An upgrade prepared up to its first change: what `run` and a plan share.
pub(crate) enum Prepared {
    /// No release and `install`: an install instead.
    Install(Box<Install>),
    /// The new revision over the current one.
    Upgrade(Box<PreparedUpgrade>),
}

/// The new revision (pending), the revision it supersedes, and — unless a client-side
/// dry run, which never asks the cluster — the objects of both, new ones' ownership
/// checked.
pub(crate) struct PreparedUpgrade {
    pub(crate) release: Release,
    pub(crate) current: Release,
    pub(crate) objects: Option<Objects>,
}

/// The objects of the current and the new revision, the new one's resource groups
/// (when it has any), and their owner.
pub(crate) struct Objects {
    pub(crate) current: Vec<Resource>,
    pub(crate) target: Vec<Resource>,
    pub(crate) groups: Option<crate::groups::Plan>,
    pub(crate) applying: Applying,
    pub(crate) owner: Owner,
}

impl Upgrade {
    /// Runs the upgrade (or the install, with `install` and no release): attempts
    /// as the retry settings allow, then the rollback strategy.
    pub async fn run(self, ctx: &Context) -> Result<Outcome> {
        self.rollback_strategy.check(self.rollback_on_failure)?;
        if let Some(rollback) = self.version_rollback(ctx).await? {
            ctx.events.stage(
                Stage::Validating,
                format!(
                    "chart {} {} is revision {}'s: rolling back to it (rollback strategy version)",
                    self.chart.metadata.name, self.chart.metadata.version, rollback.revision
                ),
            );
            return rollback.run(ctx).await;
        }
        let mut attempts = Attempts::new(self.settings.retry);
        loop {
            match self.attempt(ctx).await? {
                Ok(outcome) => return Ok(outcome),
                Err((failed, e)) => {
                    if !attempts.again(ctx, "upgrade", &e).await {
                        return self.remediate(ctx, failed, e).await;
                    }
                }
            }
        }
    }

    /// With the version-based strategy, the rollback an upgrade to the chart
    /// version of an earlier revision becomes (its values must be the request's).
    async fn version_rollback(&self, ctx: &Context) -> Result<Option<Rollback>> {
        if self.rollback_strategy != Strategy::Version {
            return Ok(None);
        }
        let history = ctx.history(&self.namespace, &self.name).await?;
        let charts: Vec<(i64, String, String)> = history
            .iter()
            .map(|r| {
                let m = r.chart.as_ref().and_then(|c| c.metadata.as_ref());
                (
                    r.version,
                    m.map(|m| m.name.clone()).unwrap_or_default(),
                    m.map(|m| m.version.clone()).unwrap_or_default(),
                )
            })
            .collect();
        let Some(target) = crate::decide::version_target(
            &charts,
            &self.chart.metadata.name,
            &self.chart.metadata.version,
        ) else {
            return Ok(None);
        };
        if !self.values.is_empty() {
            let given = helmd_yaml::to_json(&helmd_yaml::Value::map(self.values.clone()));
            let recorded = history
                .iter()
                .find(|r| r.version == target)
                .map(|r| helmd_yaml::to_json(&r.config));
            if !matches!((given, recorded), (Ok(g), Some(Ok(r))) if g == r) {
                return Err(Error::InvalidRequest {
                    field: "values".into(),
                    message: format!(
                        "the rollback strategy version restores revision {target} (chart {} {}) with its own values; the request's values differ from them",
                        self.chart.metadata.name, self.chart.metadata.version
                    ),
                });
            }
        }
        let description = self.settings.description_or(|| {
            format!(
                "Rollback to {target}: chart {} {} requested (rollback strategy version)",
                self.chart.metadata.name, self.chart.metadata.version
            )
        });
        Ok(Some(Rollback {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            revision: target,
            dry_run: self.dry_run != DryRun::None,
            max_history: self.max_history,
            cleanup_on_fail: self.cleanup_on_fail,
            target_field: "chart".into(),
            settings: Settings {
                description,
                ..self.settings.clone()
            },
        }))
    }

    /// One upgrade attempt. `Err` when refused before anything was recorded (never
    /// retried); `Ok(Err((revision, error)))` when the recorded revision failed
    /// (recorded failed, objects it created cleaned up when asked).
    async fn attempt(&self, ctx: &Context) -> Result<std::result::Result<Outcome, (i64, Error)>> {
        let PreparedUpgrade {
            mut release,
            mut current,
            objects,
        } = match self.prepare(ctx).await? {
            // No release and `install`: the install runs its own attempts.
            Prepared::Install(install) => return install.run(ctx).await.map(Ok),
            Prepared::Upgrade(prepared) => *prepared,
        };
        let Some(Objects {
            current: current_resources,
            target,
            groups,
            applying,
            owner,
        }) = objects
        else {
            set_status(&mut release, Status::PendingUpgrade, "Dry run complete");
            return Ok(Ok(Outcome {
                release,
                kept: Vec::new(),
            }));
        };
        if self.dry_run == DryRun::Server {
            ctx.dry_run(
                &current_resources,
                &target,
                &owner,
                &self.settings,
                applying,
            )
            .await?;
            set_status(&mut release, Status::PendingUpgrade, "Dry run complete");
            return Ok(Ok(Outcome {
                release,
                kept: Vec::new(),
            }));
        }
        ctx.events
            .stage(Stage::RecordingRelease, "recording the pending revision");
        ctx.store.create_pruned(&release, self.max_history).await?;
        let mut created = Vec::new();
        match self
            .perform(
                ctx,
                &mut release,
                Change {
                    current: &current_resources,
                    target: &target,
                    groups: groups.as_ref(),
                    applying,
                },
                &owner,
                &mut created,
            )
            .await
        {
            Ok(()) => {
                supersede(&mut current);
                ctx.record_quietly(&current).await;
                let description = self.settings.description_or(|| "Upgrade complete".into());
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
                set_status(
                    &mut release,
                    Status::Failed,
                    format!("Upgrade {:?} failed: {e}", self.name),
                );
                ctx.record_quietly(&release).await;
                if self.cleanup_on_fail {
                    ctx.cleanup(&created, &owner).await;
                }
                Ok(Err((release.version, e)))
            }
        }
    }

    /// Everything before the first change: checks, the revision to upgrade from,
    /// values, render (against the cluster unless a client-side dry run), the new
    /// record, and (unless a client-side dry run) both revisions' objects with the
    /// new ones' ownership checked.
    pub(crate) async fn prepare(&self, ctx: &Context) -> Result<Prepared> {
        check_hide_secret(self.hide_secret, self.dry_run)?;
        helmd_render::validate_release_name(&self.name).map_err(|reason| Error::InvalidName {
            name: self.name.clone(),
            reason,
        })?;
        if self.chart.metadata.chart_type == "library" {
            return Err(Error::LibraryChart);
        }
        crate::crds::check_upgrade_crds(self.skip_crds, self.upgrade_crds)?;
        let history = ctx.history(&self.namespace, &self.name).await?;
        if history.is_empty() && self.install {
            return Ok(Prepared::Install(Box::new(self.clone().into_install())));
        }
        let statuses: Vec<(i64, Status)> =
            history.iter().map(|r| (r.version, status_of(r))).collect();
        let base = upgrade_base(&self.name, &statuses)?;
        let find = |v: i64| history.iter().find(|r| r.version == v).cloned();
        let (Some(last), Some(current)) = (find(base.last), find(base.current)) else {
            return Err(Error::NotFound);
        };
        let applying = self
            .settings
            .apply_method
            .for_upgrade(&last.apply_method, &current.apply_method);
        applying.check_force_conflicts(self.settings.force_conflicts)?;
        let (values, previous_chart_values) =
            upgrade_values(self.previous_values, self.values.clone(), &current.config);
        let mut chart = self.chart.clone();
        if previous_chart_values && let Some(previous) = current.chart.as_ref() {
            chart.values = previous.values.clone();
        }
        let mut labels = last.labels.clone();
        for (k, v) in &self.labels {
            if v.is_empty() {
                labels.remove(k);
            } else {
                labels.insert(k.clone(), v.clone());
            }
        }
        for k in &self.remove_labels {
            labels.remove(k);
        }
        helmd_release::validate_custom_labels(&labels)?;
        let version = last.version + 1;
        if self.upgrade_crds && self.dry_run != DryRun::Client {
            let changes = ctx
                .check_crd_upgrades(&crate::render::crds(&chart, &values)?)
                .await?;
            if self.dry_run == DryRun::None {
                ctx.apply_crd_upgrades(changes, self.settings.timeout)
                    .await?;
            }
        }
        let rendered = ctx
            .render(RenderInput {
                chart: chart.clone(),
                values: values.clone(),
                name: self.name.clone(),
                namespace: self.namespace.clone(),
                revision: version,
                is_upgrade: true,
                kube_version: ctx.kube.version(),
                default_capabilities: self.dry_run == DryRun::Client,
                api_versions: ctx.kube.api_versions(),
                render_subchart_notes: self.render_subchart_notes,
                hide_secret: self.hide_secret,
                interrupt: ctx.interrupt.clone(),
                cluster: ctx.lookup(self.dry_run),
                enable_dns: self.enable_dns,
            })
            .await?;
        let groups = plan_groups(&rendered.docs)?;
        let first_deployed = current.info.as_ref().and_then(|i| i.first_deployed);
        let release = Release {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            version,
            info: Some(Info {
                first_deployed,
                last_deployed: Some(now()),
                status: Status::PendingUpgrade,
                description: "Preparing upgrade".into(),
                notes: rendered.notes.clone(),
                ..Info::default()
            }),
            chart: Some(chart_record(&chart, &values)?),
            config: helmd_yaml::Value::map(values),
            manifest: rendered.manifest.clone(),
            hooks: rendered.hooks.clone(),
            labels,
            apply_method: applying.record().into(),
        };
        if self.dry_run == DryRun::Client {
            return Ok(Prepared::Upgrade(Box::new(PreparedUpgrade {
                release,
                current,
                objects: None,
            })));
        }
        ctx.events
            .stage(Stage::Validating, "checking objects against the cluster");
        let current_docs = docs_of_manifest(&current.manifest, INSTALL_ORDER)?;
        let current_resources = ctx
            .build(&current_docs, &self.namespace)
            .await
            .map_err(|e| {
                e.during("unable to build kubernetes objects from current release manifest: ")
            })?;
        let target = ctx.build(&rendered.docs, &self.namespace).await?;
        let owner = Owner {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        };
        let known: std::collections::HashSet<_> =
            current_resources.iter().map(Resource::key).collect();
        let new_objects: Vec<Resource> = target
            .iter()
            .filter(|r| !known.contains(&r.key()))
            .cloned()
            .collect();
        ctx.kube
            .check_ownership(
                &new_objects,
                &owner,
                self.take_ownership,
                "unable to continue with update",
            )
            .await?;
        Ok(Prepared::Upgrade(Box::new(PreparedUpgrade {
            release,
            current,
            objects: Some(Objects {
                current: current_resources,
                target,
                groups,
                applying,
                owner,
            }),
        })))
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
                .stage(Stage::RunningPreHooks, "running pre-upgrade hooks");
            hooks.run(release, hook_event::PRE_UPGRADE).await?;
        }
        if self.correct_drift {
            ctx.correct_drift(change.current, owner).await?;
        }
        // Objects of the current revision exist; others are read.
        let known = Known::new(change.current.iter().map(Resource::key), false);
        ctx.deploy(change, owner, &self.settings, &known, created)
            .await?;
        if !self.settings.disable_hooks {
            ctx.events
                .stage(Stage::RunningPostHooks, "running post-upgrade hooks");
            hooks.run(release, hook_event::POST_UPGRADE).await?;
        }
        Ok(())
    }

    /// After the last attempt failed: the rollback strategy.
    async fn remediate(&self, ctx: &Context, failed: i64, e: Error) -> Result<Outcome> {
        match self.rollback_strategy.on_failure(self.rollback_on_failure) {
            OnFailure::Fail => return Err(e),
            OnFailure::Report => {
                return Err(
                    crate::remedy::report(ctx, &self.namespace, &self.name, failed, e).await,
                );
            }
            OnFailure::RollBack => {}
        }
        ctx.events.stage(
            Stage::RecoveringFromFailure,
            "rolling back to the last successful revision (rollback-on-failure)",
        );
        let history = ctx.history(&self.namespace, &self.name).await?;
        let statuses: Vec<(i64, Status)> =
            history.iter().map(|r| (r.version, status_of(r))).collect();
        let Some(good) = crate::decide::last_successful(&statuses, failed) else {
            return Err(Error::RolledBack {
                message: format!(
                    "an error occurred while rolling back the release. original upgrade error: {e}: unable to find a previously successful release"
                ),
                cause: Box::new(e),
            });
        };
        let rollback = Rollback {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            revision: good,
            max_history: self.max_history,
            cleanup_on_fail: self.cleanup_on_fail,
            settings: Settings {
                retry: crate::remedy::Retry::default(),
                description: String::new(),
                ..self.settings.clone()
            },
            ..Rollback::default()
        };
        match rollback.run(ctx).await {
            Ok(_) => Err(Error::RolledBack {
                message: format!(
                    "release {} failed, and has been rolled back due to rollback-on-failure being set: {e}",
                    self.name
                ),
                cause: Box::new(e),
            }),
            Err(r) => Err(Error::RolledBack {
                message: format!(
                    "an error occurred while rolling back the release. original upgrade error: {e}: {r}"
                ),
                cause: Box::new(e),
            }),
        }
    }

    fn into_install(self) -> Install {
        Install {
            name: self.name,
            namespace: self.namespace,
            chart: self.chart,
            values: self.values,
            labels: self.labels,
            create_namespace: self.create_namespace,
            dry_run: self.dry_run,
            rollback_on_failure: self.rollback_on_failure
                || self.rollback_strategy == Strategy::Automatic,
            skip_crds: self.skip_crds,
            upgrade_crds: self.upgrade_crds,
            take_ownership: self.take_ownership,
            replace: false,
            render_subchart_notes: self.render_subchart_notes,
            hide_secret: self.hide_secret,
            enable_dns: self.enable_dns,
            settings: self.settings,
        }
    }
}
