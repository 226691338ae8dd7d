//! Helm's values, dependencies and CRD rules.

use std::collections::BTreeMap;

use helmd_yaml::{Map, Str, Value};

use super::{Linter, Severity, docs};

/// `values.yaml`: present (INFO otherwise), parses as a map, and — user values
/// coalesced over it — meets `values.schema.json` (the top chart's only).
///
/// As in Helm, the coalescing happens in the user values themselves, so the
/// templates rule that follows sees them without their `null`s.
pub(super) fn values(l: &mut Linter<'_>, overrides: &mut BTreeMap<Str, Value>, skip_schema: bool) {
    const FILE: &str = "values.yaml";
    if !l.rule(
        Severity::Info,
        FILE,
        if l.files.exists(FILE) {
            Ok(())
        } else {
            Err("file does not exist".into())
        },
    ) {
        return;
    }
    let result = values_file(l, overrides, skip_schema);
    l.rule(Severity::Error, FILE, result);
}

fn values_file(
    l: &Linter<'_>,
    overrides: &mut BTreeMap<Str, Value>,
    skip_schema: bool,
) -> Result<(), String> {
    let Some(raw) = l.files.files.get("values.yaml") else {
        return Err(format!(
            "unable to parse YAML: read {}/values.yaml: is a directory",
            l.dir
        ));
    };
    let raw = raw.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(raw);
    let text = helmd_yaml::gostr::from_go_bytes(raw);
    let values = match helmd_yaml::parse_yaml(&text) {
        Ok(Value::Nil) => BTreeMap::new(),
        Ok(Value::Map(m)) => m.read().clone(),
        Ok(other) => {
            let found = match other {
                Value::List(_) => "array",
                Value::String(_) => "string",
                Value::Bool(_) => "bool",
                _ => "number",
            };
            return Err(format!(
                "unable to parse YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {found} into Go value of type common.Values"
            ));
        }
        Err(e) => {
            return Err(format!(
                "unable to parse YAML: {}",
                helmd_chart::values_error(&e)
            ));
        }
    };
    let dst = Map::new(std::mem::take(overrides));
    helmd_chart::merge_tables(&dst, &Map::new(values), false);
    *overrides = dst.read().clone();
    let schema = match l.files.files.get("values.schema.json") {
        Some(s) if !s.is_empty() => s,
        _ => return Ok(()),
    };
    if skip_schema {
        return Ok(());
    }
    helmd_chart::validate_against_schema(schema, overrides)
}

/// Declared dependencies against the subcharts in `charts/`.
pub(super) fn dependencies(l: &mut Linter<'_>) {
    let chart = match l.chart() {
        Ok(c) => c,
        Err(e) => {
            l.rule(
                Severity::Error,
                "",
                Err(format!("unable to load chart\n\t{e}")),
            );
            return;
        }
    };
    let declared: Vec<_> = chart.metadata.dependencies.iter().flatten().collect();
    let present: Vec<&str> = chart.dependencies.iter().map(|c| c.name()).collect();
    let dir = l.dir.clone();
    let undeclared: Vec<&str> = present
        .iter()
        .copied()
        .filter(|p| !declared.iter().any(|d| d.name == *p))
        .collect();
    l.rule(
        Severity::Error,
        &dir,
        if undeclared.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "chart metadata is missing these dependencies: {}",
                undeclared.join(",")
            ))
        },
    );
    let mut seen = std::collections::BTreeSet::new();
    let mut shadowing = Vec::new();
    for d in &declared {
        let key = if d.alias.is_empty() {
            &d.name
        } else {
            &d.alias
        };
        if !seen.insert(key.clone()) {
            shadowing.push(key.clone());
        }
    }
    l.rule(
        Severity::Error,
        &dir,
        if shadowing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "multiple dependencies with name or alias: {}",
                shadowing.join(",")
            ))
        },
    );
    let missing: Vec<&str> = declared
        .iter()
        .map(|d| d.name.as_str())
        .filter(|n| !present.contains(n))
        .collect();
    l.rule(
        Severity::Warning,
        &dir,
        if missing.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "chart directory is missing these dependencies: {}",
                missing.join(",")
            ))
        },
    );
}

/// `crds/`: a directory whose YAML files (this chart's and its subcharts')
/// hold only `apiextensions.k8s.io` CustomResourceDefinitions.
pub(super) fn crds(l: &mut Linter<'_>) {
    if !l.files.exists("crds") {
        return;
    }
    if !l.rule(
        Severity::Error,
        "crds/",
        if l.files.is_dir("crds") {
            Ok(())
        } else {
            Err("not a directory".into())
        },
    ) {
        return;
    }
    let chart = match l.chart() {
        Ok(c) => c,
        Err(e) => {
            l.rule(Severity::Error, "crds/", Err(e));
            return;
        }
    };
    for crd in chart.crd_objects() {
        let text = helmd_yaml::gostr::from_go_bytes(&crd.data).into_owned();
        for doc in docs::decode(&text) {
            let stub = match doc {
                Ok(Some(s)) => s,
                Ok(None) => continue,
                Err(e) => {
                    l.rule(Severity::Error, &crd.name, Err(e));
                    return;
                }
            };
            let api = if stub.api_version.starts_with("apiextensions.k8s.io") {
                Ok(())
            } else {
                Err("apiVersion is not in 'apiextensions.k8s.io'".into())
            };
            l.rule(Severity::Error, &crd.name, api);
            let kind = if stub.kind == "CustomResourceDefinition" {
                Ok(())
            } else {
                Err("object kind is not 'CustomResourceDefinition'".into())
            };
            l.rule(Severity::Error, &crd.name, kind);
        }
    }
}
