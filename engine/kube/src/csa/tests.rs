//! Table tests of the three-way patches client-side apply computes. The expected
//! patches are what k8s.io/apimachinery v0.37.2 computes for the same objects with the
//! Go types' patch metadata, as Helm 4.3.2 calls it (checked with a Go program over
//! that module; `$setElementOrder` and list items are order-insensitive for the server,
//! so lists are compared as the Go code orders them where it matters).

use serde_json::{Value, json};

use super::schema::Schemas;
use super::{merge, strategic};

/// A slice of the real `apps/v1` OpenAPI v3 document: the fields these tests touch,
/// with Kubernetes' own patch extensions.
fn apps_v1() -> Schemas {
    let document = json!({"components": {"schemas": {
        "io.k8s.api.apps.v1.Deployment": {
            "type": "object",
            "x-kubernetes-group-version-kind": [{"group": "apps", "kind": "Deployment", "version": "v1"}],
            "properties": {
                "apiVersion": {"type": "string"},
                "kind": {"type": "string"},
                "metadata": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]},
                "spec": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}]}
            }
        },
        "io.k8s.api.apps.v1.DeploymentSpec": {
            "type": "object",
            "properties": {
                "replicas": {"type": "integer"},
                "strategy": {
                    "default": {},
                    "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}],
                    "x-kubernetes-patch-strategy": "retainKeys"
                },
                "template": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec"}]}
            }
        },
        "io.k8s.api.apps.v1.DeploymentStrategy": {
            "type": "object",
            "properties": {
                "rollingUpdate": {"type": "object", "properties": {"maxSurge": {"type": "string"}}},
                "type": {"type": "string"}
            }
        },
        "io.k8s.api.core.v1.PodTemplateSpec": {
            "type": "object",
            "properties": {
                "metadata": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]},
                "spec": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.PodSpec"}]}
            }
        },
        "io.k8s.api.core.v1.PodSpec": {
            "type": "object",
            "properties": {
                "containers": {
                    "type": "array",
                    "items": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}]},
                    "x-kubernetes-list-map-keys": ["name"],
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-patch-merge-key": "name",
                    "x-kubernetes-patch-strategy": "merge"
                },
                "volumes": {
                    "type": "array",
                    "items": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.Volume"}]},
                    "x-kubernetes-patch-merge-key": "name",
                    "x-kubernetes-patch-strategy": "merge,retainKeys"
                }
            }
        },
        "io.k8s.api.core.v1.Container": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "image": {"type": "string"},
                "args": {"type": "array", "items": {"type": "string", "default": ""}},
                "env": {
                    "type": "array",
                    "items": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.EnvVar"}]},
                    "x-kubernetes-patch-merge-key": "name",
                    "x-kubernetes-patch-strategy": "merge"
                },
                "ports": {
                    "type": "array",
                    "items": {"default": {}, "allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.ContainerPort"}]},
                    "x-kubernetes-patch-merge-key": "containerPort",
                    "x-kubernetes-patch-strategy": "merge"
                }
            }
        },
        "io.k8s.api.core.v1.EnvVar": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "value": {"type": "string"}}
        },
        "io.k8s.api.core.v1.ContainerPort": {
            "type": "object",
            "properties": {"containerPort": {"type": "integer"}, "protocol": {"type": "string"}}
        },
        "io.k8s.api.core.v1.Volume": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "configMap": {"type": "object", "properties": {"name": {"type": "string"}}},
                "emptyDir": {"type": "object", "properties": {"medium": {"type": "string"}}}
            }
        },
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
                "annotations": {"type": "object", "additionalProperties": {"type": "string", "default": ""}},
                "finalizers": {
                    "type": "array",
                    "items": {"type": "string", "default": ""},
                    "x-kubernetes-list-type": "set",
                    "x-kubernetes-patch-strategy": "merge"
                }
            }
        }
    }}});
    Schemas::parse(document.to_string().as_bytes()).expect("schema")
}

fn map(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// The one place the strategic patch is computed: (original, modified, current) → patch.
fn check(original: Value, modified: Value, current: Value, expected: Value) {
    let schemas = apps_v1();
    let node = schemas
        .kind("apps", "v1", "Deployment")
        .expect("Deployment schema");
    let patch =
        strategic::three_way(&map(original), &map(modified), &map(current), node).expect("patch");
    assert_eq!(Value::Object(patch), expected);
}

fn deployment(spec: Value) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec})
}

fn pod(containers: Value) -> Value {
    deployment(json!({"template": {"spec": {"containers": containers}}}))
}

