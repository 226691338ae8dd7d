//! Resource groups (Helm's HIP-0025 proposal, which Helm has not shipped): which
//! group each object of a manifest belongs to and which groups it waits for, as the
//! annotations `helm.sh/resource-group` and `helm.sh/depends-on/resource-groups`
//! say, turned into the order groups are applied in. Pure: no cluster, no events.
//!
//! The rules:
//! - `helm.sh/resource-group: NAME` puts an object in group NAME (one group per
//!   object). `helm.sh/depends-on/resource-groups` lists the groups that must be
//!   ready before the object's group is applied: a JSON array of names (the HIP's
//!   form, `'["db", "queue"]'`) or a comma-separated list (`db, queue`).
//! - A group's dependencies are what its objects declare; objects of one group that
//!   declare different dependency sets conflict (an object declaring none takes
//!   the group's). Declaring dependencies without a group, naming a group no
//!   object is in, an empty name and a cycle (a group depending on itself
//!   included) are refused with the groups named.
//! - Groups go one at a time in dependency order, ties broken by name; each keeps
//!   its objects in the order given (Helm's install kind order). Objects without a
//!   group come last, together, as the HIP has "resources without sequencing
//!   annotations" deployed after the sequenced ones.
//! - A manifest with neither annotation has no plan: Helm's kind order as ever.

use std::collections::{BTreeMap, BTreeSet};

/// The annotation naming an object's group.
pub const GROUP_ANNOTATION: &str = "helm.sh/resource-group";
/// The annotation listing the groups an object's group depends on. Kubernetes
/// refuses the key (more than one `/`), so it stays in the manifest and is never
/// sent (`helmd_kube` drops it when building objects).
pub const DEPENDS_ON_ANNOTATION: &str = helmd_kube::DEPENDS_ON_RESOURCE_GROUPS_ANNOTATION;

/// One object as the planner sees it.
#[derive(Debug, Clone, Default)]
pub struct Member {
    /// How messages name it (`Deployment "web"`).
    pub name: String,
    /// Its annotations.
    pub annotations: BTreeMap<String, String>,
}

/// The order to apply objects in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The batches, in order.
    pub batches: Vec<Batch>,
}

/// Objects applied together and waited on before the next batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The group's name; `None` for the objects without a group.
    pub group: Option<String>,
    /// The groups it depends on.
    pub depends_on: Vec<String>,
    /// Its objects, as indexes into the planned members, in their order.
    pub members: Vec<usize>,
}

impl Batch {
    /// How events and messages name the batch.
    pub fn label(&self) -> String {
        match &self.group {
            Some(g) => format!("resource group {g:?}"),
            None => "objects without a resource group".to_owned(),
        }
    }
}

/// Why the groups cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The group the problem is about (the first of a cycle), if one.
    pub group: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Refusal {
    fn new(group: Option<&str>, message: String) -> Refusal {
        Refusal {
            group: group.map(str::to_owned),
            message,
        }
    }
}

/// What one group is: its objects and the dependencies they declare.
#[derive(Debug, Default)]
struct Group {
    members: Vec<usize>,
    /// The declared set and the object that declared it first.
    depends_on: Option<(BTreeSet<String>, String)>,
}

