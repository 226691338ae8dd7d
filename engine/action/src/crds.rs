//! The chart's `crds/` beyond Helm, which only ever creates missing CRDs:
//! - safe CRD upgrades (`upgrade_crds` on install and upgrade): every existing CRD
//!   the chart changes is checked (`crd_check.rs`) and its update dry-run on the
//!   server before any is written; only when all pass are they replaced and the
//!   missing ones created, then waited on until the cluster serves their versions;
//! - the `crds/` CRDs an uninstall leaves, reported as kept (helmd never deletes a
//!   CRD; those of `templates/` are kept by `helmd_kube`'s delete).

use std::time::Duration;

use helmd_kube::{Doc, DynamicObject, Resource};

use crate::Release;
use crate::common::Context;
use crate::error::{Error, Result};
use crate::events::{ObjectRef, Stage};

/// What safe CRD upgrades will do, all checked.
#[derive(Debug, Default)]
pub(crate) struct CrdChanges {
    /// CRDs to create.
    create: Vec<Resource>,
    /// CRDs to replace, with the live object they were checked against.
    update: Vec<(Resource, DynamicObject)>,
}

/// `upgrade_crds` with `skip_crds` contradicts itself.
pub fn check_upgrade_crds(skip_crds: bool, upgrade_crds: bool) -> Result<()> {
    if skip_crds && upgrade_crds {
        return Err(Error::InvalidRequest {
            field: "upgrade_crds".into(),
            message: "cannot upgrade CRDs while skipping them (skip_crds)".into(),
        });
    }
    Ok(())
}

impl Context {
    /// Checks every CRD of `crds` that exists against its live definition and asks
    /// the server to validate its update (a dry run); [`Error::CrdUpgradeUnsafe`]
    /// names the first that is not safe. Changes nothing.
    pub(crate) async fn check_crd_upgrades(&self, crds: &[Doc]) -> Result<CrdChanges> {
        let mut changes = CrdChanges::default();
        if crds.is_empty() {
            return Ok(changes);
        }
        self.events.stage(
            Stage::InstallingCrds,
            format!("checking {} CRDs for a safe upgrade", crds.len()),
        );
        for r in self.kube.build_crds(crds)? {
            let Some(live) = self.kube.get(&r).await? else {
                changes.create.push(r);
                continue;
            };
            let unsafe_because = |reason: String| Error::CrdUpgradeUnsafe {
                crd: r.name.clone(),
                reason,
            };
            if let Some(reason) = crate::crd_check::unsafe_change(&live.data, &r.object.data) {
                return Err(unsafe_because(reason));
            }
            match self.kube.update_crd(&r, &live, true).await {
                Ok(_) => {}
                Err(helmd_kube::Error::Rejected { message, .. }) => {
                    return Err(unsafe_because(format!(
                        "the API server refuses the new definition: {message}"
                    )));
                }
                Err(e) => return Err(e.into()),
            }
            changes.update.push((r, live));
        }
        Ok(changes)
    }

    /// Makes the checked changes: replaces the CRDs to update, creates the missing
    /// ones, and waits (within `timeout`) until the cluster serves every version of
    /// each, so the release's custom objects resolve.
    pub(crate) async fn apply_crd_upgrades(
        &self,
        changes: CrdChanges,
        timeout: Duration,
    ) -> Result<()> {
        let total = changes.create.len() + changes.update.len();
        if total == 0 {
            return Ok(());
        }
        self.events.stage(
            Stage::InstallingCrds,
            format!(
                "updating {} and creating {} CRDs",
                changes.update.len(),
                changes.create.len()
            ),
        );
        let mut changed = Vec::new();
        let mut done = 0;
        for (r, live) in &changes.update {
            let after = self.kube.update_crd(r, live, false).await?;
            done += 1;
            let message = if after.metadata.resource_version == live.metadata.resource_version {
                "unchanged"
            } else {
                changed.push(r.clone());
                "updated"
            };
            self.events
                .object(Stage::InstallingCrds, message, r, None, (done, total));
        }
        for r in self.kube.create_crds(&changes.create, timeout).await? {
            done += 1;
            self.events
                .object(Stage::InstallingCrds, "created", &r, None, (done, total));
            changed.push(r);
        }
        if !changed.is_empty() {
            self.kube.wait_crds_served(&changed, timeout).await?;
        }
        Ok(())
    }

    /// The CRDs of the release's `crds/` (its chart's own; subcharts are not in the
    /// record) that exist: an uninstall leaves them, as Helm does, and says so.
    pub(crate) async fn chart_crds_left(&self, release: &Release) -> Vec<ObjectRef> {
        let docs: Vec<Doc> = release
            .chart
            .iter()
            .flat_map(|c| c.files.iter().flatten())
            .filter(|f| {
                f.name.starts_with("crds/")
                    && [".yaml", ".yml", ".json"]
                        .iter()
                        .any(|ext| f.name.ends_with(ext))
            })
            .map(|f| Doc {
                template: f.name.clone(),
                content: String::from_utf8_lossy(f.data.as_deref().unwrap_or_default())
                    .into_owned(),
            })
            .collect();
        let mut left = Vec::new();
        for doc in &docs {
            let built = self.kube.build_crds(std::slice::from_ref(doc));
            for r in built.into_iter().flatten() {
                match self.kube.get(&r).await {
                    Ok(Some(_)) => left.push(ObjectRef::of(&r)),
                    Ok(None) => {}
                    Err(e) => tracing::warn!(crd = %r.name, error = %e, "reading a chart CRD"),
                }
            }
        }
        left
    }
}
