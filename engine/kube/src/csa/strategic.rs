//! The three-way strategic merge patch client-side apply sends for a built-in kind, as
//! k8s.io/apimachinery's `strategicpatch.CreateThreeWayMergePatch` computes it (with
//! `overwrite`, as Helm calls it): the changes from the live object (current) to the
//! new manifest object (modified), without deletions, merged with the deletions from
//! the previous manifest object (original) to the new one.
//!
//! Fields are patched by their schema's metadata ([`Node`]): maps merge key by key and
//! a key the new object drops becomes `null`; lists with the `merge` strategy merge
//! their items by merge key (an item dropped becomes `{key: value, $patch: delete}`,
//! scalars dropped go to `$deleteFromPrimitiveList/<field>`, and
//! `$setElementOrder/<field>` gives the new order); `retainKeys` adds `$retainKeys`;
//! other lists are replaced whole. So what other writers added (an injected sidecar
//! container, an annotation) stays unless the chart itself set it before.

mod combine;

use serde_json::{Map, Value};

use super::schema::{Node, Strategy};
use super::value::{deep_equal, go_string, same_type};

const DIRECTIVE: &str = "$patch";
const DELETE: &str = "delete";
const REPLACE: &str = "replace";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";

/// Why a patch could not be computed (apimachinery's words where it has them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PatchError(pub(crate) String);

type Result<T> = std::result::Result<T, PatchError>;

fn fail<T>(message: impl Into<String>) -> Result<T> {
    Err(PatchError(message.into()))
}

#[derive(Debug, Clone, Copy, Default)]
struct DiffOptions {
    ignore_changes_and_additions: bool,
    ignore_deletions: bool,
    set_element_order: bool,
    build_retain_keys: bool,
}

/// The three-way strategic merge patch taking `current` to `modified`, deleting what
/// `original` had and `modified` dropped; an empty map when nothing changes.
pub(crate) fn three_way(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    current: &Map<String, Value>,
    schema: Node<'_>,
) -> Result<Map<String, Value>> {
    let delta = diff_maps(
        current,
        modified,
        schema,
        DiffOptions {
            ignore_deletions: true,
            set_element_order: true,
            ..DiffOptions::default()
        },
    )?;
    let deletions = diff_maps(
        original,
        modified,
        schema,
        DiffOptions {
            ignore_changes_and_additions: true,
            set_element_order: true,
            ..DiffOptions::default()
        },
    )?;
    combine::merge_map(deletions, delta, schema)
}

/// apimachinery's `diffMaps`: the patch from `original` to `modified`.
fn diff_maps(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    schema: Node<'_>,
    opts: DiffOptions,
) -> Result<Map<String, Value>> {
    let mut patch = Map::new();
    let mut retain_keys = Vec::new();
    for (key, modified_value) in modified {
        if opts.build_retain_keys && !modified_value.is_null() {
            retain_keys.push(Value::String(key.clone()));
        }
        let Some(original_value) = original.get(key) else {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        };
        if key == DIRECTIVE {
            match (original_value, modified_value) {
                (Value::String(o), Value::String(m)) => {
                    if o != m {
                        patch.insert(key.clone(), modified_value.clone());
                    }
                    continue;
                }
                _ => return fail(format!("invalid value for special key: {DIRECTIVE}")),
            }
        }
        if !same_type(original_value, modified_value) {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        }
        match (original_value, modified_value) {
            (Value::Object(o), Value::Object(m)) => {
                diff_map_field(key, o, m, &mut patch, schema, opts)?;
            }
            (Value::Array(o), Value::Array(m)) => {
                diff_list_field(key, o, m, &mut patch, schema, opts)?;
            }
            _ => replace_if_not_equal(key, original_value, modified_value, &mut patch, opts),
        }
    }
    if !opts.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    if !retain_keys.is_empty()
        && (!patch.is_empty() || has_additional_new_field(original, modified))
    {
        patch.insert(RETAIN_KEYS.to_owned(), Value::Array(sorted(retain_keys)));
    }
    Ok(patch)
}

/// `handleMapDiff`: a field holding a map.
fn diff_map_field(
    key: &str,
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: Node<'_>,
    opts: DiffOptions,
) -> Result<()> {
    let (sub, meta) = schema.field(key);
    let opts = DiffOptions {
        build_retain_keys: meta.retain_keys,
        ..opts
    };
    if meta.strategy == Strategy::Replace {
        if !opts.ignore_changes_and_additions {
            patch.insert(key.to_owned(), Value::Object(modified.clone()));
        }
        return Ok(());
    }
    let value = diff_maps(original, modified, sub, opts)?;
    if !value.is_empty() {
        patch.insert(key.to_owned(), Value::Object(value));
    }
    Ok(())
}

