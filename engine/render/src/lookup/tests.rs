//! `lookup` through a fake cluster: objects, lists, NotFound, failures,
//! limits, and Helm's offline behaviour without a cluster or in lint mode.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use helmd_yaml::{IntKind, Str, Value};

use crate::host::{ClusterAccess, LookupError, LookupRequest};
use crate::{Interrupt, RenderOptions, load_chart_files, render_chart};

/// A cluster holding one ConfigMap `ns/web`, recording what it was asked.
#[derive(Debug, Default)]
struct FakeCluster {
    asked: Mutex<Vec<String>>,
}

fn config_map(namespace: &str, name: &str) -> Value {
    let mut metadata = BTreeMap::new();
    metadata.insert(Str::from("name"), Value::str(name));
    metadata.insert(Str::from("namespace"), Value::str(namespace));
    let mut data = BTreeMap::new();
    data.insert(Str::from("port"), Value::str("8080"));
    let mut cm = BTreeMap::new();
    cm.insert(Str::from("apiVersion"), Value::str("v1"));
    cm.insert(Str::from("kind"), Value::str("ConfigMap"));
    cm.insert(Str::from("metadata"), Value::map(metadata));
    cm.insert(Str::from("data"), Value::map(data));
    cm.insert(Str::from("replicas"), Value::Int(3, IntKind::Int64));
    Value::map(cm)
}

impl ClusterAccess for FakeCluster {
    fn lookup(
        &self,
        r: &LookupRequest<'_>,
        _max_bytes: usize,
        _interrupt: &Interrupt,
    ) -> Result<Option<Value>, LookupError> {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(format!(
                "{} {} {} {}",
                r.api_version, r.kind, r.namespace, r.name
            ));
        }
        match (r.kind, r.namespace, r.name) {
            ("ConfigMap", "ns", "web") => Ok(Some(config_map("ns", "web"))),
            ("ConfigMap", _, "") => {
                let mut list = BTreeMap::new();
                list.insert(Str::from("apiVersion"), Value::str("v1"));
                list.insert(Str::from("kind"), Value::str("ConfigMapList"));
                list.insert(
                    Str::from("items"),
                    Value::list(vec![config_map("ns", "web")]),
                );
                Ok(Some(Value::map(list)))
            }
            ("Secret", _, _) => Err(LookupError::Failed(
                "secrets \"s\" is forbidden: User \"helmd\" cannot get resource \"secrets\"".into(),
            )),
            ("Huge", _, _) => Err(LookupError::TooLarge),
            ("Slow", _, _) => Err(LookupError::TimedOut(
                "no answer (limit lookup-timeout)".into(),
            )),
            _ => Ok(None),
        }
    }
}

/// Renders `template` as the chart's only template with `cluster`, in
/// template or lint mode.
fn check(template: &str, cluster: Option<Arc<FakeCluster>>) -> Result<String, String> {
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_owned(),
        b"apiVersion: v2\nname: c\nversion: 0.1.0\n".to_vec(),
    );
    files.insert("templates/a.yaml".to_owned(), template.as_bytes().to_vec());
    let chart = load_chart_files(files).map_err(|e| e.to_string())?;
    let opts = RenderOptions {
        cluster: cluster.map(|c| c as Arc<dyn ClusterAccess>),
        ..RenderOptions::default()
    };
    let mut out = render_chart(&chart, &[], &opts).map_err(|e| e.to_string())?;
    Ok(out.remove("c/templates/a.yaml").unwrap_or_default())
}

#[test]
fn lookup_of_an_object_returns_it_as_a_map() {
    let cluster = Arc::new(FakeCluster::default());
    let got = check(
        r#"{{ $cm := lookup "v1" "ConfigMap" "ns" "web" }}{{ $cm.data.port }} {{ $cm.metadata.name }} {{ printf "%T" $cm.replicas }}"#,
        Some(cluster.clone()),
    );
    assert_eq!(got.as_deref(), Ok("8080 web int64"));
    let asked = cluster.asked.lock().map(|a| a.clone()).unwrap_or_default();
    assert_eq!(asked, vec!["v1 ConfigMap ns web".to_owned()]);
}

