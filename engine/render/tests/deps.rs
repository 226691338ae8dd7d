//! Charts with dependencies (`tests/charts/deps/`), rendered by helmd and by Helm v4
//! and compared byte for byte: subchart directories and nested archives, conditions,
//! tags, aliases, import-values, globals and coalescing, library charts, schemas,
//! kubeVersion, missing dependencies, requirements.yaml, .helmignore and a large
//! umbrella chart. Errors must fail on both sides with the same message.

use std::path::Path;

use helmd_render::{enabled_crd_objects, load_chart_dir, merge_user_values};

#[path = "support_deps/mod.rs"]
mod support;

use support::{case, chart, check};

#[test]
fn subchart_directories_render_with_their_own_scope() {
    check(&[
        case(&chart("subcharts"), "defaults", &[], false),
        case(
            &chart("subcharts"),
            "overrides",
            &["pay: {currency: GBP, gateway: {port: 1}}\nglobal: {domain: other.example}\n"],
            false,
        ),
    ]);
}

/// Copies a directory tree.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// A gzipped tar of `dir` under the top-level directory `name`.
fn package(dir: &Path, name: &str) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all(name, dir).expect("tar");
    tar.into_inner().expect("tar").finish().expect("gzip")
}

#[test]
fn a_nested_chart_archive_renders_like_a_directory() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("nested-tgz");
    copy_dir(&chart("nested-tgz"), &root);
    let packed = package(&root.join("_src/packed"), "packed");
    std::fs::create_dir_all(root.join("charts")).expect("mkdir");
    std::fs::write(root.join("charts/packed-0.3.0.tgz"), packed).expect("write");
    check(&[
        case(&root, "defaults", &[], false),
        case(
            &root,
            "override",
            &["packed: {greeting: bye, list: [3]}\n"],
            false,
        ),
    ]);
}

#[test]
fn conditions_and_tags_enable_and_disable_subcharts() {
    let dir = chart("conditions-tags");
    check(&[
        case(&dir, "defaults", &[], false),
        case(&dir, "back-tag-on", &["tags: {back: true}\n"], false),
        case(
            &dir,
            "first-condition-wins",
            &["alpha: {enabled: false}\nfeatures: {alpha: true}\n"],
            false,
        ),
        case(
            &dir,
            "all-tags-off",
            &["tags: {front: false, back: false}\n"],
            false,
        ),
        case(&dir, "bool-condition", &["delta: {flag: true}\n"], false),
        case(&dir, "condition-table", &["beta: {on: {x: 1}}\n"], false),
        case(
            &dir,
            "nested-condition-on",
            &["alpha: {inner: {on: true}}\n"],
            false,
        ),
        case(
            &dir,
            "nested-tag-off",
            &["alpha: {inner: {on: true}}\ntags: {deep: false}\n"],
            false,
        ),
    ]);
}

#[test]
fn aliases_rename_subcharts_and_versions_must_match() {
    let dir = chart("alias");
    check(&[
        case(&dir, "defaults", &[], false),
        case(&dir, "fast-off", &["fast: {enabled: false}\n"], false),
    ]);
}

#[test]
fn import_values_copy_child_values_into_the_parent() {
    let dir = chart("import-values");
    check(&[
        case(&dir, "defaults", &[], false),
        case(
            &dir,
            "user-overrides",
            &["dbpool: {max: 1}\ndb: {exports: {conn: {host: other}}}\ncacheSize: 1\n"],
            false,
        ),
    ]);
}

#[test]
fn globals_flow_down_and_values_coalesce_like_helm() {
    let dir = chart("globals");
    check(&[
        case(&dir, "defaults", &[], false),
        case(
            &dir,
            "user-nulls",
            &["global: {region: ap, labels: null}\nmid: {nested: null, own: null}\n"],
            false,
        ),
        case(
            &dir,
            "type-conflicts",
            &["mid: {table: {b: 1}, scalar: {x: 1}, nulled: 1, global: {labels: 3}}\n"],
            false,
        ),
        case(&dir, "subchart-section-not-a-map", &["mid: 3\n"], true),
        case(&dir, "global-not-a-map", &["global: 3\n"], false),
        case(
            &dir,
            "subchart-global-not-a-map",
            &["mid: {global: [1]}\n"],
            false,
        ),
    ]);
}

