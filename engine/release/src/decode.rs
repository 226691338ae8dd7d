//! A release read from Helm's JSON as Go's encoding/json fills Helm's structs.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use helmd_yaml::{MapRef, Value};
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::gotime;
use crate::model::{
    Chart, Dependency, File, Hook, HookExecution, Info, Lock, Maintainer, Metadata, Release, Status,
};

/// Reads Helm's release JSON. Like Go: unknown fields are ignored, missing ones
/// are zero, `null` leaves a field zero, keys match case-insensitively.
pub fn release_from_json(text: &str) -> Result<Release> {
    let v = helmd_yaml::parse_json(text).map_err(|e| Error::Json(e.to_string()))?;
    let Some(o) = Fields::of(&v, "Release")? else {
        return Ok(Release::default());
    };
    Ok(Release {
        name: o.string("name")?,
        info: o.object("info", info)?,
        chart: o.object("chart", chart)?,
        config: o.value("config"),
        manifest: o.string("manifest")?,
        hooks: o
            .list("hooks", |v| {
                Ok(Fields::of(v, "Hook")?
                    .map(hook)
                    .transpose()?
                    .unwrap_or_default())
            })?
            .unwrap_or_default(),
        version: o.int("version")?,
        namespace: o.string("namespace")?,
        labels: BTreeMap::new(),
        apply_method: o.string("apply_method")?,
    })
}

fn info(o: Fields) -> Result<Info> {
    Ok(Info {
        first_deployed: o.time("first_deployed")?,
        last_deployed: o.time("last_deployed")?,
        deleted: o.time("deleted")?,
        description: o.string("description")?,
        status: Status::parse(&o.string("status")?),
        rollback_revision: o.int("rollback_revision")?,
        notes: o.string("notes")?,
        resources: o.value("resources"),
    })
}

fn hook(o: Fields) -> Result<Hook> {
    Ok(Hook {
        name: o.string("name")?,
        kind: o.string("kind")?,
        path: o.string("path")?,
        manifest: o.string("manifest")?,
        events: o.strings("events")?,
        last_run: o.object("last_run", execution)?.unwrap_or_default(),
        weight: o.int("weight")?,
        delete_policies: o.strings("delete_policies")?,
        output_log_policies: o.strings("output_log_policies")?,
    })
}

fn execution(o: Fields) -> Result<HookExecution> {
    Ok(HookExecution {
        started_at: o.time("started_at")?,
        completed_at: o.time("completed_at")?,
        phase: o.string("phase")?,
    })
}

fn chart(o: Fields) -> Result<Chart> {
    Ok(Chart {
        metadata: o.object("metadata", metadata)?,
        lock: o.object("lock", lock)?,
        templates: o.list("templates", file)?,
        values: o.value("values"),
        schema: o.bytes("schema")?,
        schema_mod_time: o.time("schemamodtime")?,
        files: o.list("files", file)?,
        mod_time: o.time("modtime")?,
    })
}

fn file(v: &Value) -> Result<File> {
    let Some(o) = Fields::of(v, "File")? else {
        return Ok(File::default());
    };
    Ok(File {
        name: o.string("name")?,
        data: o.bytes("data")?,
        mod_time: o.time("modtime")?,
    })
}

fn metadata(o: Fields) -> Result<Metadata> {
    let annotations = match o.get("annotations") {
        Some(Value::Map(m)) => m
            .entries()
            .into_iter()
            .map(|(k, v)| Ok((k.to_string(), as_string(&v, "Metadata.annotations")?)))
            .collect::<Result<_>>()?,
        Some(Value::Nil) | None => BTreeMap::new(),
        Some(other) => {
            return Err(mismatch(
                &other,
                "Metadata.annotations",
                "map[string]string",
            ));
        }
    };
    Ok(Metadata {
        name: o.string("name")?,
        home: o.string("home")?,
        sources: o.strings("sources")?,
        version: o.string("version")?,
        description: o.string("description")?,
        keywords: o.strings("keywords")?,
        maintainers: o
            .list("maintainers", |v| {
                let Some(m) = Fields::of(v, "Maintainer")? else {
                    return Ok(Maintainer::default());
                };
                Ok(Maintainer {
                    name: m.string("name")?,
                    email: m.string("email")?,
                    url: m.string("url")?,
                })
            })?
            .unwrap_or_default(),
        icon: o.string("icon")?,
        api_version: o.string("apiVersion")?,
        condition: o.string("condition")?,
        tags: o.string("tags")?,
        app_version: o.string("appVersion")?,
        deprecated: o.bool("deprecated")?,
        annotations,
        kube_version: o.string("kubeVersion")?,
        dependencies: o.list("dependencies", dependency)?.unwrap_or_default(),
        chart_type: o.string("type")?,
    })
}

