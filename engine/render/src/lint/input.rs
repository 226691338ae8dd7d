//! What the linter looks at: a chart's files and directories as they are on
//! disk or in an archive, before `.helmignore` (Helm's lint checks the files
//! themselves, then loads the chart like Helm's loader).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use helmd_chart::{Chart, IgnoreRules};

use crate::error::{Error, Result};

/// A chart's files (paths relative to the chart, `/`-separated) and directories.
#[derive(Debug, Clone, Default)]
pub struct ChartFiles {
    /// Every regular file.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every directory, empty ones included.
    pub dirs: BTreeSet<String>,
    /// Symbolic links to nothing (path, Helm's loader error naming it), in walk
    /// order: loading the chart fails on the first one `.helmignore` leaves in.
    pub dangling: Vec<(String, String)>,
    /// The linted path is a file, not a directory (`stat PATH/Chart.yaml: not a
    /// directory`).
    pub not_a_directory: bool,
}

/// Directories nest at most this deep under a linted chart.
const MAX_DEPTH: usize = 128;

impl ChartFiles {
    /// Reads a chart directory (symbolic links followed, like Helm).
    pub fn from_dir(dir: &Path) -> Result<ChartFiles> {
        let mut out = ChartFiles::default();
        let mut budget = helmd_chart::DirBudget::new(helmd_chart::ArchiveLimits::default());
        walk(dir, dir, &mut out, &mut budget, 0)?;
        Ok(out)
    }

    /// A packaged chart (within `limits`) and the name of its top directory,
    /// which Helm's lint names the expanded chart after (`chart` if unknown).
    pub fn from_archive(
        archive: &[u8],
        limits: helmd_chart::ArchiveLimits,
    ) -> Result<(String, ChartFiles)> {
        let files = helmd_chart::read_chart_archive(archive, limits)?;
        let name = helmd_chart::archive_top_dir(archive).unwrap_or_else(|| "chart".into());
        Ok((name, ChartFiles::from_files(files)))
    }

    /// Files from an archive (already relative to the chart's top directory).
    pub fn from_files(files: BTreeMap<String, Vec<u8>>) -> ChartFiles {
        let mut dirs = BTreeSet::new();
        for name in files.keys() {
            let mut cur = name.as_str();
            while let Some((parent, _)) = cur.rsplit_once('/') {
                dirs.insert(parent.to_string());
                cur = parent;
            }
        }
        ChartFiles {
            files,
            dirs,
            ..ChartFiles::default()
        }
    }

    /// Whether `path` exists as a file or a directory.
    pub fn exists(&self, path: &str) -> bool {
        self.files.contains_key(path) || self.dirs.contains(path)
    }

    /// Whether `path` is a directory.
    pub fn is_dir(&self, path: &str) -> bool {
        self.dirs.contains(path)
    }

    /// The part of the tree under `prefix/`.
    pub fn under(&self, prefix: &str) -> ChartFiles {
        let p = format!("{prefix}/");
        ChartFiles {
            files: self
                .files
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(&p).map(|k| (k.to_string(), v.clone())))
                .collect(),
            dirs: self
                .dirs
                .iter()
                .filter_map(|d| d.strip_prefix(&p).map(str::to_string))
                .collect(),
            dangling: self
                .dangling
                .iter()
                .filter_map(|(k, m)| k.strip_prefix(&p).map(|k| (k.to_string(), m.clone())))
                .collect(),
            not_a_directory: false,
        }
    }

    /// Loads the chart as Helm's loader does (honouring `.helmignore`).
    pub fn load(&self) -> std::result::Result<Chart, String> {
        let rules = match self.files.get(".helmignore") {
            Some(text) => {
                IgnoreRules::parse(&String::from_utf8_lossy(text)).map_err(|e| e.to_string())?
            }
            None => IgnoreRules::defaults(),
        };
        let ignored_dir = |name: &str| {
            let mut cur = name;
            while let Some((parent, _)) = cur.rsplit_once('/') {
                if rules.ignore(parent, true) {
                    return true;
                }
                cur = parent;
            }
            false
        };
        if let Some((_, message)) = self.dangling.iter().find(|(k, _)| !ignored_dir(k)) {
            return Err(message.clone());
        }
        let kept = self
            .files
            .iter()
            .filter(|(k, _)| !rules.ignore(k, false) && !ignored_dir(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        helmd_chart::load_chart_files(kept).map_err(|e| e.to_string())
    }

    /// What `helm lint --with-subcharts` adds: every directory under `charts/`
    /// holding a `Chart.yaml`, and every `.tgz`/`.tar.gz` there, in walk order.
    pub fn subchart_paths(&self) -> Vec<String> {
        let mut found: Vec<String> = Vec::new();
        for (name, _) in self.files.iter().filter(|(k, _)| k.starts_with("charts/")) {
            if name == "Chart.yaml" || name.ends_with("/Chart.yaml") {
                if let Some((dir, _)) = name.rsplit_once('/') {
                    found.push(dir.to_string());
                }
            } else if name.ends_with(".tgz") || name.ends_with(".tar.gz") {
                found.push(name.clone());
            }
        }
        for dir in self.dirs.iter().filter(|d| d.starts_with("charts/")) {
            if dir.ends_with(".tgz") || dir.ends_with(".tar.gz") {
                found.push(dir.clone());
            }
        }
        // filepath.Walk visits each directory's entries in name order.
        found.sort_by(|a, b| a.split('/').cmp(b.split('/')));
        found.dedup();
        found
    }
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut ChartFiles,
    budget: &mut helmd_chart::DirBudget,
    depth: usize,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::Chart(helmd_chart::Error::Chart(format!(
            "{}: directories nest deeper than {MAX_DEPTH} levels (a symbolic link loop?)",
            dir.display()
        ))));
    }
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Chart(helmd_chart::Error::Io { path, source })
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
        if let Some(message) = helmd_chart::dangling_symlink(&absolute(&p)) {
            out.dangling.push((rel, message));
        } else if p.is_dir() {
            out.dirs.insert(rel);
            walk(root, &p, out, budget, depth + 1)?;
        } else if p.is_file() {
            out.files.insert(rel, budget.read(&p)?);
        }
    }
    Ok(())
}

/// The path made absolute and cleaned, as Helm's lint names a chart's files.
fn absolute(p: &Path) -> std::path::PathBuf {
    std::path::PathBuf::from(super::go_abs(&p.to_string_lossy()))
}