/// `handleSliceDiff`: a field holding a list.
fn diff_list_field(
    key: &str,
    original: &[Value],
    modified: &[Value],
    patch: &mut Map<String, Value>,
    schema: Node<'_>,
    opts: DiffOptions,
) -> Result<()> {
    let (items, meta) = schema.items(key);
    if meta.strategy != Strategy::Merge {
        replace_if_not_equal(
            key,
            &Value::Array(original.to_vec()),
            &Value::Array(modified.to_vec()),
            patch,
            opts,
        );
        return Ok(());
    }
    let opts = DiffOptions {
        build_retain_keys: meta.retain_keys,
        ..opts
    };
    let (add, delete, order) = diff_lists(original, modified, items, &meta.merge_key, opts)?;
    if !add.is_empty() {
        patch.insert(key.to_owned(), Value::Array(add));
    }
    if !delete.is_empty() {
        patch.insert(
            format!("{DELETE_FROM_PRIMITIVE_LIST}{key}"),
            Value::Array(delete),
        );
    }
    if !order.is_empty() {
        patch.insert(format!("{SET_ELEMENT_ORDER}{key}"), Value::Array(order));
    }
    Ok(())
}

fn replace_if_not_equal(
    key: &str,
    original: &Value,
    modified: &Value,
    patch: &mut Map<String, Value>,
    opts: DiffOptions,
) {
    if !opts.ignore_changes_and_additions && !deep_equal(original, modified) {
        patch.insert(key.to_owned(), modified.clone());
    }
}

fn has_additional_new_field(original: &Map<String, Value>, modified: &Map<String, Value>) -> bool {
    original
        .iter()
        .any(|(k, v)| !v.is_null() && !modified.contains_key(k))
}

/// What a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Items {
    Maps,
    Scalars,
}

/// apimachinery's `sliceElementType`: every item of every list of one type, not a list.
fn items_of(lists: &[&[Value]]) -> Result<Items> {
    let mut first: Option<&Value> = None;
    for item in lists.iter().flat_map(|l| l.iter()) {
        match first {
            None => {
                if item.is_array() {
                    return fail("lists of lists are not supported");
                }
                first = Some(item);
            }
            Some(f) if !same_type(f, item) => {
                return fail("list element types are not identical");
            }
            Some(_) => {}
        }
    }
    match first {
        Some(Value::Object(_)) => Ok(Items::Maps),
        Some(_) => Ok(Items::Scalars),
        None => fail("no elements in any of the given slices"),
    }
}

/// `diffLists`: items to add or change, scalars to delete, and the new order.
fn diff_lists(
    original: &[Value],
    modified: &[Value],
    schema: Node<'_>,
    merge_key: &str,
    opts: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>, Vec<Value>)> {
    if original.is_empty() {
        if modified.is_empty() || opts.ignore_changes_and_additions {
            return Ok((Vec::new(), Vec::new(), Vec::new()));
        }
        return Ok((modified.to_vec(), Vec::new(), Vec::new()));
    }
    match items_of(&[original, modified])? {
        Items::Maps => {
            let (changed, deleted) =
                diff_lists_of_maps(original, modified, schema, merge_key, opts)?;
            let mut patch = order_like(changed, modified, merge_key, Items::Maps)?;
            let order_same = is_order_same(original, modified, merge_key)?;
            patch.extend(deleted);
            let mut order = Vec::new();
            if opts.set_element_order
                && ((!opts.ignore_changes_and_additions && (!patch.is_empty() || !order_same))
                    || (!opts.ignore_deletions && !patch.is_empty()))
            {
                order = modified
                    .iter()
                    .map(|item| {
                        let mut entry = Map::new();
                        entry.insert(
                            merge_key.to_owned(),
                            item.get(merge_key).cloned().unwrap_or(Value::Null),
                        );
                        Value::Object(entry)
                    })
                    .collect();
            }
            Ok((patch, Vec::new(), order))
        }
        Items::Scalars => {
            let (added, deleted) = diff_lists_of_scalars(original, modified, opts);
            let added = order_like(added, modified, merge_key, Items::Scalars)?;
            let changed = !deep_equal(
                &Value::Array(original.to_vec()),
                &Value::Array(modified.to_vec()),
            );
            let order = if opts.set_element_order
                && ((!opts.ignore_deletions && !deleted.is_empty())
                    || (!opts.ignore_changes_and_additions && changed))
            {
                modified.to_vec()
            } else {
                Vec::new()
            };
            Ok((added, deleted, order))
        }
    }
}

/// Scalars sorted by their Go `%v` text, stably.
fn sorted(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_key(go_string);
    values
}

/// `diffListsOfScalars`: scalars added and scalars deleted (each once).
fn diff_lists_of_scalars(
    original: &[Value],
    modified: &[Value],
    opts: DiffOptions,
) -> (Vec<Value>, Vec<Value>) {
    let original = sorted(original.to_vec());
    let modified = sorted(modified.to_vec());
    let (mut i, mut j) = (0, 0);
    let mut added = Vec::new();
    let mut deleted: Vec<Value> = Vec::new();
    while i < original.len() || j < modified.len() {
        let o = original.get(i).map(go_string);
        let m = modified.get(j).map(go_string);
        match (o, m) {
            (Some(o), Some(m)) if o == m => {
                i += 1;
                j += 1;
            }
            (Some(o), Some(m)) if o < m => {
                if !opts.ignore_deletions {
                    deleted.push(original[i].clone());
                }
                i += 1;
            }
            (Some(_), None) => {
                if !opts.ignore_deletions {
                    deleted.push(original[i].clone());
                }
                i += 1;
            }
            _ => {
                if !opts.ignore_changes_and_additions {
                    added.push(modified[j].clone());
                }
                j += 1;
            }
        }
    }
    let mut unique: Vec<Value> = Vec::new();
    for value in deleted {
        if !unique.iter().any(|u| deep_equal(u, &value)) {
            unique.push(value);
        }
    }
    (added, unique)
}

