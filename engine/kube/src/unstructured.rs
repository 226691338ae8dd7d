//! An API server's JSON answer as client-go's unstructured content, in the
//! values templates see: objects as `map[string]interface {}`, arrays as
//! `[]interface {}`, integers as `int64` and other numbers as `float64` (the
//! apimachinery JSON rules), and a list's items given the list's `apiVersion`
//! and item kind when they carry neither (as `UnstructuredList` decodes them).

use std::collections::BTreeMap;

use helmd_yaml::{IntKind, Str, Value};

/// Why an answer is not an object client-go accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError(pub String);

/// A GET answer: one object.
pub(crate) fn object(json: serde_json::Value) -> Result<Value, DecodeError> {
    let serde_json::Value::Object(map) = json else {
        return Err(not_an_object(&json));
    };
    require_kind(&map)?;
    Ok(convert_map(map))
}

/// A LIST answer: the list object with its items (an object that is not a
/// list becomes one with no items, as `Unstructured.ToList` makes it).
pub(crate) fn list(json: serde_json::Value) -> Result<Value, DecodeError> {
    let serde_json::Value::Object(mut map) = json else {
        return Err(not_an_object(&json));
    };
    let items = match map.remove("items") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Array(items)) => items,
        Some(other) => {
            return Err(DecodeError(format!(
                "json: cannot unmarshal {} into Go struct field decodeList.items of type []json.RawMessage",
                json_kind(&other)
            )));
        }
    };
    require_kind(&map)?;
    let api_version = string_field(&map, "apiVersion");
    let kind = string_field(&map, "kind");
    let item_kind = kind.strip_suffix("List").unwrap_or(&kind).to_owned();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let serde_json::Value::Object(mut item) = item else {
            return Err(not_an_object(&item));
        };
        if string_field(&item, "kind").is_empty() && string_field(&item, "apiVersion").is_empty() {
            item.insert("kind".into(), serde_json::Value::String(item_kind.clone()));
            item.insert(
                "apiVersion".into(),
                serde_json::Value::String(api_version.clone()),
            );
        }
        out.push(convert_map(item));
    }
    let mut list = BTreeMap::new();
    for (k, v) in map {
        list.insert(Str::from(k.as_str()), convert(v));
    }
    list.insert(Str::from("items"), Value::list(out));
    Ok(Value::map(list))
}

fn require_kind(map: &serde_json::Map<String, serde_json::Value>) -> Result<(), DecodeError> {
    if string_field(map, "kind").is_empty() {
        let text = serde_json::Value::Object(map.clone()).to_string();
        let cut: String = text.chars().take(256).collect();
        return Err(DecodeError(format!("Object 'Kind' is missing in '{cut}'")));
    }
    Ok(())
}

fn string_field(map: &serde_json::Map<String, serde_json::Value>, key: &str) -> String {
    map.get(key)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn not_an_object(v: &serde_json::Value) -> DecodeError {
    DecodeError(format!(
        "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
        json_kind(v)
    ))
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Null => "null",
        serde_json::Value::Number(_) => "number",
    }
}

fn convert_map(map: serde_json::Map<String, serde_json::Value>) -> Value {
    let mut out = BTreeMap::new();
    for (k, v) in map {
        out.insert(Str::from(k.as_str()), convert(v));
    }
    Value::map(out)
}

/// One JSON value (serde_json's parser bounds the nesting, so this recursion is bounded).
fn convert(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i, IntKind::Int64),
            None => Value::Float(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::from(s),
        serde_json::Value::Array(items) => Value::list(items.into_iter().map(convert).collect()),
        serde_json::Value::Object(map) => convert_map(map),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(v: &Value) -> String {
        helmd_yaml::to_yaml(v).unwrap_or_default()
    }

    #[test]
    fn integers_are_int64_and_other_numbers_float64() {
        let json = serde_json::json!({"kind": "X", "a": 3, "b": 2.5, "c": 1.0, "d": 18446744073709551615u64});
        let Ok(Value::Map(m)) = object(json) else {
            panic!("not a map");
        };
        let m = m.read();
        assert!(matches!(m.get("a"), Some(Value::Int(3, IntKind::Int64))));
        assert!(matches!(m.get("b"), Some(Value::Float(f)) if *f == 2.5));
        assert!(matches!(m.get("c"), Some(Value::Float(f)) if *f == 1.0));
        assert!(matches!(m.get("d"), Some(Value::Float(_))));
    }

    #[test]
    fn list_items_get_the_list_kind_and_version_when_they_have_neither() {
        let json = serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMapList", "metadata": {"resourceVersion": "7"},
            "items": [{"metadata": {"name": "a"}}, {"kind": "Other", "metadata": {"name": "b"}}]
        });
        let got = list(json).map(|v| yaml(&v));
        assert_eq!(
            got,
            Ok("apiVersion: v1\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- kind: Other\n  metadata:\n    name: b\nkind: ConfigMapList\nmetadata:\n  resourceVersion: \"7\"".to_owned())
        );
    }

    #[test]
    fn an_object_that_is_not_a_list_lists_no_items() {
        let got =
            list(serde_json::json!({"kind": "APIVersions", "versions": ["v1"]})).map(|v| yaml(&v));
        assert_eq!(
            got,
            Ok("items: []\nkind: APIVersions\nversions:\n- v1".to_owned())
        );
    }

    #[test]
    fn an_answer_without_kind_is_refused() {
        let got = object(serde_json::json!({"a": 1}));
        assert_eq!(
            got.err(),
            Some(DecodeError(
                "Object 'Kind' is missing in '{\"a\":1}'".into()
            ))
        );
    }
}
