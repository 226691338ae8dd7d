//! Packages a `file://` dependency's chart directory into `<name>-<version>.tgz` the way
//! Helm's packager lays it out: `<name>/...` entries with mode 0644, the files'
//! modification times rounded to the second as Go's tar writer does, Go's
//! checksum field, no owner names, and Helm's gzip header (comment `Helm`, its
//! extra field, OS unknown). Chart.yaml (marshalled again, as Helm does) and values files
//! go first, then templates, then the other files, each group by path.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use helmd_render::{load_chart_dir, read_chart_dir};
use helmd_source::chart_meta::Dependency;
use helmd_source::{Constraint, Version};

/// The gzip extra field Helm's packager writes.
const HELM_GZIP_EXTRA: &[u8] = b"+aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=";

/// Packages the chart at `dir` for `dep` when its version satisfies `dep`'s constraint:
/// (file name, chart version, archive bytes).
pub fn package_dependency(dir: &Path, dep: &Dependency) -> Result<(String, String, Vec<u8>)> {
    let chart = load_chart_dir(dir).map_err(anyhow::Error::msg)?;
    let constraint = Constraint::parse(&dep.version).map_err(|e| {
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
    let bytes = package_dir(dir, &name)?;
    Ok((format!("{name}-{version}.tgz"), version, bytes))
}

/// The `.tgz` of the chart directory `dir` (`.helmignore` honoured) named `name`.
fn package_dir(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let mut files = read_chart_dir(dir).map_err(anyhow::Error::msg)?;
    if let Some(text) = files.get("Chart.yaml") {
        let remarshalled = chart_yaml(text)?;
        files.insert("Chart.yaml".to_owned(), remarshalled);
    }
    let rank = |path: &str| match path {
        "Chart.yaml" => 0,
        "values.yaml" => 1,
        "values.schema.json" => 2,
        p if p.starts_with("templates/") => 3,
        _ => 4,
    };
    let mut ordered: Vec<(&String, &Vec<u8>)> = files.iter().collect();
    ordered.sort_by_key(|(p, _)| rank(p));
    let gz = flate2::GzBuilder::new()
        .extra(HELM_GZIP_EXTRA)
        .comment("Helm")
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, bytes) in ordered {
        let mtime = std::fs::metadata(dir.join(path))
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| {
                d.as_secs() + u64::from(d.subsec_nanos() >= 500_000_000)
            });
        let mut header = tar::Header::new_ustar();
        header
            .set_path(format!("{name}/{path}"))
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

/// Chart.yaml as Helm's packager writes it: the metadata marshalled again (keys sorted,
/// comments gone, scalars as the strings Helm's loader made of them).
fn chart_yaml(text: &[u8]) -> Result<Vec<u8>> {
    let meta: helmd_source::ChartMetadata =
        serde_norway::from_slice(text).context("cannot load Chart.yaml")?;
    let json = String::from_utf8(meta.to_oci_config()).context("Chart.yaml")?;
    let value = helmd_yaml::parse_json(&json).context("Chart.yaml")?;
    let mut yaml = helmd_yaml::to_yaml(&value).context("Chart.yaml")?;
    if !yaml.ends_with('\n') {
        yaml.push('\n');
    }
    Ok(yaml.into_bytes())
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
