//! Reading rendered manifests as Helm's linter does: Kubernetes' YAML-or-JSON
//! stream decoder into a stub with `apiVersion`, `kind` and `metadata`
//! (sigs.k8s.io/yaml: scalars become strings where the stub wants a string).

use helmd_yaml::Value;

/// What the linter reads of one object.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stub {
    /// `apiVersion`
    pub api_version: String,
    /// `kind`
    pub kind: String,
    /// `metadata.name`
    pub name: String,
}

/// The documents of `text`: `Ok(None)` for an empty one, and the first error ends the list.
pub fn decode(text: &str) -> Vec<Result<Option<Stub>, String>> {
    let mut out = Vec::new();
    if text.trim_start().starts_with('{') {
        for doc in json_stream(text) {
            let r = doc.and_then(|d| {
                helmd_yaml::parse_json(&d)
                    .map_err(|e| format!("unable to parse YAML: {e}"))
                    .and_then(|v| stub(&v))
            });
            let stop = r.is_err();
            out.push(r);
            if stop {
                break;
            }
        }
        return out;
    }
    for doc in split(text) {
        let r = doc.and_then(|d| match helmd_yaml::parse_yaml(&d) {
            Ok(v) => stub(&v),
            Err(e) => Err(format!(
                "unable to parse YAML: {}",
                helmd_chart::values_error(&e)
            )),
        });
        let stop = r.is_err();
        out.push(r);
        if stop {
            break;
        }
    }
    out
}

/// Kubernetes' YAML reader: documents end at lines starting `---`, which may only
/// be followed by a comment.
pub fn split(text: &str) -> Vec<Result<String, String>> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                docs.push(Err(format!(
                    "unable to parse YAML: invalid Yaml document separator: {trimmed}"
                )));
                return docs;
            }
            if !buf.is_empty() {
                docs.push(Ok(std::mem::take(&mut buf)));
            }
            continue;
        }
        buf.push_str(line);
    }
    if !buf.is_empty() {
        docs.push(Ok(buf));
    }
    docs
}

/// Splits a stream of JSON values (the decoder's JSON mode).
fn json_stream(text: &str) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    let mut start = 0;
    loop {
        match stream.next() {
            None => break,
            Some(Ok(_)) => {
                let end = stream.byte_offset();
                out.push(Ok(text[start..end].to_string()));
                start = end;
            }
            Some(Err(e)) => {
                out.push(Err(format!("unable to parse YAML: {e}")));
                break;
            }
        }
    }
    out
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "array",
        Value::Map(_) => "object",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    }
}

fn type_error(found: &Value, field: &str, want: &str) -> String {
    format!(
        "unable to parse YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go struct field {field} of type {want}",
        json_kind(found)
    )
}

/// A scalar as sigs.k8s.io/yaml hands it to a string field.
fn scalar(v: &Value, field: &str) -> Result<String, String> {
    match v {
        Value::Nil => Ok(String::new()),
        Value::String(s) => Ok(s.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::List(_) | Value::Map(_) => Err(type_error(v, field, "string")),
        other => Ok(helmd_yaml::to_json(other).unwrap_or_default()),
    }
}

/// Go's encoding/json into the stub: keys match case-insensitively, in sorted
/// key order (the last match wins), and the first type error is reported.
fn stub(v: &Value) -> Result<Option<Stub>, String> {
    let map = match v {
        Value::Nil => return Ok(None),
        Value::Map(m) => m,
        other => {
            return Err(format!(
                "unable to parse YAML: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type rules.k8sYamlStruct",
                json_kind(other)
            ));
        }
    };
    let mut out = Stub::default();
    let mut first_error = None;
    for (key, value) in map.go_entries() {
        let r = match key.to_lowercase().as_str() {
            "apiversion" => scalar(&value, "k8sYamlStruct.apiVersion").map(|s| out.api_version = s),
            "kind" => scalar(&value, "k8sYamlStruct.Kind").map(|s| out.kind = s),
            "metadata" => metadata(&value, &mut out),
            _ => Ok(()),
        };
        if let Err(e) = r {
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(Some(out)),
    }
}

fn metadata(v: &Value, out: &mut Stub) -> Result<(), String> {
    let map = match v {
        Value::Nil => return Ok(()),
        Value::Map(m) => m,
        other => {
            return Err(type_error(
                other,
                "k8sYamlStruct.Metadata",
                "rules.k8sYamlMetadata",
            ));
        }
    };
    let mut first_error = None;
    for (key, value) in map.go_entries() {
        let r = match key.to_lowercase().as_str() {
            "name" => scalar(&value, "k8sYamlMetadata.Metadata.Name").map(|s| out.name = s),
            "namespace" => scalar(&value, "k8sYamlMetadata.Metadata.Namespace").map(|_| ()),
            _ => Ok(()),
        };
        if let Err(e) = r {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Whether a `List`'s items carry `helm.sh/resource-policy` (Helm ignores it there).
pub fn list_has_resource_policy(manifest: &str) -> bool {
    let Ok(doc) = helmd_yaml::parse_yaml(manifest) else {
        return false;
    };
    let items = doc
        .as_map()
        .and_then(|m| m.get("items").or_else(|| m.get("Items")));
    let Some(items) = items.as_ref().and_then(Value::as_list) else {
        return false;
    };
    items.items.iter().any(|item| {
        item.as_map()
            .and_then(|m| m.get("metadata"))
            .and_then(|m| m.as_map().and_then(|m| m.get("annotations")))
            .and_then(|a| {
                a.as_map()
                    .map(|a| a.get("helm.sh/resource-policy").is_some())
            })
            .unwrap_or(false)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_decode_until_the_first_error() {
        let docs =
            decode("kind: Pod\nmetadata:\n  name: 1\n---\n# c\n---\nmetadata: x\n---\nkind: A\n");
        assert_eq!(docs.len(), 3);
        assert_eq!(
            docs[0],
            Ok(Some(Stub {
                api_version: String::new(),
                kind: "Pod".into(),
                name: "1".into()
            }))
        );
        assert_eq!(docs[1], Ok(None));
        assert!(docs[2].as_ref().is_err_and(|e| {
            e.ends_with("Go struct field k8sYamlStruct.Metadata of type rules.k8sYamlMetadata")
        }));
    }

    #[test]
    fn a_bad_separator_is_an_error() {
        let docs = decode("a: 1\n---x\nb: 2\n");
        assert_eq!(
            docs.last(),
            Some(&Err(
                "unable to parse YAML: invalid Yaml document separator: x".into()
            ))
        );
    }
}
