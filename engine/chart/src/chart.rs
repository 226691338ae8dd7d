//! A minimal chart loader: Chart.yaml, values.yaml and templates/ of a
//! directory (subcharts, .helmignore and archives come with the chart crate).

use std::collections::BTreeMap;
use std::path::Path;

use helmd_yaml::{ElemType, Map, Str, Value, parse_yaml};

use crate::error::{Error, Result};

/// A loaded chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// `name` from Chart.yaml.
    pub name: String,
    /// `.Chart` as templates see it (Go field names).
    pub metadata: Value,
    /// values.yaml parsed (numbers float64), nil when absent.
    pub values: Value,
    /// Templates by path relative to the chart (`templates/a.yaml`).
    pub templates: BTreeMap<String, String>,
    /// Every other file, for `.Files`, by path relative to the chart.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// Strips a UTF-8 byte order mark (Helm does, for every chart file).
pub(crate) fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(data)
}

/// Loads a chart directory without subcharts.
pub fn load_chart_dir(dir: &Path) -> Result<Chart> {
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files)?;
    load_chart_files(files)
}

/// Loads a packaged chart (`.tgz`) within `limits`.
pub fn load_chart_archive(archive: &[u8], limits: crate::ArchiveLimits) -> Result<Chart> {
    load_chart_files(crate::read_chart_archive(archive, limits)?)
}

/// Loads a chart from its files, keyed by path relative to the chart root (what a
/// directory walk or an archive yields). Subcharts under `charts/` are not loaded yet.
pub fn load_chart_files(mut all: BTreeMap<String, Vec<u8>>) -> Result<Chart> {
    let Some(raw) = all.remove("Chart.yaml") else {
        return Err(Error::Chart("Chart.yaml file is missing".into()));
    };
    // Bytes that are not UTF-8 stay Go bytes (go-yaml then names them).
    let text = helmd_yaml::gostr::from_go_bytes(strip_bom(&raw));
    let meta =
        parse_yaml(&text).map_err(|e| Error::Chart(format!("cannot load Chart.yaml: {e}")))?;
    let name = meta
        .as_map()
        .and_then(|m| m.get("name"))
        .and_then(|v| v.as_str().map(str::to_string));
    let Some(name) = name else {
        return Err(Error::Chart(
            "validation: chart.metadata.name is required".into(),
        ));
    };
    let values = match all.remove("values.yaml") {
        Some(b) => {
            let text = helmd_yaml::gostr::from_go_bytes(strip_bom(&b)).into_owned();
            let map = crate::values::load_values(&text)
                .map_err(|e| Error::Chart(format!("cannot load values.yaml: {e}")))?;
            Value::map(map)
        }
        None => Value::Nil,
    };
    let mut templates = BTreeMap::new();
    let mut files = BTreeMap::new();
    for (rel, data) in all {
        let data = strip_bom(&data).to_vec();
        if rel.starts_with("charts/") || rel.starts_with("templates/.") {
            // Subcharts come with the chart crate; `templates/.?*` is Helm's default ignore.
            continue;
        } else if rel.starts_with("templates/") {
            templates.insert(rel, helmd_yaml::gostr::from_go_bytes(&data).into_owned());
        } else {
            files.insert(rel, data);
        }
    }
    Ok(Chart {
        name,
        metadata: metadata_value(&meta),
        values,
        templates,
        files,
    })
}

/// Collects every file under `dir` (but `charts/`) by path relative to `root`.
fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) -> Result<()> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    let entries = std::fs::read_dir(dir).map_err(io(dir))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let rel = p
            .strip_prefix(root)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        if p.is_dir() {
            if rel != "charts" {
                walk(root, &p, files)?;
            }
        } else {
            files.insert(rel, std::fs::read(&p).map_err(io(&p))?);
        }
    }
    Ok(())
}

/// `.Chart`: the Chart.yaml fields under Helm's Go field names.
fn metadata_value(meta: &Value) -> Value {
    let get = |k: &str| meta.as_map().and_then(|m| m.get(k)).unwrap_or(Value::Nil);
    let string = |k: &str| match get(k) {
        Value::String(s) => Value::String(s),
        Value::Nil => Value::str(""),
        other => Value::from(helmd_gotmpl::fmt::format_v(&other, false)),
    };
    let list = |k: &str| match get(k) {
        Value::List(l) => Value::List(l),
        _ => Value::list(Vec::new()),
    };
    let annotations = match get("annotations").as_map() {
        Some(m) => {
            let entries = m
                .entries()
                .into_iter()
                .map(|(k, v)| (k, Value::from(helmd_gotmpl::fmt::format_v(&v, false))))
                .collect();
            Map::typed(ElemType::String, entries)
        }
        None => Map::nil_map(ElemType::String),
    };
    let maintainers: Vec<Value> = match get("maintainers") {
        Value::List(l) => l.items.iter().map(maintainer).collect(),
        _ => Vec::new(),
    };
    let mut m: BTreeMap<Str, Value> = BTreeMap::new();
    m.insert("APIVersion".into(), string("apiVersion"));
    m.insert("Annotations".into(), Value::Map(annotations));
    m.insert("AppVersion".into(), string("appVersion"));
    m.insert("Condition".into(), string("condition"));
    m.insert("Dependencies".into(), list("dependencies"));
    m.insert("Deprecated".into(), Value::Bool(get("deprecated").truth()));
    m.insert("Description".into(), string("description"));
    m.insert("Home".into(), string("home"));
    m.insert("Icon".into(), string("icon"));
    m.insert("IsRoot".into(), Value::Bool(true));
    m.insert("Keywords".into(), list("keywords"));
    m.insert("KubeVersion".into(), string("kubeVersion"));
    m.insert("Maintainers".into(), Value::list(maintainers));
    m.insert("Name".into(), string("name"));
    m.insert("Sources".into(), list("sources"));
    m.insert("Tags".into(), string("tags"));
    m.insert("Type".into(), string("type"));
    m.insert("Version".into(), string("version"));
    Value::map(m)
}

/// One `.Chart.Maintainers` entry: Name, Email and URL, empty when absent.
fn maintainer(v: &Value) -> Value {
    let field = |k: &str| match v.as_map().and_then(|m| m.get(k)) {
        Some(Value::String(s)) => Value::String(s),
        Some(Value::Nil) | None => Value::str(""),
        Some(other) => Value::from(helmd_gotmpl::fmt::format_v(&other, false)),
    };
    let mut m: BTreeMap<Str, Value> = BTreeMap::new();
    m.insert("Email".into(), field("email"));
    m.insert("Name".into(), field("name"));
    m.insert("URL".into(), field("url"));
    Value::map(m)
}
