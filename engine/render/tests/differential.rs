//! Differential tests of this crate's own cases against Helm v4 (the oracle
//! in tests/oracle); the team's gotmpl corpus runs in tests/oracle/tests/gotmpl.rs.

use std::collections::BTreeMap;
use std::path::Path;

use helmd_oracle::{Case, Rendered, helm_render_batch, run_differential};
use helmd_render::{RenderOptions, render_chart_dir};

#[path = "../benches/bench_chart.rs"]
mod bench_chart;

fn helmd(case: &Case) -> Rendered {
    let opts = RenderOptions {
        release_name: case.release_name.clone(),
        namespace: case.namespace.clone(),
        revision: case.revision,
        is_install: case.is_install,
        is_upgrade: case.is_upgrade,
        kube_version: case.kube_version.clone(),
        api_versions: case.api_versions.clone(),
        ..Default::default()
    };
    render_chart_dir(&case.chart_dir, &case.values_yaml, &opts).map_err(|e| e.to_string())
}

fn check(cases: &[Case]) {
    let helm = helm_render_batch(cases);
    let report = run_differential(cases, &helm, helmd);
    eprintln!("{}", report.summary());
    assert!(
        report.failures.is_empty(),
        "{}\n{}",
        report.details(),
        report.summary()
    );
}

const CHART_YAML: &str = "apiVersion: v2\nname: c\nversion: 0.1.0\nappVersion: \"1.2\"\nkeywords: [a, b]\nannotations: {x: y}\n";

/// A chart in `dir` with the given templates and chart `values.yaml`.
fn chart(dir: &Path, name: &str, templates: &[(&str, &str)], values: &str) -> Case {
    chart_with(dir, name, CHART_YAML, templates, values)
}

/// [`chart`] with a given Chart.yaml.
fn chart_with(
    dir: &Path,
    name: &str,
    chart_yaml: &str,
    templates: &[(&str, &str)],
    values: &str,
) -> Case {
    let root = dir.join(name);
    let write = |p: &Path, text: &str| {
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
    };
    write(&root.join("Chart.yaml"), chart_yaml);
    write(&root.join("values.yaml"), values);
    write(&root.join("files/a.txt"), "line1\nline2\n");
    for (path, text) in templates {
        write(&root.join("templates").join(path), text);
    }
    Case::new(format!("engine/{name}"), root)
}

/// Strings whose YAML quoting depends on go-yaml's resolution and analysis.
const TRICKY: &[&str] = &[
    "",
    " ",
    "a",
    "yes",
    "No",
    "on",
    "y",
    "~",
    "null",
    "NULL",
    "true",
    "1",
    "-1",
    "+1",
    "1.5",
    "1e3",
    "1_000",
    "0x1F",
    "0o17",
    "017",
    "08",
    ".5",
    "5.",
    ".inf",
    "-.inf",
    ".nan",
    "1:20",
    "2001-12-14",
    "2001-12-14T10:00:00Z",
    "<<",
    "=",
    "-",
    "--",
    "---",
    "...",
    "- a",
    "? a",
    "?a",
    ": a",
    "a:",
    "a: b",
    "a #b",
    "a#b",
    "#a",
    "&a",
    "*a",
    "!a",
    "|a",
    ">a",
    "%a",
    "@a",
    "`a",
    "'a'",
    "\"a\"",
    "{a}",
    "[a]",
    "a,b",
    "a]",
    "a}",
    "a\tb",
    "a\nb",
    "a\n",
    "\na",
    " a",
    "a ",
    "a\n\n",
    "a \nb",
    "a\n b",
    "é",
    "日本語",
    "😀",
    "a\u{a0}b",
    "\u{200b}",
    "a\\b",
    "C:\\path",
    "http://x.y/z?a=b&c=d",
    "key: value # c",
    "0",
    "00",
    "0.0",
    "-0",
    "1e",
    "1e+",
    "0b101",
    "0B101",
    "0X1F",
    "1__0",
    "_1",
    "1_",
    "Inf",
    "NaN",
    "infinity",
    "1.2.3",
    "v1.2",
    "True",
    "TRUE",
    "tRue",
    "Off",
    "OFF",
    "oN",
    "Y",
    "n",
    "N",
];

