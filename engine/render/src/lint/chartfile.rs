//! Helm's Chart.yaml rules: readable, strictly readable (no unknown fields),
//! name, apiVersion, version and appVersion types, version, maintainers,
//! sources, icon, type, dependencies, strict SemVer 2.

use helmd_chart::Metadata;
use helmd_gotmpl::go_quote;
use helmd_yaml::{MapRef, Value};

use super::{Linter, Severity, urls};

const FILE: &str = "Chart.yaml";

const METADATA_FIELDS: &[&str] = &[
    "name",
    "home",
    "sources",
    "version",
    "description",
    "keywords",
    "maintainers",
    "icon",
    "apiVersion",
    "condition",
    "tags",
    "appVersion",
    "deprecated",
    "annotations",
    "kubeVersion",
    "dependencies",
    "type",
];
const MAINTAINER_FIELDS: &[&str] = &["name", "email", "url"];
const DEPENDENCY_FIELDS: &[&str] = &[
    "name",
    "version",
    "repository",
    "condition",
    "tags",
    "enabled",
    "import-values",
    "alias",
];

/// Runs the Chart.yaml rules.
pub(super) fn lint(l: &mut Linter<'_>) {
    let is_dir = l.files.is_dir(FILE);
    l.rule(
        Severity::Error,
        FILE,
        if is_dir {
            Err("should be a file, not a directory".into())
        } else {
            Ok(())
        },
    );
    let text = match l.files.files.get(FILE) {
        Some(raw) => helmd_yaml::gostr::from_go_bytes(strip_bom(raw)).into_owned(),
        None => {
            let msg = format!(
                "unable to parse YAML\n\tread {}/{FILE}: is a directory",
                l.dir
            );
            l.rule(Severity::Error, FILE, Err(msg));
            return;
        }
    };
    let md = match Metadata::parse(&text) {
        Ok(md) => md,
        Err(e) => {
            let e = e.to_string();
            let e = e.strip_prefix("cannot load Chart.yaml: ").unwrap_or(&e);
            l.rule(
                Severity::Error,
                FILE,
                Err(format!("unable to parse YAML\n\t{e}")),
            );
            return;
        }
    };
    let raw = helmd_yaml::parse_yaml(&text).unwrap_or(Value::Nil);
    let raw = raw.as_map();
    l.rule(Severity::Warning, FILE, strict_fields(&text, raw));
    let api_version = raw_string(raw, "apiVersion");
    let checks: Vec<(Severity, Result<(), String>)> = vec![
        (Severity::Error, name(&md.name)),
        (Severity::Error, api(&api_version)),
        (Severity::Error, string_type(raw, "version")),
        (Severity::Error, version(&md.version)),
        (Severity::Error, string_type(raw, "appVersion")),
        (Severity::Error, maintainers(raw, &md)),
        (Severity::Error, sources(&md)),
        (Severity::Info, icon_present(&md)),
        (Severity::Error, icon_url(&md)),
        (Severity::Error, chart_type(&md, &api_version)),
        (Severity::Error, dependencies(&md, &api_version)),
        (Severity::Warning, strict_semver(&md.version)),
    ];
    for (severity, result) in checks {
        l.rule(severity, FILE, result);
    }
}

fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(data)
}

/// A field as Go's encoding/json finds it (keys fold case; the last non-null wins).
fn fold_get(map: &MapRef, key: &str) -> Option<Value> {
    map.go_entries()
        .into_iter()
        .filter(|(k, v)| k.eq_ignore_ascii_case(key) && !v.is_nil())
        .map(|(_, v)| v)
        .last()
}

/// The text of a field as Chart.yaml has it, empty when absent.
fn raw_string(raw: Option<&MapRef>, key: &str) -> String {
    match raw.and_then(|m| fold_get(m, key)) {
        Some(Value::String(s)) => s.to_string(),
        Some(Value::Nil) | None => String::new(),
        Some(v) => helmd_yaml::to_json(&v).unwrap_or_default(),
    }
}

