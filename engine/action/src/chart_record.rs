//! A loaded chart as a release record holds it (Helm's `chart.Chart` JSON:
//! metadata, templates, values, schema, files; subcharts are not stored).

use helmd_release as rec;
use helmd_render::Chart;

/// Chart.yaml as the record's metadata.
fn metadata(m: &helmd_chart::Metadata) -> rec::Metadata {
    rec::Metadata {
        name: m.name.clone(),
        home: m.home.clone(),
        sources: m.sources.clone(),
        version: m.version.clone(),
        description: m.description.clone(),
        keywords: m.keywords.clone(),
        maintainers: m
            .maintainers
            .iter()
            .map(|x| rec::Maintainer {
                name: x.name.clone(),
                email: x.email.clone(),
                url: x.url.clone(),
            })
            .collect(),
        icon: m.icon.clone(),
        api_version: m.api_version.clone(),
        condition: m.condition.clone(),
        tags: m.tags.clone(),
        app_version: m.app_version.clone(),
        deprecated: m.deprecated,
        annotations: m.annotations.clone().unwrap_or_default(),
        kube_version: m.kube_version.clone(),
        dependencies: m
            .dependencies
            .iter()
            .flatten()
            .map(|d| rec::Dependency {
                name: d.name.clone(),
                version: d.version.clone(),
                repository: d.repository.clone(),
                condition: d.condition.clone(),
                tags: d.tags.clone(),
                enabled: d.enabled,
                import_values: d.import_values.clone(),
                alias: d.alias.clone(),
            })
            .collect(),
        chart_type: m.chart_type.clone(),
    }
}

fn file(name: &str, data: &[u8]) -> rec::File {
    rec::File {
        name: name.to_owned(),
        data: Some(data.to_vec()),
        mod_time: None,
    }
}

/// The chart as stored in a release record.
pub fn chart_record(chart: &Chart, values: &helmd_render::Values) -> crate::Result<rec::Chart> {
    // Helm stores the chart its `ProcessDependencies` left: disabled subcharts
    // dropped, `enabled` set, import-values applied and the chart's values
    // replaced by its coalesced values (what `helm get values --all` starts from).
    let mut processed = chart.clone();
    helmd_chart::process_dependencies(&mut processed, values).map_err(helmd_render::Error::from)?;
    Ok(record_of(&processed))
}

/// A processed chart as the record holds it.
fn record_of(chart: &Chart) -> rec::Chart {
    rec::Chart {
        metadata: Some(metadata(&chart.metadata)),
        lock: None,
        templates: Some(
            chart
                .templates
                .iter()
                .map(|(name, text)| file(name, text.as_bytes()))
                .collect(),
        ),
        values: chart.values.clone(),
        schema: chart.schema.clone(),
        schema_mod_time: None,
        files: Some(
            chart
                .files
                .iter()
                .map(|(name, data)| file(name, data))
                .collect(),
        ),
        mod_time: None,
    }
}
