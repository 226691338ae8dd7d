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
use crate::hooks::HookRunner;
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
    /// Runs the install.
    pub async fn run(self, ctx: &Context) -> Result<Outcome> {
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
        let step = install_step(&history, self.replace)?;
        let applying = self.settings.apply_method.for_install();
        applying.check_force_conflicts(self.settings.force_conflicts)?;
        let live = self.dry_run != DryRun::Client;
        if live && !ctx.kube.namespace_exists(&self.namespace).await? {
            if self.create_namespace && self.dry_run == DryRun::None {
                ctx.kube
                    .create_namespace(&self.namespace, self.settings.timeout)
                    .await?;
            } else if !self.create_namespace {
                return Err(helmd_kube::Error::NamespaceNotFound(self.namespace.clone()).into());
            }
        }
        if !self.skip_crds && self.dry_run == DryRun::None {
            let crds = crate::render::crds(&self.chart, &self.values)?;
            if !crds.is_empty() {
                ctx.events.stage(
                    Stage::InstallingCrds,
                    format!("installing {} CRDs", crds.len()),
                );
                ctx.kube.install_crds(&crds, self.settings.timeout).await?;
            }
        }
        let rendered = ctx
            .render(RenderInput {
                chart: self.chart.clone(),
                values: self.values.clone(),
                name: self.name.clone(),
                namespace: self.namespace.clone(),
                revision: step.version,
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
        let mut release = Release {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
            version: step.version,
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
            apply_method: applying.record().into(),
        };
        if self.dry_run == DryRun::Client {
            set_status(&mut release, Status::PendingInstall, "Dry run complete");
            return Ok(Outcome {
                release,
                kept: Vec::new(),
            });
        }
        ctx.events
            .stage(Stage::Validating, "checking objects against the cluster");
        let resources = ctx.build(&rendered.docs, &self.namespace).await?;
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
            return Ok(Outcome {
                release,
                kept: Vec::new(),
            });
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
            .perform(ctx, &mut release, &resources, &owner, &known)
            .await
        {
            Ok(()) => {
                let description = if self.settings.description.is_empty() {
                    "Install complete".to_owned()
                } else {
                    self.settings.description.clone()
                };
                set_status(&mut release, Status::Deployed, description);
                ctx.events
                    .stage(Stage::RecordingRelease, "recording the deployed release");
                ctx.store.update(&release).await?;
                Ok(Outcome {
                    release,
                    kept: Vec::new(),
                })
            }
            Err(e) => self.fail(ctx, release, e).await,
        }
    }

    async fn perform(
        &self,
        ctx: &Context,
        release: &mut Release,
        resources: &[helmd_kube::Resource],
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
        let applying = self.settings.apply_method.for_install();
        ctx.update(&[], resources, owner, &self.settings, known, applying)
            .await?;
        ctx.wait(resources, &self.settings).await?;
        if !self.settings.disable_hooks {
            ctx.events
                .stage(Stage::RunningPostHooks, "running post-install hooks");
            hooks.run(release, hook_event::POST_INSTALL).await?;
        }
        Ok(())
    }

    async fn fail(&self, ctx: &Context, mut release: Release, e: Error) -> Result<Outcome> {
        set_status(
            &mut release,
            Status::Failed,
            format!("Release {:?} failed: {e}", self.name),
        );
        if !self.rollback_on_failure {
            ctx.record_quietly(&release).await;
            return Err(e);
        }
        ctx.events.stage(
            Stage::RecoveringFromFailure,
            "uninstalling the failed release (rollback-on-failure)",
        );
        ctx.record_quietly(&release).await;
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
