//! Rendering a release against the live cluster: `.Capabilities` from discovery,
//! Helm's manifest stage, hooks as the record stores them, CRDs apart.

use std::sync::Arc;

use helmd_kube::Doc;
use helmd_release as rec;
use helmd_render::manifest::{ManifestOptions, build_release_manifest};
use helmd_render::{
    Chart, ClusterAccess, Interrupt, RenderOptions, Values, enabled_crd_objects,
    render_chart_values,
};

use crate::error::Result;

/// What a render needs.
#[derive(Debug, Clone)]
pub struct RenderInput {
    /// The chart.
    pub chart: Chart,
    /// User values, merged in Helm's flag order.
    pub values: Values,
    /// `.Release.Name`.
    pub name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `.Release.Revision`.
    pub revision: i64,
    /// `.Release.IsUpgrade` (else IsInstall).
    pub is_upgrade: bool,
    /// The cluster's version (`v1.37.2`).
    pub kube_version: String,
    /// Render with Helm's default `.Capabilities` instead of the cluster's
    /// (a client-side dry run, which never talks to the cluster).
    pub default_capabilities: bool,
    /// The cluster's API versions.
    pub api_versions: Vec<String>,
    /// Keep subcharts' NOTES.txt.
    pub render_subchart_notes: bool,
    /// Leave `v1` Secrets out of the manifest and the objects (dry runs'
    /// `--hide-secret`: Helm builds a dry run's objects from that manifest).
    pub hide_secret: bool,
    /// Stops the render from outside.
    pub interrupt: Interrupt,
    /// The live cluster templates' `lookup` reads (`None`: Helm's offline
    /// empty map, as for `--dry-run=client`).
    pub cluster: Option<Arc<dyn ClusterAccess>>,
    /// Let `getHostByName` resolve names (`--enable-dns`).
    pub enable_dns: bool,
}

/// What a release holds after rendering.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The manifest as stored.
    pub manifest: String,
    /// Its documents in install order.
    pub docs: Vec<Doc>,
    /// The hooks, in kind order, as stored.
    pub hooks: Vec<rec::Hook>,
    /// NOTES.txt rendered.
    pub notes: String,
}

/// Renders synchronously (callers run it on a blocking thread).
pub fn render(input: RenderInput) -> Result<Rendered> {
    let opts = RenderOptions {
        release_name: input.name.clone(),
        namespace: input.namespace.clone(),
        revision: input.revision,
        is_install: !input.is_upgrade,
        is_upgrade: input.is_upgrade,
        kube_version: (!input.default_capabilities).then(|| input.kube_version.clone()),
        api_versions: if input.default_capabilities {
            Vec::new()
        } else {
            input.api_versions.clone()
        },
        cluster_api_versions: !input.default_capabilities,
        interrupt: input.interrupt.clone(),
        cluster: input.cluster.clone(),
        enable_dns: input.enable_dns,
    };
    let files = render_chart_values(&input.chart, input.values, &opts)?;
    let built = build_release_manifest(
        input.chart.name(),
        &files,
        &[],
        &ManifestOptions {
            include_crds: false,
            render_subchart_notes: input.render_subchart_notes,
            hide_secret: input.hide_secret,
        },
    )?;
    Ok(Rendered {
        manifest: built.manifest,
        docs: built
            .manifests
            .into_iter()
            .filter(|m| !(input.hide_secret && m.head.kind == "Secret" && m.head.version == "v1"))
            .map(|m| Doc {
                template: m.name,
                content: m.content,
            })
            .collect(),
        hooks: built.hooks.iter().map(hook_record).collect(),
        notes: built.notes,
    })
}

/// The CRDs (`crds/`) of the chart and its enabled subcharts, in chart order.
pub fn crds(chart: &Chart, values: &Values) -> Result<Vec<Doc>> {
    Ok(enabled_crd_objects(chart, values)?
        .into_iter()
        .map(|crd| Doc {
            template: crd.filename,
            content: String::from_utf8_lossy(&crd.data).into_owned(),
        })
        .collect())
}

/// A rendered hook as the record stores it (never run yet).
fn hook_record(h: &helmd_render::manifest::Hook) -> rec::Hook {
    rec::Hook {
        name: h.name.clone(),
        kind: h.kind.clone(),
        path: h.path.clone(),
        manifest: h.manifest.clone(),
        events: h.events.iter().map(|e| e.as_str().to_owned()).collect(),
        last_run: rec::HookExecution::default(),
        weight: h.weight,
        delete_policies: h.delete_policies.clone(),
        output_log_policies: h.output_log_policies.clone(),
    }
}

/// A stored manifest's documents again (rollback, uninstall, the current side of
/// an upgrade), in `order` (Helm's install or uninstall kind order).
pub fn docs_of_manifest(manifest: &str, order: &[&str]) -> Result<Vec<Doc>> {
    let mut files = std::collections::BTreeMap::new();
    // Each `# Source:` document keeps its template name; documents of one template
    // stay in their order.
    let mut current = String::from("manifest");
    let mut index = 0usize;
    for doc in helmd_render::manifest::split_manifests(manifest) {
        let template = doc
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(str::to_owned)
            .unwrap_or_else(|| current.clone());
        current = template.clone();
        index += 1;
        files.insert(format!("{index:08}"), (template, doc));
    }
    let texts = files
        .iter()
        .map(|(k, (_, doc))| (k.clone(), doc.clone()))
        .collect();
    let (_, manifests) = helmd_render::manifest::sort_manifests(&texts, order)?;
    Ok(manifests
        .into_iter()
        .map(|m| Doc {
            template: files.get(&m.name).map(|(t, _)| t.clone()).unwrap_or(m.name),
            content: m.content,
        })
        .collect())
}
