//! What every action shares: the context it runs in, the settings common to
//! install, upgrade and rollback, and the steps they share (render on a blocking
//! thread, apply a revision over the previous one, wait, record).

use std::sync::Arc;

use std::time::Duration;

use helmd_kube::{ApplyOptions, DeleteOptions, Doc, Kube, Owner, Replaced, Resource, WaitOptions};
use helmd_release::{Info, ReleaseStore, Status};
use helmd_render::Interrupt;
use time::OffsetDateTime;

use crate::Release;
use crate::apply_method::{ApplyMethod, Applying};
use crate::error::{Error, Result};
use crate::events::{Events, ObjectRef, Stage};
use crate::render::{RenderInput, Rendered};

/// Where an action runs.
#[derive(Clone)]
pub struct Context {
    /// The cluster.
    pub kube: Kube,
    /// The release store.
    pub store: Arc<dyn ReleaseStore>,
    /// Progress.
    pub events: Events,
    /// Stops renders from outside.
    pub interrupt: Interrupt,
    /// Bounds renders running at once (shared with the server's other renders).
    pub render_slots: Option<Arc<tokio::sync::Semaphore>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("kube", &self.kube)
            .finish_non_exhaustive()
    }
}

/// Helm's `--dry-run`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DryRun {
    /// Really do it.
    #[default]
    None,
    /// Render only; nothing is sent to the cluster.
    Client,
    /// Render and let the server validate (dry-run apply); nothing is stored.
    Server,
}

/// Helm v4's `--wait`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Wait {
    /// Wait for hooks only (Helm's default without `--wait`).
    #[default]
    HookOnly,
    /// Wait for every object to be ready (`--wait`, `watcher`).
    Watcher,
    /// Helm 3's waiter (`legacy`): the same readiness rules here.
    Legacy,
}

/// `--hide-secret` needs a dry run (Helm's rule and words).
pub fn check_hide_secret(hide_secret: bool, dry_run: DryRun) -> Result<()> {
    if hide_secret && dry_run == DryRun::None {
        return Err(Error::InvalidRequest {
            field: "hide_secret".into(),
            message: "hiding Kubernetes secrets requires a dry-run mode".into(),
        });
    }
    Ok(())
}

/// Settings install, upgrade and rollback share.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long to wait for objects and each hook.
    pub timeout: Duration,
    /// Wait for objects.
    pub wait: Wait,
    /// Wait for Jobs to complete too.
    pub wait_for_jobs: bool,
    /// Skip hooks.
    pub disable_hooks: bool,
    /// Take fields other managers own.
    pub force_conflicts: bool,
    /// Replace existing objects (a PUT of the whole object) instead of applying them,
    /// re-creating those with a field that cannot change (`force_replace`).
    pub force_replace: bool,
    /// Server-side or client-side apply (`--server-side`); `Auto` is decided per action.
    pub apply_method: ApplyMethod,
    /// The record's description instead of Helm's.
    pub description: String,
    /// How often a failed attempt is tried again.
    pub retry: crate::remedy::Retry,
}

impl Settings {
    /// The record's description: the request's, else `default` (Helm's words).
    pub(crate) fn description_or(&self, default: impl FnOnce() -> String) -> String {
        if self.description.is_empty() {
            default()
        } else {
            self.description.clone()
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timeout: Duration::from_secs(300),
            wait: Wait::HookOnly,
            wait_for_jobs: false,
            disable_hooks: false,
            force_conflicts: false,
            force_replace: false,
            apply_method: ApplyMethod::Auto,
            description: String::new(),
            retry: crate::remedy::Retry::default(),
        }
    }
}

/// What an action leaves.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The release as recorded (for dry runs: as it would be).
    pub release: Release,
    /// Objects left in the cluster by `helm.sh/resource-policy: keep`.
    pub kept: Vec<ObjectRef>,
}

