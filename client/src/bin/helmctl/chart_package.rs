//! Packages a `file://` dependency's chart directory into `<name>-<version>.tgz` the way
//! Helm's packager lays it out: `<name>/...` entries with mode 0644, the files'
//! modification times rounded to the second as Go's tar writer does, Go's
//! checksum field, no owner names, and Helm's gzip header (comment `Helm`, its
//! extra field, OS unknown), in Helm's order: Chart.yaml (marshalled again, as Helm
//! does), values, templates, other files, then subcharts unpacked under `charts/<name>/`.
//! `helmctl package` uses it too, with `--version`/`--app-version` written into
//! Chart.yaml; `SOURCE_DATE_EPOCH` is stamped on every entry of both ([`Stamp`]).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use helmd_render::{load_chart_dir, read_chart_dir};
use helmd_source::Version;
use helmd_source::chart_meta::Dependency;

/// The gzip extra field Helm's packager writes.
const HELM_GZIP_EXTRA: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";

/// Packages the chart at `dir` for `dep` when its version satisfies `dep`'s constraint:
/// (file name, chart version, archive bytes).
pub fn package_dependency(dir: &Path, dep: &Dependency) -> Result<(String, String, Vec<u8>)> {
    let chart = load_chart_dir(dir).map_err(anyhow::Error::msg)?;
    let constraint = crate::dependency::helm_constraint(&dep.version).map_err(|e| {
        anyhow!(
            "dependency {} has an invalid version/constraint format: {e}",
            dep.name
        )
    })?;
    let version = chart.metadata.version.clone();
    if !Version::parse(&version).is_some_and(|v| constraint.matches(&v)) {
        bail!("can't get a valid version for dependency {}", dep.name);
    }
    let name = chart.name().to_owned();
    // Helm stamps a `file://` chart's entries with `SOURCE_DATE_EPOCH` too.
    let stamp = Stamp {
        mod_time: source_date_epoch()?,
        ..Stamp::default()
    };
    let bytes = package_stamped(dir, &name, &stamp)?;
    Ok((format!("{name}-{version}.tgz"), version, bytes))
}

/// `SOURCE_DATE_EPOCH` as Helm reads it: unset or empty is none, else whole seconds.
pub fn source_date_epoch() -> Result<Option<u64>> {
    let text = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) if !text.is_empty() => text,
        _ => return Ok(None),
    };
    match text.parse::<i64>() {
        Ok(n) if n < 0 => bail!("invalid SOURCE_DATE_EPOCH: must not be negative"),
        Ok(n) => Ok(Some(n.unsigned_abs())),
        Err(_) => {
            bail!("invalid SOURCE_DATE_EPOCH: strconv.ParseInt: parsing {text:?}: invalid syntax")
        }
    }
}

/// A chart's files: path relative to the chart root → (bytes, modification time).
type Files = BTreeMap<String, (Vec<u8>, u64)>;

/// What `helm package` changes in the chart it saves.
#[derive(Debug, Default)]
pub struct Stamp {
    /// `--version`: the top chart's version.
    pub version: Option<String>,
    /// `--app-version`: the top chart's appVersion.
    pub app_version: Option<String>,
    /// `SOURCE_DATE_EPOCH`: every entry's time, and Chart.lock's `generated`.
    pub mod_time: Option<u64>,
}

/// The `.tgz` of the chart directory `dir` (`.helmignore` honoured) named `name`.
pub fn package_dir(dir: &Path, name: &str) -> Result<Vec<u8>> {
    package_stamped(dir, name, &Stamp::default())
}

/// [`package_dir`] with `stamp` applied, as `helm package` saves a chart.
pub fn package_stamped(dir: &Path, name: &str, stamp: &Stamp) -> Result<Vec<u8>> {
    let files: Files = read_chart_dir(dir)
        .map_err(anyhow::Error::msg)?
        .into_iter()
        .map(|(path, bytes)| {
            let mtime = std::fs::metadata(dir.join(&path))
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| {
                    d.as_secs() + u64::from(d.subsec_nanos() >= 500_000_000)
                });
            (path, (bytes, mtime))
        })
        .collect();
    let mut entries = Vec::new();
    chart_entries(files, name, &mut entries, stamp, 0)?;
    let gz = flate2::GzBuilder::new()
        .extra(HELM_GZIP_EXTRA)
        .comment("Helm")
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, bytes, mtime) in entries {
        let mut header = tar::Header::new_ustar();
        header
            .set_path(&path)
            .with_context(|| format!("packaging {path}"))?;
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_device_major(0).context("packaging")?;
        header.set_device_minor(0).context("packaging")?;
        go_checksum(&mut header);
        tar.append(&header, bytes.as_slice())
            .with_context(|| format!("packaging {path}"))?;
    }
    let gz = tar.into_inner().context("packaging the chart")?;
    gz.finish().context("packaging the chart")
}

