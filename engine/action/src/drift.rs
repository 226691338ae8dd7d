//! Drift: how the objects of a release's deployed revision differ on the cluster from
//! their recorded manifest (GetReleaseDrift), and taking it back (UpgradeRelease's
//! `correct_drift`). An object is compared live against a server-side dry-run apply
//! of its recorded form with force conflicts, so a field the chart sets that another
//! field manager changed (`kubectl edit`) shows as a diff, while fields others added
//! and the chart does not set do not. Hooks are left out.

use helmd_kube::{ApplyOptions, Kube, Owner, Preview, Resource};
use helmd_release::Status;
use helmd_render::manifest::INSTALL_ORDER;

use crate::common::{Context, status_of};
use crate::diff::{self, Sides};
use crate::error::{Error, Result};
use crate::events::{ObjectRef, Stage};
use crate::plan::json;
use crate::render::docs_of_manifest;

/// The sides of a drift's diffs.
const RECORDED: Sides = Sides {
    old: "live",
    new: "recorded",
};

/// How an object differs from its recorded manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftKind {
    /// A field the manifest sets has another value on the cluster.
    Changed,
    /// The object is gone.
    Deleted,
}

/// One drifted object.
#[derive(Debug, Clone)]
pub struct Drifted {
    /// How.
    pub kind: DriftKind,
    /// The object.
    pub object: ObjectRef,
    /// Live → recorded (what correcting it would make of it).
    pub diff: String,
}

/// A release's drift.
#[derive(Debug, Clone)]
pub struct Drift {
    /// The deployed revision compared.
    pub revision: i64,
    /// Objects that differ, in install order.
    pub drifted: Vec<Drifted>,
    /// Objects that match, in install order.
    pub in_sync: Vec<ObjectRef>,
}

/// Which release to check.
#[derive(Debug, Clone)]
pub struct DriftCheck {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
}

impl DriftCheck {
    /// Compares the deployed revision's objects with the cluster; changes nothing.
    pub async fn run(self, ctx: &Context) -> Result<Drift> {
        let history = ctx.history(&self.namespace, &self.name).await?;
        if history.is_empty() {
            return Err(Error::NotFound);
        }
        let Some(deployed) = history
            .iter()
            .rev()
            .find(|r| status_of(r) == Status::Deployed)
        else {
            return Err(Error::NotDeployed(format!(
                "{:?} has no deployed releases",
                self.name
            )));
        };
        let docs = docs_of_manifest(&deployed.manifest, INSTALL_ORDER)?;
        let resources = ctx.build(&docs, &self.namespace).await?;
        let owner = Owner {
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        };
        let mut drift = Drift {
            revision: deployed.version,
            drifted: Vec::new(),
            in_sync: Vec::new(),
        };
        for (r, state) in resources
            .iter()
            .zip(drift_of(&ctx.kube, &resources, &owner).await?)
        {
            match state {
                Some((kind, diff)) => drift.drifted.push(Drifted {
                    kind,
                    object: ObjectRef::of(r),
                    diff,
                }),
                None => drift.in_sync.push(ObjectRef::of(r)),
            }
        }
        Ok(drift)
    }
}

/// Each object's drift and diff (`None`: in sync), in order.
async fn drift_of(
    kube: &Kube,
    resources: &[Resource],
    owner: &Owner,
) -> Result<Vec<Option<(DriftKind, String)>>> {
    helmd_kube::concurrently(resources.iter().map(|r| one(kube, r, owner)).collect())
        .await
        .into_iter()
        .collect()
}

async fn one(kube: &Kube, r: &Resource, owner: &Owner) -> Result<Option<(DriftKind, String)>> {
    let opts = ApplyOptions {
        owner: Some(owner.clone()),
        force_conflicts: true,
        dry_run: true,
    };
    let live = kube.get(r).await?;
    let recorded = match kube.preview(r, &opts, false, live.as_ref()).await? {
        Preview::Changed(o) | Preview::Recreated(o) => o,
    };
    let diff = diff::object_diff(
        live.as_ref().map(json).as_ref(),
        Some(&json(&recorded)),
        RECORDED,
    );
    Ok(match live {
        None => Some((DriftKind::Deleted, diff)),
        Some(_) if diff.is_empty() => None,
        Some(_) => Some((DriftKind::Changed, diff)),
    })
}

impl Context {
    /// `correct_drift`: each of `current` that drifted is applied again as recorded
    /// with force conflicts (a deleted one is created again); the others are left.
    pub(crate) async fn correct_drift(&self, current: &[Resource], owner: &Owner) -> Result<()> {
        self.events.stage(
            Stage::Applying,
            format!(
                "checking {} objects of the current revision for drift",
                current.len()
            ),
        );
        let drifted: Vec<(&Resource, DriftKind)> = current
            .iter()
            .zip(drift_of(&self.kube, current, owner).await?)
            .filter_map(|(r, state)| state.map(|(kind, _)| (r, kind)))
            .collect();
        let opts = ApplyOptions {
            owner: Some(owner.clone()),
            force_conflicts: true,
            dry_run: false,
        };
        for (i, (r, kind)) in drifted.iter().enumerate() {
            self.kube.apply(r, &opts).await?;
            let message = match kind {
                DriftKind::Changed => "drift corrected",
                DriftKind::Deleted => "created again (it was deleted)",
            };
            self.events
                .object(Stage::Applying, message, r, None, (i + 1, drifted.len()));
        }
        Ok(())
    }
}