fn unknown_field(map: &MapRef, known: &[&str]) -> Option<String> {
    map.go_entries()
        .into_iter()
        .map(|(k, _)| k.to_string())
        .find(|k| !known.iter().any(|f| f.eq_ignore_ascii_case(k)))
}

/// `yaml.UnmarshalStrict`: keys set twice in a mapping, then the first field
/// Helm's Metadata does not have.
fn strict_fields(text: &str, raw: Option<&MapRef>) -> Result<(), String> {
    let duplicates = duplicate_keys(text);
    if !duplicates.is_empty() {
        let lines: Vec<String> = duplicates
            .iter()
            .map(|(line, key)| format!("  line {line}: key {} already set in map", go_quote(key)))
            .collect();
        return Err(format!(
            "failed to strictly parse chart metadata file\n\terror converting YAML to JSON: yaml: unmarshal errors:\n{}",
            lines.join("\n")
        ));
    }
    let Some(map) = raw else { return Ok(()) };
    let mut unknown = unknown_field(map, METADATA_FIELDS);
    for (key, nested) in [
        ("maintainers", MAINTAINER_FIELDS),
        ("dependencies", DEPENDENCY_FIELDS),
    ] {
        if unknown.is_some() {
            break;
        }
        if let Some(Value::List(items)) = fold_get(map, key) {
            unknown = items
                .items
                .iter()
                .filter_map(|i| i.as_map())
                .find_map(|m| unknown_field(m, nested));
        }
    }
    match unknown {
        Some(field) => Err(format!(
            "failed to strictly parse chart metadata file\n\terror unmarshaling JSON: while decoding JSON: json: unknown field {}",
            go_quote(&field)
        )),
        None => Ok(()),
    }
}

/// Keys set twice in one block mapping, with their 1-based lines: a plain
/// line scan (block mappings and `- ` list items; block scalars skipped), which
/// is what Chart.yaml files are made of.
fn duplicate_keys(text: &str) -> Vec<(usize, String)> {
    // Open mappings: (indent of their keys, keys seen).
    let mut open: Vec<(usize, Vec<String>)> = Vec::new();
    let mut out = Vec::new();
    let mut scalar_indent: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let body = line.trim_start_matches(' ');
        let mut indent = line.len() - body.len();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if let Some(limit) = scalar_indent {
            if indent > limit {
                continue;
            }
            scalar_indent = None;
        }
        let mut rest = body;
        while let Some(item) = rest.strip_prefix("- ") {
            // A list item opens a new mapping at the item's content column.
            open.retain(|(i, _)| *i < indent + 1);
            indent += 2;
            rest = item.trim_start_matches(' ');
            open.push((indent, Vec::new()));
        }
        let Some((key, value)) = split_key(rest) else {
            continue;
        };
        open.retain(|(i, _)| *i <= indent);
        match open.last_mut() {
            Some((i, keys)) if *i == indent => {
                if keys.contains(&key) {
                    out.push((index + 1, key));
                } else {
                    keys.push(key);
                }
            }
            _ => open.push((indent, vec![key])),
        }
        let value = value.trim();
        if value.starts_with('|') || value.starts_with('>') {
            scalar_indent = Some(indent);
        }
    }
    out
}

/// `key: value` (or `key:`) with a plain or quoted key.
fn split_key(line: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(q) = line.strip_prefix('"') {
        let end = q.find('"')?;
        (q[..end].to_string(), &q[end + 1..])
    } else if let Some(q) = line.strip_prefix('\'') {
        let end = q.find('\'')?;
        (q[..end].to_string(), &q[end + 1..])
    } else {
        if line.starts_with(['[', '{', '&', '*', '!', '|', '>']) {
            return None;
        }
        let end = line
            .find(": ")
            .or_else(|| line.ends_with(':').then(|| line.len() - 1))?;
        (line[..end].trim_end().to_string(), &line[end..])
    };
    let value = rest.strip_prefix(':')?;
    if !(value.is_empty() || value.starts_with(' ')) {
        return None;
    }
    Some((key, value))
}

/// Go's `filepath.Base`.
fn base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/";
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

fn name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name is required".into());
    }
    if base(name) != name {
        return Err(format!("chart name {} is invalid", go_quote(name)));
    }
    Ok(())
}

