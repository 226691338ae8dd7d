//! `helm show chart|values|readme|crds|all`: the text Helm prints for a loaded chart.

use std::collections::BTreeMap;

use helmd_yaml::{Str, Value};

use crate::chart::Chart;
use crate::error::{Error, Result};
use crate::metadata::{Dependency, Metadata};

/// What `helm show` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowPart {
    /// Chart.yaml, as Helm marshals its metadata.
    Chart,
    /// values.yaml as written.
    Values,
    /// The README.
    Readme,
    /// The CRDs of the chart and its subcharts.
    Crds,
    /// All of the above, separated by `---`.
    All,
}

/// README names Helm looks for, compared case-insensitively with each top-level file.
const README_NAMES: [&str; 3] = ["readme.md", "readme.txt", "readme"];

/// The text `helm show <part>` prints for `chart`, whose raw files (as loaded, for
/// values.yaml as written) are `files`.
pub fn show_chart(
    chart: &Chart,
    files: &BTreeMap<String, Vec<u8>>,
    part: ShowPart,
) -> Result<String> {
    let all = part == ShowPart::All;
    let mut out = String::new();
    if part == ShowPart::Chart || all {
        let yaml = helmd_yaml::to_yaml(&metadata_json(&chart.metadata))
            .map_err(|e| Error::Chart(format!("marshalling Chart.yaml: {e}")))?;
        // `to_yaml` is the template function's text, its final newline trimmed.
        out.push_str(&yaml);
        out.push_str("\n\n");
    }
    if (part == ShowPart::Values || all)
        && let Some(values) = files.get("values.yaml")
    {
        if all {
            out.push_str("---\n");
        }
        out.push_str(&text(values));
        out.push('\n');
    }
    if part == ShowPart::Readme || all {
        let readme = chart
            .files
            .iter()
            .find(|(name, _)| README_NAMES.iter().any(|n| name.eq_ignore_ascii_case(n)));
        if let Some((_, data)) = readme {
            if all {
                out.push_str("---\n");
            }
            out.push_str(&text(data));
            out.push('\n');
        }
    }
    if part == ShowPart::Crds || all {
        for crd in chart.crd_objects() {
            if !crd.data.starts_with(b"---") {
                out.push_str("---\n");
            }
            out.push_str(&text(&crd.data));
            out.push('\n');
        }
    }
    Ok(out)
}

fn text(data: &[u8]) -> String {
    helmd_yaml::gostr::from_go_bytes(data).into_owned()
}

/// Chart.yaml as Go's JSON tags shape it (`omitempty` everywhere but a dependency's
/// `name` and `repository`), ready for sigs.k8s.io/yaml's sorted marshalling.
fn metadata_json(md: &Metadata) -> Value {
    let mut m = Fields::default();
    m.string("name", &md.name);
    m.string("home", &md.home);
    m.strings("sources", &md.sources);
    m.string("version", &md.version);
    m.string("description", &md.description);
    m.strings("keywords", &md.keywords);
    if !md.maintainers.is_empty() {
        let list = md
            .maintainers
            .iter()
            .map(|x| {
                let mut e = Fields::default();
                e.string("name", &x.name);
                e.string("email", &x.email);
                e.string("url", &x.url);
                e.into_value()
            })
            .collect();
        m.0.insert("maintainers".into(), Value::list(list));
    }
    m.string("icon", &md.icon);
    m.string("apiVersion", &md.api_version);
    m.string("condition", &md.condition);
    m.string("tags", &md.tags);
    m.string("appVersion", &md.app_version);
    if md.deprecated {
        m.0.insert("deprecated".into(), Value::Bool(true));
    }
    if let Some(annotations) = md.annotations.as_ref().filter(|a| !a.is_empty()) {
        let map = annotations
            .iter()
            .map(|(k, v)| (Str::from(k.as_str()), Value::str(v)))
            .collect();
        m.0.insert("annotations".into(), Value::map(map));
    }
    m.string("kubeVersion", &md.kube_version);
    if let Some(deps) = md.dependencies.as_ref().filter(|d| !d.is_empty()) {
        let list = deps.iter().map(dependency_json).collect();
        m.0.insert("dependencies".into(), Value::list(list));
    }
    m.string("type", &md.chart_type);
    m.into_value()
}

fn dependency_json(d: &Dependency) -> Value {
    let mut e = Fields::default();
    e.0.insert("name".into(), Value::str(&d.name));
    e.string("version", &d.version);
    e.0.insert("repository".into(), Value::str(&d.repository));
    e.string("condition", &d.condition);
    e.strings("tags", &d.tags);
    if d.enabled {
        e.0.insert("enabled".into(), Value::Bool(true));
    }
    if !d.import_values.is_empty() {
        e.0.insert("import-values".into(), Value::list(d.import_values.clone()));
    }
    e.string("alias", &d.alias);
    e.into_value()
}

/// A JSON object being built with Go's `omitempty` rules.
#[derive(Default)]
struct Fields(BTreeMap<Str, Value>);

impl Fields {
    fn string(&mut self, key: &str, v: &str) {
        if !v.is_empty() {
            self.0.insert(key.into(), Value::str(v));
        }
    }

    fn strings(&mut self, key: &str, v: &[String]) {
        if !v.is_empty() {
            self.0.insert(
                key.into(),
                Value::list(v.iter().map(|s| Value::str(s)).collect()),
            );
        }
    }

    fn into_value(self) -> Value {
        Value::map(self.0)
    }
}
