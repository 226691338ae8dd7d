//! Charts with dependencies (`tests/charts/deps/`), rendered by helmd and by Helm v4
//! and compared byte for byte: subchart directories and nested archives, conditions,
//! tags, aliases, import-values, globals and coalescing, library charts, schemas,
//! kubeVersion, missing dependencies, requirements.yaml, .helmignore and a large
//! umbrella chart. Errors must fail on both sides with the same message.

use std::path::{Path, PathBuf};

use helmd_oracle::{Case, Expectation, Rendered, helm_render_batch, run_differential};
use helmd_render::{RenderOptions, load_chart_dir, render_chart};

fn deps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/charts/deps")
}

fn helmd(case: &Case) -> Rendered {
    let opts = RenderOptions {
        release_name: case.release_name.clone(),
        namespace: case.namespace.clone(),
        kube_version: case.kube_version.clone(),
        ..RenderOptions::default()
    };
    let chart = load_chart_dir(&case.chart_dir).map_err(|e| e.to_string())?;
    render_chart(&chart, &case.values_yaml, &opts).map_err(|e| e.to_string())
}

/// A case over `dir` with values documents; `fails` expects both to fail alike.
fn case(dir: &Path, variant: &str, values: &[&str], fails: bool) -> Case {
    let chart = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let mut c = Case::new(format!("deps/{}:{variant}", chart.unwrap_or_default()), dir);
    c.values_yaml = values.iter().map(|v| v.to_string()).collect();
    if fails {
        c.expect = Expectation::BothFail {
            message_contains: None,
        };
    }
    c
}

/// Judges every case against Helm; error messages must be equal too.
fn check(cases: &[Case]) {
    let helm = helm_render_batch(cases);
    let report = run_differential(cases, &helm, helmd);
    let mut problems = report.details();
    for (c, h) in cases.iter().zip(&helm) {
        if let (Err(theirs), Err(ours)) = (h, helmd(c)) {
            // Helm's validator reports schema violations in map order: compare line sets.
            let lines = |s: &str| {
                let mut l: Vec<String> = s.trim_end().lines().map(str::to_owned).collect();
                l.sort();
                l
            };
            if lines(theirs) != lines(&ours) {
                problems.push_str(&format!(
                    "== {}: messages differ\nhelm:  {theirs}\nhelmd: {ours}\n",
                    c.name
                ));
            }
        }
    }
    eprintln!("{}", report.summary());
    assert!(problems.is_empty(), "{problems}\n{}", report.summary());
}

fn chart(name: &str) -> PathBuf {
    deps_dir().join(name)
}

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

/// Writes `files` (path, text) as a chart directory under `root/name`.
fn scratch(root: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = root.join(name);
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

#[test]
fn broken_chart_yaml_and_subcharts_fail_with_helms_messages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let t = ("templates/t.yaml", "v: {{ .Chart.Version }}\n");
    let bad: &[(&str, &[(&str, &str)])] = &[
        (
            "no-version",
            &[("Chart.yaml", "apiVersion: v2\nname: x\n"), t],
        ),
        (
            "bad-version",
            &[("Chart.yaml", "apiVersion: v2\nname: x\nversion: one\n"), t],
        ),
        (
            "bad-type",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\ntype: app\n",
                ),
                t,
            ],
        ),
        (
            "slash-name",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: a/b\nversion: 1.0.0\n"),
                t,
            ],
        ),
        (
            "keywords-string",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\nkeywords: k\n",
                ),
                t,
            ],
        ),
        (
            "null-dependency",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [null]\n",
                ),
                t,
            ],
        ),
        (
            "bad-alias",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: a, alias: 'a b'}]\n",
                ),
                t,
            ],
        ),
        (
            "duplicate-dependency",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: a}, {name: b, alias: a}]\n",
                ),
                t,
            ],
        ),
        ("no-chart-yaml", &[t]),
        (
            "subchart-without-chart-yaml",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"),
                ("charts/s/values.yaml", "a: 1\n"),
                t,
            ],
        ),
        (
            "subchart-invalid",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"),
                ("charts/s/Chart.yaml", "apiVersion: v2\nname: s\n"),
                t,
            ],
        ),
        (
            "stray-file-in-charts",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"),
                ("charts/README.md", "hi\n"),
                t,
            ],
        ),
        (
            "bad-subchart-values",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"),
                (
                    "charts/s/Chart.yaml",
                    "apiVersion: v2\nname: s\nversion: 1.0.0\n",
                ),
                ("charts/s/values.yaml", "- a\n"),
                t,
            ],
        ),
        (
            "double-star-ignore",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"),
                (".helmignore", "**/x\n"),
                t,
            ],
        ),
        (
            "bad-schema-json",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"),
                ("values.schema.json", "{\"type\": \n"),
                t,
            ],
        ),
    ];
    let ok: &[(&str, &[(&str, &str)])] = &[
        (
            "numeric-version",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.5\nappVersion: 2\n",
                ),
                t,
            ],
        ),
        (
            "v1-without-api-version",
            &[("Chart.yaml", "name: x\nversion: 1.0.0\n"), t],
        ),
        (
            "prov-and-hidden-in-charts",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"),
                ("charts/s-1.0.0.tgz.prov", "sig\n"),
                ("charts/.cache/a", "x\n"),
                ("charts/_tmp/a", "x\n"),
                t,
            ],
        ),
    ];
    let mut cases = Vec::new();
    for (name, files) in bad {
        cases.push(case(&scratch(tmp.path(), name, files), "load", &[], true));
    }
    for (name, files) in ok {
        cases.push(case(&scratch(tmp.path(), name, files), "load", &[], false));
    }
    check(&cases);
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

