//! The manifest and annotations Helm writes for a chart, and reading a pulled manifest.
//!
//! Learned by pushing with Helm v4 (helm_python) and reading the registry back: an OCI
//! image manifest with no top-level `mediaType`, config
//! `application/vnd.cncf.helm.config.v1+json` (Chart.yaml as JSON), one chart layer
//! (`…chart.content.v1.tar+gzip`, the .tgz bytes as is) then the provenance layer when
//! signed, and sorted annotations: `org.opencontainers.image.{created,description,title,
//! version,url,source,authors}` plus the chart's own annotations (which may override all
//! but `title` and `version`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::chart_meta::ChartMetadata;

/// Media type of the manifest Helm pushes.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// Media type of the config blob (Chart.yaml as JSON).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.cncf.helm.config.v1+json";
/// Media type of the chart archive layer.
pub const CHART_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/// The chart layer media type of Helm's early OCI support, still accepted on pull.
pub const LEGACY_CHART_LAYER_MEDIA_TYPE: &str = "application/tar+gzip";
/// Media type of the provenance layer.
pub const PROVENANCE_LAYER_MEDIA_TYPE: &str = "application/vnd.cncf.helm.chart.provenance.v1.prov";

const TITLE: &str = "org.opencontainers.image.title";
const VERSION: &str = "org.opencontainers.image.version";

/// A content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type.
    pub media_type: String,
    /// `sha256:<hex>`.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
}

impl Descriptor {
    pub(crate) fn of(media_type: &str, bytes: &[u8]) -> Descriptor {
        Descriptor {
            media_type: media_type.to_owned(),
            digest: crate::digest::Digest::of(bytes).to_string(),
            size: bytes.len() as u64,
        }
    }
}

/// An OCI image manifest as Helm writes and reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartManifest {
    /// Always 2.
    pub schema_version: u32,
    /// The config blob.
    pub config: Descriptor,
    /// Chart layer, then provenance layer if any.
    pub layers: Vec<Descriptor>,
    /// Annotations, sorted by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl ChartManifest {
    /// The manifest for a chart: config blob, archive and optional provenance bytes.
    pub fn build(
        meta: &ChartMetadata,
        config: &[u8],
        archive: &[u8],
        provenance: Option<&[u8]>,
        created: &str,
    ) -> ChartManifest {
        let mut layers = vec![Descriptor::of(CHART_LAYER_MEDIA_TYPE, archive)];
        if let Some(prov) = provenance {
            layers.push(Descriptor::of(PROVENANCE_LAYER_MEDIA_TYPE, prov));
        }
        ChartManifest {
            schema_version: 2,
            config: Descriptor::of(CONFIG_MEDIA_TYPE, config),
            layers,
            annotations: annotations(meta, created),
        }
    }

    /// Reads a pulled manifest.
    pub fn parse(body: &[u8], source_name: &str) -> crate::error::Result<ChartManifest> {
        serde_json::from_slice(body).map_err(|e| {
            crate::error::Error::protocol(
                source_name,
                format!("manifest is not an OCI image manifest: {e}"),
            )
        })
    }

    /// Serialised as Go would (compact, HTML characters escaped).
    pub fn to_json(&self) -> Vec<u8> {
        let json = serde_json::to_string(self).unwrap_or_default();
        json.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .into_bytes()
    }

    /// The chart layer (current or legacy media type).
    pub fn chart_layer(&self) -> Option<&Descriptor> {
        self.layers.iter().find(|l| {
            l.media_type == CHART_LAYER_MEDIA_TYPE || l.media_type == LEGACY_CHART_LAYER_MEDIA_TYPE
        })
    }

    /// The provenance layer, when the chart was pushed signed.
    pub fn provenance_layer(&self) -> Option<&Descriptor> {
        self.layers
            .iter()
            .find(|l| l.media_type == PROVENANCE_LAYER_MEDIA_TYPE)
    }
}

/// Helm's annotations for a chart; empty values are left out.
pub fn annotations(meta: &ChartMetadata, created: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut add = |key: &str, value: &str| {
        if !value.trim().is_empty() {
            out.insert(format!("org.opencontainers.image.{key}"), value.to_owned());
        }
    };
    add("created", created);
    add("description", &meta.description);
    add("title", &meta.name);
    add("version", &meta.version);
    add("url", &meta.home);
    add("source", meta.sources.first().map_or("", String::as_str));
    let authors: Vec<String> = meta
        .maintainers
        .iter()
        .map(|m| {
            if m.email.is_empty() {
                m.name.clone()
            } else {
                format!("{} ({})", m.name, m.email)
            }
        })
        .collect();
    add("authors", &authors.join(", "));
    for (key, value) in &meta.annotations {
        if key != TITLE && key != VERSION {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart_meta::Maintainer;

    #[test]
    fn annotations_match_what_helm_pushes() {
        let meta = ChartMetadata {
            name: "demo".into(),
            version: "0.2.0".into(),
            description: "A Helm chart for Kubernetes".into(),
            home: "https://example.com/home".into(),
            sources: vec!["https://example.com/src1".into(), "https://x".into()],
            maintainers: vec![
                Maintainer {
                    name: "Alice".into(),
                    email: "alice@example.com".into(),
                    ..Default::default()
                },
                Maintainer {
                    name: "Bob".into(),
                    url: "https://bob.example".into(),
                    ..Default::default()
                },
            ],
            annotations: [
                ("zeta", "last"),
                ("alpha", "first"),
                (VERSION, "hacked"),
                ("org.opencontainers.image.url", "custom"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            ..Default::default()
        };
        let manifest = ChartManifest::build(&meta, b"{}", b"tgz", None, "2026-11-23T13:19:03Z");
        let json = String::from_utf8(manifest.to_json()).expect("utf8");
        let annotations = json.split("\"annotations\":").nth(1).expect("annotations");
        assert_eq!(
            annotations,
            r#"{"alpha":"first","org.opencontainers.image.authors":"Alice (alice@example.com), Bob","org.opencontainers.image.created":"2026-11-23T13:19:03Z","org.opencontainers.image.description":"A Helm chart for Kubernetes","org.opencontainers.image.source":"https://example.com/src1","org.opencontainers.image.title":"demo","org.opencontainers.image.url":"custom","org.opencontainers.image.version":"0.2.0","zeta":"last"}}"#
        );
        assert!(json.starts_with(r#"{"schemaVersion":2,"config":{"mediaType":"application/vnd.cncf.helm.config.v1+json","digest":"sha256:"#));
    }
}
