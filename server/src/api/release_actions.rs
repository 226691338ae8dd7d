//! ReleaseService's mutating RPCs: InstallRelease, UpgradeRelease,
//! RollbackRelease and UninstallRelease. Each checks the request and the
//! release's state first (a refusal fails the call and streams nothing), takes
//! the release's lock, and starts the `helmd_action` operation whose events
//! stream back (`ops`).

use std::sync::Arc;

use helmd_action::{Context, Events, Install, Rollback, Test, Uninstall, Upgrade};
use helmd_kube::Kube;
use helmd_proto::v1::*;
use helmd_release::Status;
use tokio::sync::mpsc;

use super::EventStream;
use super::chart::ChartApi;
use super::chart_dependencies;
use super::chart_render::{self, Archive};
use super::engine_work;
use crate::app::AppState;
use crate::convert::action as conv;
use crate::error::{Error, Result};
use crate::ops::{self, OperationSpec};

/// The release a request names: namespace (`default` when empty) and checked name.
pub fn target(namespace: &str, name: &str) -> Result<(String, String)> {
    if name.is_empty() {
        return Err(Error::invalid("name", "required"));
    }
    helmd_render::validate_release_name(name).map_err(|reason| Error::invalid("name", reason))?;
    let namespace = if namespace.is_empty() {
        "default"
    } else {
        namespace
    };
    Ok((namespace.to_owned(), name.to_owned()))
}

/// One revision of a release (0: the latest), as GetRelease and
/// GetReleaseResources read it.
pub async fn revision(
    state: &AppState,
    namespace: &str,
    name: &str,
    revision: i32,
) -> Result<helmd_release::Release> {
    let store = &state.releases.store;
    match revision {
        0 => Ok(store.last(namespace, name).await?),
        n if n < 0 => Err(Error::invalid("revision", "must not be negative")),
        n => store
            .get(namespace, name, i64::from(n))
            .await
            .map_err(|e| Error::from_revision_get(e, name, i64::from(n))),
    }
}

/// The release actions over the shared state.
#[derive(Debug, Clone)]
pub struct Actions {
    pub(super) state: Arc<AppState>,
    /// The cluster, connected on first use; its discovery is shared by every
    /// operation and refreshed by those that render (see [`Actions::kube`]).
    kube: Arc<tokio::sync::OnceCell<Kube>>,
}

fn statuses(history: &[helmd_release::Release]) -> Vec<(i64, Status)> {
    history
        .iter()
        .map(|r| {
            (
                r.version,
                r.info
                    .as_ref()
                    .map(|i| i.status.clone())
                    .unwrap_or_default(),
            )
        })
        .collect()
}

impl Actions {
    /// Actions over `state`.
    pub fn new(state: Arc<AppState>) -> Self {
        Actions {
            state,
            kube: Arc::default(),
        }
    }

    /// The cluster. Its version and discovery are read on first use; `fresh`
    /// reads them again, as Helm does for every action that renders (so
    /// `.Capabilities` is current). Others use what was read last, and discovery
    /// runs again when a kind is not found.
    pub(super) async fn kube(&self, fresh: bool) -> Result<Kube> {
        if let Some(kube) = self.kube.get() {
            if fresh {
                kube.refresh().await?;
            }
            return Ok(kube.clone());
        }
        let client = self.state.sources.kube().await?.clone();
        let kube = self
            .kube
            .get_or_try_init(|| Kube::connect(client, helmd_kube::FIELD_MANAGER))
            .await?;
        Ok(kube.clone())
    }

    /// A context for one operation: the cluster (see [`Actions::kube`]), the
    /// store, events to `tx`, renders bounded by `--render-timeout`.
    pub(super) async fn context(
        &self,
        tx: mpsc::UnboundedSender<helmd_action::Event>,
        fresh: bool,
    ) -> Result<Context> {
        let kube = self.kube(fresh).await?;
        Ok(Context {
            kube,
            store: self.state.releases.store.clone(),
            events: Events::new(tx),
            interrupt: helmd_render::Interrupt::new()
                .with_timeout(self.state.config.render_timeout),
            render_slots: Some(self.state.renders.clone()),
        })
    }