/// A small deterministic generator (64-bit LCG) for random values trees.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }

    /// A YAML flow value: null, scalars, lists or maps over colliding keys.
    fn value(&mut self, depth: u32) -> String {
        const KEYS: [&str; 6] = ["a", "b", "c", "global", "s1", "on"];
        match self.next(if depth == 0 { 5 } else { 8 }) {
            0 => "null".into(),
            1 => format!("{}", self.next(100)),
            2 => ["true", "false"][self.next(2) as usize].into(),
            3 => format!("x{}", self.next(9)),
            4 => format!("[{}]", self.next(9)),
            _ => {
                let n = self.next(4);
                let entries: Vec<String> = (0..n)
                    .map(|_| {
                        let k = KEYS[self.next(KEYS.len() as u64) as usize];
                        format!("{k}: {}", self.value(depth - 1))
                    })
                    .collect();
                format!("{{{}}}", entries.join(", "))
            }
        }
    }

    fn doc(&mut self) -> String {
        let mut out = String::new();
        for key in ["a", "b", "global", "s1", "s2", "tags"] {
            if self.next(3) > 0 {
                out.push_str(&format!("{key}: {}\n", self.value(3)));
            }
        }
        out
    }
}

#[test]
fn random_values_coalesce_and_enable_subcharts_like_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let show = ("templates/v.yaml", "v: {{ toJson .Values }}\n");
    let mut rng = Rng(0x5eed);
    let mut cases = Vec::new();
    for i in 0..60 {
        let chart_yaml = format!(
            "apiVersion: v2\nname: root\nversion: 1.0.0\ndependencies:\n\
             - name: s1\n  version: 0.1.0\n  condition: s1.on,a.on\n  tags: [t{}]\n\
             - name: s2\n  version: 0.1.0\n  tags: [t{}]\n  import-values: [e, {{child: a, parent: b}}]\n",
            rng.next(2),
            rng.next(2)
        );
        let (root_values, s1_values, s2_values, g_values) =
            (rng.doc(), rng.doc(), rng.doc(), rng.doc());
        let s2_values = format!("{s2_values}exports: {{e: {}}}\n", rng.value(2));
        let user = rng.doc();
        let dir = scratch(
            tmp.path(),
            &format!("random{i}"),
            &[
                ("Chart.yaml", &chart_yaml),
                ("values.yaml", &root_values),
                show,
                (
                    "charts/s1/Chart.yaml",
                    "apiVersion: v2\nname: s1\nversion: 0.1.0\n",
                ),
                ("charts/s1/values.yaml", &s1_values),
                ("charts/s1/templates/v.yaml", show.1),
                (
                    "charts/s1/charts/g/Chart.yaml",
                    "apiVersion: v2\nname: g\nversion: 0.1.0\n",
                ),
                ("charts/s1/charts/g/values.yaml", &g_values),
                ("charts/s1/charts/g/templates/v.yaml", show.1),
                (
                    "charts/s2/Chart.yaml",
                    "apiVersion: v2\nname: s2\nversion: 0.1.0\n",
                ),
                ("charts/s2/values.yaml", &s2_values),
                ("charts/s2/templates/v.yaml", show.1),
            ],
        );
        cases.push(case(&dir, "random", &[&user], false));
    }
    // Whatever Helm does (render or fail), helmd must do the same.
    let helm = helm_render_batch(&cases);
    for (c, h) in cases.iter_mut().zip(&helm) {
        if h.is_err() {
            c.expect = Expectation::BothFail {
                message_contains: None,
            };
        }
    }
    check(&cases);
}
