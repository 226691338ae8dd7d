//! Helm's dependency processing before a render: aliases rename subcharts,
//! tags and conditions disable them (disabled ones are removed), then
//! `import-values` copy child values into parents; plus the install-time
//! check that every declared dependency is present in `charts/`.

use std::collections::BTreeSet;

use helmd_yaml::{Map, MapRef, Str, Value};

use crate::chart::Chart;
use crate::coalesce::{Table, coalesce_tables, coalesce_values, merge_values, table};
use crate::error::{Error, Result};
use crate::metadata::Dependency;

/// Helm's `ProcessDependencies` (with merge, as install and template use it).
pub fn process_dependencies(chart: &mut Chart, vals: &Table) -> Result<()> {
    process_enabled(chart, vals, "")?;
    process_import_values(chart)
}

/// Helm's `CheckDependencies`: every dependency in Chart.yaml has a chart in `charts/`.
/// The error carries the missing names, in Chart.yaml order.
pub fn check_dependencies(chart: &Chart) -> Result<()> {
    let missing = missing_dependencies(chart);
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::MissingDependencies(missing))
}

/// The names of the dependencies Chart.yaml declares that no chart in `charts/` has
/// (aliases play no part, as in Helm's check), in declaration order.
pub fn missing_dependencies(chart: &Chart) -> Vec<String> {
    let Some(reqs) = &chart.metadata.dependencies else {
        return Vec::new();
    };
    reqs.iter()
        .filter(|r| !chart.dependencies.iter().any(|d| d.name() == r.name))
        .map(|r| r.name.clone())
        .collect()
}

/// Masterminds' constraint check as Helm's `IsCompatibleRange` does it (bad input: false).
fn compatible(constraint: &str, version: &str) -> bool {
    // Masterminds refuses an empty constraint, so an unversioned dependency never matches.
    if constraint.trim().is_empty() {
        return false;
    }
    let Some(v) = helmd_semver::Version::parse(version) else {
        return false;
    };
    helmd_semver::Constraint::parse(constraint).is_ok_and(|c| c.matches(&v))
}

fn process_enabled(c: &mut Chart, vals: &Table, path: &str) -> Result<()> {
    let Some(mut reqs) = c.metadata.dependencies.take() else {
        return Ok(());
    };
    let existing = std::mem::take(&mut c.dependencies);
    let mut charts: Vec<Chart> = existing
        .iter()
        .filter(|e| {
            !reqs
                .iter()
                .any(|r| e.name() == r.name && compatible(&r.version, &e.metadata.version))
        })
        .cloned()
        .collect();
    for req in &mut reqs {
        if let Some(found) = existing
            .iter()
            .find(|e| e.name() == req.name && compatible(&req.version, &e.metadata.version))
        {
            let mut out = found.clone();
            if !req.alias.is_empty() {
                out.metadata.name = req.alias.clone();
            }
            charts.push(out);
        }
        if !req.alias.is_empty() {
            req.name = req.alias.clone();
        }
    }
    c.dependencies = charts;
    for r in &mut reqs {
        r.enabled = true;
    }
    let cvals = coalesce_values(c, vals)?;
    apply_tags(&mut reqs, &cvals);
    apply_conditions(&mut reqs, &cvals, path);
    let removed: BTreeSet<String> = reqs
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.name.clone())
        .collect();
    c.dependencies.retain(|d| !removed.contains(d.name()));
    reqs.retain(|r| !removed.contains(&r.name));
    for t in &mut c.dependencies {
        let sub = format!("{path}{}.", t.name());
        process_enabled(t, &cvals, &sub)?;
    }
    c.metadata.dependencies = if reqs.is_empty() { None } else { Some(reqs) };
    Ok(())
}

fn apply_tags(reqs: &mut [Dependency], cvals: &Table) {
    let Some(tags) = cvals.get("tags").and_then(table) else {
        return;
    };
    for r in reqs {
        let (mut has_true, mut has_false) = (false, false);
        for k in &r.tags {
            if let Some(Value::Bool(b)) = tags.get(k.as_str()) {
                if *b {
                    has_true = true;
                } else {
                    has_false = true;
                }
            }
        }
        r.enabled = has_true || !has_false;
    }
}

