//! The second half of the three-way strategic merge patch: apimachinery's `mergeMap`
//! with no options, merging the changes patch into the deletions patch — directives
//! (`$setElementOrder`, `$retainKeys`, `$deleteFromPrimitiveList`, `$patch`) kept, lists
//! with the `merge` strategy merged by merge key and ordered as `normalizeElementOrder`
//! orders them.

use serde_json::{Map, Value};

use super::super::schema::{Node, Strategy};
use super::super::value::{deep_equal, same_type};
use super::{
    DELETE, DELETE_FROM_PRIMITIVE_LIST, DIRECTIVE, Items, REPLACE, RETAIN_KEYS, Result,
    SET_ELEMENT_ORDER, fail, items_of, keyed, order_like, same_item,
};

/// `mergeMap` with no options: the changes patch (`patch`) merged into the deletions
/// patch (`original`), directives kept.
pub(super) fn merge_map(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: Node<'_>,
) -> Result<Map<String, Value>> {
    if let Some(directive) = patch.get(DIRECTIVE) {
        return match directive.as_str() {
            Some(REPLACE) => {
                patch.remove(DIRECTIVE);
                Ok(patch)
            }
            Some(DELETE) => Ok(Map::new()),
            _ => fail(format!(
                "Unknown patch type: {directive} in map: {}",
                Value::Object(patch.clone())
            )),
        };
    }
    if let Some(retain) = patch.remove(RETAIN_KEYS) {
        match original.get(RETAIN_KEYS) {
            Some(existing) if !deep_equal(existing, &retain) => {
                return fail(format!(
                    "{existing} and {retain} are not deep equal: this may happen when calculating the 3-way diff patch"
                ));
            }
            Some(_) => {}
            None => {
                original.insert(RETAIN_KEYS.to_owned(), retain);
            }
        }
    }
    let orders: Vec<String> = patch
        .keys()
        .filter(|k| k.starts_with(SET_ELEMENT_ORDER))
        .cloned()
        .collect();
    for key in orders {
        let Some(order) = patch.remove(&key) else {
            continue;
        };
        match original.get(&key) {
            Some(existing) if !deep_equal(existing, &order) => {
                return fail("invalid patch: the $setElementOrder lists of the two patches differ");
            }
            Some(_) => {}
            None => {
                original.insert(key, order);
            }
        }
    }
    for (key, value) in patch {
        if key.starts_with(DELETE_FROM_PRIMITIVE_LIST) {
            original.insert(key, value);
            continue;
        }
        if value.is_null() {
            original.remove(&key);
        }
        let Some(existing) = original.remove(&key) else {
            if let Some(value) = without_directives(value) {
                original.insert(key, value);
            }
            continue;
        };
        if !same_type(&existing, &value) {
            if let Some(value) = without_directives(value) {
                original.insert(key, value);
            }
            continue;
        }
        let merged = match (existing, value) {
            (Value::Object(existing), Value::Object(value)) => {
                let (sub, meta) = schema.field(&key);
                if meta.strategy == Strategy::Replace {
                    Some(Value::Object(value))
                } else {
                    Some(Value::Object(merge_map(existing, value, sub)?))
                }
            }
            (Value::Array(existing), Value::Array(value)) => {
                let (items, meta) = schema.items(&key);
                if meta.strategy == Strategy::Merge {
                    Some(Value::Array(merge_list(
                        existing,
                        value,
                        items,
                        &meta.merge_key,
                    )?))
                } else {
                    Some(Value::Array(value))
                }
            }
            (_, value) => without_directives(value),
        };
        if let Some(merged) = merged {
            original.insert(key, merged);
        }
    }
    Ok(original)
}

/// `removeDirectives`: `None` for a map carrying `$patch`, such maps dropped from
/// lists and maps below.
fn without_directives(value: Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            if map.contains_key(DIRECTIVE) {
                return None;
            }
            Some(Value::Object(
                map.into_iter()
                    .filter_map(|(k, v)| without_directives(v).map(|v| (k, v)))
                    .collect(),
            ))
        }
        Value::Array(items) => Some(Value::Array(
            items.into_iter().filter_map(without_directives).collect(),
        )),
        other => Some(other),
    }
}

/// `mergeSlice` (no parallel lists): scalars as a set; maps by merge key, `$patch`
/// items of `patch` applied first.
fn merge_list(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: Node<'_>,
    merge_key: &str,
) -> Result<Vec<Value>> {
    if original.is_empty() && patch.is_empty() {
        return Ok(original);
    }
    if items_of(&[&original, &patch])? == Items::Scalars {
        let mut merged: Vec<Value> = Vec::new();
        for value in original.iter().chain(&patch) {
            if !merged
                .iter()
                .any(|m| same_type(m, value) && deep_equal(m, value))
            {
                merged.push(value.clone());
            }
        }
        return in_order(merged, &patch, &original, "", Items::Scalars);
    }
    if merge_key.is_empty() {
        return fail("cannot merge lists without merge key");
    }
    let mut original = original;
    let mut plain = Vec::new();
    let mut replace = false;
    for item in patch {
        match item.get(DIRECTIVE).map(|d| d.as_str()) {
            None => plain.push(item),
            Some(Some(DELETE)) => {
                let (_, key) = keyed(&item, merge_key)?;
                original.retain(|o| !has_key(o, merge_key, key));
            }
            Some(Some(REPLACE)) => replace = true,
            Some(Some("merge")) => {
                return fail("merging lists cannot yet be specified in the patch");
            }
            Some(_) => {
                return fail(format!("Unknown patch type in list item: {item}"));
            }
        }
    }
    if replace {
        return Ok(plain);
    }
    let server_order = original.clone();
    for item in plain.iter().cloned() {
        let (_, key) = keyed(&item, merge_key)?;
        let found = original.iter().position(|o| has_key(o, merge_key, key));
        match (found, item) {
            (Some(index), Value::Object(item)) => {
                let existing = std::mem::take(&mut original[index]);
                let Value::Object(existing) = existing else {
                    return fail("list item is not a map");
                };
                original[index] = Value::Object(merge_map(existing, item, schema)?);
            }
            (_, item) => original.push(item),
        }
    }
    in_order(original, &plain, &server_order, merge_key, Items::Maps)
}

/// `normalizeElementOrder` over a merged list: the items the patch has in the patch's
/// order, the others in the server's order, interleaved where the server's order
/// places them.
fn in_order(
    merged: Vec<Value>,
    patch: &[Value],
    server_order: &[Value],
    merge_key: &str,
    items: Items,
) -> Result<Vec<Value>> {
    let (patched, server_only): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|m| patch.iter().any(|p| same_item(p, m, merge_key, items)));
    let right = order_like(patched, patch, merge_key, items)?;
    let left = order_like(server_only, server_order, merge_key, items)?;
    let position = |v: &Value| {
        server_order
            .iter()
            .position(|o| same_item(o, v, merge_key, items))
    };
    let mut all = Vec::with_capacity(left.len() + right.len());
    let (mut left, mut right) = (left.into_iter().peekable(), right.into_iter().peekable());
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!((position(l), position(r)), (Some(l), Some(r)) if l < r),
        };
        let next = if take_left { left.next() } else { right.next() };
        all.extend(next);
    }
    Ok(all)
}

/// Whether a list item's merge key holds `value`.
fn has_key(item: &Value, merge_key: &str, value: &Value) -> bool {
    item.get(merge_key)
        .is_some_and(|v| same_type(v, value) && deep_equal(v, value))
}