#[test]
fn maps_change_keys_the_chart_changed_and_delete_keys_it_dropped() {
    let original = json!({"metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}}});
    let modified = json!({"metadata": {"name": "web", "labels": {"app": "web2"}}});
    // Another writer's label stays; the chart's dropped one is deleted.
    let current = json!({"metadata": {"name": "web", "labels": {"app": "web", "tier": "front", "team": "x"}}});
    check(
        original,
        modified,
        current,
        json!({"metadata": {"labels": {"app": "web2", "tier": null}}}),
    );
}

#[test]
fn nothing_changed_is_an_empty_patch() {
    let object = pod(json!([{"name": "web", "image": "web:1"}]));
    let mut current = object.clone();
    current["metadata"]["uid"] = json!("123");
    current["status"] = json!({"replicas": 1});
    check(object.clone(), object, current, json!({}));
}

#[test]
fn a_field_another_writer_changed_is_set_back_to_the_chart_s_value() {
    let object = deployment(json!({"replicas": 2}));
    let current = deployment(json!({"replicas": 5}));
    check(
        object.clone(),
        object,
        current,
        json!({"spec": {"replicas": 2}}),
    );
}

#[test]
fn an_env_entry_the_chart_dropped_is_deleted_by_merge_key_and_a_sidecar_survives() {
    let original = pod(json!([{"name": "web", "image": "web:1",
        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]));
    let modified = pod(json!([{"name": "web", "image": "web:1",
        "env": [{"name": "A", "value": "1"}]}]));
    let current = pod(json!([
        {"name": "web", "image": "web:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"name": "sidecar", "image": "proxy:1"}
    ]));
    check(
        original,
        modified,
        current,
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}],
            "containers": [{
                "name": "web",
                "$setElementOrder/env": [{"name": "A"}],
                "env": [{"name": "B", "$patch": "delete"}]
            }]
        }}}}),
    );
}

#[test]
fn a_container_the_chart_dropped_gets_a_delete_directive_and_a_new_one_is_added_whole() {
    let original =
        pod(json!([{"name": "old", "image": "old:1"}, {"name": "web", "image": "web:1"}]));
    let modified =
        pod(json!([{"name": "web", "image": "web:2"}, {"name": "new", "image": "new:1"}]));
    let current =
        pod(json!([{"name": "old", "image": "old:1"}, {"name": "web", "image": "web:1"}]));
    check(
        original,
        modified,
        current,
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}, {"name": "new"}],
            "containers": [
                {"name": "web", "image": "web:2"},
                {"name": "new", "image": "new:1"},
                {"name": "old", "$patch": "delete"}
            ]
        }}}}),
    );
}

#[test]
fn merge_keys_of_numbers_match_ports() {
    let original =
        pod(json!([{"name": "web", "ports": [{"containerPort": 80}, {"containerPort": 443}]}]));
    let modified = pod(json!([{"name": "web", "ports": [{"containerPort": 80}]}]));
    let current = pod(json!([{"name": "web", "ports": [
        {"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443, "protocol": "TCP"}]}]));
    check(
        original,
        modified,
        current,
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}],
            "containers": [{
                "name": "web",
                "$setElementOrder/ports": [{"containerPort": 80}],
                "ports": [{"containerPort": 443, "$patch": "delete"}]
            }]
        }}}}),
    );
}

#[test]
fn scalar_lists_with_merge_use_parallel_deletion_and_order_lists() {
    let original = json!({"metadata": {"name": "web", "finalizers": ["a", "b"]}});
    let modified = json!({"metadata": {"name": "web", "finalizers": ["a", "c"]}});
    let current = json!({"metadata": {"name": "web", "finalizers": ["a", "b", "x"]}});
    check(
        original,
        modified,
        current,
        json!({"metadata": {
            "$deleteFromPrimitiveList/finalizers": ["b"],
            "$setElementOrder/finalizers": ["a", "c"],
            "finalizers": ["c"]
        }}),
    );
}

#[test]
fn lists_without_a_merge_strategy_are_replaced_whole() {
    let original = pod(json!([{"name": "web", "args": ["--a", "--b"]}]));
    let modified = pod(json!([{"name": "web", "args": ["--a"]}]));
    let current = pod(json!([{"name": "web", "args": ["--a", "--b"]}]));
    check(
        original,
        modified,
        current,
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "web"}],
            "containers": [{"name": "web", "args": ["--a"]}]
        }}}}),
    );
}