/// Appends one chart's entries under `base` in the order Helm's packager writes them:
/// Chart.yaml (marshalled again), Chart.lock, values.yaml, values.schema.json, the
/// templates, the other files, then each subchart of `charts/` (directory or archive)
/// unpacked under `charts/<its name>/`.
fn chart_entries(
    mut files: Files,
    base: &str,
    out: &mut Vec<(String, Vec<u8>, u64)>,
    stamp: &Stamp,
    depth: usize,
) -> Result<()> {
    if depth > 32 {
        bail!("subcharts nest too deeply");
    }
    let mut subcharts: BTreeMap<String, Files> = BTreeMap::new();
    let mut rest = Files::new();
    for (path, file) in std::mem::take(&mut files) {
        let Some(inner) = path.strip_prefix("charts/") else {
            rest.insert(path, file);
            continue;
        };
        if inner.starts_with(['.', '_']) || inner.ends_with(".prov") && !inner.contains('/') {
            rest.insert(path, file);
        } else if let Some((sub, sub_path)) = inner.split_once('/') {
            subcharts
                .entry(sub.to_owned())
                .or_default()
                .insert(sub_path.to_owned(), file);
        } else {
            subcharts.insert(inner.to_owned(), unpack(&file.0)?);
        }
    }
    let mut push = |path: &str, file: (Vec<u8>, u64)| {
        let mtime = stamp.mod_time.unwrap_or(file.1);
        out.push((format!("{base}/{path}"), file.0, mtime));
    };
    if let Some((text, mtime)) = rest.remove("Chart.yaml") {
        let top = (depth == 0).then_some(stamp);
        push("Chart.yaml", (chart_yaml(&text, top)?, mtime));
    }
    if let Some((text, mtime)) = rest.remove("Chart.lock") {
        let (text, generated) = chart_lock(&text, stamp.mod_time)?;
        push("Chart.lock", (text, generated.unwrap_or(mtime)));
    }
    for first in ["values.yaml", "values.schema.json"] {
        if let Some(file) = rest.remove(first) {
            push(first, file);
        }
    }
    let (templates, others): (Files, Files) = rest
        .into_iter()
        .partition(|(p, _)| p.starts_with("templates/"));
    for (path, file) in templates.into_iter().chain(others) {
        push(&path, file);
    }
    for files in subcharts.into_values() {
        let name = files
            .get("Chart.yaml")
            .and_then(|(text, _)| {
                serde_norway::from_slice::<helmd_source::ChartMetadata>(text).ok()
            })
            .map(|m| m.name)
            .unwrap_or_default();
        chart_entries(
            files,
            &format!("{base}/charts/{name}"),
            out,
            stamp,
            depth + 1,
        )?;
    }
    Ok(())
}

/// A subchart archive's files (its top directory stripped) with their header times.
fn unpack(archive: &[u8]) -> Result<Files> {
    let mut files = Files::new();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    for entry in tar.entries().context("reading a subchart archive")? {
        let mut entry = entry.context("reading a subchart archive")?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().context("subchart archive entry")?.into_owned();
        let Some(inner) = path
            .to_str()
            .and_then(|p| p.split_once('/'))
            .map(|(_, inner)| inner.to_owned())
        else {
            continue;
        };
        let mtime = entry.header().mtime().unwrap_or(0);
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .context("reading a subchart archive")?;
        files.insert(inner, (bytes, mtime));
    }
    Ok(files)
}

/// Chart.yaml as Helm's packager writes it: the metadata marshalled again (keys sorted,
/// comments gone, scalars as the strings Helm's loader made of them), with the top
/// chart's `--version`/`--app-version` (`top`).
fn chart_yaml(text: &[u8], top: Option<&Stamp>) -> Result<Vec<u8>> {
    let mut meta: helmd_source::ChartMetadata =
        serde_norway::from_slice(text).context("cannot load Chart.yaml")?;
    if let Some(stamp) = top {
        if let Some(version) = &stamp.version {
            meta.version.clone_from(version);
        }
        if let Some(app_version) = &stamp.app_version {
            meta.app_version.clone_from(app_version);
        }
    }
    let json = String::from_utf8(meta.to_oci_config()).context("Chart.yaml")?;
    let value = helmd_yaml::parse_json(&json).context("Chart.yaml")?;
    let mut yaml = helmd_yaml::to_yaml(&value).context("Chart.yaml")?;
    if !yaml.ends_with('\n') {
        yaml.push('\n');
    }
    Ok(yaml.into_bytes())
}

/// Chart.lock as Helm's packager writes it: the lock marshalled again, its `generated`
/// time (`SOURCE_DATE_EPOCH` when given) also the entry's time; `None` when the lock
/// holds no readable time.
fn chart_lock(text: &[u8], stamp: Option<u64>) -> Result<(Vec<u8>, Option<u64>)> {
    let text = std::str::from_utf8(text).context("Chart.lock")?;
    let lock = helmd_source::dependency::ChartLock::parse(text)?;
    #[derive(serde::Deserialize)]
    struct Generated {
        #[serde(default)]
        generated: String,
    }
    let written = serde_norway::from_str::<Generated>(text)
        .map(|g| g.generated)
        .unwrap_or_default();
    let (generated, secs) = match stamp {
        Some(secs) => {
            let at = jiff::Timestamp::from_second(i64::try_from(secs).unwrap_or(i64::MAX))
                .context("SOURCE_DATE_EPOCH")?;
            (at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(), Some(secs))
        }
        None => {
            let secs = written.parse::<jiff::Timestamp>().ok().map(|t| {
                let secs = t.as_second().max(0).unsigned_abs();
                secs + u64::from(t.subsec_nanosecond() >= 500_000_000)
            });
            (written, secs)
        }
    };
    let text = crate::dependency_files::lock_text_at(&lock.dependencies, &lock.digest, &generated)?;
    Ok((text.into_bytes(), secs))
}

/// Go's tar checksum field: six octal digits, NUL, space (the tar crate writes seven
/// digits and a NUL).
fn go_checksum(header: &mut tar::Header) {
    let bytes = header.as_mut_bytes();
    bytes[148..156].fill(b' ');
    let sum: u32 = bytes.iter().map(|b| u32::from(*b)).sum();
    let field = format!("{:06o}\0 ", sum & 0o777_777);
    bytes[148..156].copy_from_slice(field.as_bytes());
}
