//! Deleting a release's objects: `helm.sh/resource-policy: keep` honoured, and —
//! as Helm 4.3 does — only objects that still carry the release's ownership.

use std::time::Duration;

use kube::api::{DeleteParams, PropagationPolicy};

use crate::cluster::Kube;
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

/// What a delete did, per object.
#[derive(Debug, Clone, Default)]
pub struct DeleteReport {
    /// Deleted (or already being deleted).
    pub deleted: Vec<Resource>,
    /// Left alone: `helm.sh/resource-policy: keep`.
    pub kept: Vec<Resource>,
    /// Left alone: no longer this release's (another release or nobody took it over).
    pub not_owned: Vec<Resource>,
    /// Already gone.
    pub missing: Vec<Resource>,
}

impl Kube {
    /// Deletes `resources` in order, reading each first: kept and foreign objects
    /// are reported, never deleted.
    pub async fn delete(
        &self,
        resources: &[Resource],
        opts: &DeleteOptions,
    ) -> Result<DeleteReport> {
        let mut report = DeleteReport::default();
        for r in resources {
            let Some(live) = self.get(r).await? else {
                report.missing.push(r.clone());
                continue;
            };
            if keeps(&live) {
                report.kept.push(r.clone());
                continue;
            }
            if let Some(owner) = &opts.owner
                && !owner.owns(&live)
            {
                report.not_owned.push(r.clone());
                continue;
            }
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
                Ok(_) => report.deleted.push(r.clone()),
                Err(kube::Error::Api(s)) if s.code == 404 => report.missing.push(r.clone()),
                Err(e) => return Err(Error::from_api(e, &r.template, &r.describe())),
            }
        }
        Ok(report)
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
        let mut delay = Duration::from_millis(100);
        loop {
            let mut left = Vec::new();
            for r in resources {
                if self.get(r).await?.is_some() {
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
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }
}
