//! Helm's values coalescing over a chart and its subcharts: user values win,
//! nested maps merge, each subchart gets its section with `global` copied in,
//! `null` deletes when coalescing and survives when merging. Helm's warnings
//! (type conflicts it skips) are not reported.
//!
//! Maps are changed in place and shared exactly where Helm's Go code shares
//! them (deep copies of user and chart values, a shallow copy per global
//! table), so Helm's side effects come out the same: a subchart's nested
//! global defaults leak into the parent's `global` two levels down.

use std::collections::BTreeMap;

use helmd_gotmpl::fmt::format_v;
use helmd_yaml::{Map, MapRef, Str, Value};

use crate::chart::Chart;
use crate::error::{Error, Result};

/// A values table.
pub type Table = BTreeMap<Str, Value>;

/// The entries of a map value (shallow), `None` for anything else.
pub(crate) fn table(v: &Value) -> Option<Table> {
    match v {
        Value::Map(m) if !m.is_nil_map() || m.is_empty() => Some(m.read().clone()),
        _ => None,
    }
}

fn is_table(v: &Value) -> bool {
    matches!(v, Value::Map(_))
}

/// Helm's `CoalesceValues`: `vals` over the chart's defaults and its subcharts'.
pub fn coalesce_values(chart: &Chart, vals: &Table) -> Result<Table> {
    let dest = Map::new(deep(vals));
    coalesce(chart, &dest, "", false)?;
    Ok(dest.read().clone())
}

/// Helm's `MergeValues`: like [`coalesce_values`] but `null`s are kept.
pub fn merge_values(chart: &Chart, vals: &Table) -> Result<Table> {
    let dest = Map::new(deep(vals));
    coalesce(chart, &dest, "", true)?;
    Ok(dest.read().clone())
}

fn deep(t: &Table) -> Table {
    t.iter().map(|(k, v)| (k.clone(), v.deep_copy())).collect()
}

fn concat(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.to_string()
    } else {
        format!("{a}.{b}")
    }
}

fn coalesce(chart: &Chart, dest: &MapRef, prefix: &str, merge: bool) -> Result<()> {
    coalesce_own(chart, dest, merge);
    coalesce_deps(chart, dest, prefix, merge)
}

/// Go's `%t` of a non-table value (Helm's type-mismatch message): element by
/// element for lists and maps, `%!t(type=value)` for what is not a bool.
fn go_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Nil => "%!t(<nil>)".into(),
        Value::List(l) => {
            let items: Vec<String> = l.items.iter().map(go_t).collect();
            format!("[{}]", items.join(" "))
        }
        Value::Map(m) => {
            let items: Vec<String> = m
                .entries()
                .into_iter()
                .map(|(k, v)| format!("{k}:{}", go_t(&v)))
                .collect();
            format!("map[{}]", items.join(" "))
        }
        other => format!("%!t({}={})", other.type_name(), format_v(other, false)),
    }
}

fn as_map(v: &Value) -> Option<MapRef> {
    match v {
        Value::Map(m) => Some(m.clone()),
        _ => None,
    }
}

fn coalesce_deps(chart: &Chart, dest: &MapRef, prefix: &str, merge: bool) -> Result<()> {
    for sub in &chart.dependencies {
        let name = sub.name();
        let dv = match dest.get(name) {
            None => {
                let fresh = Map::new(Table::new());
                dest.insert(name, Value::Map(fresh.clone()));
                fresh
            }
            Some(v) => as_map(&v)
                .ok_or_else(|| Error::Values(format!("type mismatch on {name}: {}", go_t(&v))))?,
        };
        let sub_prefix = concat(prefix, chart.name());
        coalesce_globals(&dv, dest);
        coalesce(sub, &dv, &sub_prefix, merge)?;
    }
    Ok(())
}

/// Copies the parent's `global` into a subchart's section (parent entries win).
fn coalesce_globals(dest: &MapRef, src: &MapRef) {
    let dg = match dest.get("global") {
        None => Map::new(Table::new()),
        Some(v) => match as_map(&v) {
            Some(m) => m,
            None => return,
        },
    };
    let sg = match src.get("global") {
        None => Map::new(Table::new()),
        Some(v) => match as_map(&v) {
            Some(m) => m,
            None => return,
        },
    };
    for (key, val) in sg.entries() {
        if let Some(m) = as_map(&val) {
            // A shallow copy: nested tables stay shared with the parent's global.
            let vv = Map::new(m.read().clone());
            match dg.get(&key) {
                None => dg.insert(key, Value::Map(vv)),
                Some(destv) => {
                    if let Some(dm) = as_map(&destv) {
                        coalesce_tables(&vv, &dm, true);
                        dg.insert(key, Value::Map(vv));
                    }
                }
            }
        } else if dg.get(&key).is_some_and(|v| is_table(&v)) {
            // Helm skips a scalar over a table.
        } else {
            dg.insert(key, val);
        }
    }
    dest.insert("global", Value::Map(dg));
}

/// Removes `null` entries in place, recursively.
pub(crate) fn clean_nils(t: &MapRef) {
    t.write().retain(|_, v| !v.is_nil());
    for (_, v) in t.entries() {
        if let Some(inner) = as_map(&v) {
            clean_nils(&inner);
        }
    }
}

/// The chart's own defaults under `v` (Helm's `coalesceValues`).
fn coalesce_own(chart: &Chart, v: &MapRef, merge: bool) {
    let Value::Map(defaults) = chart.values.deep_copy() else {
        return;
    };
    for (key, val) in defaults.entries() {
        match v.get(&key) {
            Some(value) => {
                if value.is_nil() && !merge {
                    v.write().remove(&key);
                } else if let (Some(dest), Some(src)) = (as_map(&value), as_map(&val)) {
                    // A subchart's section merges (keeps nulls) so they reach the subchart.
                    let merge = merge || chart.dependencies.iter().any(|d| *d.name() == *key);
                    if !merge {
                        clean_nils(&src);
                    }
                    coalesce_tables(&dest, &src, merge);
                }
            }
            None => {
                if !merge {
                    if val.is_nil() {
                        continue;
                    }
                    if let Some(m) = as_map(&val) {
                        clean_nils(&m);
                    }
                }
                v.insert(key, val);
            }
        }
    }
}

/// Helm's `coalesceTablesFullKey`: `src` under the authoritative `dst`, in place
/// (as in Go, `src` gets `dst`'s nulls and `dst` shares `src`'s tables).
pub(crate) fn coalesce_tables(dst: &MapRef, src: &MapRef, merge: bool) {
    let originally_set: std::collections::BTreeSet<Str> = src
        .entries()
        .into_iter()
        .filter(|(_, v)| !v.is_nil())
        .map(|(k, _)| k)
        .collect();
    for (key, val) in dst.entries() {
        if val.is_nil() {
            src.insert(key, Value::Nil);
        }
    }
    for (key, val) in src.entries() {
        match dst.get(&key) {
            Some(dv) if !merge && dv.is_nil() && originally_set.contains(&key) => {
                dst.write().remove(&key);
            }
            None => dst.insert(key, val),
            Some(dv) => {
                if let (Some(s), Some(d)) = (as_map(&val), as_map(&dv)) {
                    coalesce_tables(&d, &s, merge);
                }
            }
        }
    }
}

/// Helm's `CoalesceTables` (coalesce, `null` deletes) and `MergeTables` (merge).
pub fn merge_tables(dst: &MapRef, src: &MapRef, merge: bool) {
    coalesce_tables(dst, src, merge);
}
