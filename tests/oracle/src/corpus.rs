//! The corpus: compact spec files of many cases, materialized as chart directories, plus plain charts.
//!
//! A spec file (`tests/charts/<area>/<file>.yaml`) looks like
//!
//! ```yaml
//! description: what the file covers
//! requires: [sprig]          # optional: features beyond text/template + Helm basics
//! cases:
//! - name: if_else_chain
//!   templates:               # paths under templates/
//!     a.yaml: |
//!       {{ if .Values.x }}yes{{ else }}no{{ end }}
//!   values: |                # the chart's values.yaml (optional)
//!     x: 1
//!   values_files:            # user -f documents, in order (optional)
//!   - "x: 0"
//!   files: {}                # other chart files, paths from the chart root (optional)
//!   files_hex: {}            # binary chart files, bytes in hex (`ff fe 41`) (optional)
//!   chart: c                 # chart name (default c)
//!   release: r               # release name, namespace, revision, is_install,
//!   namespace: ns            # is_upgrade, kube_version, api_versions: optional
//!   expect: match            # match (default) or error
//!   error_contains: "..."    # error cases: a substring both messages contain
//!   install_checks: false    # also run helm template's install checks (see Case)
//! ```
//!
//! A plain chart is a directory holding `Chart.yaml`; it renders once with
//! defaults, or once per case of an optional sibling `<dir>.oracle.yaml` whose
//! cases carry everything above except `templates`, `values`, `files`, `chart`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tempfile::TempDir;

use crate::case::{Case, Expectation};
use crate::error::{Error, Result};

/// The suffix of a plain chart's options file.
const CHART_OPTIONS_SUFFIX: &str = ".oracle.yaml";

/// A spec file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    requires: Vec<String>,
    cases: Vec<SpecCase>,
}

/// What a spec case expects.
#[derive(Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Expect {
    #[default]
    Match,
    Error,
}

/// One case of a spec file (or of a plain chart's options file).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecCase {
    name: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    templates: BTreeMap<String, String>,
    #[serde(default)]
    values: Option<String>,
    #[serde(default)]
    values_files: Vec<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    files_hex: BTreeMap<String, String>,
    #[serde(default)]
    chart: Option<String>,
    #[serde(default)]
    release: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    revision: Option<i64>,
    #[serde(default)]
    is_install: Option<bool>,
    #[serde(default)]
    is_upgrade: Option<bool>,
    #[serde(default)]
    kube_version: Option<String>,
    #[serde(default)]
    api_versions: Vec<String>,
    #[serde(default)]
    expect: Expect,
    #[serde(default)]
    error_contains: Option<String>,
    #[serde(default)]
    install_checks: bool,
}

impl SpecCase {
    /// The case for `chart_dir`, with this spec's values and options.
    fn to_case(&self, name: String, chart_dir: PathBuf, requires: &[String]) -> Case {
        let mut case = Case::new(name, chart_dir);
        case.values_yaml = self.values_files.clone();
        if let Some(release) = &self.release {
            case.release_name = release.clone();
        }
        if let Some(namespace) = &self.namespace {
            case.namespace = namespace.clone();
        }
        case.revision = self.revision.unwrap_or(1);
        case.is_upgrade = self.is_upgrade.unwrap_or(false);
        case.is_install = self.is_install.unwrap_or(!case.is_upgrade);
        case.kube_version = self.kube_version.clone();
        case.api_versions = self.api_versions.clone();
        case.expect = match self.expect {
            Expect::Match => Expectation::Match,
            Expect::Error => Expectation::BothFail {
                message_contains: self.error_contains.clone(),
            },
        };
        case.requires = requires.to_vec();
        case.install_checks = self.install_checks;
        case
    }
}

/// Loaded cases; spec-file charts live in a temp dir kept as long as this value.
#[derive(Debug)]
pub struct Corpus {
    /// Every case, spec files first (sorted by file, then in file order), then plain charts.
    pub cases: Vec<Case>,
    _dir: TempDir,
}

impl Corpus {
    /// Loads every spec file and plain chart directly inside `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        Self::load_all(&[dir])
    }

    /// Loads the corpus areas `tests/charts/<area>` of this workspace.
    pub fn load_areas(areas: &[&str]) -> Result<Self> {
        let root = crate::oracle::workspace_root().join("tests/charts");
        let dirs: Vec<PathBuf> = areas.iter().map(|a| root.join(a)).collect();
        let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
        Self::load_all(&refs)
    }

    /// The cases whose name contains `HELMD_ORACLE_FILTER` (all when unset).
    pub fn selected(&self) -> Vec<Case> {
        let filter = std::env::var("HELMD_ORACLE_FILTER").unwrap_or_default();
        self.cases
            .iter()
            .filter(|c| c.name.contains(&filter))
            .cloned()
            .collect()
    }

    /// Loads every spec file and plain chart directly inside each of `dirs`.
    pub fn load_all(dirs: &[&Path]) -> Result<Self> {
        let tmp = tempfile::Builder::new()
            .prefix("helmd-oracle-")
            .tempdir()
            .map_err(|source| Error::Io {
                path: std::env::temp_dir(),
                source,
            })?;
        let mut cases = Vec::new();
        for dir in dirs {
            load_dir(dir, tmp.path(), &mut cases)?;
        }
        let mut seen = BTreeSet::new();
        for case in &cases {
            if !seen.insert(case.name.as_str()) {
                return Err(Error::Invalid {
                    path: dirs.first().map(|d| d.to_path_buf()).unwrap_or_default(),
                    message: format!("duplicate case name {}", case.name),
                });
            }
        }
        Ok(Self { cases, _dir: tmp })
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn load_dir(dir: &Path, tmp: &Path, cases: &mut Vec<Case>) -> Result<()> {
    let area = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io_err(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()
        .map_err(io_err(dir))?;
    entries.sort();
    let mut charts = Vec::new();
    for path in entries {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if path.join("Chart.yaml").is_file() {
                charts.push(path);
            }
        } else if file_name.ends_with(".yaml") && !file_name.ends_with(CHART_OPTIONS_SUFFIX) {
            load_spec_file(&path, &tmp.join(&area), cases)?;
        }
    }
    for chart in charts {
        load_chart_dir(&area, &chart, cases)?;
    }
    Ok(())
}

fn read_spec<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    serde_norway::from_str(&text).map_err(|source| Error::Spec {
        path: path.to_path_buf(),
        source,
    })
}

