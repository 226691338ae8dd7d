use serde_json::json;

use super::*;

const SIDES: Sides = Sides {
    old: "live",
    new: "planned",
};

fn check(old: Option<Value>, new: Option<Value>, expected: &str) {
    assert_eq!(object_diff(old.as_ref(), new.as_ref(), SIDES), expected);
}

fn config_map(greeting: &str, resource_version: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "web",
            "namespace": "ns",
            "uid": "1234",
            "resourceVersion": resource_version,
            "creationTimestamp": "2026-01-02T03:04:05Z",
            "managedFields": [{"manager": "helm", "operation": "Apply"}],
        },
        "data": {"greeting": greeting},
    })
}

fn secret(data: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "creds", "namespace": "ns"},
        "type": "Opaque",
        "data": data,
    })
}

#[test]
fn a_changed_field_is_a_unified_diff_of_sorted_yaml_without_server_metadata() {
    check(
        Some(config_map("hello", "1")),
        Some(config_map("ciao", "2")),
        "--- live\n+++ planned\n@@ -1,6 +1,6 @@\n apiVersion: v1\n data:\n-  greeting: hello\n+  greeting: ciao\n kind: ConfigMap\n metadata:\n   name: web\n",
    );
}

#[test]
fn equal_objects_but_for_server_metadata_and_status_have_no_diff() {
    let mut with_status = config_map("hello", "9");
    with_status["status"] = json!({"phase": "Active"});
    with_status["metadata"]["generation"] = json!(4);
    check(Some(config_map("hello", "1")), Some(with_status), "");
}

#[test]
fn a_created_object_is_all_added_and_a_deleted_one_all_removed() {
    let created = object_diff(None, Some(&config_map("hello", "1")), SIDES);
    assert!(created.starts_with("--- live\n+++ planned\n@@ -0,0 +1,7 @@\n+apiVersion: v1\n"));
    assert!(
        created.lines().skip(3).all(|l| l.starts_with('+')),
        "{created}"
    );
    let deleted = object_diff(Some(&config_map("hello", "1")), None, SIDES);
    assert!(
        deleted.lines().skip(3).all(|l| l.starts_with('-')),
        "{deleted}"
    );
}

#[test]
fn secret_values_never_show_but_a_changed_key_does() {
    let old = secret(json!({"password": "c2VjcmV0LW9uZQ==", "user": "YWRtaW4=", "gone": "eA=="}));
    let new = secret(json!({"password": "c2VjcmV0LXR3bw==", "user": "YWRtaW4=", "token": "dA=="}));
    let diff = object_diff(Some(&old), Some(&new), SIDES);
    for value in [
        "c2VjcmV0LW9uZQ==",
        "c2VjcmV0LXR3bw==",
        "YWRtaW4=",
        "eA==",
        "dA==",
    ] {
        assert!(!diff.contains(value), "{value} shown in:\n{diff}");
    }
    let changed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with(['-', '+']) && !l.starts_with("---") && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        changed,
        [
            "-  gone: '***'",
            "-  password: '***'",
            "+  password: '*** (changed)'",
            "+  token: '***'",
        ],
        "{diff}"
    );
    // The same values on both sides: no diff at all.
    check(Some(old.clone()), Some(old), "");
}

#[test]
fn secret_string_data_and_kubectls_copy_of_it_are_masked_on_a_created_secret() {
    let mut new = secret(json!({"a": "YQ=="}));
    new["stringData"] = json!({"plain": "hunter2"});
    new["metadata"]["annotations"] = json!({
        "kubectl.kubernetes.io/last-applied-configuration": "{\"stringData\":{\"plain\":\"hunter2\"}}",
        "team": "web",
    });
    let diff = object_diff(None, Some(&new), SIDES);
    assert!(!diff.contains("hunter2"), "{diff}");
    assert!(!diff.contains("YQ=="), "{diff}");
    assert!(diff.contains("+    team: web\n"), "{diff}");
    assert!(diff.contains("+  plain: '***'\n"), "{diff}");
}

#[test]
fn other_kinds_keep_their_data() {
    let diff = object_diff(None, Some(&config_map("visible", "1")), SIDES);
    assert!(diff.contains("greeting: visible"), "{diff}");
}

#[test]
fn hide_secrets_replaces_only_secret_documents_of_a_manifest() {
    let manifest = concat!(
        "---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n",
        "---\n# Source: web/templates/secret.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: hunter2\n",
    );
    assert_eq!(
        hide_secrets(manifest),
        concat!(
            "---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: b\n",
            "---\n# Source: web/templates/secret.yaml\n# HIDDEN: The Secret output has been suppressed\n",
        )
    );
    assert_eq!(
        hide_secret_hook("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  k: dg==\n"),
        HIDDEN
    );
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n";
    assert_eq!(hide_secret_hook(job), job);
}