/// What an action already knows of which objects exist before it applies them
/// (from its ownership check and the current revision), so it need not read
/// them again to tell created objects from updated ones.
#[derive(Debug, Clone, Default)]
pub(crate) struct Known {
    existing: std::collections::HashSet<helmd_kube::ResourceKey>,
    /// Every object not in `existing` is known to be absent.
    complete: bool,
}

impl Known {
    /// `existing` exist; about others nothing is known unless `complete`.
    pub(crate) fn new(
        existing: impl IntoIterator<Item = helmd_kube::ResourceKey>,
        complete: bool,
    ) -> Known {
        Known {
            existing: existing.into_iter().collect(),
            complete,
        }
    }

    /// The objects of `resources` whose flag in `exists` is set (an ownership check's answer).
    pub(crate) fn checked(resources: &[Resource], exists: &[bool]) -> Vec<helmd_kube::ResourceKey> {
        resources
            .iter()
            .zip(exists)
            .filter(|(_, e)| **e)
            .map(|(r, _)| r.key())
            .collect()
    }

    fn exists(&self, r: &Resource) -> Option<bool> {
        if self.existing.contains(&r.key()) {
            Some(true)
        } else {
            self.complete.then_some(false)
        }
    }
}

/// Now, for record times.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Sets a record's status and description.
pub(crate) fn set_status(release: &mut Release, status: Status, description: impl Into<String>) {
    let info = release.info.get_or_insert_with(Info::default);
    info.status = status;
    info.description = description.into();
}

/// Marks a record superseded, keeping its description (as Helm does).
pub(crate) fn supersede(release: &mut Release) {
    release.info.get_or_insert_with(Info::default).status = Status::Superseded;
}

/// A record's status.
pub(crate) fn status_of(release: &Release) -> Status {
    release.status()
}

impl Context {
    /// Every revision of a release, oldest first, with only its custom labels (the
    /// Secrets store reports Helm's own labels too).
    pub(crate) async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>> {
        let mut history = self.store.history(namespace, name).await?;
        for r in &mut history {
            r.labels = helmd_release::custom_labels(&r.labels);
        }
        Ok(history)
    }

    /// What templates' `lookup` reads: the live cluster, except for a client-side
    /// dry run, which renders offline like Helm's (`lookup` returns an empty map).
    pub(crate) fn lookup(&self, dry_run: DryRun) -> Option<Arc<dyn helmd_render::ClusterAccess>> {
        match dry_run {
            DryRun::Client => None,
            DryRun::None | DryRun::Server => {
                Some(Arc::new(crate::lookup::LiveLookup::new(self.kube.clone())))
            }
        }
    }

