//! Generated charts against Helm v4: Chart.yaml and subchart load errors, schema
//! violations keyword by keyword, and random values trees over nested subcharts
//! with conditions, tags and import-values.

use helmd_oracle::{Expectation, helm_render_batch};

#[path = "support_deps/mod.rs"]
mod support;

use support::{case, check, scratch};

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
            "maintainer-string",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\nmaintainers: [bob]\n",
                ),
                t,
            ],
        ),
        (
            "dependency-tags-string",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: a, tags: t}]\n",
                ),
                t,
            ],
        ),
        (
            "dependency-imports-string",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: a, import-values: x}]\n",
                ),
                t,
            ],
        ),
        (
            "dependencies-map",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: {a: 1}\n",
                ),
                t,
            ],
        ),
        (
            "name-list",
            &[
                ("Chart.yaml", "apiVersion: v2\nname: [x]\nversion: 1.0.0\n"),
                t,
            ],
        ),
        ("chart-yaml-list", &[("Chart.yaml", "- a\n"), t]),
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
            "scalars-as-strings",
            &[
                (
                    "Chart.yaml",
                    "apiVersion: 2\nname: 123\nversion: 1.0.0\nappVersion: 1.10\nannotations: {a: 1}\ndescription: 5\nkeywords: [1, true]\ndeprecated: yes\n",
                ),
                ("templates/t.yaml", "v: {{ toJson .Chart }}\n"),
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
    // A numeric kubeVersion is its text ("1.2": ~1.2), checked like any other.
    let kube = scratch(
        tmp.path(),
        "kube-version-number",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: x\nversion: 1.0.0\nkubeVersion: 1.2\n",
            ),
            t,
        ],
    );
    let mut kube = case(&kube, "load", &[], true);
    kube.install_checks = true;
    cases.push(kube);
    check(&cases);
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

    /// A YAML flow value for `key`: subchart sections and `global` are maps
    /// (now and then null), `tags` maps tag names to booleans, anything else is
    /// null, a scalar, a list or a map over colliding keys.
    fn value(&mut self, key: &str, depth: u32) -> String {
        const SECTIONS: [&str; 7] = ["s1", "s2", "x1", "x2", "g", "global", "exports"];
        if key == "tags" {
            return format!("{{t0: {}, t1: {}}}", self.next(2) == 0, self.next(3) == 0);
        }
        if SECTIONS.contains(&key) {
            return if self.next(10) == 0 {
                "null".into()
            } else {
                self.map(depth.max(1))
            };
        }
        match self.next(if depth == 0 { 5 } else { 8 }) {
            0 => "null".into(),
            1 => format!("{}", self.next(100)),
            2 => ["true", "false"][self.next(2) as usize].into(),
            3 => format!("x{}", self.next(9)),
            4 => format!("[{}]", self.next(9)),
            _ => self.map(depth),
        }
    }

    fn map(&mut self, depth: u32) -> String {
        const KEYS: [&str; 10] = [
            "a", "b", "c", "on", "e", "global", "g", "x1", "exports", "enabled",
        ];
        let n = self.next(4);
        let entries: Vec<String> = (0..n)
            .map(|_| {
                let k = KEYS[self.next(KEYS.len() as u64) as usize];
                format!("{k}: {}", self.value(k, depth.saturating_sub(1)))
            })
            .collect();
        format!("{{{}}}", entries.join(", "))
    }

    fn doc(&mut self) -> String {
        let mut out = String::new();
        for key in [
            "a", "b", "global", "s1", "s2", "tags", "x1", "x2", "g", "exports",
        ] {
            if self.next(3) > 0 {
                out.push_str(&format!("{key}: {}\n", self.value(key, 3)));
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
        let s2_values = format!("{s2_values}exports: {{e: {}}}\n", rng.map(2));
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
    let rendered = helm.iter().filter(|h| h.is_ok()).count();
    eprintln!("Helm rendered {rendered} of {} random cases", cases.len());
    assert!(
        rendered * 2 >= cases.len(),
        "most random cases should render"
    );
    for (c, h) in cases.iter_mut().zip(&helm) {
        if h.is_err() {
            c.expect = Expectation::BothFail {
                message_contains: None,
            };
        }
    }
    check(&cases);
}

#[test]
fn schema_violations_read_like_helms_validator() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // (name, schema of property `v`, values for `v`)
    let cases: &[(&str, &str, &str)] = &[
        ("type-integer", r#"{"type": "integer"}"#, "1.5"),
        ("type-multi", r#"{"type": ["string", "null"]}"#, "1"),
        ("type-object", r#"{"type": "object"}"#, "[1]"),
        ("type-boolean", r#"{"type": "boolean"}"#, "yes-string"),
        ("min-length", r#"{"minLength": 3}"#, "ab"),
        ("max-length", r#"{"maxLength": 1}"#, "ab"),
        ("min-items", r#"{"minItems": 2}"#, "[1]"),
        ("max-items", r#"{"maxItems": 1}"#, "[1, 2]"),
        ("unique-items", r#"{"uniqueItems": true}"#, "[1, 2, 1]"),
        ("const", r#"{"const": "x"}"#, "y"),
        ("enum-one", r#"{"enum": [1]}"#, "2"),
        ("enum-mixed", r#"{"enum": ["a", 2, null]}"#, "3"),
        ("exclusive-min", r#"{"exclusiveMinimum": 5}"#, "5"),
        ("exclusive-max", r#"{"exclusiveMaximum": 5}"#, "5"),
        ("multiple-of", r#"{"multipleOf": 3}"#, "10"),
        ("min-fraction", r#"{"minimum": 1.5}"#, "1.25"),
        ("big-maximum", r#"{"maximum": 1000000}"#, "1234567"),
        ("min-properties", r#"{"minProperties": 2}"#, "{a: 1}"),
        ("max-properties", r#"{"maxProperties": 1}"#, "{a: 1, b: 2}"),
        ("required-two", r#"{"required": ["x", "y"]}"#, "{a: 1}"),
        ("false-schema", "false", "1"),
        ("not", r#"{"not": {"type": "string"}}"#, "s"),
        (
            "any-of",
            r#"{"anyOf": [{"type": "string"}, {"minimum": 5}]}"#,
            "1",
        ),
        (
            "one-of-none",
            r#"{"oneOf": [{"type": "string"}, {"type": "boolean"}]}"#,
            "1",
        ),
        (
            "one-of-two",
            r#"{"oneOf": [{"type": "number"}, {"minimum": 0}]}"#,
            "1",
        ),
        (
            "all-of",
            r#"{"allOf": [{"type": "number"}, {"minimum": 5}]}"#,
            "1",
        ),
        (
            "pattern-properties",
            r#"{"patternProperties": {"^n": {"type": "string"}}}"#,
            "{n1: 1}",
        ),
        (
            "dependent-required",
            r#"{"dependentRequired": {"a": ["b"]}}"#,
            "{a: 1}",
        ),
        (
            "property-names",
            r#"{"propertyNames": {"maxLength": 2}}"#,
            "{abc: 1}",
        ),
        ("items", r#"{"items": {"type": "string"}}"#, "[a, 1]"),
        ("format-email", r#"{"format": "email"}"#, "not-an-email"),
        (
            "if-then",
            r#"{"if": {"type": "string"}, "then": {"minLength": 5}}"#,
            "abc",
        ),
    ];
    let mut all = Vec::new();
    for (name, schema, value) in cases {
        let schema = format!(r#"{{"properties": {{"v": {schema}}}}}"#);
        let dir = scratch(
            tmp.path(),
            name,
            &[
                ("Chart.yaml", "apiVersion: v2\nname: s\nversion: 1.0.0\n"),
                ("values.schema.json", &schema),
                ("templates/t.yaml", "v: ok\n"),
            ],
        );
        // Helm's validator does not assert formats.
        let fails = !name.starts_with("format");
        all.push(case(&dir, "schema", &[&format!("v: {value}\n")], fails));
    }
    check(&all);
}

#[test]
fn random_values_over_aliased_and_nested_subcharts_agree_with_helm() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let show = (
        "templates/v.yaml",
        "v: {{ toJson .Values }} {{ toJson .Chart.Dependencies }}\n",
    );
    let mut rng = Rng(0xa11a5);
    let mut cases = Vec::new();
    for i in 0..40 {
        let chart_yaml = format!(
            "apiVersion: v2\nname: root\nversion: 1.0.0\ndependencies:\n\
             - name: s1\n  version: ~0.1.0\n  alias: x1\n  condition: x1.on,a.on\n  import-values: [e, {{child: g, parent: fromg}}]\n\
             - name: s1\n  version: ~0.1.0\n  alias: x2\n  tags: [t{}]\n\
             - name: s2\n  version: 0.1.0\n  condition: s2.on,x1.on\n  import-values: [{{child: a.b, parent: {}}}]\n",
            rng.next(2),
            ["deep.path", ".", "a"][rng.next(3) as usize],
        );
        let s1_chart = "apiVersion: v2\nname: s1\nversion: 0.1.3\ndependencies:\n- name: g\n  condition: g.on\n  import-values: [e]\n";
        let (root_values, s1_values, s2_values, g_values) =
            (rng.doc(), rng.doc(), rng.doc(), rng.doc());
        let s1_values = format!("{s1_values}exports: {{e: {}}}\n", rng.map(2));
        let g_values = format!("{g_values}exports: {{e: {}}}\n", rng.map(2));
        let user = rng.doc();
        let dir = scratch(
            tmp.path(),
            &format!("aliased{i}"),
            &[
                ("Chart.yaml", &chart_yaml),
                ("values.yaml", &root_values),
                show,
                ("charts/s1/Chart.yaml", s1_chart),
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
        cases.push(case(&dir, "aliased", &[&user], false));
    }
    let helm = helm_render_batch(&cases);
    let rendered = helm.iter().filter(|h| h.is_ok()).count();
    eprintln!("Helm rendered {rendered} of {} random cases", cases.len());
    assert!(
        rendered * 2 >= cases.len(),
        "most random cases should render"
    );
    for (c, h) in cases.iter_mut().zip(&helm) {
        if h.is_err() {
            c.expect = Expectation::BothFail {
                message_contains: None,
            };
        }
    }
    check(&cases);
}
