//! `helm upgrade`: a new revision over the deployed one — values per the
//! previous-values rule, render, ownership of new objects, record pending (history
//! pruned), pre-upgrade hooks, apply and delete what the chart no longer renders,
//! wait, post-upgrade hooks, previous revision superseded; `--install` when the
//! release is missing; on failure cleanup and rollback as asked.

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
    /// Delete objects this upgrade created when it fails.
    pub cleanup_on_fail: bool,
    /// Skip `crds/` (with `install`).
    pub skip_crds: bool,
    /// Take over objects without this release's ownership.
    pub take_ownership: bool,
    /// Keep subcharts' notes.
    pub render_subchart_notes: bool,
    /// Leave Secrets out of a dry run's manifest (`--hide-secret`).
    pub hide_secret: bool,
    /// Let templates resolve names with `getHostByName` (`--enable-dns`).
    pub enable_dns: bool,
    /// Timeout, wait, hooks, conflicts, description.
    pub settings: Settings,
}

impl Upgrade {
    /// Runs the upgrade (or the install, with `install` and no release).
    pub async fn run(self, ctx: &Context) -> Result<Outcome> {
        check_hide_secret(self.hide_secret, self.dry_run)?;
        helmd_render::validate_release_name(&self.name).map_err(|reason| Error::InvalidName {
            name: self.name.clone(),
            reason,
        })?;
        if self.chart.metadata.chart_type == "library" {
            return Err(Error::LibraryChart);
        }
        let history = ctx.history(&self.namespace, &self.name).await?;
        if history.is_empty() && self.install {
            return self.into_install().run(ctx).await;
        }
        let statuses: Vec<(i64, Status)> =
            history.iter().map(|r| (r.version, status_of(r))).collect();
        let base = upgrade_base(&self.name, &statuses)?;
        let find = |v: i64| history.iter().find(|r| r.version == v).cloned();
        let (Some(last), Some(mut current)) = (find(base.last), find(base.current)) else {
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
        let first_deployed = current.info.as_ref().and_then(|i| i.first_deployed);
        let mut release = Release {
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
            set_status(&mut release, Status::PendingUpgrade, "Dry run complete");
            return Ok(Outcome {
                release,
                kept: Vec::new(),
            });
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
            return Ok(Outcome {
                release,
                kept: Vec::new(),
            });
        }
        ctx.events
            .stage(Stage::RecordingRelease, "recording the pending revision");
        ctx.store.create_pruned(&release, self.max_history).await?;
        let mut created = Vec::new();
        match self
            .perform(
                ctx,
                &mut release,
                &current_resources,
                &target,
                &mut created,
                applying,
            )
            .await
        {
            Ok(()) => {
                supersede(&mut current);
                ctx.record_quietly(&current).await;
                let description = if self.settings.description.is_empty() {
                    "Upgrade complete".to_owned()
                } else {
                    self.settings.description.clone()
                };
                set_status(&mut release, Status::Deployed, description);
                ctx.events
                    .stage(Stage::RecordingRelease, "recording the deployed revision");
                ctx.store.update(&release).await?;
                Ok(Outcome {
                    release,
                    kept: Vec::new(),
                })
            }
            Err(e) => self.fail(ctx, release, &created, &owner, e).await,
        }
    }

    async fn perform(
        &self,
        ctx: &Context,
        release: &mut Release,
        current: &[Resource],
        target: &[Resource],
        created: &mut Vec<Resource>,
        applying: Applying,
    ) -> Result<()> {
        let owner = Owner {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        };
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
        // Objects of the current revision exist; others are read.
        let known = Known::new(current.iter().map(Resource::key), false);
        *created = ctx
            .update(current, target, &owner, &self.settings, &known, applying)
            .await?;
        ctx.wait(target, &self.settings).await?;
        if !self.settings.disable_hooks {
            ctx.events
                .stage(Stage::RunningPostHooks, "running post-upgrade hooks");
            hooks.run(release, hook_event::POST_UPGRADE).await?;
        }
        Ok(())
    }

    async fn fail(
        &self,
        ctx: &Context,
        mut release: Release,
        created: &[Resource],
        owner: &Owner,
        e: Error,
    ) -> Result<Outcome> {
        set_status(
            &mut release,
            Status::Failed,
            format!("Upgrade {:?} failed: {e}", self.name),
        );
        ctx.record_quietly(&release).await;
        if self.cleanup_on_fail {
            ctx.cleanup(created, owner).await;
        }
        if !self.rollback_on_failure {
            return Err(e);
        }
        ctx.events.stage(
            Stage::RecoveringFromFailure,
            "rolling back to the last successful revision (rollback-on-failure)",
        );
        let history = ctx.history(&self.namespace, &self.name).await?;
        let Some(good) = history
            .iter()
            .rev()
            .find(|r| matches!(status_of(r), Status::Deployed | Status::Superseded))
        else {
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
            revision: good.version,
            max_history: self.max_history,
            cleanup_on_fail: self.cleanup_on_fail,
            settings: self.settings.clone(),
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
            rollback_on_failure: self.rollback_on_failure,
            skip_crds: self.skip_crds,
            take_ownership: self.take_ownership,
            replace: false,
            render_subchart_notes: self.render_subchart_notes,
            hide_secret: self.hide_secret,
            enable_dns: self.enable_dns,
            settings: self.settings,
        }
    }
}