/// Materializes every case of one spec file as a chart directory under `tmp`.
fn load_spec_file(path: &Path, tmp: &Path, cases: &mut Vec<Case>) -> Result<()> {
    let spec: SpecFile = read_spec(path)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for spec_case in &spec.cases {
        check_spec_case(path, spec_case)?;
        let chart_dir = tmp.join(&stem).join(&spec_case.name);
        write_chart(&chart_dir, spec_case)?;
        let name = format!("{stem}/{}", spec_case.name);
        cases.push(spec_case.to_case(name, chart_dir, &spec.requires));
    }
    Ok(())
}

fn check_spec_case(path: &Path, case: &SpecCase) -> Result<()> {
    let invalid = |message: String| Error::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let plain = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            && !s.starts_with('.')
    };
    if !plain(&case.name) {
        return Err(invalid(format!(
            "case name {:?} is not [A-Za-z0-9_.-]+",
            case.name
        )));
    }
    if case.templates.is_empty() {
        return Err(invalid(format!("case {} has no templates", case.name)));
    }
    let relative = |p: &str| {
        !p.is_empty()
            && !p.starts_with('/')
            && Path::new(p)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
    };
    for (file, hex) in &case.files_hex {
        if decode_hex(hex).is_none() {
            return Err(invalid(format!(
                "case {}: files_hex {file:?} is not hex bytes",
                case.name
            )));
        }
    }
    for file in case
        .templates
        .keys()
        .chain(case.files.keys())
        .chain(case.files_hex.keys())
    {
        if !relative(file) {
            return Err(invalid(format!(
                "case {}: bad file path {file:?}",
                case.name
            )));
        }
    }
    if case.expect == Expect::Match && case.error_contains.is_some() {
        return Err(invalid(format!(
            "case {}: error_contains needs expect: error",
            case.name
        )));
    }
    Ok(())
}

/// Bytes from hex pairs, whitespace between them allowed (`ff fe 41`).
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

/// Writes a chart directory: Chart.yaml (apiVersion v2), values.yaml, templates, other files.
fn write_chart(dir: &Path, case: &SpecCase) -> Result<()> {
    let write = |rel: &Path, text: &str| -> Result<()> {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        std::fs::write(&path, text).map_err(io_err(&path))
    };
    let chart = case.chart.as_deref().unwrap_or("c");
    std::fs::create_dir_all(dir.join("templates")).map_err(io_err(dir))?;
    for (rel, text) in &case.files {
        write(Path::new(rel), text)?;
    }
    for (rel, hex) in &case.files_hex {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        std::fs::write(&path, decode_hex(hex).unwrap_or_default()).map_err(io_err(&path))?;
    }
    if !case.files.contains_key("Chart.yaml") {
        write(
            Path::new("Chart.yaml"),
            &format!("apiVersion: v2\nname: {chart}\nversion: 0.1.0\n"),
        )?;
    }
    if let Some(values) = &case.values {
        write(Path::new("values.yaml"), values)?;
    }
    for (rel, text) in &case.templates {
        write(&Path::new("templates").join(rel), text)?;
    }
    Ok(())
}

/// A plain chart directory: one default case, or the cases of `<dir>.oracle.yaml`.
fn load_chart_dir(area: &str, dir: &Path, cases: &mut Vec<Case>) -> Result<()> {
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let options = dir.with_file_name(format!("{base}{CHART_OPTIONS_SUFFIX}"));
    let chart_dir = dir.canonicalize().map_err(io_err(dir))?;
    if !options.is_file() {
        cases.push(Case::new(format!("{area}/{base}"), chart_dir));
        return Ok(());
    }
    let spec: SpecFile = read_spec(&options)?;
    for spec_case in &spec.cases {
        if !spec_case.templates.is_empty()
            || spec_case.values.is_some()
            || !spec_case.files.is_empty()
            || !spec_case.files_hex.is_empty()
            || spec_case.chart.is_some()
        {
            return Err(Error::Invalid {
                path: options.clone(),
                message: format!(
                    "case {}: a plain chart's cases cannot set templates, values, files or chart",
                    spec_case.name
                ),
            });
        }
        let name = format!("{area}/{base}/{}", spec_case.name);
        cases.push(spec_case.to_case(name, chart_dir.clone(), &spec.requires));
    }
    Ok(())
}
