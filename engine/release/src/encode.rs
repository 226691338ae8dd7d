//! A release as Go's encoding/json writes Helm's structs: struct field order, omitempty, Go escaping.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use helmd_yaml::Value;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::gotime::{self, ZERO_TIME};
use crate::model::{Chart, Dependency, File, Hook, HookExecution, Info, Lock, Metadata, Release};

/// The JSON Helm's `json.Marshal(release)` writes for `release`.
pub fn release_json(release: &Release) -> Result<String> {
    let mut o = Obj::new();
    o.str_opt("name", &release.name)?;
    if let Some(info) = &release.info {
        o.raw("info", &info_json(info)?);
    }
    if let Some(chart) = &release.chart {
        o.raw("chart", &chart_json(chart)?);
    }
    if !value_is_empty(&release.config) {
        o.raw("config", &value(&release.config)?);
    }
    o.str_opt("manifest", &release.manifest)?;
    if !release.hooks.is_empty() {
        let hooks = release
            .hooks
            .iter()
            .map(hook_json)
            .collect::<Result<Vec<_>>>()?;
        o.raw("hooks", &array(&hooks));
    }
    if release.version != 0 {
        o.raw("version", &release.version.to_string());
    }
    o.str_opt("namespace", &release.namespace)?;
    o.str_opt("apply_method", &release.apply_method)?;
    Ok(o.finish())
}

fn info_json(info: &Info) -> Result<String> {
    let mut o = Obj::new();
    o.time_opt("first_deployed", &info.first_deployed);
    o.time_opt("last_deployed", &info.last_deployed);
    o.time_opt("deleted", &info.deleted);
    o.str_opt("description", &info.description)?;
    o.str_opt("status", info.status.as_str())?;
    if info.rollback_revision != 0 {
        o.raw("rollback_revision", &info.rollback_revision.to_string());
    }
    o.str_opt("notes", &info.notes)?;
    if !value_is_empty(&info.resources) {
        o.raw("resources", &value(&info.resources)?);
    }
    Ok(o.finish())
}

fn hook_json(hook: &Hook) -> Result<String> {
    let mut o = Obj::new();
    o.str_opt("name", &hook.name)?;
    o.str_opt("kind", &hook.kind)?;
    o.str_opt("path", &hook.path)?;
    o.str_opt("manifest", &hook.manifest)?;
    o.strs_opt("events", &hook.events)?;
    o.raw("last_run", &execution_json(&hook.last_run)?);
    if hook.weight != 0 {
        o.raw("weight", &hook.weight.to_string());
    }
    o.strs_opt("delete_policies", &hook.delete_policies)?;
    o.strs_opt("output_log_policies", &hook.output_log_policies)?;
    Ok(o.finish())
}

fn execution_json(run: &HookExecution) -> Result<String> {
    let mut o = Obj::new();
    o.time_opt("started_at", &run.started_at);
    o.time_opt("completed_at", &run.completed_at);
    o.str("phase", &run.phase)?;
    Ok(o.finish())
}

fn chart_json(chart: &Chart) -> Result<String> {
    let mut o = Obj::new();
    match &chart.metadata {
        Some(m) => o.raw("metadata", &metadata_json(m)?),
        None => o.raw("metadata", "null"),
    }
    match &chart.lock {
        Some(l) => o.raw("lock", &lock_json(l)?),
        None => o.raw("lock", "null"),
    }
    o.raw("templates", &files_json(chart.templates.as_deref())?);
    o.raw("values", &value(&chart.values)?);
    o.raw("schema", &bytes(chart.schema.as_deref()));
    o.time("schemamodtime", &chart.schema_mod_time);
    o.raw("files", &files_json(chart.files.as_deref())?);
    o.time_opt("modtime", &chart.mod_time);
    Ok(o.finish())
}

