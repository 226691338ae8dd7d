//! Deleting a release's objects: `helm.sh/resource-policy: keep` honoured, and —
//! as Helm 4.3 does — only objects that still carry the release's ownership.
//! CustomResourceDefinitions are always kept (unlike Helm, which deletes the ones a
//! chart renders from `templates/`), as if annotated keep.

use std::time::Duration;

use kube::api::{DeleteParams, PropagationPolicy};

use crate::changes::Changes;
use crate::cluster::Kube;
use crate::crd::is_crd;
use crate::error::{Error, Result};
use crate::ownership::{Owner, keeps};
use crate::resource::Resource;

/// How dependents are deleted (`--cascade`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Propagation {
    /// Dependents are deleted in the background (Helm's default).
    #[default]
    Background,
    /// The object goes once its dependents are gone.
    Foreground,
    /// Dependents are left behind.
    Orphan,
}

/// What a delete does.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// Delete only objects this release owns (others are reported, left alone).
    pub owner: Option<Owner>,
    /// How dependents go.
    pub propagation: Propagation,
    /// Ask the server to validate only.
    pub dry_run: bool,
}

/// What happened to one object asked to go.
enum Outcome {
    Deleted,
    Missing,
}

/// What a delete did, per object.
#[derive(Debug, Clone, Default)]
pub struct DeleteReport {
    /// Deleted (or already being deleted).
    pub deleted: Vec<Resource>,
    /// Left alone: `helm.sh/resource-policy: keep`, and every CustomResourceDefinition.
    pub kept: Vec<Resource>,
    /// Left alone: no longer this release's (another release or nobody took it over).
    pub not_owned: Vec<Resource>,
    /// Already gone.
    pub missing: Vec<Resource>,
}

impl Kube {
    /// Reads every one of `resources` first (any order, at most
    /// [`crate::CONCURRENCY`] at once) — kept and foreign objects are reported,
    /// never deleted — then deletes the rest kind by kind in the given order,
    /// the objects of one kind at once, as Helm 4.3 verifies ownership of all
    /// before it deletes any.
    pub async fn delete(
        &self,
        resources: &[Resource],
        opts: &DeleteOptions,
    ) -> Result<DeleteReport> {
        let mut report = DeleteReport::default();
        let live = crate::concurrently(resources.iter().map(|r| self.get(r)).collect()).await;
        let mut doomed = Vec::new();
        for (r, live) in resources.iter().zip(live) {
            let list = match live? {
                None => &mut report.missing,
                // helmd never deletes a CustomResourceDefinition: every custom
                // object of its kind would go with it (Helm deletes templated ones).
                Some(live) if keeps(&live) || keeps(&r.object) || is_crd(r) => &mut report.kept,
                Some(live) if opts.owner.as_ref().is_some_and(|o| !o.owns(&live)) => {
                    &mut report.not_owned
                }
                Some(_) => &mut doomed,
            };
            list.push(r.clone());
        }
        for group in crate::by_kind(&doomed) {
            let outcomes =
                crate::concurrently(group.iter().map(|r| self.delete_owned(r, opts)).collect())
                    .await;
            for (r, outcome) in group.iter().zip(outcomes) {
                let list = match outcome? {
                    Outcome::Deleted => &mut report.deleted,
                    Outcome::Missing => &mut report.missing,
                };
                list.push(r.clone());
            }
        }
        Ok(report)
    }

    /// Deletes an object already checked.
    async fn delete_owned(&self, r: &Resource, opts: &DeleteOptions) -> Result<Outcome> {
        let params = DeleteParams {
            propagation_policy: Some(match opts.propagation {
                Propagation::Background => PropagationPolicy::Background,
                Propagation::Foreground => PropagationPolicy::Foreground,
                Propagation::Orphan => PropagationPolicy::Orphan,
            }),
            dry_run: opts.dry_run,
            ..DeleteParams::default()
        };
        match r.api(self.client()).delete(&r.name, &params).await {
            Ok(_) => Ok(Outcome::Deleted),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(Outcome::Missing),
            Err(e) => Err(Error::from_api(e, &r.template, &r.describe())),
        }
    }

    /// Deletes one object unconditionally (hooks), waiting until it is gone when
    /// `wait` is set (bounded by `timeout`).
    pub async fn delete_one(&self, r: &Resource, wait: bool, timeout: Duration) -> Result<()> {
        let params = DeleteParams {
            propagation_policy: Some(PropagationPolicy::Background),
            ..DeleteParams::default()
        };
        match r.api(self.client()).delete(&r.name, &params).await {
            Ok(_) => {}
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(()),
            Err(e) => return Err(Error::from_api(e, &r.template, &r.describe())),
        }
        if wait {
            self.wait_gone(std::slice::from_ref(r), timeout).await?;
        }
        Ok(())
    }

    /// Waits until none of `resources` exists any more.
    pub async fn wait_gone(&self, resources: &[Resource], timeout: Duration) -> Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let all: Vec<&Resource> = resources.iter().collect();
        let changes = Changes::watch(self.client(), &all);
        let mut delay = Duration::from_millis(100);
        loop {
            let present: Vec<Result<bool>> = crate::concurrently(
                resources
                    .iter()
                    .map(|r| async move { Ok(self.get(r).await?.is_some()) })
                    .collect(),
            )
            .await;
            let mut left = Vec::new();
            for (r, present) in resources.iter().zip(present) {
                if present? {
                    left.push(r.describe());
                }
            }
            if left.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() + delay > deadline {
                return Err(Error::WaitTimeout {
                    message: format!("timed out waiting for the deletion of {}", left.join(", ")),
                });
            }
            changes.next(delay).await;
            delay = crate::wait::backoff(delay);
        }
    }
}