/// A list item and its merge key's value.
fn keyed<'v>(item: &'v Value, merge_key: &str) -> Result<(&'v Map<String, Value>, &'v Value)> {
    let Value::Object(map) = item else {
        return fail(format!("expected a map, but received {item}"));
    };
    match map.get(merge_key) {
        Some(value) => Ok((map, value)),
        None => fail(format!(
            "map: {item} does not contain declared merge key: {merge_key}"
        )),
    }
}

/// `diffListsOfMaps`: items added or changed (a changed item carries its merge key),
/// and delete directives for the items dropped.
fn diff_lists_of_maps(
    original: &[Value],
    modified: &[Value],
    schema: Node<'_>,
    merge_key: &str,
    opts: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let original = by_merge_key(original, merge_key)?;
    let modified = by_merge_key(modified, merge_key)?;
    let (mut i, mut j) = (0, 0);
    let mut patch = Vec::new();
    let mut deleted = Vec::new();
    while i < original.len() || j < modified.len() {
        let o = original.get(i);
        let m = modified.get(j);
        match (o, m) {
            (Some(o), Some(m)) if o.0 == m.0 => {
                let mut value = diff_maps(o.1, m.1, schema, opts)?;
                if !value.is_empty() {
                    value.insert(merge_key.to_owned(), m.2.clone());
                    patch.push(Value::Object(value));
                }
                i += 1;
                j += 1;
            }
            (Some(o), Some(m)) if o.0 < m.0 => {
                if !opts.ignore_deletions {
                    deleted.push(delete_directive(merge_key, &o.2));
                }
                i += 1;
            }
            (Some(o), None) => {
                if !opts.ignore_deletions {
                    deleted.push(delete_directive(merge_key, &o.2));
                }
                i += 1;
            }
            (_, Some(m)) => {
                if !opts.ignore_changes_and_additions {
                    patch.push(Value::Object(m.1.clone()));
                }
                j += 1;
            }
            (None, None) => break,
        }
    }
    Ok((patch, deleted))
}

/// A list item with its merge key's `%v` text and value.
type Keyed<'v> = (String, &'v Map<String, Value>, Value);

/// A list's maps sorted by their merge key's `%v` text, with that text and the key.
fn by_merge_key<'v>(list: &'v [Value], merge_key: &str) -> Result<Vec<Keyed<'v>>> {
    let mut items = list
        .iter()
        .map(|item| {
            let (map, key) = keyed(item, merge_key)?;
            Ok((go_string(key), map, key.clone()))
        })
        .collect::<Result<Vec<_>>>()?;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(items)
}

fn delete_directive(merge_key: &str, value: &Value) -> Value {
    let mut entry = Map::new();
    entry.insert(merge_key.to_owned(), value.clone());
    entry.insert(DIRECTIVE.to_owned(), Value::String(DELETE.to_owned()));
    Value::Object(entry)
}

/// Whether two items are the same by merge key (scalars: by value).
fn same_item(a: &Value, b: &Value, merge_key: &str, items: Items) -> bool {
    match items {
        Items::Maps => match (a.get(merge_key), b.get(merge_key)) {
            (Some(a), Some(b)) => same_type(a, b) && deep_equal(a, b),
            (None, None) => true,
            _ => false,
        },
        Items::Scalars => same_type(a, b) && deep_equal(a, b),
    }
}

/// `normalizeSliceOrder`: `list` in the order its items have in `order` (delete
/// directives last); every map must carry the merge key.
fn order_like(
    list: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    items: Items,
) -> Result<Vec<Value>> {
    let mut deletes = Vec::new();
    let mut rest = Vec::new();
    if items == Items::Maps {
        for item in list.iter().chain(order) {
            keyed(item, merge_key)?;
        }
        for item in list {
            if item.get(DIRECTIVE).and_then(Value::as_str) == Some(DELETE) {
                deletes.push(item);
            } else {
                rest.push(item);
            }
        }
    } else {
        rest = list;
    }
    rest.sort_by_key(|item| {
        order
            .iter()
            .position(|o| same_item(o, item, merge_key, items))
            .unwrap_or(usize::MAX)
    });
    rest.extend(deletes);
    Ok(rest)
}

/// `isOrderSame`: the same items by merge key, in the same order.
fn is_order_same(original: &[Value], modified: &[Value], merge_key: &str) -> Result<bool> {
    if original.len() != modified.len() {
        return Ok(false);
    }
    for (o, m) in original.iter().zip(modified) {
        let (_, o) = keyed(o, merge_key)?;
        let (_, m) = keyed(m, merge_key)?;
        if !(same_type(o, m) && deep_equal(o, m)) {
            return Ok(false);
        }
    }
    Ok(true)
}
