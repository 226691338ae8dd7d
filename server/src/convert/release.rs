//! Stored release records (`helmd_release::Release`) as `helmd.v1.Release` messages,
//! in the summary or the full view; values as YAML as `helm get values` prints them.

use helmd_proto::v1 as pb;
use helmd_release::{Hook, Metadata, Release};
use helmd_yaml::Value;
use time::OffsetDateTime;

use crate::error::{Error, Result};

/// `PREFIX` + the upper-cased, underscored Helm name (`pre-install` → `…PRE_INSTALL`).
fn enum_name(prefix: &str, name: &str) -> String {
    format!("{prefix}{}", name.to_uppercase().replace('-', "_"))
}

/// Helm's hook event names as `HookEvent` values; unknown names are left out.
pub fn hook_events<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<i32> {
    names
        .into_iter()
        .filter_map(|n| pb::HookEvent::from_str_name(&enum_name("HOOK_EVENT_", n)))
        .map(|e| e as i32)
        .collect()
}

/// Helm's hook delete policies as `HookDeletePolicy` values.
pub fn hook_delete_policies(names: &[String]) -> Vec<i32> {
    names
        .iter()
        .filter_map(|n| pb::HookDeletePolicy::from_str_name(&enum_name("HOOK_DELETE_POLICY_", n)))
        .map(|p| p as i32)
        .collect()
}

/// Helm's hook output-log policies as `HookOutputLogPolicy` values.
pub fn hook_output_log_policies(names: &[String]) -> Vec<i32> {
    names
        .iter()
        .filter_map(|n| {
            pb::HookOutputLogPolicy::from_str_name(&enum_name("HOOK_OUTPUT_LOG_POLICY_", n))
        })
        .map(|p| p as i32)
        .collect()
}

fn timestamp(t: Option<OffsetDateTime>) -> Option<prost_types::Timestamp> {
    t.map(|t| prost_types::Timestamp {
        seconds: t.unix_timestamp(),
        nanos: i32::try_from(t.nanosecond()).unwrap_or(0),
    })
}

/// The record's chart metadata as a message.
fn metadata(meta: &Metadata) -> pb::ChartMetadata {
    let kind = if meta.chart_type == "library" {
        pb::ChartType::Library
    } else {
        pb::ChartType::Application
    };
    pb::ChartMetadata {
        name: meta.name.clone(),
        version: meta.version.clone(),
        app_version: meta.app_version.clone(),
        description: meta.description.clone(),
        r#type: kind as i32,
        api_version: meta.api_version.clone(),
        kube_version: meta.kube_version.clone(),
        keywords: meta.keywords.clone(),
        home: meta.home.clone(),
        sources: meta.sources.clone(),
        maintainers: meta
            .maintainers
            .iter()
            .map(|m| pb::ChartMaintainer {
                name: m.name.clone(),
                email: m.email.clone(),
                url: m.url.clone(),
            })
            .collect(),
        icon: meta.icon.clone(),
        deprecated: meta.deprecated,
        annotations: meta.annotations.clone().into_iter().collect(),
        dependencies: meta
            .dependencies
            .iter()
            .map(|d| pb::ChartDependency {
                name: d.name.clone(),
                version: d.version.clone(),
                repository: d.repository.clone(),
                condition: d.condition.clone(),
                tags: d.tags.clone(),
                alias: d.alias.clone(),
                import_values: Vec::new(),
            })
            .collect(),
    }
}

/// A stored hook as a message, with its last run.
pub fn hook(h: &Hook) -> pb::Hook {
    let run = &h.last_run;
    let phase = pb::HookPhase::from_str_name(&enum_name("HOOK_PHASE_", &run.phase))
        .unwrap_or(pb::HookPhase::Unknown);
    pb::Hook {
        name: h.name.clone(),
        kind: h.kind.clone(),
        path: h.path.clone(),
        manifest: h.manifest.clone(),
        events: hook_events(h.events.iter().map(String::as_str)),
        weight: i32::try_from(h.weight).unwrap_or(0),
        delete_policies: hook_delete_policies(&h.delete_policies),
        output_log_policies: hook_output_log_policies(&h.output_log_policies),
        last_run: (run.started_at.is_some() || !run.phase.is_empty()).then(|| pb::HookExecution {
            start_time: timestamp(run.started_at),
            completion_time: timestamp(run.completed_at),
            phase: phase as i32,
        }),
    }
}

/// Values as `helm get values -o yaml` prints them (sigs.k8s.io/yaml's text, which
/// ends with a newline where `toYaml` trims it).
fn yaml(v: &Value) -> Result<String> {
    let mut text =
        helmd_yaml::to_yaml(v).map_err(|e| Error::Corrupt(format!("release values: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// The user values coalesced with the chart's, as `helm get values --all` computes
/// them (the record keeps no subcharts, so only the chart's own values take part).
fn computed_values(release: &Release) -> Result<String> {
    let chart_values = release
        .chart
        .as_ref()
        .map(|c| c.values.clone())
        .unwrap_or(Value::Nil);
    let chart = helmd_chart::Chart {
        metadata: helmd_chart::Metadata::default(),
        values: chart_values,
        schema: None,
        templates: Default::default(),
        files: Default::default(),
        dependencies: Vec::new(),
    };
    let user = match &release.config {
        Value::Map(m) => m.read().clone(),
        _ => Default::default(),
    };
    let merged = helmd_chart::coalesce_values(&chart, &user)
        .map_err(|e| Error::Corrupt(format!("release values: {e}")))?;
    yaml(&Value::map(merged))
}

/// A record as a `Release`: the full view adds values, manifest, hooks and notes.
pub fn release(r: &Release, full: bool) -> Result<pb::Release> {
    let info = r.info.clone().unwrap_or_default();
    let status =
        pb::ReleaseStatus::from_str_name(&enum_name("RELEASE_STATUS_", info.status.as_str()))
            .unwrap_or(pb::ReleaseStatus::Unknown);
    let apply_method = match r.apply_method.as_str() {
        helmd_release::APPLY_METHOD_SSA => pb::ApplyMethod::ServerSide,
        helmd_release::APPLY_METHOD_CSA => pb::ApplyMethod::ClientSide,
        _ => pb::ApplyMethod::Unspecified,
    };
    let mut out = pb::Release {
        name: r.name.clone(),
        namespace: r.namespace.clone(),
        revision: i32::try_from(r.version).unwrap_or(i32::MAX),
        status: status as i32,
        description: info.description.clone(),
        first_deploy_time: timestamp(info.first_deployed),
        last_deploy_time: timestamp(info.last_deployed),
        delete_time: timestamp(info.deleted),
        chart: r
            .chart
            .as_ref()
            .and_then(|c| c.metadata.as_ref())
            .map(metadata),
        labels: helmd_release::custom_labels(&r.labels)
            .into_iter()
            .collect(),
        apply_method: apply_method as i32,
        rollback_revision: i32::try_from(info.rollback_revision).unwrap_or(0),
        ..Default::default()
    };
    if full {
        out.config = yaml(&r.config)?;
        out.computed_values = computed_values(r)?;
        out.manifest = r.manifest.clone();
        out.hooks = r.hooks.iter().map(hook).collect();
        out.notes = info.notes;
    }
    Ok(out)
}
