//! Repository-wide rules checked over `cargo metadata`: engine crates stay free of gRPC,
//! SQL and CLI crates, so the CLI can render offline and the engine stays portable.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use helmd_test_support::binaries::workspace_root;

/// Crates an engine crate must never depend on, directly or through other crates.
const FORBIDDEN: &[&str] = &["tonic", "prost", "sqlx", "clap"];

#[test]
fn engine_crates_do_not_depend_on_grpc_sql_or_cli_crates() {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");

    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p["name"].as_str()?)))
        .collect();
    let engine: Vec<&str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter(|p| {
            // under the workspace's `engine/` (the checkout's own path may hold
            // an `engine` directory too)
            p["manifest_path"].as_str().is_some_and(|m| {
                let root = metadata["workspace_root"].as_str().unwrap_or_default();
                std::path::Path::new(m)
                    .strip_prefix(root)
                    .is_ok_and(|rel| rel.starts_with("engine"))
            })
        })
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(!engine.is_empty(), "no engine crates found");

    // Normal (non-dev, non-build) dependency edges of the resolved graph.
    let mut edges: HashMap<&str, Vec<&str>> = HashMap::new();
    for node in metadata["resolve"]["nodes"].as_array().expect("resolve") {
        let id = node["id"].as_str().expect("id");
        let deps = node["deps"].as_array().expect("deps").iter().filter(|d| {
            d["dep_kinds"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
        });
        edges.insert(id, deps.filter_map(|d| d["pkg"].as_str()).collect());
    }

    let mut violations = BTreeSet::new();
    for root in engine {
        let mut stack = vec![(root, vec![names[root]])];
        let mut seen = BTreeSet::new();
        while let Some((id, path)) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            for dep in edges.get(id).map(Vec::as_slice).unwrap_or_default() {
                let name = names[dep];
                let mut next = path.clone();
                next.push(name);
                if FORBIDDEN.contains(&name) {
                    violations.insert(next.join(" -> "));
                } else {
                    stack.push((dep, next));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "engine crates depend on forbidden crates:\n{}",
        violations.iter().cloned().collect::<Vec<_>>().join("\n")
    );
}
