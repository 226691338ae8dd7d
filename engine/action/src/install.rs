//! `helm install`: a new release (or `--replace` of an uninstalled or failed one)
//! — name rules, namespace, CRDs first, render against the live cluster, ownership
//! check, record pending, pre-install hooks, apply, wait, post-install hooks,
//! record deployed; on failure the record says why (and is uninstalled when
//! rollback-on-failure is asked).

use std::collections::BTreeMap;

use helmd_kube::Owner;
use helmd_release::{Info, Status, hook_event};
use helmd_render::{Chart, Values};

use crate::Release;
use crate::chart_record::chart_record;
use crate::common::{
    Context, DryRun, Known, Outcome, Settings, check_hide_secret, now, set_status, status_of,
};
use crate::decide::install_step;
use crate::error::{Error, Result};
use crate::events::Stage;
use crate::groups::Plan;
use crate::hooks::HookRunner;
use crate::ordered::{Change, plan_groups};
use crate::remedy::Attempts;
use crate::render::RenderInput;
use crate::uninstall::Uninstall;

/// What to install and how.
#[derive(Debug, Clone)]
pub struct Install {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// The chart.
    pub chart: Chart,
    /// User values.
    pub values: Values,
    /// Custom labels of the record.
    pub labels: BTreeMap<String, String>,
    /// Create the namespace when missing.
    pub create_namespace: bool,
    /// Dry run.
    pub dry_run: DryRun,
    /// Uninstall when the install fails.
    pub rollback_on_failure: bool,
    /// Skip `crds/`.
    pub skip_crds: bool,
    /// Update CRDs of `crds/` that exist when the change is safe (Helm never does).
    pub upgrade_crds: bool,
    /// Take over objects that exist without this release's ownership.
    pub take_ownership: bool,
    /// Reuse the name of an uninstalled or failed release.
    pub replace: bool,
    /// Keep subcharts' notes.
    pub render_subchart_notes: bool,
    /// Leave Secrets out of a dry run's manifest (`--hide-secret`).
    pub hide_secret: bool,
    /// Let templates resolve names with `getHostByName` (`--enable-dns`).
    pub enable_dns: bool,
    /// Timeout, wait, hooks, conflicts, description.
    pub settings: Settings,
}

impl Install {
    /// Runs the install: attempts as the retry settings allow (each after the
    /// first installs over the failed one, as `replace` does), then
    /// rollback-on-failure.
    pub async fn run(self, ctx: &Context) -> Result<Outcome> {
        let mut attempts = Attempts::new(self.settings.retry);
        loop {
            match self.attempt(ctx, attempts.first()).await? {
                Ok(outcome) => return Ok(outcome),
                Err(e) => {
                    if !attempts.again(ctx, "install", &e).await {
                        return self.remediate(ctx, e).await;
                    }
                }
            }
        }
    }

