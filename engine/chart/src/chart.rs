//! The chart loader: a directory (with `.helmignore`) or an archive becomes a
//! `Chart` with typed metadata, values, schema, templates, files and its
//! subcharts from `charts/` (directories and nested `.tgz`), as Helm's loader
//! sorts files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
/// The directory is read within the archive limits (file size, total size, file count);
/// a directory without Chart.yaml is refused before anything else is read.
pub fn read_chart_dir(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    if dir.is_dir() && !dir.join("Chart.yaml").exists() {
        return Err(Error::Chart("Chart.yaml file is missing".into()));
    }
    let mut budget = DirBudget::new(crate::ArchiveLimits::default());
    let rules = match std::fs::metadata(dir.join(".helmignore")) {
        Ok(_) => {
            let text = budget.read(&dir.join(".helmignore"))?;
            IgnoreRules::parse(&String::from_utf8_lossy(&text))?
        }
        Err(_) => IgnoreRules::defaults(),
    };
    let mut files = BTreeMap::new();
    walk(dir, dir, &rules, &mut files, &mut budget, 0)?;
    Ok(files)
}

/// What reading a chart directory may still take: a packaged chart's limits, applied
/// to the files on disk, so a directory cannot hold more than an archive may expand to.
#[derive(Debug)]
pub struct DirBudget {
    limits: crate::ArchiveLimits,
    bytes: u64,
    files: usize,
}

impl DirBudget {
    /// A budget of `limits`.
    pub fn new(limits: crate::ArchiveLimits) -> Self {
        DirBudget {
            limits,
            bytes: 0,
            files: 0,
        }
    }

    /// Reads one file (symbolic links followed) within what is left. Devices, FIFOs
    /// and sockets are refused with Helm's words, before anything is read from them.
    pub fn read(&mut self, path: &Path) -> Result<Vec<u8>> {
        use std::io::Read;
        let io = |source| Error::Io {
            path: path.display().to_string(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(io)?;
        if !meta.is_file() {
            // Helm names the file by its absolute path here.
            let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            return Err(Error::Chart(format!(
                "cannot load irregular file {} as it has file mode type bits set",
                shown.display()
            )));
        }
        let max_file = self.limits.max_file_bytes;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file_too_large = || {
            Error::Chart(format!(
                "chart file {name:?} is larger than the maximum file size {max_file}"
            ))
        };
        if meta.len() > max_file {
            return Err(file_too_large());
        }
        self.files += 1;
        if self.files > self.limits.max_files {
            return Err(Error::Chart(format!(
                "chart directory has more than {} files",
                self.limits.max_files
            )));
        }
        let mut data = Vec::new();
        std::fs::File::open(path)
            .map_err(io)?
            .take(max_file + 1)
            .read_to_end(&mut data)
            .map_err(io)?;
        let read = u64::try_from(data.len()).unwrap_or(u64::MAX);
        if read > max_file {
            return Err(file_too_large());
        }
        self.bytes = self.bytes.saturating_add(read);
        if self.bytes > self.limits.max_decompressed_bytes {
            return Err(Error::Chart(format!(
                "chart directory is larger than the maximum size {}",
                self.limits.max_decompressed_bytes
            )));
        }
        Ok(data)
    }
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

/// Loads a chart from its files within `limits`, as if they had been read from one
/// archive: the file count, each file's size and the total are checked first, and
/// nested subchart archives share what is left (a chart whose `charts/` was filled
/// in memory stays within the limits its packaged form would have).
pub fn load_chart_files_within(
    all: BTreeMap<String, Vec<u8>>,
    limits: crate::ArchiveLimits,
) -> Result<Chart> {
    if all.len() > limits.max_files {
        return Err(Error::Archive(format!(
            "chart archive has more than {} files",
            limits.max_files
        )));
    }
    let mut total: u64 = 0;
    for (name, data) in &all {
        let size = data.len() as u64;
        if size > limits.max_file_bytes {
            return Err(Error::Archive(format!(
                "decompressed chart file {name:?} is larger than the maximum file size {}",
                limits.max_file_bytes
            )));
        }
        total = total.saturating_add(size);
    }
    if total > limits.max_decompressed_bytes {
        return Err(Error::Archive(format!(
            "decompressed chart is larger than the maximum size {}",
            limits.max_decompressed_bytes
        )));
    }
    let mut budget = limits;
    budget.max_decompressed_bytes -= total;
    budget.max_files -= all.len();
    load_files(all, &mut budget, 0)
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

/// Helm's walk evaluates every symbolic link first (an ignored one too): a link to
/// nothing fails with its words, naming the first part of the target that is missing.
pub fn dangling_symlink(p: &Path) -> Option<String> {
    let meta = std::fs::symlink_metadata(p).ok()?;
    if !meta.file_type().is_symlink() {
        return None;
    }
    match std::fs::metadata(p) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        _ => return None,
    }
    let target = std::fs::read_link(p).ok()?;
    let resolved = p.parent().unwrap_or(Path::new("")).join(target);
    let mut missing = PathBuf::new();
    for part in resolved.components() {
        missing.push(part);
        if std::fs::symlink_metadata(&missing).is_err() {
            break;
        }
    }
    Some(format!(
        "error evaluating symlink {}: lstat {}: no such file or directory",
        p.display(),
        missing.display()
    ))
}

/// Collects every file under `dir` not ignored by `rules`, by path relative to `root`.
fn walk(
    root: &Path,
    dir: &Path,
    rules: &IgnoreRules,
    files: &mut BTreeMap<String, Vec<u8>>,
    budget: &mut DirBudget,
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
        if let Some(message) = dangling_symlink(&p) {
            return Err(Error::Chart(message));
        }
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
            walk(root, &p, rules, files, budget, depth + 1)?;
        } else {
            files.insert(rel, budget.read(&p)?);
        }
    }
    Ok(())
}
