//! The head of a manifest document (apiVersion, kind, metadata.name,
//! annotations) read like Helm's `SimpleHead` through sigs.k8s.io/yaml, with
//! its error texts.

use std::collections::BTreeMap;

use helmd_yaml::{Value, parse_yaml};

/// What Helm reads of each document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimpleHead {
    /// `apiVersion`.
    pub version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata`, absent when missing or null.
    pub metadata: Option<HeadMetadata>,
}

/// `metadata.name` and `metadata.annotations`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeadMetadata {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.annotations` (None when missing or null).
    pub annotations: Option<BTreeMap<String, String>>,
}

impl SimpleHead {
    /// The annotations, if any.
    pub fn annotations(&self) -> Option<&BTreeMap<String, String>> {
        self.metadata.as_ref().and_then(|m| m.annotations.as_ref())
    }

    /// `metadata.name` or empty.
    pub fn name(&self) -> &str {
        self.metadata.as_ref().map_or("", |m| m.name.as_str())
    }
}

const METADATA_TYPE: &str = "struct { Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }";

/// JSON's name for a value's type in `cannot unmarshal X into ...`.
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Nil => "null",
        Value::Bool(_) => "bool",
        Value::Int(..) | Value::Uint(..) | Value::Float(_) => "number",
        Value::String(_) | Value::Bytes(_) => "string",
        Value::List(_) => "array",
        _ => "object",
    }
}

fn type_error(v: &Value, field: &str, ty: &str) -> String {
    format!(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type {ty}",
        json_kind(v)
    )
}

/// A YAML scalar going into a Go string (sigs.k8s.io/yaml quotes scalars for
/// string targets). `Ok(None)` for null, which leaves the field as it is.
fn string_of(v: &Value, field: &str) -> Result<Option<String>, String> {
    match v {
        Value::Nil => Ok(None),
        Value::String(s) => Ok(Some(s.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Int(i, _) => Ok(Some(i.to_string())),
        Value::Uint(u, _) => Ok(Some(u.to_string())),
        Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(format!("{f:.0}"))),
        Value::Float(f) => Ok(Some((*f as f32).to_string())),
        other => Err(type_error(other, field, "string")),
    }
}

/// encoding/json matches object keys to struct fields ignoring ASCII case.
fn field_is(key: &str, name: &str) -> bool {
    key.eq_ignore_ascii_case(name)
}

/// Parses the head of one document; errors read like Helm's (without the
/// `YAML parse error on FILE: ` prefix).
pub fn parse_head(doc: &str) -> Result<SimpleHead, String> {
    let value = parse_yaml(doc).map_err(|e| helmd_chart::values_error(&e))?;
    let map = match &value {
        Value::Nil => return Ok(SimpleHead::default()),
        Value::Map(m) => m.read().clone(),
        other => {
            return Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type util.SimpleHead",
                json_kind(other)
            ));
        }
    };
    let mut head = SimpleHead::default();
    for (key, v) in &map {
        if field_is(key, "apiVersion") {
            if let Some(s) = string_of(v, "SimpleHead.apiVersion")? {
                head.version = s;
            }
        } else if field_is(key, "kind") {
            if let Some(s) = string_of(v, "SimpleHead.kind")? {
                head.kind = s;
            }
        } else if field_is(key, "metadata") {
            head.metadata = match v {
                Value::Nil => None,
                Value::Map(m) => Some(parse_metadata(
                    &m.read(),
                    head.metadata.take().unwrap_or_default(),
                )?),
                other => return Err(type_error(other, "SimpleHead.metadata", METADATA_TYPE)),
            };
        }
    }
    Ok(head)
}

fn parse_metadata(
    map: &BTreeMap<helmd_yaml::Str, Value>,
    mut meta: HeadMetadata,
) -> Result<HeadMetadata, String> {
    for (key, v) in map {
        if field_is(key, "name") {
            if let Some(s) = string_of(v, ".metadata.name")? {
                meta.name = s;
            }
        } else if field_is(key, "annotations") {
            meta.annotations = match v {
                Value::Nil => None,
                Value::Map(m) => {
                    let mut out = meta.annotations.take().unwrap_or_default();
                    for (k, v) in m.read().iter() {
                        let s = string_of(v, ".metadata.annotations")?.unwrap_or_default();
                        out.insert(k.to_string(), s);
                    }
                    Some(out)
                }
                other => {
                    return Err(type_error(
                        other,
                        ".metadata.annotations",
                        "map[string]string",
                    ));
                }
            };
        }
    }
    Ok(meta)
}
