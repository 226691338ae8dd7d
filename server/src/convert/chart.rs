//! Charts: metadata to messages, chart versions, and the searchable entries a refresh
//! keeps of an HTTP repository's index (with `helm search repo`'s matching).

use helmd_proto::v1 as pb;
use helmd_source::repo::index::{ChartVersion as IndexEntry, IndexFile};
use helmd_source::{Constraint, Version};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Chart.yaml metadata as a `ChartMetadata` message.
pub fn metadata(meta: &helmd_source::ChartMetadata) -> pb::ChartMetadata {
    let kind = match meta.kind.as_str() {
        "library" => pb::ChartType::Library,
        _ => pb::ChartType::Application,
    };
    pb::ChartMetadata {
        name: meta.name.clone(),
        version: meta.version.clone(),
        app_version: meta.app_version.clone(),
        description: meta.description.clone(),
        r#type: kind as i32,
        api_version: meta.api_version.clone(),
        kube_version: meta.kube_version.clone(),
        keywords: meta.keywords.clone(),
        home: meta.home.clone(),
        sources: meta.sources.clone(),
        maintainers: meta
            .maintainers
            .iter()
            .map(|m| pb::ChartMaintainer {
                name: m.name.clone(),
                email: m.email.clone(),
                url: m.url.clone(),
            })
            .collect(),
        icon: meta.icon.clone(),
        deprecated: meta.deprecated,
        annotations: meta.annotations.clone().into_iter().collect(),
        dependencies: meta
            .dependencies
            .iter()
            .map(|d| pb::ChartDependency {
                name: d.name.clone(),
                version: d.version.clone(),
                repository: d.repository.clone(),
                condition: d.condition.clone(),
                tags: d.tags.clone(),
                alias: d.alias.clone(),
                import_values: Vec::new(),
            })
            .collect(),
    }
}

/// `sha256:<hex>` for an index digest written as bare hex.
fn prefixed_digest(digest: &str) -> String {
    if digest.is_empty() || digest.contains(':') {
        digest.to_owned()
    } else {
        format!("sha256:{digest}")
    }
}

/// An index entry as a `ChartVersion` message.
pub fn index_version(entry: &IndexEntry) -> pb::ChartVersion {
    let create_time = timestamp(&entry.created);
    pb::ChartVersion {
        version: entry.version.clone(),
        app_version: entry.app_version.clone(),
        description: entry.description.clone(),
        digest: prefixed_digest(&entry.digest),
        create_time,
        deprecated: entry.deprecated,
    }
}

/// One OCI version as ListChartVersions reports it: Chart.yaml from the config blob,
/// the manifest digest and the creation annotation.
pub fn oci_version(info: &helmd_source::OciVersionInfo) -> pb::ChartVersion {
    pb::ChartVersion {
        version: info.version.clone(),
        app_version: info.metadata.app_version.clone(),
        description: info.metadata.description.clone(),
        digest: info.manifest_digest.to_string(),
        create_time: info.created.as_deref().and_then(timestamp),
        deprecated: info.metadata.deprecated,
    }
}

/// An RFC 3339 time as a protobuf timestamp; `None` when unparsable.
fn timestamp(text: &str) -> Option<prost_types::Timestamp> {
    let d = humantime::parse_rfc3339_weak(text.trim())
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    Some(prost_types::Timestamp {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    })
}

/// Parses an optional version constraint (field `field`).
pub fn constraint(text: &str, field: &str) -> Result<Option<Constraint>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    Constraint::parse(text)
        .map(Some)
        .map_err(|_| Error::invalid(field, format!("improper constraint: {text}")))
}

/// Whether `version` satisfies `constraint` (no constraint: everything).
pub fn admits(constraint: Option<&Constraint>, version: &str) -> bool {
    match constraint {
        None => true,
        Some(c) => Version::parse(version).is_some_and(|v| c.matches(&v)),
    }
}

/// One chart version as kept for searching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchEntry {
    /// Chart name.
    pub chart: String,
    /// Version.
    pub version: String,
    /// appVersion.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub app_version: String,
    /// Description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Keywords.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Deprecated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deprecated: bool,
}

/// The searchable entries of an index (every version, newest first per chart).
pub fn search_entries(index: &IndexFile) -> Vec<SearchEntry> {
    index
        .entries
        .iter()
        .flat_map(|(chart, versions)| {
            versions.iter().map(move |v| SearchEntry {
                chart: chart.clone(),
                version: v.version.clone(),
                app_version: v.app_version.clone(),
                description: v.description.clone(),
                keywords: v.keywords.clone(),
                deprecated: v.deprecated,
            })
        })
        .collect()
}

