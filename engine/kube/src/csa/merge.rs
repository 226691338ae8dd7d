//! The three-way JSON merge patch (RFC 7386) client-side apply sends for custom
//! resources and kinds without patch metadata, as k8s.io/apimachinery's
//! `jsonmergepatch.CreateThreeWayJSONMergePatch` computes it: the additions and
//! changes from the live object (current) to the new manifest object (modified), and
//! the deletions (`null`) from the previous manifest object (original) to the new one.
//! Lists are replaced whole; keys other writers added are left alone.

use serde_json::{Map, Value};

use super::value::{deep_equal, same_type};

/// The three-way JSON merge patch; an empty map when nothing changes.
pub(crate) fn three_way(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    current: &Map<String, Value>,
) -> Map<String, Value> {
    let changes = keep_or_drop_nulls(diff(current, modified), false);
    let deletions = keep_or_drop_nulls(diff(original, modified), true);
    merge(deletions, changes)
}

/// json-patch's `CreateMergePatch`: the merge patch taking `a` to `b`.
fn diff(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut patch = Map::new();
    for (key, bv) in b {
        let Some(av) = a.get(key) else {
            patch.insert(key.clone(), bv.clone());
            continue;
        };
        if !same_type(av, bv) {
            patch.insert(key.clone(), bv.clone());
            continue;
        }
        match (av, bv) {
            (Value::Object(am), Value::Object(bm)) => {
                let sub = diff(am, bm);
                if !sub.is_empty() {
                    patch.insert(key.clone(), Value::Object(sub));
                }
            }
            _ => {
                if !deep_equal(av, bv) {
                    patch.insert(key.clone(), bv.clone());
                }
            }
        }
    }
    for key in a.keys() {
        if !b.contains_key(key) {
            patch.insert(key.clone(), Value::Null);
        }
    }
    patch
}

/// `keepOrDeleteNullInObj`: only the deletions (`keep_null`), or only the rest (an
/// explicitly empty map counts as a value).
fn keep_or_drop_nulls(patch: Map<String, Value>, keep_null: bool) -> Map<String, Value> {
    let mut kept = Map::new();
    for (key, value) in patch {
        match value {
            Value::Null => {
                if keep_null {
                    kept.insert(key, Value::Null);
                }
            }
            Value::Object(map) if map.is_empty() => {
                if !keep_null {
                    kept.insert(key, Value::Object(map));
                }
            }
            Value::Object(map) => {
                let sub = keep_or_drop_nulls(map, keep_null);
                if !sub.is_empty() {
                    kept.insert(key, Value::Object(sub));
                }
            }
            other => {
                if !keep_null {
                    kept.insert(key, other);
                }
            }
        }
    }
    kept
}

/// RFC 7386 `MergePatch` of `patch` (no nulls) onto `doc`.
fn merge(mut doc: Map<String, Value>, patch: Map<String, Value>) -> Map<String, Value> {
    for (key, value) in patch {
        match (doc.remove(&key), value) {
            (Some(Value::Object(existing)), Value::Object(value)) => {
                doc.insert(key, Value::Object(merge(existing, value)));
            }
            (_, value) => {
                doc.insert(key, value);
            }
        }
    }
    doc
}