fn dependency(v: &Value) -> Result<Dependency> {
    let Some(o) = Fields::of(v, "Dependency")? else {
        return Ok(Dependency::default());
    };
    Ok(Dependency {
        name: o.string("name")?,
        version: o.string("version")?,
        repository: o.string("repository")?,
        condition: o.string("condition")?,
        tags: o.strings("tags")?,
        enabled: o.bool("enabled")?,
        import_values: o
            .list("import-values", |v| Ok(v.clone()))?
            .unwrap_or_default(),
        alias: o.string("alias")?,
    })
}

fn lock(o: Fields) -> Result<Lock> {
    Ok(Lock {
        generated: o.time("generated")?,
        digest: o.string("digest")?,
        dependencies: o.list("dependencies", dependency)?,
    })
}

/// A JSON object being read into the Go struct `ty`.
struct Fields {
    map: MapRef,
    ty: &'static str,
}

impl Fields {
    /// The object `v`, `None` for `null`; anything else is Go's type error.
    fn of(v: &Value, ty: &'static str) -> Result<Option<Fields>> {
        match v {
            Value::Map(m) => Ok(Some(Fields { map: m.clone(), ty })),
            Value::Nil => Ok(None),
            other => Err(mismatch(other, ty, ty)),
        }
    }

    /// The field `key`: exact match first, then Go's case-insensitive match.
    fn get(&self, key: &str) -> Option<Value> {
        self.map.get(key).or_else(|| {
            self.map
                .entries()
                .into_iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
    }

    fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.ty)
    }

    fn value(&self, key: &str) -> Value {
        self.get(key).unwrap_or(Value::Nil)
    }

    fn string(&self, key: &str) -> Result<String> {
        match self.get(key) {
            None | Some(Value::Nil) => Ok(String::new()),
            Some(v) => as_string(&v, &self.field(key)),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>> {
        let field = self.field(key);
        Ok(self
            .list(key, |v| match v {
                Value::Nil => Ok(String::new()),
                v => as_string(v, &field),
            })?
            .unwrap_or_default())
    }

    fn int(&self, key: &str) -> Result<i64> {
        match self.get(key) {
            None | Some(Value::Nil) => Ok(0),
            Some(Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
            Some(Value::Int(i, _)) => Ok(i),
            Some(v) => Err(mismatch(&v, &self.field(key), "int")),
        }
    }

    fn bool(&self, key: &str) -> Result<bool> {
        match self.get(key) {
            None | Some(Value::Nil) => Ok(false),
            Some(Value::Bool(b)) => Ok(b),
            Some(v) => Err(mismatch(&v, &self.field(key), "bool")),
        }
    }

    fn time(&self, key: &str) -> Result<Option<OffsetDateTime>> {
        match self.get(key) {
            None | Some(Value::Nil) => Ok(None),
            Some(Value::String(s)) => gotime::parse(&s),
            Some(v) => Err(mismatch(&v, &self.field(key), "time.Time")),
        }
    }

    /// A Go `[]byte`: base64 text (line breaks ignored), `None` for `null`.
    fn bytes(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self.get(key) {
            None | Some(Value::Nil) => Ok(None),
            Some(Value::String(s)) => {
                let clean: String = s.chars().filter(|c| *c != '\r' && *c != '\n').collect();
                STANDARD.decode(clean).map(Some).map_err(Error::Base64)
            }
            Some(v) => Err(mismatch(&v, &self.field(key), "[]uint8")),
        }
    }

    fn object<T>(&self, key: &str, read: impl Fn(Fields) -> Result<T>) -> Result<Option<T>> {
        let ty = leak_free_type(key);
        match self.get(key) {
            None => Ok(None),
            Some(v) => Fields::of(&v, ty)?.map(read).transpose(),
        }
    }

    /// A slice: `None` for a missing field or `null` (Go's nil slice).
    fn list<T>(&self, key: &str, read: impl Fn(&Value) -> Result<T>) -> Result<Option<Vec<T>>> {
        match self.get(key) {
            None | Some(Value::Nil) => Ok(None),
            Some(Value::List(l)) => l.items.iter().map(read).collect::<Result<_>>().map(Some),
            Some(v) => Err(mismatch(&v, &self.field(key), "slice")),
        }
    }
}

/// The Go type name of a nested struct field, for error messages.
fn leak_free_type(key: &str) -> &'static str {
    match key {
        "info" => "Info",
        "chart" => "Chart",
        "last_run" => "HookExecution",
        "metadata" => "Metadata",
        "lock" => "Lock",
        _ => "object",
    }
}

fn as_string(v: &Value, field: &str) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.to_string()),
        other => Err(mismatch(other, field, "string")),
    }
}

/// Go's `json: cannot unmarshal <kind> into Go struct field <field> of type <ty>`.
fn mismatch(v: &Value, field: &str, ty: &str) -> Error {
    let kind = match v {
        Value::Bool(_) => "bool",
        Value::Float(_) | Value::Int(..) | Value::Uint(..) => "number",
        Value::String(_) => "string",
        Value::List(_) => "array",
        Value::Map(_) => "object",
        _ => "value",
    };
    Error::Json(format!(
        "cannot unmarshal {kind} into Go struct field {field} of type {ty}"
    ))
}
