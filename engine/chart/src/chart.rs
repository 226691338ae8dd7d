//! The chart loader: a directory (with `.helmignore`) or an archive becomes a
//! `Chart` with typed metadata, values, schema, templates, files and its
//! subcharts from `charts/` (directories and nested `.tgz`), as Helm's loader
//! sorts files.

use std::collections::BTreeMap;
use std::path::Path;

use helmd_yaml::Value;

use crate::error::{Error, Result};
use crate::ignore::IgnoreRules;
use crate::metadata::Metadata;

/// A loaded chart and, recursively, its subcharts.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Chart.yaml (and requirements.yaml for apiVersion v1).
    pub metadata: Metadata,
    /// values.yaml parsed (numbers float64), nil when absent.
    pub values: Value,
    /// values.schema.json as written, when present.
    pub schema: Option<Vec<u8>>,
    /// Templates by path relative to the chart (`templates/a.yaml`).
    pub templates: BTreeMap<String, String>,
    /// Every other file (`.Files`), by path relative to the chart; `crds/` included.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Subcharts from `charts/`, by directory or archive name order.
    pub dependencies: Vec<Chart>,
}

impl Chart {
    /// The chart's name (after dependency processing: its alias, when it has one).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Helm's `CRDObjects`: the `.yaml`, `.yml` and `.json` files under `crds/` of
    /// this chart, then of its subcharts, each with its path inside the chart (`name`)
    /// and its full path (`filename`, `<chart>/charts/<sub>/crds/x.yaml`).
    pub fn crd_objects(&self) -> Vec<Crd> {
        let mut out = Vec::new();
        self.collect_crds(self.name(), &mut out);
        out
    }

    fn collect_crds(&self, full_path: &str, out: &mut Vec<Crd>) {
        for (name, data) in &self.files {
            let manifest = [".yaml", ".yml", ".json"]
                .iter()
                .any(|ext| name.ends_with(ext));
            if name.starts_with("crds/") && manifest {
                out.push(Crd {
                    name: name.clone(),
                    filename: format!("{full_path}/{name}"),
                    data: data.clone(),
                });
            }
        }
        for dep in &self.dependencies {
            dep.collect_crds(&format!("{full_path}/charts/{}", dep.name()), out);
        }
    }
}

/// A CRD file of a chart, for the manifest stage (installed before templates render).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crd {
    /// Path inside its chart (`crds/a.yaml`).
    pub name: String,
    /// Path from the root chart (`shop/charts/pay/crds/a.yaml`).
    pub filename: String,
    /// The file.
    pub data: Vec<u8>,
}

/// Strips a UTF-8 byte order mark (Helm does, for every chart file).
pub(crate) fn strip_bom(data: &[u8]) -> &[u8] {
    data.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(data)
}

/// Loads a chart directory, honouring its `.helmignore`.
pub fn load_chart_dir(dir: &Path) -> Result<Chart> {
    load_chart_files(read_chart_dir(dir)?)
}

/// A chart directory's files as the loader reads them (`.helmignore` honoured), keyed
/// by path relative to the chart root: what [`load_chart_files`] takes.
pub fn read_chart_dir(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let rules = match std::fs::read(dir.join(".helmignore")) {
        Ok(text) => IgnoreRules::parse(&String::from_utf8_lossy(&text))?,
        Err(_) => IgnoreRules::defaults(),
    };
    let mut files = BTreeMap::new();
    walk(dir, dir, &rules, &mut files, 0)?;
    Ok(files)
}

/// Subcharts nest at most this deep (charts/x/charts/y/... or archives in archives).
pub const MAX_CHART_DEPTH: usize = 32;

/// Loads a packaged chart (`.tgz`) within `limits`, which nested subchart archives
/// share: their expanded bytes and files count against the same budget.
pub fn load_chart_archive(archive: &[u8], limits: crate::ArchiveLimits) -> Result<Chart> {
    let mut budget = limits;
    load_archive(archive, &mut budget, 0)
}

/// Loads a chart from its files, keyed by path relative to the chart root (what a
/// directory walk or an archive yields), subcharts under `charts/` included.
pub fn load_chart_files(all: BTreeMap<String, Vec<u8>>) -> Result<Chart> {
    load_files(all, &mut crate::ArchiveLimits::default(), 0)
}

/// Reads one (possibly nested) archive within what is left of `budget`.
fn load_archive(data: &[u8], budget: &mut crate::ArchiveLimits, depth: usize) -> Result<Chart> {
    let files = crate::read_chart_archive(data, *budget)?;
    let bytes: u64 = files.values().map(|v| v.len() as u64).sum();
    budget.max_decompressed_bytes = budget.max_decompressed_bytes.saturating_sub(bytes);
    budget.max_files = budget.max_files.saturating_sub(files.len());
    load_files(files, budget, depth)
}

