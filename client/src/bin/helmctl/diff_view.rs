//! Printing an upgrade's plan (`upgrade --dry-run=server --diff`) and a release's
//! drift (`status --show-drift`) the way the `helm diff` plugin prints changes: per
//! object a header `NAMESPACE, NAME, KIND (GROUP) has changed:` (or `has been
//! added:`, `has been removed:`, `has been replaced:`), then the diff's lines with
//! `+ `, `- ` or two spaces in front; coloured (header yellow, additions green,
//! removals red) only on a terminal and without `--no-color` or `NO_COLOR`.

use std::fmt::Write;
use std::io::IsTerminal;

use helmd_client::proto::{
    ChangeAction, DriftKind, GetReleaseDriftResponse, PlanUpgradeResponse, ResourceReference,
};

const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// Whether to colour what goes to stdout.
pub fn use_color(no_color: bool) -> bool {
    !no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
}

/// `helm diff`'s name for an object: `NAMESPACE, NAME, KIND (GROUP)`, the group
/// being the apiVersion without its version (`v1` for the core group).
pub fn object_key(r: &ResourceReference) -> String {
    let group = match r.api_version.rsplit_once('/') {
        Some((group, _)) => group,
        None => r.api_version.as_str(),
    };
    format!("{}, {}, {} ({group})", r.namespace, r.name, r.kind)
}

fn paint(out: &mut String, color: bool, code: &str, line: &str) {
    if color {
        let _ = writeln!(out, "{code}{line}{RESET}");
    } else {
        let _ = writeln!(out, "{line}");
    }
}

/// One object: its header and the diff's hunks (the `---`/`+++` lines left out).
fn object(out: &mut String, color: bool, r: &ResourceReference, what: &str, diff: &str) {
    paint(out, color, YELLOW, &format!("{} {what}:", object_key(r)));
    for line in diff.lines() {
        if line.starts_with("--- ") || line.starts_with("+++ ") {
            continue;
        }
        match line.split_at_checked(1) {
            Some(("+", rest)) => paint(out, color, GREEN, &format!("+ {rest}")),
            Some(("-", rest)) => paint(out, color, RED, &format!("- {rest}")),
            Some(("@", _)) => paint(out, color, CYAN, line),
            Some((_, rest)) => {
                let _ = writeln!(out, "  {rest}");
            }
            None => out.push('\n'),
        }
    }
    out.push('\n');
}

/// A plan as text: each object that would change, then the hooks that would run.
pub fn plan(p: &PlanUpgradeResponse, color: bool) -> String {
    let mut out = String::new();
    for c in &p.changes {
        let what = match c.action() {
            ChangeAction::Create => "has been added",
            ChangeAction::Update => "has changed",
            ChangeAction::Delete => "has been removed",
            ChangeAction::Replace => "has been replaced",
            ChangeAction::Unchanged | ChangeAction::Unspecified => continue,
        };
        let Some(r) = &c.resource else { continue };
        object(&mut out, color, r, what, &c.diff);
    }
    if !p.hooks.is_empty() {
        out.push_str("Hooks that would run, in order:\n");
        for h in &p.hooks {
            let _ = writeln!(out, "  {} ({})", h.name, h.kind);
        }
    }
    out
}

/// A drift report as text: a summary line, then each drifted object.
pub fn drift(d: &GetReleaseDriftResponse, color: bool) -> String {
    let total = d.drifted.len() + d.in_sync.len();
    let mut out = if d.drifted.is_empty() {
        format!(
            "DRIFT: none; the {total} objects of revision {} match the cluster\n",
            d.revision
        )
    } else {
        format!(
            "DRIFT: {} of the {total} objects of revision {} differ on the cluster\n",
            d.drifted.len(),
            d.revision
        )
    };
    for x in &d.drifted {
        let what = match x.kind() {
            DriftKind::Deleted => "has been removed",
            DriftKind::Changed | DriftKind::Unspecified => "has changed",
        };
        let Some(r) = &x.resource else { continue };
        object(&mut out, color, r, what, &x.diff);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use helmd_client::proto::ResourceChange;

    fn cm(name: &str) -> Option<ResourceReference> {
        Some(ResourceReference {
            api_version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: "ns".into(),
            name: name.into(),
        })
    }

    #[test]
    fn a_plan_prints_like_helm_diff_without_colour() {
        let p = PlanUpgradeResponse {
            changes: vec![
                ResourceChange {
                    action: ChangeAction::Update as i32,
                    resource: cm("a"),
                    diff: "--- live\n+++ planned\n@@ -1,2 +1,2 @@\n data:\n-  k: old\n+  k: new\n"
                        .into(),
                },
                ResourceChange {
                    action: ChangeAction::Unchanged as i32,
                    resource: cm("b"),
                    diff: String::new(),
                },
            ],
            ..PlanUpgradeResponse::default()
        };
        assert_eq!(
            plan(&p, false),
            "ns, a, ConfigMap (v1) has changed:\n@@ -1,2 +1,2 @@\n  data:\n-   k: old\n+   k: new\n\n"
        );
        let coloured = plan(&p, true);
        assert!(coloured.contains("\x1b[33mns, a, ConfigMap (v1) has changed:\x1b[0m"));
        assert!(coloured.contains("\x1b[31m-   k: old\x1b[0m"));
        assert!(coloured.contains("\x1b[32m+   k: new\x1b[0m"));
    }

    #[test]
    fn the_group_is_the_api_version_without_its_version() {
        let r = ResourceReference {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: "ns".into(),
            name: "web".into(),
        };
        assert_eq!(object_key(&r), "ns, web, Deployment (apps)");
    }
}