/// Values with every tricky string as a list item and as a key.
fn quoting_matrix() -> String {
    let quoted = |s: &str| helmd_yaml::to_json(&helmd_yaml::Value::str(s)).unwrap_or_default();
    let mut out = String::from("s:\n");
    for s in TRICKY {
        out.push_str(&format!("- {}\n", quoted(s)));
    }
    out.push_str("k:\n");
    // Keys starting with a digit are left out: go-yaml's key order is not a
    // total order for some of them and Go's pdqsort is not reproduced.
    let as_key = |s: &&&str| {
        !s.is_empty() && !s.contains('\n') && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    for s in TRICKY.iter().filter(as_key) {
        out.push_str(&format!("  {}: 1\n", quoted(s)));
    }
    out
}

fn engine_cases(dir: &Path) -> Vec<Case> {
    let long = "word ".repeat(30);
    let specs: BTreeMap<&str, (String, String)> = BTreeMap::from([
        ("yaml_quoting_matrix", ("{{ toYaml .Values }}\n---\n{{ toYamlPretty .Values }}\n---\n{{ toJson .Values }}".into(), quoting_matrix())),
        ("yaml_tags_and_block_scalars", ("{{ toYaml .Values }}|{{ printf \"%T %T %T\" .Values.i .Values.f .Values.s }}".into(), "s: !!str 123\ni: !!int \"12\"\nf: !!float 1\nb: !!bool yes\nn: !!null ~\nbin: !!binary aGVsbG8=\nfold: >\n  a\n  b\n\n  c\nkeep: |+\n  x\n\nind: |2\n    two\nstrip: >-\n  q\n".into())),
        ("yaml_flow_and_quoting_in_values", ("{{ toYaml .Values }}".into(), "a: {x: [1, 'two', \"th\\u00e9\"], y: {}}\nb: [ ]\nc: 'it''s'\nd: \"tab\\there\"\ne: \"\\x41\\u263A\\U0001F600\"\nf: plain # comment\ng: |\n  # not a comment\n".into())),
        ("yaml_wrap_nested", ("{{ toYaml .Values }}".into(), format!("a:\n  b:\n  - x: {long:?}\n    y: ['{long} it''s', \"{long}\\t\"]\n"))),
        ("yaml_multiline_in_lists", ("{{ toYaml .Values }}\n{{ toYamlPretty .Values }}".into(), "l:\n- \"a\\nb\\n\"\n- {k: \"x\\ny\"}\n- [\"p\\nq\"]\nm: \"trailing \\nspace\"\n".into())),
        ("yaml_pretty_scalars", ("{{ toYamlPretty .Values }}".into(), "a: 'yes'\nb: 'on'\nc: '1.5'\nd: 1.5\ne: 3\nf: ''\ng: ~\nh: [[1, [2]], {}]\ni: '#x'\n".into())),
        ("json_of_everything", ("{{ toJson .Values }}|{{ toJson (list 1 (int64 2) 1.5 \"\\u2028<\" nil true) }}|{{ toJson .Capabilities.KubeVersion }}".into(), "a: {b: [1, 2.5, null]}\n".into())),
        ("from_yaml_with_anchors", ("{{ $d := fromYaml .Values.doc }}{{ toYaml $d }}|{{ $d.c.x }}".into(), "doc: |\n  a: &a {x: 1, y: 2}\n  c:\n    <<: *a\n    y: 3\n".into())),
        ("objects_print", ("{{ .Capabilities.KubeVersion }}|{{ printf \"%v|%+v|%s\" .Capabilities.KubeVersion .Capabilities.HelmVersion .Capabilities.KubeVersion.Version }}|{{ .Capabilities.APIVersions.Has \"apps/v1\" }}|{{ .Capabilities.APIVersions.Has \"nope/v1\" }}".into(), String::new())),
        ("chart_fields", ("{{ .Chart.Name }}|{{ .Chart.AppVersion }}|{{ .Chart.Keywords }}|{{ .Chart.Annotations.x }}|{{ .Chart.Annotations.nope }}|{{ .Chart.IsRoot }}|{{ typeOf .Chart.Annotations }}".into(), String::new())),
        ("files_access", ("{{ .Files.Get \"files/a.txt\" }}|{{ .Files.Lines \"files/a.txt\" }}|{{ printf \"%s\" (.Files.GetBytes \"files/a.txt\") }}|{{ .Files.Get \"nope\" }}".into(), String::new())),
        ("tpl_cases", ("{{ tpl .Values.t . }}|{{ tpl \"{{ define \\\"x\\\" }}X{{ end }}{{ include \\\"x\\\" . }}\" . }}|{{ tpl \"{{ .Template.Name }}\" . }}".into(), "t: \"{{ .Release.Name }}-{{ .Values.n2 }}\"\nn2: 5\n".into())),
        ("range_nil_elements", ("{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}{{ range .Values.l }}[{{ . }}]{{ end }}".into(), "m: {a: null, b: 1}\nl: [null, 2]\n".into())),
        ("defaults_with_nested_nulls", ("{{ toYaml .Values }}".into(), "a: {b: null, c: 1, d: {e: null}}\nf: null\n".into())),
        ("numbers_everywhere", ("{{ .Values.a }} {{ .Values.b }} {{ .Values.c }} {{ add1 }}".replace(" {{ add1 }}", "") + " {{ int .Values.a }} {{ float64 3 }} {{ int64 \"12\" }} {{ 1e6 }} {{ 123456789.0 }}", "a: 1234567\nb: 0.1\nc: -1e-7\n".into())),
    ]);
    specs
        .into_iter()
        .map(|(name, (tpl, values))| chart(dir, name, &[("t.yaml", &tpl)], &values))
        .collect()
}

#[test]
fn unbounded_tpl_recursion_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let case = chart(
        dir.path(),
        "tpl_forever",
        &[("t.yaml", "{{ tpl .Values.t . }}")],
        "t: \"{{ tpl .Values.t . }}\"\n",
    );
    let err = helmd(&case).err().unwrap_or_default();
    assert!(
        err.contains("tpl nested more than 1000 levels deep"),
        "{}",
        &err[..err.len().min(300)]
    );
}

