//! Showing how an object changes (PlanUpgrade, GetReleaseDrift): each side as YAML
//! with sorted keys, without `status` and without the metadata the API server writes
//! (not the chart's), Secret values masked on both sides so that a changed key shows
//! but never a value, and a unified diff of the two texts. Also Helm's `--hide-secret`
//! rule for manifests and hooks shown next to a plan.

use serde_json::Value;

/// What a Secret value is shown as.
pub const MASK: &str = "***";
/// What a Secret value is shown as on the new side when it differs from the old one.
pub const MASK_CHANGED: &str = "*** (changed)";

/// Metadata left out of every object shown: written by the API server on every write
/// (`managedFields`, `resourceVersion`, `generation`) or at creation (`uid`,
/// `creationTimestamp`), or deprecated (`selfLink`) — never the chart's.
pub const VOLATILE_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
];

/// The annotation `kubectl apply` keeps a copy of the object in (Secret values too).
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Helm's `--hide-secret` text in place of a Secret's content.
const HIDDEN: &str = "# HIDDEN: The Secret output has been suppressed";

/// The two sides of a diff's header.
#[derive(Debug, Clone, Copy)]
pub struct Sides {
    /// The old side's name (`live`).
    pub old: &'static str,
    /// The new side's name (`planned`).
    pub new: &'static str,
}

/// `object` as shown: `status` and [`VOLATILE_METADATA`] removed.
pub fn shown(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
        if let Some(meta) = map.get_mut("metadata").and_then(Value::as_object_mut) {
            for key in VOLATILE_METADATA {
                meta.remove(*key);
            }
        }
    }
    object
}

fn is_secret(object: &Value) -> bool {
    object.get("kind").and_then(Value::as_str) == Some("Secret")
        && object.get("apiVersion").and_then(Value::as_str) == Some("v1")
}

/// Masks the Secret values of both sides (either may be absent): every value of
/// `data` and `stringData`, and the last-applied annotation, becomes [`MASK`], or on
/// the new side [`MASK_CHANGED`] when the old side has the key with another value
/// (a key only one side has shows as an added or removed line).
pub fn mask_secrets(old: Option<&mut Value>, new: Option<&mut Value>) {
    let secret = |v: &Option<&mut Value>| v.as_deref().is_some_and(is_secret);
    if !secret(&old) && !secret(&new) {
        return;
    }
    let before = old.as_deref().cloned();
    let keys: [&[&str]; 3] = [
        &["data"],
        &["stringData"],
        &["metadata", "annotations", LAST_APPLIED],
    ];
    if let Some(new) = new {
        for path in keys {
            mask_at(new, path, |key, value| {
                let previous = before.as_ref().and_then(|b| lookup(b, path, key));
                match previous {
                    Some(p) if p != value => MASK_CHANGED,
                    _ => MASK,
                }
            });
        }
    }
    if let Some(old) = old {
        for path in keys {
            mask_at(old, path, |_, _| MASK);
        }
    }
}

/// The value under `path` (its last element a map key when `key` is `None`), or
/// under `path` + `key`.
fn lookup<'a>(object: &'a Value, path: &[&str], key: Option<&str>) -> Option<&'a Value> {
    let mut at = object;
    for p in path {
        at = at.get(*p)?;
    }
    match key {
        Some(k) => at.get(k),
        None => Some(at),
    }
}

/// Replaces the values at `path`: each entry of the map there (the key given to
/// `mask`), or the value itself when it is not a map (`None` given).
fn mask_at(object: &mut Value, path: &[&str], mask: impl Fn(Option<&str>, &Value) -> &'static str) {
    let mut at = object;
    for p in path {
        match at.get_mut(*p) {
            Some(next) => at = next,
            None => return,
        }
    }
    match at {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                let masked = mask(Some(key.as_str()), value);
                *value = Value::String(masked.to_owned());
            }
        }
        Value::Null => {}
        other => {
            let masked = mask(None, other);
            *other = Value::String(masked.to_owned());
        }
    }
}

/// An object as YAML (keys sorted, as `toYaml` writes them), ending with a newline.
pub fn yaml(object: &Value) -> String {
    let text = helmd_yaml::parse_json(&object.to_string())
        .and_then(|v| helmd_yaml::to_yaml(&v))
        .unwrap_or_else(|_| serde_json::to_string_pretty(object).unwrap_or_default());
    format!("{text}\n")
}

/// A unified diff of two texts (three lines of context), empty when they are equal.
pub fn unified(old: &str, new: &str, sides: Sides) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(sides.old, sides.new)
        .to_string()
}

/// The diff from `old` to `new` (absent: an empty side), each shown as [`shown`]
/// says with Secret values masked; empty when they show the same.
pub fn object_diff(old: Option<&Value>, new: Option<&Value>, sides: Sides) -> String {
    let mut old = old.map(shown);
    let mut new = new.map(shown);
    mask_secrets(old.as_mut(), new.as_mut());
    let text = |v: &Option<Value>| v.as_ref().map(yaml).unwrap_or_default();
    unified(&text(&old), &text(&new), sides)
}

/// A manifest document as JSON (`None` when it does not parse).
fn doc_json(text: &str) -> Option<Value> {
    let value = helmd_yaml::parse_yaml(text).ok()?;
    serde_json::from_str(&helmd_yaml::to_json(&value).ok()?).ok()
}

/// Whether a manifest document is a `v1` Secret.
pub fn is_secret_doc(text: &str) -> bool {
    doc_json(text).is_some_and(|v| is_secret(&v))
}

/// A release manifest (`---\n# Source: …\n` documents) with each Secret's content
/// replaced by Helm's `--hide-secret` line.
pub fn hide_secrets(manifest: &str) -> String {
    const START: &str = "---\n# Source: ";
    if !manifest.starts_with(START) {
        return manifest.to_owned();
    }
    let mut out = String::with_capacity(manifest.len());
    for piece in manifest.split(START).skip(1) {
        let (source, content) = piece.split_once('\n').unwrap_or((piece, ""));
        out.push_str(START);
        if is_secret_doc(content) {
            out.push_str(source);
            out.push('\n');
            out.push_str(HIDDEN);
            out.push('\n');
        } else {
            out.push_str(piece);
        }
    }
    out
}

/// A hook's manifest as shown: Helm's `--hide-secret` line for a Secret.
pub fn hide_secret_hook(manifest: &str) -> String {
    if is_secret_doc(manifest) {
        HIDDEN.to_owned()
    } else {
        manifest.to_owned()
    }
}

#[cfg(test)]
mod tests;