/// The plan for `members`, `None` when none carries either annotation.
pub fn plan(members: &[Member]) -> Result<Option<Plan>, Refusal> {
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut ungrouped = Vec::new();
    let mut annotated = false;
    for (i, m) in members.iter().enumerate() {
        let group = m.annotations.get(GROUP_ANNOTATION);
        let deps = m.annotations.get(DEPENDS_ON_ANNOTATION);
        annotated |= group.is_some() || deps.is_some();
        let Some(group) = group else {
            if deps.is_some() {
                return Err(Refusal::new(
                    None,
                    format!(
                        "{} declares {DEPENDS_ON_ANNOTATION} without {GROUP_ANNOTATION}",
                        m.name
                    ),
                ));
            }
            ungrouped.push(i);
            continue;
        };
        let group = group.trim();
        if group.is_empty() {
            return Err(Refusal::new(
                None,
                format!("{} has an empty {GROUP_ANNOTATION}", m.name),
            ));
        }
        let entry = groups.entry(group.to_owned()).or_default();
        entry.members.push(i);
        let Some(deps) = deps else { continue };
        let declared = parse_list(deps).map_err(|why| {
            Refusal::new(
                Some(group),
                format!("{}: {DEPENDS_ON_ANNOTATION}: {why}", m.name),
            )
        })?;
        match &entry.depends_on {
            None => entry.depends_on = Some((declared, m.name.clone())),
            Some((first, by)) if *first != declared => {
                return Err(Refusal::new(
                    Some(group),
                    format!(
                        "resource group {group:?} has conflicting dependencies: {by} declares {} and {} declares {}",
                        list(first),
                        m.name,
                        list(&declared)
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    if !annotated {
        return Ok(None);
    }
    let deps: BTreeMap<&str, BTreeSet<String>> = groups
        .iter()
        .map(|(name, g)| {
            let set = g.depends_on.as_ref().map(|(d, _)| d.clone());
            (name.as_str(), set.unwrap_or_default())
        })
        .collect();
    for (group, wanted) in &deps {
        if let Some(missing) = wanted.iter().find(|d| !deps.contains_key(d.as_str())) {
            return Err(Refusal::new(
                Some(group),
                format!(
                    "resource group {group:?} depends on resource group {missing:?}, which no object is in"
                ),
            ));
        }
    }
    let order = topological(&deps)?;
    let mut batches: Vec<Batch> = order
        .into_iter()
        .map(|name| Batch {
            depends_on: deps.get(name).into_iter().flatten().cloned().collect(),
            members: groups
                .get(name)
                .map(|g| g.members.clone())
                .unwrap_or_default(),
            group: Some(name.to_owned()),
        })
        .collect();
    if !ungrouped.is_empty() {
        batches.push(Batch {
            group: None,
            depends_on: Vec::new(),
            members: ungrouped,
        });
    }
    Ok(Some(Plan { batches }))
}

/// Kahn's algorithm, the smallest name first among the groups ready; a cycle is
/// refused naming it.
fn topological<'a>(deps: &BTreeMap<&'a str, BTreeSet<String>>) -> Result<Vec<&'a str>, Refusal> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::with_capacity(deps.len());
    while order.len() < deps.len() {
        let next = deps
            .iter()
            .find(|(name, wanted)| {
                !done.contains(*name) && wanted.iter().all(|d| done.contains(d.as_str()))
            })
            .map(|(name, _)| *name);
        let Some(next) = next else {
            let cycle = find_cycle(deps, &done);
            let first = cycle.first().cloned();
            return Err(Refusal::new(
                first.as_deref(),
                format!("resource groups form a cycle: {}", cycle_text(&cycle)),
            ));
        };
        done.insert(next);
        order.push(next);
    }
    Ok(order)
}

/// A cycle among the groups not `done` (every one of them waits on another one of
/// them): follow dependencies from the smallest until a group repeats.
fn find_cycle(deps: &BTreeMap<&str, BTreeSet<String>>, done: &BTreeSet<&str>) -> Vec<String> {
    let left = |name: &str| deps.contains_key(name) && !done.contains(name);
    let Some(start) = deps.keys().find(|n| left(n)) else {
        return Vec::new();
    };
    let mut path: Vec<String> = vec![(*start).to_owned()];
    loop {
        let Some(current) = path.last() else {
            return path;
        };
        let next = deps
            .get(current.as_str())
            .and_then(|wanted| wanted.iter().find(|d| left(d)))
            .cloned();
        let Some(next) = next else {
            return path;
        };
        if let Some(at) = path.iter().position(|p| *p == next) {
            return path.split_off(at);
        }
        path.push(next);
    }
}

/// `a -> b -> a`: each group waits for the next.
fn cycle_text(cycle: &[String]) -> String {
    let mut names: Vec<String> = cycle.iter().map(|g| format!("{g:?}")).collect();
    if let Some(first) = names.first().cloned() {
        names.push(first);
    }
    names.join(" depends on ")
}

fn list(set: &BTreeSet<String>) -> String {
    let names: Vec<String> = set.iter().map(|g| format!("{g:?}")).collect();
    format!("[{}]", names.join(", "))
}

/// A dependency list: a JSON array of strings, or names separated by commas.
fn parse_list(text: &str) -> Result<BTreeSet<String>, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(BTreeSet::new());
    }
    let names: Vec<String> = if trimmed.starts_with('[') {
        serde_json::from_str::<Vec<String>>(trimmed)
            .map_err(|e| format!("not a JSON array of group names: {e}"))?
    } else {
        trimmed.split(',').map(str::to_owned).collect()
    };
    let mut set = BTreeSet::new();
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            return Err(format!("an empty group name in {text:?}"));
        }
        set.insert(name.to_owned());
    }
    Ok(set)
}

#[cfg(test)]
mod tests;