    /// The chart of a request, fetched and loaded (schemas dropped when asked). Declared
    /// dependencies missing from `charts/` are fetched with `dependency_update`, else
    /// refused (FAILED_PRECONDITION, CHART_DEPENDENCIES_MISSING) as Helm refuses them.
    pub(super) async fn chart(
        &self,
        metadata: &tonic::metadata::MetadataMap,
        chart: Option<&ChartReference>,
        skip_schema: bool,
        dependency_update: bool,
        installable: bool,
    ) -> Result<helmd_render::Chart> {
        let deadline = self.state.sources.fetch_deadline(metadata);
        let started = std::time::Instant::now();
        let archive: Archive = ChartApi::new(self.state.clone())
            .archive(deadline, chart)
            .await?;
        let loading = archive.clone();
        let (mut chart, lacking) = engine_work::run(&self.state, move |_| {
            let chart = chart_render::load(&loading)?;
            let lacking = if dependency_update {
                chart_dependencies::lacking(&loading, &chart)?
            } else {
                None
            };
            Ok((chart, lacking))
        })
        .await?;
        if let Some(lacking) = lacking {
            let deadline = deadline.less(started.elapsed());
            let fetched = chart_dependencies::fetch(&self.state, deadline, &lacking).await?;
            chart = engine_work::run(&self.state, move |_| {
                chart_dependencies::load_with(&archive, fetched)
            })
            .await?;
        }
        // Helm's install (and `upgrade --install` of a new release) refuses a
        // library chart before it looks at dependencies; an upgrade does not.
        if installable {
            chart
                .metadata
                .check_installable()
                .map_err(|e| Error::Render(e.into()))?;
        }
        helmd_chart::check_dependencies(&chart)
            .map_err(|e| Error::ChartDependencies(e.to_string()))?;
        if skip_schema {
            chart_render::strip_schemas(&mut chart);
        }
        Ok(chart)
    }

    pub(super) async fn history(&self, namespace: &str, name: &str) -> Result<Vec<(i64, Status)>> {
        Ok(statuses(
            &self.state.releases.store.history(namespace, name).await?,
        ))
    }

    /// The release's history as the request's checks see it: with `recover`, a
    /// pending latest revision counts as failed (the operation marks it so first);
    /// whether that is the case.
    async fn history_for(
        &self,
        namespace: &str,
        name: &str,
        recover: bool,
    ) -> Result<(Vec<(i64, Status)>, bool)> {
        let history = self.history(namespace, name).await?;
        Ok(if recover {
            helmd_action::recovered(&history)
        } else {
            (history, false)
        })
    }

    /// The engine's upgrade of a request, checked against the release's `history`
    /// (Helm's upgrade base, unless it installs) with its chart and values loaded.
    /// Fields that only matter while running (`max_history`, `dry_run`,
    /// `rollback_on_failure`, `rollback_strategy`, `cleanup_on_fail`, `hide_secret`)
    /// are left at their defaults for the caller to set: PlanUpgrade leaves them so.
    pub(super) async fn upgrade_of(
        &self,
        metadata: &tonic::metadata::MetadataMap,
        req: UpgradeReleaseRequest,
        (namespace, name): (String, String),
        history: &[(i64, Status)],
        settings: helmd_action::Settings,
    ) -> Result<Upgrade> {
        let installs = history.is_empty() && req.install;
        if !installs {
            helmd_action::upgrade_base(&name, history)?;
        }
        let chart = self
            .chart(
                metadata,
                req.chart.as_ref(),
                req.skip_schema_validation,
                req.dependency_update,
                installs,
            )
            .await?;
        let values = chart_render::user_values(req.values.clone())?;
        let previous_values = conv::previous_values(req.previous_values());
        Ok(Upgrade {
            name,
            namespace,
            chart,
            values,
            labels: req.labels.into_iter().collect(),
            remove_labels: req.remove_labels,
            install: req.install,
            previous_values,
            max_history: 0,
            create_namespace: req.create_namespace,
            dry_run: helmd_action::DryRun::Server,
            rollback_on_failure: false,
            rollback_strategy: helmd_action::Strategy::Unspecified,
            cleanup_on_fail: false,
            skip_crds: req.skip_crds,
            upgrade_crds: req.upgrade_crds,
            take_ownership: req.take_ownership,
            render_subchart_notes: req.render_subchart_notes,
            hide_secret: false,
            enable_dns: req.enable_dns,
            correct_drift: req.correct_drift,
            settings,
        })
    }