#[test]
fn engine_edge_cases_render_like_helm() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut cases = engine_cases(dir.path());
    let mut caps = chart(
        dir.path(),
        "capabilities_options",
        &[(
            "t.yaml",
            "{{ .Capabilities.KubeVersion.Minor }}|{{ .Capabilities.APIVersions.Has \"x.io/v1\" }}|{{ .Release.Revision }}|{{ .Release.IsUpgrade }}",
        )],
        "",
    );
    caps.kube_version = Some("v1.28.3".into());
    caps.api_versions = vec!["x.io/v1".into()];
    caps.revision = 7;
    caps.is_upgrade = true;
    caps.is_install = false;
    cases.push(caps);
    let bench = dir.path().join("bench_chart");
    bench_chart::write_chart(&bench).unwrap_or_else(|e| panic!("{e}"));
    cases.push(Case::new("engine/bench_chart", bench));
    let meta =
        "{{ toYaml .Chart }}|{{ toJson .Chart }}|{{ .Chart.Annotations }}|{{ .Chart.Maintainers }}";
    cases.push(chart_with(
        dir.path(),
        "chart_metadata_minimal",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
        &[("t.yaml", meta)],
        "",
    ));
    let full = "apiVersion: v2\nname: c\nversion: 0.1.0\nmaintainers:\n- name: a\n  email: a@x\n- name: b\n  url: http://b\nkeywords: [k]\nannotations: {z: \"1\"}\nhome: h\nsources: [s]\nicon: i\ndeprecated: true\ntype: application\nkubeVersion: \">=1.20\"\n";
    cases.push(chart_with(
        dir.path(),
        "chart_metadata_full",
        full,
        &[("t.yaml", meta)],
        "",
    ));
    check(&cases);
}
