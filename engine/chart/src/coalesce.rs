//! Helm's values coalescing over a chart and its subcharts: user values win,
//! nested maps merge, each subchart gets its section with `global` copied in,
//! `null` deletes when coalescing and survives when merging. Helm's warnings
//! (type conflicts it skips) are not reported.

use std::collections::BTreeMap;

use helmd_gotmpl::fmt::format_v;
use helmd_yaml::{Str, Value};

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
    let mut dest = deep(vals);
    coalesce(chart, &mut dest, "", false)?;
    Ok(dest)
}

/// Helm's `MergeValues`: like [`coalesce_values`] but `null`s are kept.
pub fn merge_values(chart: &Chart, vals: &Table) -> Result<Table> {
    let mut dest = deep(vals);
    coalesce(chart, &mut dest, "", true)?;
    Ok(dest)
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

fn coalesce(chart: &Chart, dest: &mut Table, prefix: &str, merge: bool) -> Result<()> {
    coalesce_own(chart, dest, merge);
    coalesce_deps(chart, dest, prefix, merge)
}

/// Go's `%t` of a non-table value (Helm's type-mismatch message).
fn go_t(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Nil => "%!t(<nil>)".into(),
        other => format!("%!t({}={})", other.type_name(), format_v(other, false)),
    }
}

fn coalesce_deps(chart: &Chart, dest: &mut Table, prefix: &str, merge: bool) -> Result<()> {
    for sub in &chart.dependencies {
        let name = sub.name();
        let mut dv = match dest.get(name) {
            None => Table::new(),
            Some(v) => match table(v) {
                Some(t) => t,
                None => {
                    return Err(Error::Values(format!(
                        "type mismatch on {name}: {}",
                        go_t(v)
                    )));
                }
            },
        };
        let sub_prefix = concat(prefix, chart.name());
        coalesce_globals(&mut dv, dest);
        coalesce(sub, &mut dv, &sub_prefix, merge)?;
        dest.insert(Str::from(name), Value::map(dv));
    }
    Ok(())
}

/// Copies the parent's `global` into a subchart's section (parent entries win).
fn coalesce_globals(dest: &mut Table, src: &Table) {
    let mut dg = match dest.get("global") {
        None => Table::new(),
        Some(v) => match table(v) {
            Some(t) => t,
            None => return,
        },
    };
    let sg = match src.get("global") {
        None => Table::new(),
        Some(v) => match table(v) {
            Some(t) => t,
            None => return,
        },
    };
    for (key, val) in sg {
        if let Some(mut vv) = table(&val) {
            match dg.get(&key) {
                None => {
                    dg.insert(key, Value::map(vv));
                }
                Some(destv) => {
                    if let Some(dm) = table(destv) {
                        coalesce_tables(&mut vv, dm, true);
                        dg.insert(key, Value::map(vv));
                    }
                }
            }
        } else if dg.get(&key).is_some_and(is_table) {
            // Helm skips a scalar over a table.
        } else {
            dg.insert(key, val);
        }
    }
    dest.insert(Str::from("global"), Value::map(dg));
}

/// Removes `null` entries, recursively.
pub(crate) fn clean_nils(t: &mut Table) {
    t.retain(|_, v| !v.is_nil());
    for v in t.values_mut() {
        if let Some(mut inner) = table(v) {
            clean_nils(&mut inner);
            *v = Value::map(inner);
        }
    }
}

/// The chart's own defaults under `v` (Helm's `coalesceValues`).
fn coalesce_own(chart: &Chart, v: &mut Table, merge: bool) {
    let Some(defaults) = table(&chart.values.deep_copy()) else {
        return;
    };
    for (key, val) in defaults {
        match v.get(&key).cloned() {
            Some(value) => {
                if value.is_nil() && !merge {
                    v.remove(&key);
                } else if let (Some(mut dest), Some(mut src)) = (table(&value), table(&val)) {
                    // A subchart's section merges (keeps nulls) so they reach the subchart.
                    let merge = merge || chart.dependencies.iter().any(|d| *d.name() == *key);
                    if !merge {
                        clean_nils(&mut src);
                    }
                    coalesce_tables(&mut dest, src, merge);
                    v.insert(key, Value::map(dest));
                }
            }
            None => {
                let mut val = val;
                if !merge {
                    if val.is_nil() {
                        continue;
                    }
                    if let Some(mut t) = table(&val) {
                        clean_nils(&mut t);
                        val = Value::map(t);
                    }
                }
                v.insert(key, val);
            }
        }
    }
}

/// Helm's `coalesceTablesFullKey`: `src` under the authoritative `dst`.
pub(crate) fn coalesce_tables(dst: &mut Table, mut src: Table, merge: bool) {
    let originally_set: std::collections::BTreeSet<Str> = src
        .iter()
        .filter(|(_, v)| !v.is_nil())
        .map(|(k, _)| k.clone())
        .collect();
    for (key, val) in dst.iter() {
        if val.is_nil() {
            src.insert(key.clone(), Value::Nil);
        }
    }
    for (key, val) in src {
        match dst.get(&key) {
            Some(dv) if !merge && dv.is_nil() && originally_set.contains(&key) => {
                dst.remove(&key);
            }
            None => {
                dst.insert(key, val);
            }
            Some(dv) => {
                if let (Some(s), Some(mut d)) = (table(&val), table(dv)) {
                    coalesce_tables(&mut d, s, merge);
                    dst.insert(key, Value::map(d));
                }
            }
        }
    }
}

/// Helm's `CoalesceTables` (coalesce, `null` deletes) and `MergeTables` (merge).
pub fn merge_tables(dst: &mut Table, src: Table, merge: bool) {
    coalesce_tables(dst, src, merge);
}