fn api(api_version: &str) -> Result<(), String> {
    match api_version {
        "" => Err("apiVersion is required. The value must be either \"v1\" or \"v2\"".into()),
        "v1" | "v2" => Ok(()),
        other => Err(format!(
            "apiVersion '{other}' is not valid. The value must be either \"v1\" or \"v2\""
        )),
    }
}

/// Go's `%T` of a value decoded into `interface{}` from JSON.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Nil => "<nil>",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::List(_) => "[]interface {}",
        Value::Map(_) => "map[string]interface {}",
        _ => "float64",
    }
}

fn string_type(raw: Option<&MapRef>, key: &str) -> Result<(), String> {
    let Some(map) = raw else { return Ok(()) };
    if !map.read().contains_key(key) {
        return Ok(());
    }
    let v = map.get(key).unwrap_or(Value::Nil);
    match go_type(&v) {
        "string" => Ok(()),
        t => Err(format!(
            "{key} should be of type string but it's of type {t}"
        )),
    }
}

fn version(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Err("version is required".into());
    }
    if helmd_semver::Version::parse(v).is_none() {
        return Err(format!("version '{v}' is not a valid SemVer"));
    }
    Ok(())
}

fn maintainers(raw: Option<&MapRef>, md: &Metadata) -> Result<(), String> {
    let raw_items = match raw.and_then(|m| fold_get(m, "maintainers")) {
        Some(Value::List(l)) => l.items.clone(),
        _ => Vec::new(),
    };
    for (i, m) in md.maintainers.iter().enumerate() {
        if matches!(raw_items.get(i), Some(Value::Nil)) {
            return Err("a maintainer entry is empty".into());
        }
        if m.name.is_empty() {
            return Err("each maintainer requires a name".into());
        }
        if !m.email.is_empty() && !urls::is_email(&m.email) {
            return Err(format!(
                "invalid email '{}' for maintainer '{}'",
                m.email, m.name
            ));
        }
        if !m.url.is_empty() && !urls::is_url(&m.url) {
            return Err(format!(
                "invalid url '{}' for maintainer '{}'",
                m.url, m.name
            ));
        }
    }
    Ok(())
}

fn sources(md: &Metadata) -> Result<(), String> {
    for s in &md.sources {
        if s.is_empty() || !urls::is_request_url(s) {
            return Err(format!("invalid source URL '{s}'"));
        }
    }
    Ok(())
}

fn icon_present(md: &Metadata) -> Result<(), String> {
    if md.icon.is_empty() {
        return Err("icon is recommended".into());
    }
    Ok(())
}

fn icon_url(md: &Metadata) -> Result<(), String> {
    if !md.icon.is_empty() && !urls::is_request_url(&md.icon) {
        return Err(format!("invalid icon URL '{}'", md.icon));
    }
    Ok(())
}

fn chart_type(md: &Metadata, api_version: &str) -> Result<(), String> {
    if !md.chart_type.is_empty() && api_version != "v2" {
        return Err(format!(
            "chart type is not valid in apiVersion '{api_version}'. It is valid in apiVersion 'v2'"
        ));
    }
    Ok(())
}

fn dependencies(md: &Metadata, api_version: &str) -> Result<(), String> {
    let any = md.dependencies.as_ref().is_some_and(|d| !d.is_empty());
    if any && api_version != "v2" {
        return Err(format!(
            "dependencies are not valid in the Chart file with apiVersion '{api_version}'. They are valid in apiVersion 'v2'"
        ));
    }
    Ok(())
}

fn strict_semver(v: &str) -> Result<(), String> {
    if helmd_semver::Version::parse_strict(v).is_none() {
        return Err(format!("version '{v}' is not a valid SemVerV2"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_set_twice_in_one_mapping_are_found_with_their_line() {
        let text = "name: a\nmaintainers:\n  - name: x\n    email: y\n  - name: z\n    name: w\nname: b\ndescription: |\n  name: in a block\n";
        assert_eq!(
            duplicate_keys(text),
            vec![(6, "name".to_string()), (7, "name".to_string())]
        );
    }
}