    /// Renders on a blocking thread.
    pub(crate) async fn render(&self, input: RenderInput) -> Result<Rendered> {
        self.events.stage(Stage::Rendering, "rendering the chart");
        let slot =
            match &self.render_slots {
                Some(slots) => Some(slots.clone().acquire_owned().await.map_err(|_| {
                    Error::InvalidRequest {
                        field: "chart".into(),
                        message: "the server is shutting down".into(),
                    }
                })?),
                None => None,
            };
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            crate::render::render(input)
        })
        .await
        .map_err(|e| Error::InvalidRequest {
            field: "chart".into(),
            message: format!("render stopped: {e}"),
        })?
    }

    /// The documents of a manifest as objects of served kinds (discovery runs
    /// again once when a kind is not found).
    pub(crate) async fn build(&self, docs: &[Doc], namespace: &str) -> Result<Vec<Resource>> {
        Ok(self.kube.build_fresh(docs, namespace).await?)
    }

    /// Updates a record, logging (not failing) when the store refuses: used where
    /// Helm ignores the error because another one is being reported.
    pub(crate) async fn record_quietly(&self, release: &Release) {
        if let Err(e) = self.store.update(release).await {
            tracing::warn!(release = %release.name, version = release.version, error = %e, "recording the release failed");
        }
    }

    /// How objects are sent for `owner` under `settings` (a dry run when `dry_run`).
    pub(crate) fn apply_options(owner: &Owner, settings: &Settings, dry_run: bool) -> ApplyOptions {
        ApplyOptions {
            owner: Some(owner.clone()),
            force_conflicts: settings.force_conflicts,
            dry_run,
        }
    }

    /// `--dry-run=server`: every target object sent for validation only, applied
    /// (server- or client-side, over its object in `current`) or (with `force_replace`)
    /// replaced.
    pub(crate) async fn dry_run(
        &self,
        current: &[Resource],
        target: &[Resource],
        owner: &Owner,
        settings: &Settings,
        applying: Applying,
    ) -> Result<()> {
        let opts = Self::apply_options(owner, settings, true);
        let originals = originals(current);
        for r in target {
            if settings.force_replace {
                self.kube.replace(r, &opts, settings.timeout).await?;
            } else if applying.server_side {
                self.kube.apply(r, &opts).await?;
            } else {
                let original = originals.get(&r.key()).copied();
                self.kube.apply_client_side(r, original, &opts).await?;
            }
        }
        Ok(())
    }

    /// Applies `target` over `current` (Helm's `KubeClient.Update`): every target
    /// object applied as `applying` says (replaced with `force_replace`), then current
    /// objects the target no longer has deleted (kept and foreign ones left). Returns
    /// the objects that did not exist before.
    pub(crate) async fn update(
        &self,
        current: &[Resource],
        target: &[Resource],
        owner: &Owner,
        settings: &Settings,
        known: &Known,
        applying: Applying,
    ) -> Result<Vec<Resource>> {
        let created = self
            .apply_all(current, target, owner, settings, known, applying)
            .await?;
        self.delete_removed(current, target, owner).await?;
        Ok(created)
    }

    /// Applies every object of `target` as `applying` says (replaced with
    /// `force_replace`; client-side over its object in `current`), deleting nothing.
    /// Returns the objects that did not exist before.
    pub(crate) async fn apply_all(
        &self,
        current: &[Resource],
        target: &[Resource],
        owner: &Owner,
        settings: &Settings,
        known: &Known,
        applying: Applying,
    ) -> Result<Vec<Resource>> {
        self.events.stage(
            Stage::Applying,
            format!("applying {} objects", target.len()),
        );
        let opts = Self::apply_options(owner, settings, false);
        let originals = originals(current);
        let mut created = Vec::new();
        let mut done = 0;
        for group in helmd_kube::by_kind(target) {
            let applied: Vec<Result<Replaced>> = helmd_kube::concurrently(
                group
                    .iter()
                    .map(|r| {
                        let original = originals.get(&r.key()).copied();
                        self.apply_one(r, original, &opts, settings, known, applying)
                    })
                    .collect(),
            )
            .await;
            for (r, outcome) in group.iter().zip(applied) {
                let (message, is_new) = match outcome? {
                    Replaced::Created => ("created", true),
                    Replaced::Replaced if settings.force_replace => ("replaced", false),
                    Replaced::Replaced => ("updated", false),
                    Replaced::Recreated => ("deleted and created again", false),
                };
                done += 1;
                self.events
                    .object(Stage::Applying, message, r, None, (done, target.len()));
                if is_new {
                    created.push(r.clone());
                }
            }
        }
        Ok(created)
    }

    /// Deletes the objects of `current` that `target` no longer has (kept and foreign
    /// ones left), the last step of applying a revision.
    pub(crate) async fn delete_removed(
        &self,
        current: &[Resource],
        target: &[Resource],
        owner: &Owner,
    ) -> Result<()> {
        let keys: std::collections::HashSet<_> = target.iter().map(Resource::key).collect();
        let removed: Vec<Resource> = current
            .iter()
            .filter(|r| !keys.contains(&r.key()))
            .cloned()
            .collect();
        if !removed.is_empty() {
            self.events.stage(
                Stage::Deleting,
                format!(
                    "deleting {} objects the new revision no longer has",
                    removed.len()
                ),
            );
            let report = self
                .kube
                .delete(
                    &removed,
                    &DeleteOptions {
                        owner: Some(owner.clone()),
                        ..DeleteOptions::default()
                    },
                )
                .await?;
            for (i, r) in report.deleted.iter().enumerate() {
                self.events.object(
                    Stage::Deleting,
                    "deleted",
                    r,
                    None,
                    (i + 1, report.deleted.len()),
                );
            }
        }
        Ok(())
    }

    /// Applies (or replaces) one object, `original` its object in the current revision;
    /// whether it was created, updated in place or re-created.
    async fn apply_one(
        &self,
        r: &Resource,
        original: Option<&Resource>,
        opts: &ApplyOptions,
        settings: &Settings,
        known: &Known,
        applying: Applying,
    ) -> Result<Replaced> {
        if settings.force_replace {
            return Ok(self.kube.replace(r, opts, settings.timeout).await?);
        }
        if !applying.server_side {
            return Ok(self.kube.apply_client_side(r, original, opts).await?);
        }
        let existed = match known.exists(r) {
            Some(existed) => existed,
            None => self.kube.get(r).await?.is_some(),
        };
        if existed && applying.upgrade_client_side {
            self.kube.upgrade_client_side_fields(r).await?;
        }
        self.kube.apply(r, opts).await?;
        Ok(if existed {
            Replaced::Replaced
        } else {
            Replaced::Created
        })
    }

    /// Waits for `resources` when the settings ask for it.
    pub(crate) async fn wait(&self, resources: &[Resource], settings: &Settings) -> Result<()> {
        if settings.wait == Wait::HookOnly || resources.is_empty() {
            return Ok(());
        }
        let message = format!(
            "waiting up to {:?} for {} objects",
            settings.timeout,
            resources.len()
        );
        self.wait_ready(resources, settings.timeout, settings.wait_for_jobs, message)
            .await
    }

    /// Waits until `resources` are ready (within `timeout`), saying `message` first
    /// and each object's readiness as it changes.
    pub(crate) async fn wait_ready(
        &self,
        resources: &[Resource],
        timeout: Duration,
        wait_for_jobs: bool,
        message: String,
    ) -> Result<()> {
        self.events.stage(Stage::Waiting, message);
        let events = self.events.clone();
        let mut ready = std::collections::HashSet::new();
        let total = resources.len();
        let mut progress = move |r: &Resource, readiness: &helmd_kube::Readiness| {
            if readiness.is_ready() {
                ready.insert(r.key());
            }
            events.object(
                Stage::Waiting,
                readiness.message.clone(),
                r,
                Some(readiness.health),
                (ready.len(), total),
            );
        };
        self.kube
            .wait_ready(
                resources,
                &WaitOptions {
                    timeout,
                    wait_for_jobs,
                },
                &mut progress,
            )
            .await?;
        Ok(())
    }

    /// Deletes objects an failed action created (`--cleanup-on-fail`), best effort.
    pub(crate) async fn cleanup(&self, created: &[Resource], owner: &Owner) {
        if created.is_empty() {
            return;
        }
        self.events.stage(
            Stage::RecoveringFromFailure,
            format!("deleting {} objects this revision created", created.len()),
        );
        let opts = DeleteOptions {
            owner: Some(owner.clone()),
            ..DeleteOptions::default()
        };
        if let Err(e) = self.kube.delete(created, &opts).await {
            tracing::warn!(error = %e, "cleanup on fail");
        }
    }
}

/// The objects of the current revision by identity (the originals of three-way patches).
fn originals(
    current: &[Resource],
) -> std::collections::HashMap<helmd_kube::ResourceKey, &Resource> {
    current.iter().map(|r| (r.key(), r)).collect()
}