#[test]
fn lookup_with_no_name_returns_the_list_object() {
    let got = check(
        r#"{{ $l := lookup "v1" "ConfigMap" "" "" }}{{ $l.kind }} {{ range $l.items }}{{ .metadata.namespace }}/{{ .metadata.name }}{{ end }}"#,
        Some(Arc::new(FakeCluster::default())),
    );
    assert_eq!(got.as_deref(), Ok("ConfigMapList ns/web"));
}

#[test]
fn lookup_of_a_missing_object_is_an_empty_map() {
    let got = check(
        r#"{{ $cm := lookup "v1" "ConfigMap" "ns" "nope" }}{{ if not $cm }}absent {{ printf "%T %d" $cm (len $cm) }}{{ end }}"#,
        Some(Arc::new(FakeCluster::default())),
    );
    assert_eq!(got.as_deref(), Ok("absent map[string]interface {} 0"));
}

#[test]
fn a_failed_lookup_fails_the_render_with_the_clusters_words() {
    let got = check(
        r#"{{ lookup "v1" "Secret" "ns" "s" }}"#,
        Some(Arc::new(FakeCluster::default())),
    );
    assert_eq!(
        got,
        Err("template: c/templates/a.yaml:1:3: executing \"c/templates/a.yaml\" at <lookup \"v1\" \"Secret\" \"ns\" \"s\">: error calling lookup: secrets \"s\" is forbidden: User \"helmd\" cannot get resource \"secrets\"".into())
    );
}

#[test]
fn an_answer_past_the_memory_budget_is_the_limit_error() {
    let got = check(
        r#"{{ lookup "v1" "Huge" "" "" }}"#,
        Some(Arc::new(FakeCluster::default())),
    );
    let err = got.err().unwrap_or_default();
    assert!(
        err.ends_with(&format!(
            "render memory limit of {} bytes exceeded",
            helmd_gotmpl::DEFAULT_MAX_MEMORY
        )),
        "{err}"
    );
}

#[test]
fn a_lookup_past_its_time_limit_names_the_limit() {
    let got = check(
        r#"{{ lookup "v1" "Slow" "" "" }}"#,
        Some(Arc::new(FakeCluster::default())),
    );
    let err = got.err().unwrap_or_default();
    assert!(err.ends_with("(limit lookup-timeout)"), "{err}");
}

#[test]
fn without_a_cluster_lookup_is_helms_empty_map() {
    let got = check(
        r#"{{ $cm := lookup "v1" "ConfigMap" "ns" "web" }}[{{ printf "%T %d" $cm (len $cm) }}]"#,
        None,
    );
    assert_eq!(got.as_deref(), Ok("[map[string]interface {} 0]"));
}

#[test]
fn lookup_takes_four_strings() {
    let got = check(r#"{{ lookup "v1" "ConfigMap" "ns" 1 }}"#, None);
    assert_eq!(
        got,
        Err("c/templates/a.yaml:1:32\n  executing \"c/templates/a.yaml\" at <1>:\n    expected string; found 1".into())
    );
}

#[test]
fn tpl_reaches_the_cluster_too() {
    let got = check(
        r#"{{ tpl "{{ (lookup \"v1\" \"ConfigMap\" \"ns\" \"web\").data.port }}" . }}"#,
        Some(Arc::new(FakeCluster::default())),
    );
    assert_eq!(got.as_deref(), Ok("8080"));
}

#[test]
fn lint_mode_keeps_the_offline_lookup() {
    let cluster = Arc::new(FakeCluster::default());
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_owned(),
        b"apiVersion: v2\nname: c\nversion: 0.1.0\n".to_vec(),
    );
    files.insert(
        "templates/a.yaml".to_owned(),
        br#"{{ lookup "v1" "ConfigMap" "ns" "web" }}"#.to_vec(),
    );
    let Ok(chart) = load_chart_files(files) else {
        panic!("chart");
    };
    let opts = RenderOptions {
        cluster: Some(cluster.clone() as Arc<dyn ClusterAccess>),
        ..RenderOptions::default()
    };
    let values = helmd_chart::coalesce_values(&chart, &BTreeMap::new()).unwrap_or_default();
    let (kube, text) = crate::engine::kube_version(&opts).unwrap_or_else(|e| panic!("{e}"));
    let out = crate::engine::render_tree(
        &chart,
        values,
        &opts,
        kube,
        &text,
        crate::engine::Mode::Lint,
    );
    assert!(out.is_ok());
    assert!(cluster.asked.lock().map(|a| a.is_empty()).unwrap_or(false));
}