#[test]
fn library_charts_lend_templates_and_render_nothing() {
    check(&[case(&chart("library"), "defaults", &[], false)]);
}

#[test]
fn values_schemas_of_chart_and_subcharts_are_enforced() {
    let dir = chart("schema");
    check(&[
        case(&dir, "valid", &[], false),
        case(
            &dir,
            "parent-invalid",
            &["replicas: 0\nname: Web1\nmode: c\n"],
            true,
        ),
        case(&dir, "missing-required", &["name: null\n"], true),
        case(
            &dir,
            "subchart-invalid",
            &["sub: {port: 70000, host: 1, other: x}\n"],
            true,
        ),
    ]);
}

#[test]
fn kube_version_and_missing_dependencies_fail_like_helm_template() {
    let mut cases = vec![
        case(&chart("kube-version-fail"), "default-kube", &[], true),
        case(&chart("kube-version-pass"), "default-kube", &[], false),
        case(&chart("missing-dep"), "defaults", &[], true),
    ];
    for c in &mut cases {
        c.install_checks = true;
    }
    check(&cases);
}

#[test]
fn requirements_yaml_declares_dependencies_of_v1_charts() {
    let dir = chart("requirements-v1");
    check(&[
        case(&dir, "defaults", &[], false),
        case(&dir, "old-off", &["old: {enabled: false}\n"], false),
    ]);
}

#[test]
fn helmignore_rules_drop_files_like_helm() {
    check(&[case(&chart("helmignore"), "defaults", &[], false)]);
}

#[test]
fn a_large_umbrella_chart_renders_identically() {
    let dir = chart("umbrella");
    check(&[
        case(&dir, "defaults", &[], false),
        case(
            &dir,
            "extras-off",
            &["tags: {extras: false}\ncron: {enabled: true}\nglobal: {env: prod}\n"],
            false,
        ),
    ]);
}

#[test]
fn crd_files_of_chart_and_subcharts_are_kept_like_helms_crd_objects() {
    let dir = chart("subcharts");
    let python = helmd_oracle::oracle::python().expect("oracle venv");
    let script = "import helm_python, json, sys\n\
                  c = helm_python.Chart.load(sys.argv[1])\n\
                  print(json.dumps([[x['name'], x['filename'], x['data']] for x in c.crds]))";
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(&dir)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let helm: Vec<(String, String, String)> =
        serde_json::from_slice(&out.stdout).expect("crds json");
    let ours: Vec<(String, String, String)> = load_chart_dir(&dir)
        .expect("load")
        .crd_objects()
        .into_iter()
        .map(|c| {
            (
                c.name,
                c.filename,
                String::from_utf8_lossy(&c.data).into_owned(),
            )
        })
        .collect();
    assert_eq!(ours, helm);
}

#[test]
fn include_crds_takes_only_enabled_subcharts_crds_like_helm() {
    let dir = chart("crds");
    let chart = load_chart_dir(&dir).expect("load");
    for values in [
        "{}",
        "opt: {enabled: true}\ntags: {extras: false}\n",
        "mirror: {spoke: {enabled: false}}\n",
        "hub: {spoke: {enabled: false}}\nmirror: {spoke: {enabled: false}}\ntags: {extras: false}\n",
    ] {
        let user = merge_user_values(&[values.to_owned()]).expect("values");
        let ours: Vec<(String, String, String)> = enabled_crd_objects(&chart, &user)
            .expect("crds")
            .into_iter()
            .map(|c| {
                (
                    c.name,
                    c.filename,
                    String::from_utf8_lossy(&c.data).into_owned(),
                )
            })
            .collect();
        let helm: Vec<(String, String, String)> =
            helmd_oracle::oracle::helm_enabled_crds(&dir, values)
                .expect("Helm lists the CRDs")
                .into_iter()
                .map(|c| (c.name, c.filename, c.data))
                .collect();
        assert_eq!(ours, helm, "values {values}");
    }
}

#[test]
fn the_deps_area_loads_as_a_corpus_and_agrees_with_helm() {
    let corpus = helmd_oracle::Corpus::load_areas(&["deps"]).expect("corpus");
    assert!(corpus.cases.len() >= 14, "{} cases", corpus.cases.len());
    check(&corpus.cases);
}
