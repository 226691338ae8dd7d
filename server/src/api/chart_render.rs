//! RenderChart and ShowChart on a loaded archive: values merged like Helm's flags (no
//! file reads: `set_file` carries the content), rendering and the manifest stage like
//! `helm template`. Everything here is synchronous; callers run it on a blocking thread.

use std::collections::BTreeMap;

use bytes::Bytes;
use helmd_proto::v1 as pb;
use helmd_render::manifest::{
    Hook, Manifest, ManifestOptions, TemplateOptions, build_release_manifest, template_output,
};
use helmd_render::{
    ArchiveLimits, Chart, Crd, Error as RenderError, RenderOptions, ValueOptions, Values,
    enabled_crd_objects, load_chart_archive, merge_values, read_chart_archive, render_chart_values,
};
use helmd_source::read_chart_metadata;

use crate::convert::chart as conv;
use crate::convert::release;
use crate::error::{Error, Result};

/// A chart archive and the request field it came from (for error details).
#[derive(Clone)]
pub struct Archive {
    /// The `.tgz` bytes.
    pub bytes: Bytes,
    /// `chart.uploaded.archive`, `chart.oci` or `chart.repository`.
    pub field: &'static str,
}

/// A RenderChartRequest with its chart fetched.
pub struct RenderInput {
    /// The chart.
    pub archive: Archive,
    /// The request's values.
    pub values: Option<pb::Values>,
    /// Release and capabilities.
    pub options: RenderOptions,
    /// CRDs and subchart notes.
    pub manifest: ManifestOptions,
    /// show-only, no-hooks, skip-tests.
    pub template: TemplateOptions,
    /// `skip_schema_validation`.
    pub skip_schema: bool,
}

/// The chart of `archive`, loaded with Helm's archive limits.
pub fn load(archive: &Archive) -> Result<Chart> {
    load_chart_archive(&archive.bytes, ArchiveLimits::default()).map_err(|e| Error::ChartInput {
        field: archive.field.to_owned(),
        source: RenderError::Chart(e),
    })
}

/// The request's metadata of a loaded archive.
fn metadata(archive: &Archive) -> Result<pb::ChartMetadata> {
    Ok(conv::metadata(&read_chart_metadata(&archive.bytes)?))
}

/// The user values of a request, merged in Helm's order. YAML documents are named
/// `values.yaml_documents[i]` in messages; `set_file` entries read their content from
/// the request, never from the server's disk.
pub fn user_values(values: Option<pb::Values>) -> Result<Values> {
    let values = values.unwrap_or_default();
    let mut contents = BTreeMap::new();
    let mut file_values = Vec::new();
    for (i, entry) in values.set_file.into_iter().enumerate() {
        if entry.key.is_empty() {
            return Err(Error::invalid(
                format!("values.set_file[{i}].key"),
                "required",
            ));
        }
        let token = format!("values.set_file[{i}]");
        file_values.push(format!("{}={token}", entry.key));
        contents.insert(token, entry.content);
    }
    let opts = ValueOptions {
        values_files: values
            .yaml_documents
            .into_iter()
            .enumerate()
            .map(|(i, doc)| (format!("values.yaml_documents[{i}]"), doc))
            .collect(),
        json_values: values.set_json,
        values: values.set,
        string_values: values.set_string,
        file_values,
        literal_values: values.set_literal,
    };
    let mut read = |path: &str| {
        contents
            .get(path.trim())
            .cloned()
            .ok_or_else(|| format!("open {path}: no such file or directory"))
    };
    merge_values(&opts, &mut read).map_err(|e| Error::ChartInput {
        field: "values".to_owned(),
        source: RenderError::Chart(e),
    })
}

/// Drops every values.schema.json of the chart and its subcharts.
pub fn strip_schemas(chart: &mut Chart) {
    chart.schema = None;
    chart.dependencies.iter_mut().for_each(strip_schemas);
}

/// CRD files as `(chart/crds/x.yaml, text)`.
fn crds(objects: Vec<Crd>) -> Vec<(String, String)> {
    objects
        .into_iter()
        .map(|crd| {
            (
                crd.filename,
                String::from_utf8_lossy(&crd.data).into_owned(),
            )
        })
        .collect()
}

/// A render's response and the manifest's documents (for `validate`).
pub struct Rendered {
    /// What RenderChart answers.
    pub response: pb::RenderChartResponse,
    /// The manifest's documents in install order, each with its template.
    pub manifests: Vec<Manifest>,
}

