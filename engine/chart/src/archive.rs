//! Reading a packaged chart (`.tgz`) into memory with Helm's path checks and size
//! limits, plus stricter ones of ours: no links or special files, a bounded file count.

use std::collections::BTreeMap;
use std::io::Read;

use crate::error::{Error, Result};

/// Bounds on what an archive may expand to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Total decompressed bytes of all files (Helm's `MaxDecompressedChartSize`, 100 MiB).
    pub max_decompressed_bytes: u64,
    /// Most files in one chart archive.
    pub max_files: usize,
    /// Largest single file (Helm's `MaxDecompressedFileSize`, 5 MiB).
    pub max_file_bytes: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            max_decompressed_bytes: 100 * 1024 * 1024,
            max_files: 10_000,
            max_file_bytes: 5 * 1024 * 1024,
        }
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::Archive(message.into())
}

/// The top-level directory of a chart archive's first entry (what `helm lint`
/// names a packaged chart after it expands it), if the archive reads that far.
pub fn archive_top_dir(archive: &[u8]) -> Option<String> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let mut entries = tar.entries().ok()?;
    let entry = entries.next()?.ok()?;
    let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    let top = name.trim_start_matches("./").split('/').next()?.to_string();
    (!top.is_empty()).then_some(top)
}

/// Reads a gzipped chart archive into `{path relative to the chart root: bytes}`, the
/// top-level directory removed, as Helm's `LoadArchiveFiles` does.
pub fn read_chart_archive(
    archive: &[u8],
    limits: ArchiveLimits,
) -> Result<BTreeMap<String, Vec<u8>>> {
    if !archive.starts_with(&[0x1f, 0x8b]) {
        return Err(invalid("gzip: invalid header"));
    }
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let entries = tar
        .entries()
        .map_err(|e| invalid(format!("reading chart archive: {e}")))?;
    let mut files = BTreeMap::new();
    let mut remaining = limits.max_decompressed_bytes;
    let too_large = || {
        invalid(format!(
            "decompressed chart is larger than the maximum size {}",
            limits.max_decompressed_bytes
        ))
    };
    for entry in entries {
        let mut entry = entry.map_err(|e| invalid(format!("reading chart archive: {e}")))?;
        let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() || kind.is_pax_global_extensions() || kind.is_pax_local_extensions() {
            continue;
        }
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(invalid(format!(
                "chart archive contains a link: {raw_name:?}"
            )));
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(invalid(format!(
                "chart archive contains a special file: {raw_name:?}"
            )));
        }
        let name = chart_path(&raw_name)?;
        if files.len() >= limits.max_files {
            return Err(invalid(format!(
                "chart archive has more than {} files",
                limits.max_files
            )));
        }
        if entry.size() > remaining {
            return Err(too_large());
        }
        let file_too_large = || {
            invalid(format!(
                "decompressed chart file {raw_name:?} is larger than the maximum file size {}",
                limits.max_file_bytes
            ))
        };
        if entry.size() > limits.max_file_bytes {
            return Err(file_too_large());
        }
        let mut data = Vec::new();
        (&mut entry)
            .take(remaining.min(limits.max_file_bytes) + 1)
            .read_to_end(&mut data)
            .map_err(|e| invalid(format!("reading {raw_name:?} from the chart archive: {e}")))?;
        let read = u64::try_from(data.len()).unwrap_or(u64::MAX);
        if read > remaining {
            return Err(too_large());
        }
        if read > limits.max_file_bytes {
            return Err(file_too_large());
        }
        remaining -= read;
        files.insert(name, data);
    }
    if files.is_empty() {
        return Err(invalid("no files in chart archive"));
    }
    Ok(files)
}

/// Helm's path rules for one entry: drop the top directory, refuse absolute paths,
/// parent references, drive letters and a Chart.yaml outside the chart directory.
fn chart_path(raw: &str) -> Result<String> {
    let delimiter = if raw.contains('\\') { '\\' } else { '/' };
    let mut parts = raw.split(delimiter);
    let top = parts.next().unwrap_or_default();
    if top == "Chart.yaml" {
        return Err(invalid("chart yaml not in base directory"));
    }
    let rest: Vec<&str> = parts.collect();
    let joined = rest.join("/");
    if joined.starts_with('/') {
        return Err(invalid("chart illegally contains absolute paths"));
    }
    let cleaned = clean(&joined);
    if cleaned == "." {
        return Err(invalid(format!(
            "chart illegally contains content outside the base directory: {raw:?}"
        )));
    }
    if cleaned.starts_with("..") {
        return Err(invalid("chart illegally references parent directory"));
    }
    let bytes = cleaned.as_bytes();
    if bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/' {
        return Err(invalid("chart contains illegally named files"));
    }
    Ok(cleaned)
}

/// Go's `path.Clean` for relative paths.
fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if out.last().is_some_and(|last| *last != "..") => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        ".".to_owned()
    } else {
        out.join("/")
    }
}

#[cfg(test)]
mod tests;