    /// One install attempt. `Err` when refused before anything was recorded;
    /// `Ok(Err(_))` when the recorded revision failed (and is recorded so).
    async fn attempt(
        &self,
        ctx: &Context,
        first: bool,
    ) -> Result<std::result::Result<Outcome, Error>> {
        check_hide_secret(self.hide_secret, self.dry_run)?;
        helmd_render::validate_release_name(&self.name).map_err(|reason| Error::InvalidName {
            name: self.name.clone(),
            reason,
        })?;
        if self.chart.metadata.chart_type == "library" {
            return Err(Error::LibraryChart);
        }
        helmd_release::validate_custom_labels(&self.labels)?;
        let history: Vec<(i64, Status)> = ctx
            .history(&self.namespace, &self.name)
            .await?
            .iter()
            .map(|r| (r.version, status_of(r)))
            .collect();
        let step = install_step(&history, self.replace || !first)?;
        crate::crds::check_upgrade_crds(self.skip_crds, self.upgrade_crds)?;
        let applying = self.settings.apply_method.for_install();
        applying.check_force_conflicts(self.settings.force_conflicts)?;
        let live = self.dry_run != DryRun::Client;
        // Safe CRD upgrades are checked before anything changes (the namespace too).
        let crd_changes = if self.upgrade_crds && live {
            let crds = crate::render::crds(&self.chart, &self.values)?;
            Some(ctx.check_crd_upgrades(&crds).await?)
        } else {
            None
        };
        if live && !ctx.kube.namespace_exists(&self.namespace).await? {
            if self.create_namespace && self.dry_run == DryRun::None {
                ctx.kube
                    .create_namespace(&self.namespace, self.settings.timeout)
                    .await?;
            } else if !self.create_namespace {
                return Err(helmd_kube::Error::NamespaceNotFound(self.namespace.clone()).into());
            }
        }
        if let Some(changes) = crd_changes.filter(|_| self.dry_run == DryRun::None) {
            ctx.apply_crd_upgrades(changes, self.settings.timeout)
                .await?;
        } else if !self.skip_crds && !self.upgrade_crds && self.dry_run == DryRun::None {
            let crds = crate::render::crds(&self.chart, &self.values)?;
            if !crds.is_empty() {
                ctx.events.stage(
                    Stage::InstallingCrds,
                    format!("installing {} CRDs", crds.len()),
                );
                ctx.kube.install_crds(&crds, self.settings.timeout).await?;
            }
        }
        let (mut release, docs) = self.render_release(ctx, step.version).await?;
        let groups = plan_groups(&docs)?;
        release.apply_method = applying.record().into();
        if self.dry_run == DryRun::Client {
            set_status(&mut release, Status::PendingInstall, "Dry run complete");
            return Ok(Ok(Outcome {
                release,
                kept: Vec::new(),
            }));
        }
        ctx.events
            .stage(Stage::Validating, "checking objects against the cluster");
        let resources = ctx.build(&docs, &self.namespace).await?;
        let owner = Owner {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        };
        let exists = ctx
            .kube
            .check_ownership(
                &resources,
                &owner,
                self.take_ownership,
                "unable to continue with install",
            )
            .await?;
        let known = Known::new(Known::checked(&resources, &exists), true);
        if self.dry_run == DryRun::Server {
            ctx.dry_run(&[], &resources, &owner, &self.settings, applying)
                .await?;
            set_status(&mut release, Status::PendingInstall, "Dry run complete");
            return Ok(Ok(Outcome {
                release,
                kept: Vec::new(),
            }));
        }
        if let Some(previous) = step.supersede {
            let mut last = ctx.store.get(&self.namespace, &self.name, previous).await?;
            set_status(&mut last, Status::Superseded, "superseded by new release");
            ctx.store.update(&last).await?;
        }
        ctx.events
            .stage(Stage::RecordingRelease, "recording the pending release");
        ctx.store.create(&release).await?;
        match self
            .perform(
                ctx,
                &mut release,
                &resources,
                groups.as_ref(),
                &owner,
                &known,
            )
            .await
        {
            Ok(()) => {
                let description = self.settings.description_or(|| "Install complete".into());
                set_status(&mut release, Status::Deployed, description);
                ctx.events
                    .stage(Stage::RecordingRelease, "recording the deployed release");
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
                    format!("Release {:?} failed: {e}", self.name),
                );
                ctx.record_quietly(&release).await;
                Ok(Err(e))
            }
        }
    }

    /// The record an install would make (pending) and its documents: rendered
    /// against the cluster unless a client-side dry run.
    pub(crate) async fn render_release(
        &self,
        ctx: &Context,
        version: i64,
    ) -> Result<(Release, Vec<helmd_kube::Doc>)> {
        let rendered = ctx
            .render(RenderInput {
                chart: self.chart.clone(),
                values: self.values.clone(),
                name: self.name.clone(),
                namespace: self.namespace.clone(),
                revision: version,
                is_upgrade: false,
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
        let started = now();
        let release = Release {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            version,
            info: Some(Info {
                first_deployed: Some(started),
                last_deployed: Some(started),
                status: Status::PendingInstall,
                description: "Initial install underway".into(),
                notes: rendered.notes.clone(),
                ..Info::default()
            }),
            chart: Some(chart_record(&self.chart, &self.values)?),
            config: helmd_yaml::Value::map(self.values.clone()),
            manifest: rendered.manifest.clone(),
            hooks: rendered.hooks.clone(),
            labels: self.labels.clone(),
            apply_method: helmd_release::APPLY_METHOD_SSA.into(),
        };
        Ok((release, rendered.docs))
    }

    async fn perform(
        &self,
        ctx: &Context,
        release: &mut Release,
        resources: &[helmd_kube::Resource],
        groups: Option<&Plan>,
        owner: &Owner,
        known: &Known,
    ) -> Result<()> {
        let hooks = HookRunner {
            kube: &ctx.kube,
            store: Some(ctx.store.as_ref()),
            events: &ctx.events,
            timeout: self.settings.timeout,
        };
        if !self.settings.disable_hooks {
            ctx.events
                .stage(Stage::RunningPreHooks, "running pre-install hooks");
            hooks.run(release, hook_event::PRE_INSTALL).await?;
        }
        let change = Change {
            current: &[],
            target: resources,
            groups,
            applying: self.settings.apply_method.for_install(),
        };
        ctx.deploy(change, owner, &self.settings, known, &mut Vec::new())
            .await?;
        if !self.settings.disable_hooks {
            ctx.events
                .stage(Stage::RunningPostHooks, "running post-install hooks");
            hooks.run(release, hook_event::POST_INSTALL).await?;
        }
        Ok(())
    }

    /// After the last attempt failed: uninstall with rollback-on-failure.
    async fn remediate(&self, ctx: &Context, e: Error) -> Result<Outcome> {
        if !self.rollback_on_failure {
            return Err(e);
        }
        ctx.events.stage(
            Stage::RecoveringFromFailure,
            "uninstalling the failed release (rollback-on-failure)",
        );
        let uninstall = Uninstall {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            disable_hooks: self.settings.disable_hooks,
            timeout: self.settings.timeout,
            ..Uninstall::default()
        };
        match uninstall.run(ctx).await {
            Ok(_) => Err(Error::RolledBack {
                message: format!(
                    "release {} failed, and has been uninstalled due to rollback-on-failure being set: {e}",
                    self.name
                ),
                cause: Box::new(e),
            }),
            Err(u) => Err(Error::RolledBack {
                message: format!(
                    "an error occurred while uninstalling the release. original install error: {e}: {u}"
                ),
                cause: Box::new(e),
            }),
        }
    }
}
