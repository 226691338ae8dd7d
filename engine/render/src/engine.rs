//! Rendering a chart like Helm's engine: build the top-level data, parse
//! every template in Helm's order into one set, execute the non-partials.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use helmd_gotmpl::{FuncMap, HostContext, Limits, MissingKey, Options, Templates};
use helmd_yaml::{Map, MapRef, Str, Value};

use crate::error::{Error, Result};
use crate::errors::{exec_error, parse_error};
use crate::files::Files;
use crate::host::{ClusterAccess, RenderHost};
use crate::objects::{Capabilities, KubeVersion};
use helmd_chart::{
    Chart, Crd, check_dependencies, check_kube_version, coalesce_values, load_chart_dir,
    merge_user_values, process_dependencies, validate_values,
};

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
    /// `api_versions` are a cluster's own (from discovery) and replace Helm's
    /// defaults, as when Helm renders against a cluster (`--validate`).
    pub cluster_api_versions: bool,
    /// Stops the render when raised or past its deadline ([`Error::Stopped`]).
    pub interrupt: crate::Interrupt,
    /// The live cluster `lookup` reads (Helm's install and upgrade); `None`
    /// renders offline like `helm template`: `lookup` returns an empty map.
    pub cluster: Option<Arc<dyn ClusterAccess>>,
    /// Let `getHostByName` resolve names (Helm's `--enable-dns`); otherwise
    /// it returns an empty string.
    pub enable_dns: bool,
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
            cluster_api_versions: false,
            interrupt: crate::Interrupt::default(),
            cluster: None,
            enable_dns: false,
        }
    }
}

/// The function registry Helm's engine uses (Helm functions and Sprig's basics).
pub fn funcs() -> FuncMap {
    let mut f = FuncMap::new();
    crate::funcs::register(&mut f);
    crate::memory::guard(&mut f);
    f
}

/// One registry for every render: building it per render costs more than
/// small charts take to execute, and a stable registry lets parses be cached.
fn shared_funcs() -> Arc<FuncMap> {
    static FUNCS: std::sync::OnceLock<Arc<FuncMap>> = std::sync::OnceLock::new();
    FUNCS.get_or_init(|| Arc::new(funcs())).clone()
}

/// The registry of Helm's lint mode: `required` and `fail` do not fail.
fn shared_lint_funcs() -> Arc<FuncMap> {
    static FUNCS: std::sync::OnceLock<Arc<FuncMap>> = std::sync::OnceLock::new();
    FUNCS
        .get_or_init(|| {
            let mut f = funcs();
            crate::funcs::register_lint_mode(&mut f);
            Arc::new(f)
        })
        .clone()
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

/// Renders a loaded chart as `helm template` does: declared dependencies must be
/// present, dependencies are processed (conditions, tags, aliases, import-values),
/// values coalesced and checked against every `values.schema.json`, the chart's
/// `kubeVersion` checked, then every chart's templates render in one set.
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
    check_dependencies(chart)?;
    let mut chart = chart.clone();
    process_dependencies(&mut chart, &user)?;
    let values = coalesce_values(&chart, &user)?;
    validate_values(&chart, &values)?;
    let (kube, kube_text) = kube_version(opts)?;
    check_kube_version(&chart, &kube.normalized())?;
    render_tree(&chart, values, opts, kube, &kube_text, Mode::Template)
}

/// How templates run: as `helm template` does, or in Helm's lint mode, where
/// `required` and `fail` log instead of failing and return an empty string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Normal rendering.
    Template,
    /// Helm's `LintMode`.
    Lint,
}

/// Parses `kube_version` (default `v1.36.0`) as `.Capabilities.KubeVersion`.
pub(crate) fn kube_version(opts: &RenderOptions) -> Result<(KubeVersion, String)> {
    let kube_text = opts
        .kube_version
        .clone()
        .unwrap_or_else(|| "v1.36.0".into());
    let kube = KubeVersion::parse(&kube_text)
        .map_err(|e| Error::KubeVersion(format!("invalid kube version '{kube_text}': {e}")))?;
    Ok((kube, kube_text))
}

