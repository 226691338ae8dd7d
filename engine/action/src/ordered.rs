//! Applying a revision's objects in resource groups (`groups.rs`): each group
//! applied (Helm's kind order inside it) and waited on until ready before the next,
//! whatever the request's wait strategy, all within the request's timeout; the
//! objects the revision no longer has deleted last. Without groups, Helm's way:
//! everything applied, then waited on as the request asks.

use std::time::Duration;

use helmd_kube::{Doc, Owner, Resource};

use crate::apply_method::Applying;
use crate::common::{Context, Known, Settings};
use crate::error::{Error, Result};
use crate::events::Stage;
use crate::groups::{self, Member, Plan};

/// The resource-group plan of a manifest's documents (`None`: no object is in a
/// group), or [`Error::ResourceGroups`] — refused before anything is applied or
/// recorded.
pub(crate) fn plan_groups(docs: &[Doc]) -> Result<Option<Plan>> {
    let members: Vec<Member> = docs.iter().map(member).collect();
    groups::plan(&members).map_err(|r| Error::ResourceGroups {
        group: r.group,
        message: r.message,
    })
}

/// A document as the planner sees it. One that does not parse has no annotations
/// here; building it fails later with its own error.
fn member(doc: &Doc) -> Member {
    let head = helmd_render::manifest::parse_head(&doc.content).unwrap_or_default();
    Member {
        name: format!("{} {:?} ({})", head.kind, head.name(), doc.template),
        annotations: head.annotations().cloned().unwrap_or_default(),
    }
}

/// How many whole seconds, at least one, a wait message shows.
fn seconds(d: Duration) -> u64 {
    d.as_secs().max(1)
}

/// What a revision changes: the objects it replaces, its own, and their groups.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Change<'a> {
    /// The current revision's objects (none on install).
    pub current: &'a [Resource],
    /// The new revision's objects, built from the documents `groups` was planned
    /// from, in order.
    pub target: &'a [Resource],
    /// Their resource groups, if any.
    pub groups: Option<&'a Plan>,
    /// How the objects are applied (server- or client-side).
    pub applying: Applying,
}

impl Context {
    /// Applies `change.target` over `change.current`: with resource groups, group by
    /// group as the module says; without, every object at once, then the wait the
    /// settings ask for. Objects that did not exist before are added to `created`
    /// as they are applied, so a failure later still knows them (`cleanup_on_fail`).
    pub(crate) async fn deploy(
        &self,
        change: Change<'_>,
        owner: &Owner,
        settings: &Settings,
        known: &Known,
        created: &mut Vec<Resource>,
    ) -> Result<()> {
        let Change {
            current,
            target,
            groups,
            applying,
        } = change;
        let Some(plan) = groups else {
            created.extend(
                self.update(current, target, owner, settings, known, applying)
                    .await?,
            );
            return self.wait(target, settings).await;
        };
        let deadline = tokio::time::Instant::now() + settings.timeout;
        let total = plan.batches.len();
        for (i, batch) in plan.batches.iter().enumerate() {
            let objects: Vec<Resource> = batch
                .members
                .iter()
                .filter_map(|&m| target.get(m).cloned())
                .collect();
            let label = batch.label();
            let after = if batch.depends_on.is_empty() {
                String::new()
            } else {
                let names: Vec<String> =
                    batch.depends_on.iter().map(|d| format!("{d:?}")).collect();
                format!(", after {}", names.join(", "))
            };
            self.events.stage(
                Stage::Applying,
                format!("{label} ({} of {total}{after})", i + 1),
            );
            created.extend(
                self.apply_all(current, &objects, owner, settings, known, applying)
                    .await?,
            );
            let left = deadline
                .saturating_duration_since(tokio::time::Instant::now())
                .max(Duration::from_millis(1));
            let message = format!(
                "{label} ({} of {total}): waiting up to {}s for {} objects to be ready",
                i + 1,
                seconds(left),
                objects.len()
            );
            self.wait_ready(&objects, left, settings.wait_for_jobs, message)
                .await
                .map_err(|e| e.during(&format!("{label}: ")))?;
        }
        self.delete_removed(current, target, owner).await
    }
}