/// Renders like `helm template`.
pub fn render(input: RenderInput) -> Result<Rendered> {
    let mut chart = load(&input.archive)?;
    let meta = metadata(&input.archive)?;
    if input.skip_schema {
        strip_schemas(&mut chart);
    }
    let user = user_values(input.values)?;
    chart
        .metadata
        .check_installable()
        .map_err(|e| Error::Render(e.into()))?;
    // `--include-crds` prints the CRDs of enabled subcharts only.
    let crd_objects = if input.manifest.include_crds {
        enabled_crd_objects(&chart, &user).map_err(Error::Render)?
    } else {
        Vec::new()
    };
    let rendered = render_chart_values(&chart, user, &input.options).map_err(Error::Render)?;
    let release =
        build_release_manifest(chart.name(), &rendered, &crds(crd_objects), &input.manifest)
            .map_err(Error::Render)?;
    let manifest = template_output(&release, &input.template).map_err(|e| Error::ChartInput {
        field: "show_only".to_owned(),
        source: e,
    })?;
    let response = pb::RenderChartResponse {
        chart: Some(meta),
        files: rendered
            .into_iter()
            .map(|(path, content)| pb::RenderedFile { path, content })
            .collect(),
        manifest,
        notes: release.notes.clone(),
        hooks: release.hooks.iter().map(hook).collect(),
    };
    Ok(Rendered {
        response,
        manifests: release.manifests,
    })
}

/// A rendered hook as a `Hook` message (never run).
fn hook(h: &Hook) -> pb::Hook {
    pb::Hook {
        name: h.name.clone(),
        kind: h.kind.clone(),
        path: h.path.clone(),
        manifest: h.manifest.clone(),
        events: release::hook_events(h.events.iter().map(|e| e.as_str())),
        weight: i32::try_from(h.weight).unwrap_or(0),
        delete_policies: release::hook_delete_policies(&h.delete_policies),
        output_log_policies: release::hook_output_log_policies(&h.output_log_policies),
        last_run: None,
    }
}

/// What `helm show all` shows, plus the dependencies' states and the archive digest.
pub fn show(archive: Archive, values: Option<pb::Values>) -> Result<pb::ShowChartResponse> {
    let chart = load(&archive)?;
    let meta = metadata(&archive)?;
    let files = read_chart_archive(&archive.bytes, ArchiveLimits::default()).map_err(|e| {
        Error::ChartInput {
            field: archive.field.to_owned(),
            source: RenderError::Chart(e),
        }
    })?;
    let text = |name: &str| {
        files
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    // Helm's readme lookup: a top-level file named README(.md|.txt), any case.
    let readme = files
        .keys()
        .find(|k| {
            let lower = k.to_lowercase();
            matches!(lower.as_str(), "readme.md" | "readme.txt" | "readme")
        })
        .map(|k| text(k))
        .unwrap_or_default();
    let user = user_values(values)?;
    let mut processed = chart.clone();
    helmd_chart::process_dependencies(&mut processed, &user).map_err(|e| Error::ChartInput {
        field: "values".to_owned(),
        source: RenderError::Chart(e),
    })?;
    let enabled: Vec<&str> = processed.dependencies.iter().map(Chart::name).collect();
    let declared = meta.dependencies.clone();
    let dependencies = declared
        .into_iter()
        .map(|dep| {
            let effective = if dep.alias.is_empty() {
                dep.name.clone()
            } else {
                dep.alias.clone()
            };
            let packaged_version = chart
                .dependencies
                .iter()
                .find(|sub| sub.metadata.name == dep.name)
                .map(|sub| sub.metadata.version.clone())
                .unwrap_or_default();
            pb::DependencyStatus {
                enabled: enabled.contains(&effective.as_str()),
                dependency: Some(dep),
                packaged_version,
            }
        })
        .collect();
    let digest = ring::digest::digest(&ring::digest::SHA256, &archive.bytes);
    Ok(pb::ShowChartResponse {
        values: text("values.yaml"),
        readme,
        schema: text("values.schema.json"),
        crds: crds(chart.crd_objects())
            .into_iter()
            .map(|(path, content)| pb::RenderedFile { path, content })
            .collect(),
        dependencies,
        archive_digest: format!("sha256:{}", hex::encode(digest.as_ref())),
        metadata: Some(meta),
    })
}
