//! The corpus loader: spec files become chart directories, plain charts become cases.

use std::path::Path;

use helmd_oracle::{Corpus, Error, Expectation};

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create dir");
    }
    std::fs::write(path, text).expect("write file");
}

/// Loads a corpus area made of `files`; the area lives as long as the returned dir.
fn check(files: &[(&str, &str)]) -> Result<(Corpus, tempfile::TempDir), Error> {
    let root = tempfile::tempdir().expect("temp dir");
    let area = root.path().join("area");
    std::fs::create_dir_all(&area).expect("area dir");
    for (rel, text) in files {
        write(&area, rel, text);
    }
    Corpus::load(&area).map(|corpus| (corpus, root))
}

const SPEC: &str = r#"
description: two cases
cases:
- name: first
  templates:
    a.yaml: "x: {{ .Values.x }}\n"
    sub/_h.tpl: "{{ define \"h\" }}{{ end }}"
  values: "x: 1\n"
  values_files: ["x: 2", "y: 3"]
  files:
    data/f.txt: "file\n"
  release: r
  namespace: ns
  revision: 4
  is_upgrade: true
  kube_version: v1.30.0
  api_versions: [a/v1]
- name: second
  templates:
    a.yaml: "{{ fail \"no\" }}"
  chart: other
  expect: error
  error_contains: "no"
"#;

#[test]
fn a_spec_file_becomes_one_chart_directory_per_case() {
    let (corpus, _area) = check(&[("spec.yaml", SPEC)]).expect("loads");
    assert_eq!(corpus.cases.len(), 2);
    let first = &corpus.cases[0];
    assert_eq!(first.name, "spec/first");
    let dir = &first.chart_dir;
    let read = |rel: &str| std::fs::read_to_string(dir.join(rel)).expect("file exists");
    assert_eq!(
        read("Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\n"
    );
    assert_eq!(read("values.yaml"), "x: 1\n");
    assert_eq!(read("templates/a.yaml"), "x: {{ .Values.x }}\n");
    assert_eq!(read("templates/sub/_h.tpl"), "{{ define \"h\" }}{{ end }}");
    assert_eq!(read("data/f.txt"), "file\n");
    assert_eq!(
        first.values_yaml,
        vec!["x: 2".to_owned(), "y: 3".to_owned()]
    );
    assert_eq!(
        (
            first.release_name.as_str(),
            first.namespace.as_str(),
            first.revision
        ),
        ("r", "ns", 4)
    );
    assert!(first.is_upgrade && !first.is_install);
    assert_eq!(first.kube_version.as_deref(), Some("v1.30.0"));
    assert_eq!(first.expect, Expectation::Match);
}

#[test]
fn an_error_case_keeps_its_message_and_chart_name() {
    let (corpus, _area) = check(&[("spec.yaml", SPEC)]).expect("loads");
    let second = &corpus.cases[1];
    assert_eq!(
        second.expect,
        Expectation::BothFail {
            message_contains: Some("no".to_owned())
        }
    );
    let chart = std::fs::read_to_string(second.chart_dir.join("Chart.yaml")).expect("chart");
    assert!(chart.contains("name: other"));
    assert!(second.is_install && !second.is_upgrade);
}

#[test]
fn a_plain_chart_directory_renders_with_defaults() {
    let (corpus, _area) = check(&[
        (
            "mychart/Chart.yaml",
            "apiVersion: v2\nname: mychart\nversion: 1.0.0\n",
        ),
        ("mychart/templates/a.yaml", "a\n"),
    ])
    .expect("loads");
    assert_eq!(corpus.cases.len(), 1);
    let case = &corpus.cases[0];
    assert_eq!(case.name, "area/mychart");
    assert_eq!(case.release_name, "release-name");
    assert!(case.chart_dir.join("templates/a.yaml").is_file());
}

#[test]
fn a_plain_chart_options_file_gives_one_case_each() {
    let (corpus, _area) = check(&[
        (
            "mychart/Chart.yaml",
            "apiVersion: v2\nname: mychart\nversion: 1.0.0\n",
        ),
        (
            "mychart.oracle.yaml",
            "cases:\n- name: prod\n  values_files: [\"a: 1\"]\n- name: broken\n  expect: error\n",
        ),
    ])
    .expect("loads");
    let names: Vec<&str> = corpus.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["area/mychart/prod", "area/mychart/broken"]);
}

#[test]
fn unknown_spec_fields_are_rejected() {
    let err = check(&[(
        "spec.yaml",
        "cases:\n- name: a\n  templates: {a.yaml: x}\n  valuez: oops\n",
    )])
    .expect_err("typo must fail");
    assert!(err.to_string().contains("valuez"), "{err}");
}

#[test]
fn duplicate_case_names_are_rejected() {
    let spec = "cases:\n- name: a\n  templates: {a.yaml: x}\n- name: a\n  templates: {a.yaml: y}\n";
    let err = check(&[("spec.yaml", spec)]).expect_err("duplicate must fail");
    assert!(err.to_string().contains("duplicate"), "{err}");
}

#[test]
fn template_paths_cannot_escape_the_chart() {
    let spec = "cases:\n- name: a\n  templates: {../evil.yaml: x}\n";
    let err = check(&[("spec.yaml", spec)]).expect_err("traversal must fail");
    assert!(err.to_string().contains("bad file path"), "{err}");
}

#[test]
fn error_contains_on_a_match_case_is_rejected() {
    let spec = "cases:\n- name: a\n  templates: {a.yaml: x}\n  error_contains: boom\n";
    assert!(check(&[("spec.yaml", spec)]).is_err());
}
