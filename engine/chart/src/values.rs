//! Values as Helm builds them: user documents merged in order, then
//! (coalescing over the chart's defaults lives in `coalesce.rs`).

use std::collections::BTreeMap;

use helmd_yaml::{Str, Value, parse_yaml};

use crate::error::{Error, Result};

/// Helm's message for a values document that fails to parse.
pub fn values_error(e: &helmd_yaml::Error) -> String {
    match e {
        helmd_yaml::Error::Yaml(_) => format!("error converting YAML to JSON: {e}"),
        other => other.to_string(),
    }
}

/// Splits text into YAML documents as Kubernetes' YAML reader does: at lines
/// starting with `---`, which may only be followed by spaces or a comment.
/// Each document then starts its own stream (its byte-order mark is skipped).
fn split_documents(text: &str) -> std::result::Result<Vec<String>, String> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(format!(
                    "error reading yaml document: invalid Yaml document separator: {trimmed}"
                ));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        // the reader ends every line with a newline, the last one too
        if !buf.ends_with('\n') {
            buf.push('\n');
        }
        docs.push(buf);
    }
    Ok(docs)
}

/// Helm v4's `LoadValues`: every document of the text parsed like a values
/// file (sigs.k8s.io/yaml) and merged in order.
pub(crate) fn load_values(text: &str) -> std::result::Result<BTreeMap<Str, Value>, String> {
    let mut merged = BTreeMap::new();
    for doc in split_documents(text)? {
        let parsed =
            parse_values_doc(&doc).map_err(|e| format!("cannot unmarshal yaml document: {e}"))?;
        merge_into(&mut merged, parsed);
    }
    Ok(merged)
}

/// Parses one values document: a map, or empty.
fn parse_values_doc(text: &str) -> std::result::Result<BTreeMap<Str, Value>, String> {
    match parse_yaml(text).map_err(|e| values_error(&e))? {
        Value::Nil => Ok(BTreeMap::new()),
        Value::Map(m) => Ok(m.read().clone()),
        other => {
            let found = match other {
                Value::List(_) => "array",
                Value::String(_) => "string",
                Value::Bool(_) => "bool",
                _ => "number",
            };
            Err(format!(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {found} into Go value of type map[string]interface {{}}"
            ))
        }
    }
}

/// Merges user documents like several `-f` files: a map over a map merges
/// key by key; anything else replaces.
pub fn merge_user_values(docs: &[String]) -> Result<BTreeMap<Str, Value>> {
    let mut merged = BTreeMap::new();
    for (i, doc) in docs.iter().enumerate() {
        let parsed = load_values(doc)
            .map_err(|e| Error::Values(format!("failed to parse values file {i}: {e}")))?;
        merge_into(&mut merged, parsed);
    }
    Ok(merged)
}

fn merge_into(dst: &mut BTreeMap<Str, Value>, src: BTreeMap<Str, Value>) {
    for (k, v) in src {
        match (dst.get(&k), &v) {
            (Some(Value::Map(d)), Value::Map(s)) => {
                let mut inner = d.read().clone();
                merge_into(&mut inner, s.read().clone());
                dst.insert(k, Value::map(inner));
            }
            _ => {
                dst.insert(k, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_documents_merge_deeply() {
        let docs = [
            "a: {x: 1, z: 1}\nl: [1]".to_string(),
            "a: {z: 2}\nl: [2]".to_string(),
        ];
        let got = merge_user_values(&docs).unwrap_or_default();
        assert_eq!(
            format!("{:?}", Value::map(got)),
            r#"{"a": {"x": float64(1), "z": float64(2)}, "l": [float64(2)]}"#
        );
    }

    #[test]
    fn a_list_document_is_an_error() {
        let err = merge_user_values(&["- a".to_string()])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("failed to parse values file 0: cannot unmarshal yaml document: error unmarshaling JSON"),
            "{err}"
        );
    }
}
