//! values.schema.json references: helmd loads no other document (no file, no
//! network) and says so in jsonschema's frame (`failing loading "URL": …`, what
//! Helm prints when its load fails); `urn:` references are permissive as in Helm.

use std::collections::BTreeMap;

use helmd_chart::{Table, load_chart_files, validate_values};

fn check(schema: &str) -> Result<(), String> {
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_string(),
        b"apiVersion: v2\nname: s\nversion: 1.0.0\n".to_vec(),
    );
    files.insert("values.schema.json".to_string(), schema.as_bytes().to_vec());
    let chart = load_chart_files(files).map_err(|e| e.to_string())?;
    validate_values(&chart, &Table::new()).map_err(|e| e.to_string())
}

#[test]
fn file_and_http_references_are_not_loaded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("s.json");
    std::fs::write(&local, r#"{"type": "object"}"#).expect("write");
    let file_url = format!("file://{}", local.display());
    for url in [file_url.as_str(), "https://example.com/s.json"] {
        let err = check(&format!(r#"{{"$ref": "{url}"}}"#)).expect_err("refused");
        assert!(
            err.ends_with(&format!(
                "failing loading \"{url}\": helmd does not load schema references from the network or disk"
            )),
            "{err}"
        );
    }
    // A relative reference resolves against Helm's `file:///values.schema.json`.
    let err = check(r#"{"$ref": "defs.json#/a"}"#).expect_err("refused");
    assert!(
        err.contains("\nfailing loading \"file:///defs.json\": "),
        "{err}"
    );
}

#[test]
fn urn_references_and_standard_meta_schemas_resolve() {
    assert_eq!(check(r#"{"$ref": "urn:example:thing"}"#), Ok(()));
    assert_eq!(
        check(r#"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}"#),
        Ok(())
    );
}
