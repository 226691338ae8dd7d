//! An upgrade's plan (`helmd_action::Plan`) as a PlanUpgradeResponse, and a release's
//! drift (`helmd_action::Drift`) as a GetReleaseDriftResponse.

use helmd_action::{ChangeAction, Drift, DriftKind, Plan};
use helmd_proto::v1 as pb;

use crate::convert::action::object;
use crate::convert::release as rel;
use crate::error::Result;

fn action(a: ChangeAction) -> pb::ChangeAction {
    match a {
        ChangeAction::Create => pb::ChangeAction::Create,
        ChangeAction::Update => pb::ChangeAction::Update,
        ChangeAction::Delete => pb::ChangeAction::Delete,
        ChangeAction::Unchanged => pb::ChangeAction::Unchanged,
        ChangeAction::Replace => pb::ChangeAction::Replace,
    }
}

/// A plan as the response (the release's full view gives chart, values, manifest
/// and notes; the plan has hidden its Secrets already).
pub fn plan(p: &Plan) -> Result<pb::PlanUpgradeResponse> {
    let full = rel::release(&p.release, true)?;
    Ok(pb::PlanUpgradeResponse {
        revision: full.revision,
        install: p.install,
        chart: full.chart,
        changes: p
            .changes
            .iter()
            .map(|c| pb::ResourceChange {
                action: action(c.action) as i32,
                resource: Some(object(&c.object)),
                diff: c.diff.clone(),
            })
            .collect(),
        hooks: p.hooks.iter().map(rel::hook).collect(),
        manifest: full.manifest,
        notes: full.notes,
        config: full.config,
    })
}

/// A drift as the response.
pub fn drift(d: &Drift) -> pb::GetReleaseDriftResponse {
    pb::GetReleaseDriftResponse {
        revision: i32::try_from(d.revision).unwrap_or(i32::MAX),
        drifted: d
            .drifted
            .iter()
            .map(|x| pb::ResourceDrift {
                kind: match x.kind {
                    DriftKind::Changed => pb::DriftKind::Changed,
                    DriftKind::Deleted => pb::DriftKind::Deleted,
                } as i32,
                resource: Some(object(&x.object)),
                diff: x.diff.clone(),
            })
            .collect(),
        in_sync: d.in_sync.iter().map(object).collect(),
    }
}
