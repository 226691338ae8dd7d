//! Rendering a chart like Helm's engine: build the top-level data, parse
//! every template in Helm's order into one set, execute the non-partials.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use helmd_gotmpl::{FuncMap, Limits, MissingKey, Options, Templates};
use helmd_yaml::{Map, Str, Value};

use crate::error::{Error, Result};
use crate::errors::{exec_error, parse_error};
use crate::objects::{Capabilities, Files, KubeVersion};
use helmd_chart::{Chart, coalesce, load_chart_dir, merge_user_values};

/// Release and cluster options of a render (Helm template's defaults).
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// `.Release.Name`
    pub release_name: String,
    /// `.Release.Namespace`
    pub namespace: String,
    /// `.Release.Revision`
    pub revision: i64,
    /// `.Release.IsInstall`
    pub is_install: bool,
    /// `.Release.IsUpgrade`
    pub is_upgrade: bool,
    /// Kubernetes version for `.Capabilities` (default `v1.36.0`).
    pub kube_version: Option<String>,
    /// API versions added to Helm's defaults.
    pub api_versions: Vec<String>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            release_name: "release-name".into(),
            namespace: "default".into(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
            kube_version: None,
            api_versions: Vec::new(),
        }
    }
}

/// The function registry Helm's engine uses (Helm functions and Sprig's basics).
pub fn funcs() -> FuncMap {
    let mut f = FuncMap::new();
    crate::funcs::register(&mut f);
    f
}

/// Renders the chart in `dir` with user values documents (as `-f` files in
/// order), returning `{<chart>/templates/<file>: text}` like Helm.
pub fn render_chart_dir(
    dir: &Path,
    values_yaml: &[String],
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>> {
    let chart = load_chart_dir(dir)?;
    render_chart(&chart, values_yaml, opts)
}

/// Renders a loaded chart.
pub fn render_chart(
    chart: &Chart,
    values_yaml: &[String],
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>> {
    render_chart_values(chart, merge_user_values(values_yaml)?, opts)
}

/// Renders a loaded chart with user values already merged (from `-f` files
/// and the `--set` family, see `helmd_chart::merge_values`).
pub fn render_chart_values(
    chart: &Chart,
    user: BTreeMap<Str, Value>,
    opts: &RenderOptions,
) -> Result<BTreeMap<String, String>> {
    let values = coalesce(&chart.values, user);
    let base = top_level(chart, Value::Map(values), opts)?;
    let names = sorted_names(chart);
    let limits = Limits {
        max_depth: 100_000,
        ..Limits::default()
    };
    let options = Options {
        root_name: "gotpl".into(),
        missing_key: MissingKey::Zero,
        limits,
        ..Options::default()
    };
    let mut set = Templates::new(Arc::new(funcs()), options);
    for (name, path) in &names {
        let text = chart
            .templates
            .get(path)
            .map(String::as_str)
            .unwrap_or_default();
        set.add(name, text)
            .map_err(|e| Error::Parse(parse_error(name, &e)))?;
    }
    let base_path = format!("{}/templates", chart.name);
    let mut out = BTreeMap::new();
    for (name, _) in &names {
        let file = name.rsplit('/').next().unwrap_or(name);
        if file.starts_with('_') {
            continue;
        }
        let data = with_template(&base, name, &base_path);
        let text = set
            .execute(name, &data)
            .map_err(|e| Error::Execute(exec_error(name, &e)))?;
        let text = if text.contains("<no value>") {
            text.replace("<no value>", "")
        } else {
            text
        };
        out.insert(name.clone(), text);
    }
    Ok(out)
}

/// Template names (`<chart>/templates/x`) with their chart paths, in Helm's
/// order: more `/` first, then reverse lexical.
fn sorted_names(chart: &Chart) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = chart
        .templates
        .keys()
        .map(|p| (format!("{}/{p}", chart.name), p.clone()))
        .collect();
    names.sort_by(|a, b| {
        let (ca, cb) = (a.0.matches('/').count(), b.0.matches('/').count());
        cb.cmp(&ca).then_with(|| b.0.cmp(&a.0))
    });
    names
}

fn top_level(chart: &Chart, values: Value, opts: &RenderOptions) -> Result<BTreeMap<Str, Value>> {
    let kube_text = opts
        .kube_version
        .clone()
        .unwrap_or_else(|| "v1.36.0".into());
    let kube = KubeVersion::parse(&kube_text)
        .ok_or_else(|| Error::KubeVersion(format!("illegal version string {kube_text:?}")))?;
    let mut release = BTreeMap::new();
    release.insert(Str::from("Name"), Value::str(&opts.release_name));
    release.insert(Str::from("Namespace"), Value::str(&opts.namespace));
    release.insert(Str::from("Revision"), Value::int(opts.revision));
    release.insert(Str::from("IsInstall"), Value::Bool(opts.is_install));
    release.insert(Str::from("IsUpgrade"), Value::Bool(opts.is_upgrade));
    release.insert(Str::from("Service"), Value::str("Helm"));
    let files = chart
        .files
        .iter()
        .map(|(k, v)| (k.clone(), Arc::from(v.as_slice())))
        .collect();
    let mut top = BTreeMap::new();
    top.insert(Str::from("Values"), values);
    top.insert(Str::from("Release"), Value::map(release));
    top.insert(Str::from("Chart"), chart.metadata.clone());
    top.insert(
        Str::from("Capabilities"),
        Value::Object(Arc::new(Capabilities::new(kube, &opts.api_versions))),
    );
    top.insert(Str::from("Files"), Value::Object(Arc::new(Files(files))));
    top.insert(Str::from("Subcharts"), Value::empty_map());
    Ok(top)
}

fn with_template(base: &BTreeMap<Str, Value>, name: &str, base_path: &str) -> Value {
    let mut t = BTreeMap::new();
    t.insert(Str::from("Name"), Value::str(name));
    t.insert(Str::from("BasePath"), Value::str(base_path));
    let mut top = base.clone();
    top.insert(
        Str::from("Template"),
        Value::Map(Map::named("common.Values", t)),
    );
    Value::Map(Map::named("common.Values", top))
}