/// Renders every template of a chart whose dependencies are processed and
/// whose values are coalesced (and checked, when the caller wants that).
pub(crate) fn render_tree(
    chart: &Chart,
    values: BTreeMap<Str, Value>,
    opts: &RenderOptions,
    kube: KubeVersion,
    kube_text: &str,
    mode: Mode,
) -> Result<BTreeMap<String, String>> {
    let shared = Shared {
        release: release(opts),
        capabilities: capabilities(
            kube,
            kube_text,
            &opts.api_versions,
            opts.cluster_api_versions,
        ),
    };
    let mut renderables = Vec::new();
    let values = Value::Map(Map::named("common.Values", values));
    scope(chart, None, &values, &shared, &mut renderables);
    // Helm's lint mode keeps the offline `lookup` and never resolves names.
    let host = RenderHost {
        cluster: opts.cluster.clone().filter(|_| mode == Mode::Template),
        enable_dns: opts.enable_dns && mode == Mode::Template,
        interrupt: opts.interrupt.clone(),
    };
    render_all(renderables, mode, host)
}

/// Helm's `CRDObjects` as install and `helm template --include-crds` see them: taken
/// after dependency processing, so subcharts disabled by a condition or tags are
/// left out and an aliased subchart's CRDs sit under its alias (once per alias).
pub fn enabled_crd_objects(chart: &Chart, user: &BTreeMap<Str, Value>) -> Result<Vec<Crd>> {
    check_dependencies(chart)?;
    let mut chart = chart.clone();
    process_dependencies(&mut chart, user)?;
    Ok(chart.crd_objects())
}

/// What every chart's scope shares: `.Release` and `.Capabilities`.
struct Shared {
    release: Value,
    capabilities: Value,
}

/// One template to parse (and, unless a partial, render) with its chart's scope.
struct Renderable {
    name: String,
    text: String,
    scope: MapRef,
    base_path: String,
}

/// Builds the scope of `chart` (and, first, of its subcharts) like Helm's
/// `recAllTpls`: one map per chart that all its templates share and change.
fn scope(
    chart: &Chart,
    parent: Option<(&str, &Value)>,
    values: &Value,
    shared: &Shared,
    out: &mut Vec<Renderable>,
) -> MapRef {
    let (path, own_values) = match parent {
        None => (chart.name().to_string(), values.clone()),
        Some((parent_path, parent_values)) => {
            // Helm looks the section up as a dotted path (`my.sub` reads `my: {sub:}`)
            // and uses that very map, so a template's `set .Values` is seen through
            // the parent's `.Values.<sub>` and the other way round; without one the
            // subchart gets an empty map of its own.
            let section = chart
                .name()
                .split('.')
                .try_fold(parent_values.clone(), |cur, part| {
                    cur.as_map()
                        .and_then(|m| m.get(part))
                        .filter(|v| matches!(v, Value::Map(_)))
                })
                .and_then(|v| v.as_map().map(|m| m.renamed("common.Values")))
                .unwrap_or_else(|| Map::named("common.Values", BTreeMap::new()));
            (
                format!("{parent_path}/charts/{}", chart.name()),
                Value::Map(section),
            )
        }
    };
    let files = chart
        .files
        .iter()
        .map(|(k, v)| (k.clone(), Arc::from(v.as_slice())))
        .collect();
    // Helm's scope is a plain map (so `.Subcharts.x` is `map[string]interface {}`);
    // a template runs with it as `common.Values`.
    let next = Map::new(BTreeMap::new());
    next.insert("Chart", chart.metadata.to_value(parent.is_none()));
    next.insert("Files", Value::Object(Arc::new(Files(files))));
    next.insert("Release", shared.release.clone());
    next.insert("Capabilities", shared.capabilities.clone());
    next.insert("Values", own_values.clone());
    let subcharts = Map::new(BTreeMap::new());
    for child in &chart.dependencies {
        let child_scope = scope(child, Some((&path, &own_values)), values, shared, out);
        subcharts.insert(child.name(), Value::Map(child_scope));
    }
    next.insert("Subcharts", Value::Map(subcharts));
    let library = chart.metadata.is_library();
    for (file, text) in &chart.templates {
        let partial = file.rsplit('/').next().unwrap_or(file).starts_with('_');
        if library && !partial {
            continue;
        }
        out.push(Renderable {
            name: format!("{path}/{file}"),
            text: text.clone(),
            scope: next.clone(),
            base_path: format!("{path}/templates"),
        });
    }
    next
}