fn files_json(files: Option<&[File]>) -> Result<String> {
    let Some(files) = files else {
        return Ok("null".into());
    };
    let items = files
        .iter()
        .map(|f| {
            let mut o = Obj::new();
            o.str("name", &f.name)?;
            o.raw("data", &bytes(f.data.as_deref()));
            o.time_opt("modtime", &f.mod_time);
            Ok(o.finish())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(array(&items))
}

fn metadata_json(m: &Metadata) -> Result<String> {
    let mut o = Obj::new();
    o.str_opt("name", &m.name)?;
    o.str_opt("home", &m.home)?;
    o.strs_opt("sources", &m.sources)?;
    o.str_opt("version", &m.version)?;
    o.str_opt("description", &m.description)?;
    o.strs_opt("keywords", &m.keywords)?;
    if !m.maintainers.is_empty() {
        let items = m
            .maintainers
            .iter()
            .map(|x| {
                let mut o = Obj::new();
                o.str_opt("name", &x.name)?;
                o.str_opt("email", &x.email)?;
                o.str_opt("url", &x.url)?;
                Ok(o.finish())
            })
            .collect::<Result<Vec<_>>>()?;
        o.raw("maintainers", &array(&items));
    }
    o.str_opt("icon", &m.icon)?;
    o.str_opt("apiVersion", &m.api_version)?;
    o.str_opt("condition", &m.condition)?;
    o.str_opt("tags", &m.tags)?;
    o.str_opt("appVersion", &m.app_version)?;
    if m.deprecated {
        o.raw("deprecated", "true");
    }
    if !m.annotations.is_empty() {
        let mut a = Obj::new();
        for (k, v) in &m.annotations {
            a.str(k, v)?;
        }
        o.raw("annotations", &a.finish());
    }
    o.str_opt("kubeVersion", &m.kube_version)?;
    if !m.dependencies.is_empty() {
        o.raw("dependencies", &dependencies_json(&m.dependencies)?);
    }
    o.str_opt("type", &m.chart_type)?;
    Ok(o.finish())
}

fn dependencies_json(deps: &[Dependency]) -> Result<String> {
    let items = deps
        .iter()
        .map(|d| {
            let mut o = Obj::new();
            o.str("name", &d.name)?;
            o.str_opt("version", &d.version)?;
            o.str("repository", &d.repository)?;
            o.str_opt("condition", &d.condition)?;
            o.strs_opt("tags", &d.tags)?;
            if d.enabled {
                o.raw("enabled", "true");
            }
            if !d.import_values.is_empty() {
                o.raw(
                    "import-values",
                    &value(&Value::list(d.import_values.clone()))?,
                );
            }
            o.str_opt("alias", &d.alias)?;
            Ok(o.finish())
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(array(&items))
}

fn lock_json(l: &Lock) -> Result<String> {
    let mut o = Obj::new();
    o.time("generated", &l.generated);
    o.str("digest", &l.digest)?;
    match &l.dependencies {
        Some(d) => o.raw("dependencies", &dependencies_json(d)?),
        None => o.raw("dependencies", "null"),
    }
    Ok(o.finish())
}

/// Go's `omitempty` for an `any`/map field: nil, or a map or list with no entries.
fn value_is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Map(m) => m.is_empty(),
        Value::List(l) => l.items.is_empty(),
        _ => false,
    }
}

fn value(v: &Value) -> Result<String> {
    helmd_yaml::to_json(v).map_err(|e| Error::Json(e.to_string()))
}

fn string(s: &str) -> Result<String> {
    value(&Value::str(s))
}

/// A Go `[]byte`: base64 (standard, padded), `null` when nil.
fn bytes(b: Option<&[u8]>) -> String {
    match b {
        Some(b) => format!("\"{}\"", STANDARD.encode(b)),
        None => "null".into(),
    }
}

fn array(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

/// An object written field by field in struct order.
struct Obj {
    out: String,
}

impl Obj {
    fn new() -> Obj {
        Obj { out: "{".into() }
    }

    fn raw(&mut self, key: &str, json: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        // Keys are Go struct tags or map keys; map keys go through `string`.
        self.out
            .push_str(&string(key).unwrap_or_else(|_| format!("\"{key}\"")));
        self.out.push(':');
        self.out.push_str(json);
    }

    fn str(&mut self, key: &str, v: &str) -> Result<()> {
        self.raw(key, &string(v)?);
        Ok(())
    }

    fn str_opt(&mut self, key: &str, v: &str) -> Result<()> {
        if !v.is_empty() {
            self.str(key, v)?;
        }
        Ok(())
    }

    fn strs_opt(&mut self, key: &str, v: &[String]) -> Result<()> {
        if !v.is_empty() {
            let items = v.iter().map(|s| string(s)).collect::<Result<Vec<_>>>()?;
            self.raw(key, &array(&items));
        }
        Ok(())
    }

    fn time(&mut self, key: &str, t: &Option<OffsetDateTime>) {
        match t {
            Some(t) => self.raw(key, &format!("\"{}\"", gotime::format(t))),
            None => self.raw(key, &format!("\"{ZERO_TIME}\"")),
        }
    }

    fn time_opt(&mut self, key: &str, t: &Option<OffsetDateTime>) {
        if let Some(t) = t {
            self.raw(key, &format!("\"{}\"", gotime::format(t)));
        }
    }

    fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}
