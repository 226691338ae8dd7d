//! A chart repository's `index.yaml`, and choosing a chart version from it as Helm does.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::constraint::Constraint;
use crate::error::{Error, Result};
use crate::version::Version;

/// How many versions a [`Error::VersionNotFound`] lists at most.
const LISTED_VERSIONS: usize = 25;

/// A parsed `index.yaml`; each chart's versions sorted newest first.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexFile {
    /// `v1`.
    #[serde(default)]
    pub api_version: String,
    /// Chart name → versions.
    #[serde(default)]
    pub entries: BTreeMap<String, Vec<ChartVersion>>,
    /// `sha256:<hex>` of the index.yaml bytes this was parsed from.
    #[serde(skip)]
    pub digest: String,
}

/// One chart version in an index.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChartVersion {
    /// Chart name.
    #[serde(default)]
    pub name: String,
    /// Chart version.
    #[serde(default, deserialize_with = "lenient")]
    pub version: String,
    /// Application version.
    #[serde(default, deserialize_with = "lenient")]
    pub app_version: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Download URLs, absolute or relative to the repository URL.
    #[serde(default)]
    pub urls: Vec<String>,
    /// sha256 of the archive (hex), when the index has it.
    #[serde(default)]
    pub digest: String,
    /// Whether deprecated.
    #[serde(default)]
    pub deprecated: bool,
    /// Keywords, for searching.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// When the version was published (RFC 3339), as the index records it.
    #[serde(default, deserialize_with = "lenient")]
    pub created: String,
    #[serde(skip)]
    parsed: Option<Version>,
}

fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(match serde_norway::Value::deserialize(d)? {
        serde_norway::Value::String(s) => s,
        serde_norway::Value::Number(n) => n.to_string(),
        _ => String::new(),
    })
}

impl IndexFile {
    /// Parses index.yaml bytes (YAML or JSON) and sorts every chart's versions, with
    /// alias expansion bounded by the default index size limit.
    pub fn parse(bytes: &[u8], source_name: &str) -> Result<IndexFile> {
        let limit = crate::transport::DEFAULT_MAX_INDEX_BYTES.max(bytes.len() as u64);
        IndexFile::parse_limited(bytes, source_name, limit)
    }

    /// Like [`IndexFile::parse`], alias expansion bounded by `max_index_bytes` (see
    /// [`super::expansion`]). CPU-bound: call it on a blocking thread.
    pub fn parse_limited(
        bytes: &[u8],
        source_name: &str,
        max_index_bytes: u64,
    ) -> Result<IndexFile> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| Error::protocol(source_name, "invalid index.yaml: not UTF-8"))?;
        super::expansion::check(
            text,
            super::expansion::ExpansionLimits::for_index_bytes(max_index_bytes),
            source_name,
        )?;
        let mut index: IndexFile = serde_norway::from_str(text)
            .map_err(|e| Error::protocol(source_name, format!("invalid index.yaml: {e}")))?;
        if index.api_version.is_empty() {
            return Err(Error::protocol(
                source_name,
                "invalid index.yaml: no API version",
            ));
        }
        index.digest = crate::digest::Digest::of(bytes).to_string();
        for versions in index.entries.values_mut() {
            for v in versions.iter_mut() {
                v.parsed = Version::parse(&v.version);
            }
            // Newest first; unparsable versions last, as Helm's sort leaves them.
            versions.sort_by(|a, b| b.parsed.cmp(&a.parsed));
        }
        Ok(index)
    }

    /// All versions of `chart`, newest first.
    pub fn versions(&self, chart: &str) -> Option<&[ChartVersion]> {
        self.entries.get(chart).map(Vec::as_slice)
    }

    /// Helm's choice: an entry whose version string equals `version` exactly, else the
    /// newest one satisfying the constraint (empty: the newest stable version).
    pub fn get(&self, chart: &str, version: &str, source_name: &str) -> Result<&ChartVersion> {
        let versions = self.versions(chart).ok_or_else(|| Error::ChartNotFound {
            chart: chart.to_owned(),
            source_name: source_name.to_owned(),
        })?;
        if !version.is_empty()
            && let Some(exact) = versions.iter().find(|v| v.version == version)
        {
            return Ok(exact);
        }
        let constraint = Constraint::parse(version)?;
        versions
            .iter()
            .find(|v| v.parsed.as_ref().is_some_and(|p| constraint.matches(p)))
            .ok_or_else(|| Error::VersionNotFound {
                chart: chart.to_owned(),
                constraint: version.to_owned(),
                available: versions
                    .iter()
                    .take(LISTED_VERSIONS)
                    .map(|v| v.version.clone())
                    .collect(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = r#"apiVersion: v1
entries:
  demo:
  - {name: demo, version: 1.2.0, urls: [demo-1.2.0.tgz]}
  - {name: demo, version: 1.10.0, urls: [demo-1.10.0.tgz]}
  - {name: demo, version: 2.0.0-rc.1, urls: [demo-2.0.0-rc.1.tgz]}
  - {name: demo, version: 1.9.9, urls: [demo-1.9.9.tgz]}
"#;

    fn check(version: &str, expected: std::result::Result<&str, ()>) {
        let index = IndexFile::parse(INDEX.as_bytes(), "repo").expect("index");
        let got = index
            .get("demo", version, "repo")
            .map(|v| v.version.as_str());
        assert_eq!(got.map_err(|_| ()), expected, "{version:?}");
    }

    #[test]
    fn empty_version_means_newest_stable() {
        check("", Ok("1.10.0"));
    }

    #[test]
    fn constraints_pick_the_newest_match_and_prereleases_need_asking() {
        check("~1.9", Ok("1.9.9"));
        check("^1.0.0", Ok("1.10.0"));
        check(">=2.0.0-0", Ok("2.0.0-rc.1"));
        check("2.0.0-rc.1", Ok("2.0.0-rc.1"));
        check("^3", Err(()));
    }

    #[test]
    fn unknown_versions_list_what_exists() {
        let index = IndexFile::parse(INDEX.as_bytes(), "repo").expect("index");
        let err = index.get("demo", "9.9.9", "repo").expect_err("absent");
        assert!(
            matches!(&err, Error::VersionNotFound { available, .. } if available[0] == "2.0.0-rc.1"),
            "{err}"
        );
        assert!(matches!(
            index.get("nope", "", "repo"),
            Err(Error::ChartNotFound { .. })
        ));
    }
}