fn apply_conditions(reqs: &mut [Dependency], cvals: &Table, path: &str) {
    for r in reqs {
        for cond in r.condition.trim().split(',') {
            if cond.is_empty() {
                continue;
            }
            if let Some(Value::Bool(b)) = path_value(cvals, &format!("{path}{cond}")) {
                r.enabled = b;
                break;
            }
        }
    }
}

/// Helm's `Values.PathValue`: a non-table value at a dotted path.
fn path_value(vals: &Table, path: &str) -> Option<Value> {
    let parts: Vec<&str> = path.split('.').collect();
    let (key, tables) = parts.split_last()?;
    let t = if tables.is_empty() {
        vals.clone()
    } else {
        table_at(vals, &tables.join("."))?
    };
    t.get(*key).filter(|v| !matches!(v, Value::Map(_))).cloned()
}

/// Helm's `Values.Table`: the table at a dotted path.
fn table_at(vals: &Table, path: &str) -> Option<Table> {
    table_ref_at(vals, path).map(|m| m.read().clone())
}

/// [`table_at`], the map itself (shared, as Go's `Table` returns it).
fn table_ref_at(vals: &Table, path: &str) -> Option<MapRef> {
    let mut parts = path.split('.');
    let mut cur = match vals.get(parts.next()?)? {
        Value::Map(m) => m.clone(),
        _ => return None,
    };
    for part in parts {
        cur = match cur.get(part)? {
            Value::Map(m) => m,
            _ => return None,
        };
    }
    Some(cur)
}

/// `{a: {b: data}}` for `a.b`; `data` itself for `.`.
fn path_to_map(path: &str, data: MapRef) -> MapRef {
    if path == "." {
        return data;
    }
    let mut cur = data;
    for part in path.split('.').rev() {
        let mut t = Table::new();
        t.insert(Str::from(part), Value::Map(cur));
        cur = Map::new(t);
    }
    cur
}

fn process_import_values(c: &mut Chart) -> Result<()> {
    for d in &mut c.dependencies {
        process_import_values(d)?;
    }
    import_values(c)
}

fn import_values(c: &mut Chart) -> Result<()> {
    if c.metadata.dependencies.is_none() {
        return Ok(());
    }
    let cvals = merge_values(c, &Table::new())?;
    let b = Map::new(Table::new());
    let mut reqs = c.metadata.dependencies.take().unwrap_or_default();
    for r in &mut reqs {
        let mut out = Vec::new();
        for iv in &r.import_values {
            let (child, parent) = match iv {
                Value::Map(m) => {
                    let field = |k: &str| {
                        m.get(k)
                            .map_or_else(|| "<nil>".to_string(), |v| format_go(&v))
                    };
                    (field("child"), field("parent"))
                }
                Value::String(s) => (format!("exports.{s}"), ".".to_string()),
                _ => continue,
            };
            let mut entry = Table::new();
            entry.insert(Str::from("child"), Value::str(&child));
            entry.insert(Str::from("parent"), Value::str(&parent));
            out.push(Value::map(entry));
            let Some(vv) = table_ref_at(&cvals, &format!("{}.{child}", r.name)) else {
                continue;
            };
            let add = if matches!(iv, Value::String(_)) {
                vv
            } else {
                path_to_map(&parent, vv)
            };
            coalesce_tables(&b, &add, true);
        }
        r.import_values = out;
    }
    c.metadata.dependencies = Some(reqs);
    let merged = Map::new(
        cvals
            .iter()
            .map(|(k, v)| (k.clone(), v.deep_copy()))
            .collect(),
    );
    coalesce_tables(&merged, &b, true);
    c.values = Value::Map(merged);
    Ok(())
}

fn format_go(v: &Value) -> String {
    helmd_gotmpl::fmt::format_v(v, false)
}