fn text(data: &[u8]) -> String {
    helmd_yaml::gostr::from_go_bytes(strip_bom(data)).into_owned()
}

fn load_files(
    all: BTreeMap<String, Vec<u8>>,
    budget: &mut crate::ArchiveLimits,
    depth: usize,
) -> Result<Chart> {
    if depth > MAX_CHART_DEPTH {
        return Err(Error::Chart(format!(
            "subcharts nest deeper than {MAX_CHART_DEPTH} levels"
        )));
    }
    let mut metadata: Option<Metadata> = None;
    if let Some(raw) = all.get("Chart.yaml") {
        metadata = Some(Metadata::parse(&text(raw))?);
    }
    let mut chart = Chart {
        metadata: Metadata::default(),
        values: Value::Nil,
        schema: None,
        templates: BTreeMap::new(),
        files: BTreeMap::new(),
        dependencies: Vec::new(),
    };
    let mut subcharts: BTreeMap<String, BTreeMap<String, Vec<u8>>> = BTreeMap::new();
    for (name, data) in all {
        let data = strip_bom(&data).to_vec();
        match name.as_str() {
            "Chart.yaml" | "Chart.lock" => {}
            "values.yaml" => {
                let map = crate::values::load_values(&text(&data))
                    .map_err(|e| Error::Chart(format!("cannot load values.yaml: {e}")))?;
                chart.values = Value::map(map);
            }
            "values.schema.json" => chart.schema = Some(data),
            "requirements.yaml" => {
                let md = metadata.get_or_insert_with(Metadata::default);
                md.read_requirements(&text(&data))?;
                if md.api_version == "v1" {
                    chart.files.insert(name, data);
                }
            }
            "requirements.lock" => {
                helmd_yaml::parse_yaml(&text(&data))
                    .map_err(|e| Error::Chart(format!("cannot load requirements.lock: {e}")))?;
                if metadata.as_ref().is_some_and(|m| m.api_version == "v1") {
                    chart.files.insert(name, data);
                }
            }
            _ if name.starts_with("templates/") => {
                chart
                    .templates
                    .insert(name, helmd_yaml::gostr::from_go_bytes(&data).into_owned());
            }
            _ if name.starts_with("charts/") => {
                if name.ends_with(".prov") {
                    chart.files.insert(name, data);
                    continue;
                }
                let rest = &name["charts/".len()..];
                let (sub, inner) = rest.split_once('/').unwrap_or((rest, ""));
                subcharts
                    .entry(sub.to_string())
                    .or_default()
                    .insert(inner.to_string(), data);
            }
            _ => {
                chart.files.insert(name, data);
            }
        }
    }
    let Some(mut metadata) = metadata else {
        return Err(Error::Chart("Chart.yaml file is missing".into()));
    };
    metadata.sanitize();
    metadata.validate()?;
    chart.metadata = metadata;
    for (sub, files) in subcharts {
        if sub.starts_with('_') || sub.starts_with('.') {
            continue;
        }
        let wrap = |e: Error| {
            Error::Chart(format!(
                "error unpacking subchart {sub} in {}: {e}",
                chart.name()
            ))
        };
        let loaded = if sub.ends_with(".tgz") {
            let Some(data) = files.get("") else {
                return Err(Error::Chart(format!(
                    "error unpacking subchart tar in {}: expected {sub}",
                    chart.name()
                )));
            };
            load_archive(data, budget, depth + 1).map_err(wrap)?
        } else {
            let inner = files.into_iter().filter(|(k, _)| !k.is_empty()).collect();
            load_files(inner, budget, depth + 1).map_err(wrap)?
        };
        chart.dependencies.push(loaded);
    }
    Ok(chart)
}

/// Collects every file under `dir` not ignored by `rules`, by path relative to `root`.
fn walk(
    root: &Path,
    dir: &Path,
    rules: &IgnoreRules,
    files: &mut BTreeMap<String, Vec<u8>>,
    depth: usize,
) -> Result<()> {
    // Symbolic links are followed like Helm does; a loop must not recurse forever.
    if depth > 4 * MAX_CHART_DEPTH {
        return Err(Error::Chart(format!(
            "{}: directories nest deeper than {} levels (a symbolic link loop?)",
            dir.display(),
            4 * MAX_CHART_DEPTH
        )));
    }
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
        let is_dir = p.is_dir();
        if rules.ignore(&rel, is_dir) {
            continue;
        }
        if is_dir {
            walk(root, &p, rules, files, depth + 1)?;
        } else {
            files.insert(rel, std::fs::read(&p).map_err(io(&p))?);
        }
    }
    Ok(())
}