/// How a search matches a line.
#[derive(Debug)]
pub enum Matcher {
    /// Everything.
    All,
    /// A lower-cased literal.
    Literal(String),
    /// A regular expression.
    Regex(regex::Regex),
}

impl Matcher {
    /// From a request's `query` and `regexp`.
    pub fn new(query: &str, regexp: bool) -> Result<Matcher> {
        if query.is_empty() {
            return Ok(Matcher::All);
        }
        if regexp {
            return regex::RegexBuilder::new(query)
                .case_insensitive(true)
                .build()
                .map(Matcher::Regex)
                .map_err(|e| Error::invalid("query", format!("invalid regular expression: {e}")));
        }
        Ok(Matcher::Literal(query.to_lowercase()))
    }

    /// The score of a match (lower is better: where the match starts), like Helm's.
    pub fn score(&self, repository: &str, entry: &SearchEntry) -> Option<usize> {
        let line = format!(
            "{repository}/{}\u{b}{}\u{b}{}",
            entry.chart,
            entry.description,
            entry.keywords.join(" ")
        );
        match self {
            Matcher::All => Some(0),
            Matcher::Literal(term) => line.to_lowercase().find(term.as_str()),
            Matcher::Regex(re) => re.find(&line).map(|m| m.start()),
        }
    }
}

/// One scored result before paging.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Score (lower is better).
    pub score: usize,
    /// Repository name.
    pub repository: String,
    /// The entry.
    pub entry: SearchEntry,
}

/// Searches the entries of one repository: Helm's rules — without a constraint only
/// stable versions (pre-releases too with `devel`), then the newest per chart unless
/// `all_versions`.
pub fn search(
    repository: &str,
    entries: &[SearchEntry],
    matcher: &Matcher,
    constraint: Option<&Constraint>,
    devel: bool,
    all_versions: bool,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    let mut last_chart: Option<&str> = None;
    for entry in entries {
        let admitted = match (constraint, Version::parse(&entry.version)) {
            (Some(c), Some(v)) => c.matches(&v),
            (Some(_), None) => false,
            (None, Some(v)) => devel || !v.is_prerelease(),
            (None, None) => devel,
        };
        if !admitted {
            continue;
        }
        if !all_versions && last_chart == Some(entry.chart.as_str()) {
            continue;
        }
        last_chart = Some(entry.chart.as_str());
        if let Some(score) = matcher.score(repository, entry) {
            hits.push(Hit {
                score,
                repository: repository.to_owned(),
                entry: entry.clone(),
            });
        }
    }
    hits
}

/// A hit as a message.
pub fn search_result(hit: &Hit) -> pb::ChartSearchResult {
    pb::ChartSearchResult {
        repository: hit.repository.clone(),
        chart: hit.entry.chart.clone(),
        version: hit.entry.version.clone(),
        app_version: hit.entry.app_version.clone(),
        description: hit.entry.description.clone(),
        keywords: hit.entry.keywords.clone(),
        deprecated: hit.entry.deprecated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(chart: &str, version: &str, description: &str) -> SearchEntry {
        SearchEntry {
            chart: chart.into(),
            version: version.into(),
            app_version: String::new(),
            description: description.into(),
            keywords: vec!["web".into()],
            deprecated: false,
        }
    }

    fn check(query: &str, devel: bool, all: bool, expected: &[&str]) {
        let entries = [
            entry("nginx", "2.0.0-rc.1", "a web server"),
            entry("nginx", "1.2.0", "a web server"),
            entry("nginx", "1.1.0", "a web server"),
            entry("redis", "7.0.0", "a cache"),
        ];
        let matcher = Matcher::new(query, false).expect("matcher");
        let hits = search("demo", &entries, &matcher, None, devel, all);
        let got: Vec<String> = hits
            .iter()
            .map(|h| format!("{} {}", h.entry.chart, h.entry.version))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn search_keeps_the_newest_stable_version_unless_asked_otherwise() {
        check("", false, false, &["nginx 1.2.0", "redis 7.0.0"]);
        check("NGINX", true, false, &["nginx 2.0.0-rc.1"]);
        check("server", false, true, &["nginx 1.2.0", "nginx 1.1.0"]);
        check("cache", false, false, &["redis 7.0.0"]);
        check("nothing", false, false, &[]);
    }
}
