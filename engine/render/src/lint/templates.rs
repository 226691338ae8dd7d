//! Helm's templates rule: render the chart in lint mode (release
//! `test-release`), then check each of the chart's own templates: extension,
//! top-level indent, YAML, object names, deprecated APIs, workload selectors
//! and `List` annotations.

use std::collections::BTreeMap;

use helmd_yaml::{Str, Value};

use super::{Kube, LintOptions, Linter, Severity, deprecations, docs, names};
use crate::engine::{Mode, RenderOptions, kube_version, render_tree};

const DIR: &str = "templates/";

/// Runs the templates rule.
pub(super) fn lint(
    l: &mut Linter<'_>,
    values: &BTreeMap<Str, Value>,
    opts: &LintOptions,
    kube: Kube,
) {
    if !l.rule(
        Severity::Warning,
        DIR,
        if l.files.exists("templates") {
            Ok(())
        } else {
            Err("directory does not exist".into())
        },
    ) {
        return;
    }
    if !l.rule(
        Severity::Error,
        DIR,
        if l.files.is_dir("templates") {
            Ok(())
        } else {
            Err("not a directory".into())
        },
    ) {
        return;
    }
    let chart = match l.chart() {
        Ok(c) => c,
        Err(e) => {
            l.rule(Severity::Error, DIR, Err(e));
            return;
        }
    };
    let rendered = match render(&chart, values, opts) {
        Ok(Some(r)) => r,
        Ok(None) => return,
        Err(e) => {
            l.rule(Severity::Error, DIR, Err(e));
            return;
        }
    };
    let mut names_in_order: Vec<&String> = chart.templates.keys().collect();
    // Helm's loader walks the directory: each level's entries in name order.
    names_in_order.sort_by(|a, b| a.split('/').cmp(b.split('/')));
    for file in names_in_order {
        l.rule(Severity::Error, file, extension(file));
        let lower = file.to_lowercase();
        if !(lower.ends_with(".yaml") || lower.ends_with(".yml")) {
            continue;
        }
        let key = format!("{}/{file}", chart.name());
        let content = rendered.get(&key).map(String::as_str).unwrap_or_default();
        if content.trim().is_empty() {
            continue;
        }
        l.rule(Severity::Warning, file, top_indent(content));
        for doc in docs::decode(content) {
            let stub = match doc {
                Ok(Some(s)) => s,
                Ok(None) => continue,
                Err(e) => {
                    l.rule(Severity::Error, file, Err(e));
                    return;
                }
            };
            l.rule(
                Severity::Warning,
                file,
                names::validate(&stub.kind, &stub.name),
            );
            l.rule(
                Severity::Warning,
                file,
                deprecations::check(&stub.api_version, &stub.kind, kube.major, kube.minor),
            );
            l.rule(Severity::Error, file, selector(&stub, content));
            let list = if stub.kind == "List" && docs::list_has_resource_policy(content) {
                Err("annotation 'helm.sh/resource-policy' within List objects are ignored".into())
            } else {
                Ok(())
            };
            l.rule(Severity::Error, file, list);
        }
    }
}

/// The lint render: dependencies processed and values coalesced (a failure
/// there ends the rule silently, as in Helm), values checked against the
/// schemas, then every template rendered in lint mode.
fn render(
    chart: &helmd_chart::Chart,
    values: &BTreeMap<Str, Value>,
    opts: &LintOptions,
) -> Result<Option<BTreeMap<String, String>>, String> {
    let mut chart = chart.clone();
    if helmd_chart::process_dependencies(&mut chart, values).is_err() {
        return Ok(None);
    }
    let Ok(coalesced) = helmd_chart::coalesce_values(&chart, values) else {
        return Ok(None);
    };
    if !opts.skip_schema_validation {
        helmd_chart::validate_values(&chart, &coalesced).map_err(|e| e.to_string())?;
    }
    let render_opts = RenderOptions {
        release_name: "test-release".into(),
        namespace: opts.namespace.clone(),
        revision: 0,
        is_install: false,
        is_upgrade: false,
        kube_version: opts.kube_version.clone(),
        api_versions: Vec::new(),
        cluster_api_versions: false,
        interrupt: opts.interrupt.clone(),
        cluster: None,
        enable_dns: false,
    };
    let (kube, kube_text) = kube_version(&render_opts).map_err(|e| e.to_string())?;
    render_tree(
        &chart,
        coalesced,
        &render_opts,
        kube,
        &kube_text,
        Mode::Lint,
    )
    .map(Some)
    .map_err(|e| e.to_string())
}

fn extension(file: &str) -> Result<(), String> {
    let base = file.rsplit('/').next().unwrap_or(file);
    let ext = base.rfind('.').map_or("", |i| &base[i..]);
    if matches!(ext, ".yaml" | ".yml" | ".tpl" | ".txt") {
        return Ok(());
    }
    Err(format!(
        "file extension '{ext}' not valid. Valid extensions are .yaml, .yml, .tpl, or .txt"
    ))
}

/// The first non-blank line must not be indented.
fn top_indent(content: &str) -> Result<(), String> {
    let Some(line) = content.lines().find(|l| !l.trim().is_empty()) else {
        return Ok(());
    };
    if line.starts_with(' ') || line.starts_with('\t') {
        return Err(format!(
            "document starts with an illegal indent: {}, which may cause parsing problems",
            helmd_gotmpl::go_quote(line)
        ));
    }
    Ok(())
}

/// Workloads need `matchLabels` or `matchExpressions` somewhere in the file.
fn selector(stub: &docs::Stub, content: &str) -> Result<(), String> {
    let workload = matches!(
        stub.kind.as_str(),
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet"
    );
    if workload && !content.contains("matchLabels") && !content.contains("matchExpressions") {
        return Err(format!(
            "a {} must contain matchLabels or matchExpressions, and {} does not",
            stub.kind,
            helmd_gotmpl::go_quote(&stub.name)
        ));
    }
    Ok(())
}