    /// Marks the pending revision a stopped process left failed (`recover`), inside
    /// the operation that holds the release, and records it in the audit log.
    async fn recover(
        &self,
        ctx: &Context,
        (namespace, name): &(String, String),
        method: &str,
        operation: &str,
    ) -> Result<()> {
        let Some((revision, status)) = helmd_action::recover(ctx, namespace, name).await? else {
            return Ok(());
        };
        let row = crate::storage::AuditRow {
            id: 0,
            time_us: crate::storage::now_us(),
            principal: "system:anonymous".into(),
            groups: String::new(),
            auth_method: String::new(),
            action: format!("/helmd.v1.ReleaseService/{method}"),
            namespace: namespace.clone(),
            release_name: name.clone(),
            operation_id: None,
            code: 0,
            message: format!(
                "recovered revision {revision} left {status}: marked failed (operation {operation})"
            ),
            request_summary: format!("{{\"recover\":true,\"revision\":{revision}}}"),
        };
        if let Err(e) = self.state.db.insert_audit_event(&row).await {
            tracing::warn!(error = %e, release = %name, "recording the recovery in the audit log failed");
        }
        Ok(())
    }

    fn spec(
        kind: OperationKind,
        namespace: &str,
        name: &str,
        request_id: &str,
        dry_run: bool,
    ) -> OperationSpec {
        OperationSpec {
            id: uuid::Uuid::new_v4().to_string(),
            kind,
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            request_id: request_id.to_owned(),
            dry_run,
        }
    }