fn render_all(
    mut all: Vec<Renderable>,
    mode: Mode,
    host: RenderHost,
) -> Result<BTreeMap<String, String>> {
    let interrupt = host.interrupt.clone();
    all.sort_by(|a, b| {
        let (ca, cb) = (a.name.matches('/').count(), b.name.matches('/').count());
        cb.cmp(&ca).then_with(|| b.name.cmp(&a.name))
    });
    let limits = Limits {
        max_depth: 100_000,
        cancel: Some(interrupt.hook()),
        ..Limits::default()
    };
    let options = Options {
        root_name: "gotpl".into(),
        missing_key: MissingKey::Zero,
        limits,
        host: Some(HostContext::new(host)),
        ..Options::default()
    };
    let funcs = match mode {
        Mode::Template => shared_funcs(),
        Mode::Lint => shared_lint_funcs(),
    };
    let mut set = Templates::new(funcs, options);
    for r in &all {
        set.add(&r.name, &r.text)
            .map_err(|e| Error::Parse(parse_error(&r.name, &e)))?;
    }
    let mut out = BTreeMap::new();
    // One memory budget for the whole render: what each template builds and
    // the outputs kept so far.
    let mut used = 0usize;
    for r in &all {
        let file = r.name.rsplit('/').next().unwrap_or(&r.name);
        if file.starts_with('_') {
            continue;
        }
        let mut t = BTreeMap::new();
        t.insert(Str::from("Name"), Value::str(&r.name));
        t.insert(Str::from("BasePath"), Value::str(&r.base_path));
        r.scope
            .insert("Template", Value::Map(Map::named("common.Values", t)));
        // Every template of a chart runs on its chart's one map (Helm's
        // `renderable.vals`), so what one sets on `.` later templates see.
        let data = Value::Map(r.scope.renamed("common.Values"));
        let mut text = String::with_capacity(r.text.len());
        set.execute_counted(&r.name, &data, &mut text, &mut used)
            .map_err(|e| {
                if let Some(stopped) = interrupt.stopped() {
                    return Error::Stopped(stopped);
                }
                Error::Execute(
                    helmd_yaml::gostr::replace_raw(&exec_error(&r.name, &e)).into_owned(),
                )
            })?;
        let text = if text.contains("<no value>") {
            text.replace("<no value>", "")
        } else {
            text
        };
        // Bytes that are not UTF-8 leave as U+FFFD each, as Helm's JSON shows them.
        let text = match helmd_yaml::gostr::replace_raw(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(replaced) => replaced,
        };
        out.insert(r.name.clone(), text);
    }
    Ok(out)
}

fn release(opts: &RenderOptions) -> Value {
    let mut release = BTreeMap::new();
    release.insert(Str::from("Name"), Value::str(&opts.release_name));
    release.insert(Str::from("Namespace"), Value::str(&opts.namespace));
    release.insert(Str::from("Revision"), Value::int(opts.revision));
    release.insert(Str::from("IsInstall"), Value::Bool(opts.is_install));
    release.insert(Str::from("IsUpgrade"), Value::Bool(opts.is_upgrade));
    release.insert(Str::from("Service"), Value::str("Helm"));
    Value::map(release)
}

/// `.Capabilities` (immutable): renders with the same Kubernetes version and
/// extra APIs share one object instead of rebuilding the API list each time.
fn capabilities(kube: KubeVersion, kube_text: &str, apis: &[String], exact: bool) -> Value {
    type Last = Option<((String, Vec<String>, bool), Value)>;
    static LAST: std::sync::Mutex<Last> = std::sync::Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(((text, extra, was_exact), caps)) = last.as_ref()
        && text == kube_text
        && extra.as_slice() == apis
        && *was_exact == exact
    {
        return caps.clone();
    }
    let caps = if exact {
        Capabilities::of_cluster(kube, apis)
    } else {
        Capabilities::new(kube, apis)
    };
    let caps = Value::Object(Arc::new(caps));
    *last = Some(((kube_text.to_string(), apis.to_vec(), exact), caps.clone()));
    caps
}