#[test]
fn retain_keys_clears_the_other_members_of_a_union() {
    let original = deployment(
        json!({"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "1"}}}),
    );
    let modified = deployment(json!({"strategy": {"type": "Recreate"}}));
    let current = original.clone();
    check(
        original,
        modified,
        current,
        json!({"spec": {"strategy": {
            "$retainKeys": ["type"],
            "rollingUpdate": null,
            "type": "Recreate"
        }}}),
    );
}

#[test]
fn retain_keys_on_a_merged_list_s_items_switches_a_volume_s_source() {
    let volumes = |v: Value| deployment(json!({"template": {"spec": {"volumes": v}}}));
    check(
        volumes(json!([{"name": "v", "configMap": {"name": "a"}}])),
        volumes(json!([{"name": "v", "emptyDir": {}}])),
        volumes(json!([{"name": "v", "configMap": {"name": "a", "defaultMode": 420}}])),
        json!({"spec": {"template": {"spec": {
            "$setElementOrder/volumes": [{"name": "v"}],
            "volumes": [{"$retainKeys": ["emptyDir", "name"], "configMap": null, "emptyDir": {}, "name": "v"}]
        }}}}),
    );
}

#[test]
fn a_field_set_to_null_by_the_chart_is_deleted() {
    let original = deployment(json!({"replicas": 2}));
    let modified = deployment(json!({"replicas": null}));
    let current = deployment(json!({"replicas": 2}));
    check(
        original,
        modified,
        current,
        json!({"spec": {"replicas": null}}),
    );
}

#[test]
fn an_object_without_original_deletes_nothing() {
    let modified = json!({"metadata": {"name": "web", "labels": {"app": "web"}}});
    let current = json!({"metadata": {"name": "web", "labels": {"other": "x"}}});
    check(
        json!({}),
        modified,
        current,
        json!({"metadata": {"labels": {"app": "web"}}}),
    );
}

#[test]
fn a_list_item_without_its_merge_key_is_an_error() {
    let schemas = apps_v1();
    let node = schemas.kind("apps", "v1", "Deployment").expect("schema");
    let original = pod(json!([{"name": "web"}]));
    let modified = pod(json!([{"image": "x"}]));
    let err = strategic::three_way(&map(original.clone()), &map(modified), &map(original), node)
        .expect_err("no merge key");
    assert!(
        err.0.contains("does not contain declared merge key: name"),
        "{err:?}"
    );
}

/// The one place the JSON merge patch is computed.
fn check_merge(original: Value, modified: Value, current: Value, expected: Value) {
    let patch = merge::three_way(&map(original), &map(modified), &map(current));
    assert_eq!(Value::Object(patch), expected);
}

#[test]
fn json_merge_for_custom_resources_replaces_lists_and_deletes_dropped_keys() {
    let original =
        json!({"spec": {"size": 1, "old": "x", "items": [1, 2], "nested": {"a": 1, "b": 2}}});
    let modified = json!({"spec": {"size": 2, "items": [1], "nested": {"a": 1}}});
    let current = json!({"spec": {"size": 1, "old": "x", "items": [1, 2], "nested": {"a": 1, "b": 2},
        "theirs": true}, "status": {"ready": true}});
    check_merge(
        original,
        modified,
        current,
        json!({"spec": {"size": 2, "old": null, "items": [1], "nested": {"b": null}}}),
    );
}

#[test]
fn json_merge_with_nothing_changed_is_empty_and_drift_is_set_back() {
    let object = json!({"spec": {"size": 1}});
    check_merge(object.clone(), object.clone(), object.clone(), json!({}));
    check_merge(
        object.clone(),
        object,
        json!({"spec": {"size": 3}}),
        json!({"spec": {"size": 1}}),
    );
}

#[test]
fn openapi_v2_documents_are_read_too() {
    let document = json!({"definitions": {
        "io.k8s.api.core.v1.Pod": {
            "x-kubernetes-group-version-kind": [{"group": "", "kind": "Pod", "version": "v1"}],
            "properties": {"spec": {"$ref": "#/definitions/io.k8s.api.core.v1.PodSpec"}}
        },
        "io.k8s.api.core.v1.PodSpec": {
            "properties": {"containers": {
                "type": "array",
                "items": {"$ref": "#/definitions/io.k8s.api.core.v1.Container"},
                "x-kubernetes-patch-merge-key": "name",
                "x-kubernetes-patch-strategy": "merge"
            }}
        },
        "io.k8s.api.core.v1.Container": {"properties": {"name": {"type": "string"}}}
    }});
    let schemas = Schemas::parse(document.to_string().as_bytes()).expect("v2");
    let node = schemas.kind("", "v1", "Pod").expect("Pod");
    let (items, meta) = node.field("spec").0.items("containers");
    assert_eq!(meta.merge_key, "name");
    assert_eq!(meta.strategy, super::schema::Strategy::Merge);
    assert_eq!(items.field("name").1.merge_key, "");
    assert!(schemas.kind("apps", "v1", "Deployment").is_none());
}