    /// InstallRelease.
    pub async fn install(
        &self,
        metadata: &tonic::metadata::MetadataMap,
        req: InstallReleaseRequest,
    ) -> Result<EventStream> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        helmd_action::check_hide_secret(req.hide_secret, conv::dry_run(req.dry_run()))?;
        helmd_action::check_upgrade_crds(req.skip_crds, req.upgrade_crds)?;
        let mut settings = conv::settings(
            "timeout",
            req.timeout.as_ref(),
            req.wait(),
            req.wait_for_jobs,
            req.disable_hooks,
            req.force_conflicts,
            &req.description,
        )?;
        settings.force_replace =
            conv::force_replace(req.force_replace, req.force_conflicts, req.apply_method())?;
        settings.retry = conv::retry(req.retries, req.retry_backoff.as_ref())?;
        settings.apply_method = conv::apply_method(req.apply_method(), req.force_conflicts)?;
        let labels: std::collections::BTreeMap<String, String> =
            req.labels.clone().into_iter().collect();
        helmd_release::validate_custom_labels(&labels)?;
        let (history, recovering) = self.history_for(&namespace, &name, req.recover).await?;
        // A recovered pending install is failed: installed over as `replace` does.
        let replace = req.replace || recovering;
        helmd_action::install_step(&history, replace)?;
        let chart = self
            .chart(
                metadata,
                req.chart.as_ref(),
                req.skip_schema_validation,
                req.dependency_update,
                true,
            )
            .await?;
        let values = chart_render::user_values(req.values.clone())?;
        let dry_run = conv::dry_run(req.dry_run());
        let spec = Self::spec(
            OperationKind::Install,
            &namespace,
            &name,
            &req.request_id,
            dry_run != helmd_action::DryRun::None,
        );
        let lock = self.state.locks.acquire(&namespace, &name, &spec.id)?;
        let release = (namespace.clone(), name.clone());
        let install = Install {
            name,
            namespace,
            chart,
            values,
            labels,
            create_namespace: req.create_namespace,
            dry_run,
            rollback_on_failure: req.rollback_on_failure,
            skip_crds: req.skip_crds,
            upgrade_crds: req.upgrade_crds,
            take_ownership: req.take_ownership,
            replace,
            render_subchart_notes: req.render_subchart_notes,
            hide_secret: req.hide_secret,
            enable_dns: req.enable_dns,
            settings,
        };
        let this = self.clone();
        let operation = spec.id.clone();
        Ok(ops::start(spec, lock, move |tx| async move {
            let ctx = this.context(tx, true).await?;
            if recovering {
                this.recover(&ctx, &release, "InstallRelease", &operation)
                    .await?;
            }
            Ok(Some(install.run(&ctx).await?))
        }))
    }

    /// UpgradeRelease.
    pub async fn upgrade(
        &self,
        metadata: &tonic::metadata::MetadataMap,
        req: UpgradeReleaseRequest,
    ) -> Result<EventStream> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        helmd_action::check_hide_secret(req.hide_secret, conv::dry_run(req.dry_run()))?;
        helmd_action::check_upgrade_crds(req.skip_crds, req.upgrade_crds)?;
        let max_history = conv::max_history(req.max_history)?;
        let mut settings = conv::settings(
            "timeout",
            req.timeout.as_ref(),
            req.wait(),
            req.wait_for_jobs,
            req.disable_hooks,
            req.force_conflicts,
            &req.description,
        )?;
        settings.force_replace =
            conv::force_replace(req.force_replace, req.force_conflicts, req.apply_method())?;
        settings.retry = conv::retry(req.retries, req.retry_backoff.as_ref())?;
        let rollback_strategy = conv::rollback_strategy(req.rollback_strategy());
        rollback_strategy.check(req.rollback_on_failure)?;
        settings.apply_method = conv::apply_method(req.apply_method(), req.force_conflicts)?;
        let (history, recovering) = self.history_for(&namespace, &name, req.recover).await?;
        let dry_run = conv::dry_run(req.dry_run());
        let spec = Self::spec(
            OperationKind::Upgrade,
            &namespace,
            &name,
            &req.request_id,
            dry_run != helmd_action::DryRun::None,
        );
        let rollback_on_failure = req.rollback_on_failure;
        let cleanup_on_fail = req.cleanup_on_fail;
        let hide_secret = req.hide_secret;
        let upgrade = self
            .upgrade_of(metadata, req, (namespace, name), &history, settings)
            .await?;
        let lock = self
            .state
            .locks
            .acquire(&upgrade.namespace, &upgrade.name, &spec.id)?;
        let release = (upgrade.namespace.clone(), upgrade.name.clone());
        let upgrade = Upgrade {
            max_history,
            dry_run,
            rollback_on_failure,
            rollback_strategy,
            cleanup_on_fail,
            hide_secret,
            ..upgrade
        };
        let this = self.clone();
        let operation = spec.id.clone();
        Ok(ops::start(spec, lock, move |tx| async move {
            let ctx = this.context(tx, true).await?;
            if recovering {
                this.recover(&ctx, &release, "UpgradeRelease", &operation)
                    .await?;
            }
            Ok(Some(upgrade.run(&ctx).await?))
        }))
    }

    /// RollbackRelease.
    pub async fn rollback(&self, req: RollbackReleaseRequest) -> Result<EventStream> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        if req.revision < 0 {
            return Err(Error::invalid("revision", "must not be negative"));
        }
        let max_history = conv::max_history(req.max_history)?;
        let mut settings = conv::settings(
            "timeout",
            req.timeout.as_ref(),
            req.wait(),
            req.wait_for_jobs,
            req.disable_hooks,
            req.force_conflicts,
            &req.description,
        )?;
        settings.force_replace =
            conv::force_replace(req.force_replace, req.force_conflicts, req.apply_method())?;
        settings.retry = conv::retry(req.retries, req.retry_backoff.as_ref())?;
        let (history, recovering) = self.history_for(&namespace, &name, req.recover).await?;
        settings.apply_method = conv::apply_method(req.apply_method(), req.force_conflicts)?;
        helmd_action::rollback_target(&history, i64::from(req.revision))?;
        let dry_run = req.dry_run() != DryRun::Unspecified;
        let spec = Self::spec(
            OperationKind::Rollback,
            &namespace,
            &name,
            &req.request_id,
            dry_run,
        );
        let lock = self.state.locks.acquire(&namespace, &name, &spec.id)?;
        let release = (namespace.clone(), name.clone());
        let rollback = Rollback {
            name,
            namespace,
            revision: i64::from(req.revision),
            dry_run,
            max_history,
            cleanup_on_fail: req.cleanup_on_fail,
            settings,
            ..Rollback::default()
        };
        let this = self.clone();
        let operation = spec.id.clone();
        Ok(ops::start(spec, lock, move |tx| async move {
            let ctx = this.context(tx, false).await?;
            if recovering {
                this.recover(&ctx, &release, "RollbackRelease", &operation)
                    .await?;
            }
            Ok(Some(rollback.run(&ctx).await?))
        }))
    }

    /// UninstallRelease.
    pub async fn uninstall(&self, req: UninstallReleaseRequest) -> Result<EventStream> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        let timeout = conv::timeout("timeout", req.timeout.as_ref())?;
        let history = self.history(&namespace, &name).await?;
        if history.is_empty() && !req.ignore_not_found {
            return Err(helmd_release::Error::NotFound.into());
        }
        let spec = Self::spec(
            OperationKind::Uninstall,
            &namespace,
            &name,
            &req.request_id,
            req.dry_run,
        );
        let lock = self.state.locks.acquire(&namespace, &name, &spec.id)?;
        let uninstall = Uninstall {
            name,
            namespace,
            description: req.description.clone(),
            keep_history: req.keep_history,
            cascade: conv::cascade(req.cascade()),
            ignore_not_found: req.ignore_not_found,
            dry_run: req.dry_run,
            wait: conv::wait(req.wait()),
            timeout,
            disable_hooks: req.disable_hooks,
        };
        let this = self.clone();
        Ok(ops::start(spec, lock, move |tx| async move {
            let ctx = this.context(tx, false).await?;
            Ok(uninstall.run(&ctx).await?)
        }))
    }

    /// TestRelease.
    pub async fn test(&self, req: TestReleaseRequest) -> Result<EventStream> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        let timeout = conv::timeout("timeout", req.timeout.as_ref())?;
        if self.history(&namespace, &name).await?.is_empty() {
            return Err(helmd_release::Error::NotFound.into());
        }
        let spec = Self::spec(
            OperationKind::Test,
            &namespace,
            &name,
            &req.request_id,
            false,
        );
        let lock = self.state.locks.acquire(&namespace, &name, &spec.id)?;
        let test = Test {
            name,
            namespace,
            include: req.test_names,
            exclude: req.excluded_test_names,
            logs: req.logs,
            timeout,
        };
        let this = self.clone();
        Ok(ops::start(spec, lock, move |tx| async move {
            let ctx = this.context(tx, false).await?;
            Ok(Some(test.run(&ctx).await?))
        }))
    }

    /// GetReleaseResources: each object of a revision (hooks too) and its live health.
    pub async fn resources(
        &self,
        req: GetReleaseResourcesRequest,
    ) -> Result<GetReleaseResourcesResponse> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        let record = revision(&self.state, &namespace, &name, req.revision).await?;
        let kube = self.kube(false).await?;
        let mut docs: Vec<(helmd_kube::Doc, bool)> = helmd_action::docs_of_manifest(
            &record.manifest,
            helmd_render::manifest::INSTALL_ORDER,
        )?
        .into_iter()
        .map(|d| (d, false))
        .collect();
        docs.extend(record.hooks.iter().map(|h| {
            (
                helmd_kube::Doc {
                    template: h.path.clone(),
                    content: h.manifest.clone(),
                },
                true,
            )
        }));
        let all: Vec<helmd_kube::Doc> = docs.iter().map(|(d, _)| d.clone()).collect();
        let built: Vec<(helmd_kube::Result<Vec<helmd_kube::Resource>>, bool, String)> = kube
            .build_each(&all, &namespace)
            .await?
            .into_iter()
            .zip(docs)
            .map(|(built, (doc, is_hook))| (built, is_hook, doc.template))
            .collect();
        // Every object's state, read together.
        let objects: Vec<helmd_kube::Resource> = built
            .iter()
            .filter_map(|(b, _, _)| b.as_ref().ok())
            .flatten()
            .cloned()
            .collect();
        let mut states = kube.status(&objects).await?.into_iter();
        let mut objects = objects.iter();
        let mut resources = Vec::new();
        for (b, is_hook, template) in built {
            match b {
                Ok(built) => {
                    for (r, state) in objects.by_ref().take(built.len()).zip(states.by_ref()) {
                        resources.push(ResourceStatus {
                            resource: Some(conv::object(&helmd_action::ObjectRef::of(r))),
                            health: conv::health(state.health) as i32,
                            message: state.message,
                            is_hook,
                        });
                    }
                }
                // A kind the cluster no longer serves: reported, not an error.
                Err(e) => resources.push(ResourceStatus {
                    resource: None,
                    health: ResourceHealth::Unknown as i32,
                    message: format!("{template}: {e}"),
                    is_hook,
                }),
            }
        }
        Ok(GetReleaseResourcesResponse {
            revision: i32::try_from(record.version).unwrap_or(i32::MAX),
            resources,
        })
    }
}
