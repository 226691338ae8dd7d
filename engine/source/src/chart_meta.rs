//! Just enough of a chart archive to name it: `Chart.yaml` read out of a `.tgz`, and the
//! Helm OCI config blob made from it. A stand-in until the chart loader (engine/chart)
//! exists; swap [`read_chart_metadata`] for the loader then.

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Error, Result};

/// Largest `Chart.yaml` we read.
const MAX_CHART_YAML: u64 = 1 << 20;

/// Chart.yaml fields, in the order Helm's Go struct serialises them to JSON (the OCI
/// config blob). Empty fields are omitted as Go's `omitempty` does.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChartMetadata {
    /// Chart name.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub name: String,
    /// Project home page.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub home: String,
    /// Source URLs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Chart version (SemVer).
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
    /// One-line description.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub description: String,
    /// Search keywords.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Maintainers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub maintainers: Vec<Maintainer>,
    /// Icon URL.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub icon: String,
    /// `v1` or `v2`.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub api_version: String,
    /// Condition path (v1 requirements).
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub condition: String,
    /// Tags (v1 requirements).
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub tags: String,
    /// Version of the packaged application.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub app_version: String,
    /// Whether the chart is deprecated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
    /// Free-form annotations (sorted, as Go marshals maps).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Supported Kubernetes versions.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub kube_version: String,
    /// Dependencies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<Dependency>,
    /// `application` or `library`.
    #[serde(
        default,
        rename = "type",
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub kind: String,
}

/// A chart maintainer.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Maintainer {
    /// Name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub email: String,
    /// Web page.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
}

/// A dependency as Chart.yaml lists it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Dependency {
    /// Chart name.
    #[serde(default)]
    pub name: String,
    /// Version constraint.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "String::is_empty"
    )]
    pub version: String,
    /// Repository URL or alias.
    #[serde(default)]
    pub repository: String,
    /// Values path enabling it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub condition: String,
    /// Tags enabling it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Whether enabled.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enabled: bool,
    /// Values imported from it.
    #[serde(
        default,
        rename = "import-values",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub import_values: Vec<serde_json::Value>,
    /// Alias.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alias: String,
}

/// Scalars of any YAML type read as text (`appVersion: 1.16` is common).
fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<String, D::Error> {
    Ok(match serde_norway::Value::deserialize(deserializer)? {
        serde_norway::Value::String(s) => s,
        serde_norway::Value::Number(n) => n.to_string(),
        serde_norway::Value::Bool(b) => b.to_string(),
        _ => String::new(),
    })
}

impl ChartMetadata {
    /// The config blob Helm pushes: this metadata as JSON, with Go's HTML escaping.
    pub fn to_oci_config(&self) -> Vec<u8> {
        let json = serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned());
        go_html_escape(&json).into_bytes()
    }
}

/// Go's `encoding/json` escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; those
/// characters cannot occur outside strings in JSON, so escaping them everywhere is exact.
fn go_html_escape(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Reads `<chart>/Chart.yaml` from a chart archive and checks it names the chart and a
/// SemVer version.
pub fn read_chart_metadata(archive: &[u8]) -> Result<ChartMetadata> {
    let invalid = |reason: String| Error::InvalidArchive { reason };
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let entries = tar
        .entries()
        .map_err(|e| invalid(format!("not a gzipped tar: {e}")))?;
    for entry in entries {
        let entry = entry.map_err(|e| invalid(format!("reading the archive: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| invalid(format!("bad entry name: {e}")))?
            .into_owned();
        let parts: Vec<_> = path.components().collect();
        if parts.len() != 2 || path.file_name().is_none_or(|n| n != "Chart.yaml") {
            continue;
        }
        let mut text = String::new();
        entry
            .take(MAX_CHART_YAML)
            .read_to_string(&mut text)
            .map_err(|e| invalid(format!("reading Chart.yaml: {e}")))?;
        let meta: ChartMetadata = serde_norway::from_str(&text)
            .map_err(|e| invalid(format!("parsing Chart.yaml: {e}")))?;
        return validate(meta);
    }
    Err(invalid("Chart.yaml file is missing".to_owned()))
}

fn validate(meta: ChartMetadata) -> Result<ChartMetadata> {
    if meta.name.is_empty() {
        return Err(Error::InvalidArchive {
            reason: "validation: chart.metadata.name is required".to_owned(),
        });
    }
    if crate::version::Version::parse(&meta.version).is_none() {
        return Err(Error::InvalidArchive {
            reason: format!(
                "validation: chart.metadata.version {:?} is invalid",
                meta.version
            ),
        });
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn archive(chart_yaml: &str) -> Vec<u8> {
        let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::default(),
        ));
        let mut header = tar::Header::new_gnu();
        header.set_size(chart_yaml.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, "demo/Chart.yaml", chart_yaml.as_bytes())
            .expect("append");
        builder
            .into_inner()
            .and_then(|gz| gz.finish())
            .expect("finish")
    }

    #[test]
    fn config_blob_has_helms_field_order_and_escaping() {
        let yaml = "apiVersion: v2\nname: demo\nversion: 0.2.0\nkubeVersion: '>=1.20.0'\n\
                    appVersion: 1.16\nannotations: {zeta: z, alpha: a}\ntype: application\n\
                    maintainers: [{name: Bob, url: 'https://bob'}]\n";
        let meta = read_chart_metadata(&archive(yaml)).expect("metadata");
        assert_eq!(
            String::from_utf8(meta.to_oci_config()).expect("utf8"),
            r#"{"name":"demo","version":"0.2.0","maintainers":[{"name":"Bob","url":"https://bob"}],"apiVersion":"v2","appVersion":"1.16","annotations":{"alpha":"a","zeta":"z"},"kubeVersion":"\u003e=1.20.0","type":"application"}"#
        );
    }

    #[test]
    fn archives_without_a_valid_chart_yaml_are_rejected() {
        assert!(read_chart_metadata(b"not gzip").is_err());
        let no_version = read_chart_metadata(&archive("name: demo\n"));
        assert!(matches!(no_version, Err(Error::InvalidArchive { .. })));
    }
}
