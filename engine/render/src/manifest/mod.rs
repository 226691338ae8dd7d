//! The manifest stage: from rendered templates to what a Helm release holds.
//!
//! [`build_release_manifest`] does what Helm's action does after rendering:
//! skip partials and blank files, take NOTES.txt apart, split every file into
//! YAML documents, read each document's head (errors name the template like
//! Helm's `YAML parse error on FILE: ...`), pull out hooks, sort the rest in
//! Helm's install order, and print the manifest with `---\n# Source: PATH\n`
//! headers (CRDs first when asked). [`template_output`] prints what
//! `helm template` prints from it.

mod head;
mod hooks;
mod order;
mod split;
mod template;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use head::{HeadMetadata, SimpleHead, parse_head};
pub use hooks::{
    HOOK_ANNOTATION, HOOK_DELETE_ANNOTATION, HOOK_OUTPUT_LOG_ANNOTATION, HOOK_WEIGHT_ANNOTATION,
    Hook, HookEvent,
};
pub use order::{INSTALL_ORDER, UNINSTALL_ORDER, sort_by_kind};
pub use split::split_manifests;
pub use template::{TemplateOptions, glob_match, template_output};

use crate::error::{Error, Result};

/// One document of the manifest, with the template it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The template path (`chart/templates/x.yaml`).
    pub name: String,
    /// The document's text.
    pub content: String,
    /// Its head.
    pub head: SimpleHead,
}

/// How the manifest of a release is put together.
#[derive(Debug, Clone, Default)]
pub struct ManifestOptions {
    /// Print the chart's CRDs (`crds/`) ahead of the manifest (`--include-crds`).
    pub include_crds: bool,
    /// Keep the NOTES.txt of subcharts too (`--render-subchart-notes`).
    pub render_subchart_notes: bool,
    /// Leave `v1` Secrets' content out of the manifest text (`--hide-secret`,
    /// dry runs only), as Helm does: their `# Source:` line stays, with a note.
    pub hide_secret: bool,
}

/// What a release holds after rendering.
#[derive(Debug, Clone, Default)]
pub struct ReleaseManifest {
    /// The manifest text: `---\n# Source: PATH\nDOC\n` per document, CRDs first when included.
    pub manifest: String,
    /// The documents of the manifest in install order.
    pub manifests: Vec<Manifest>,
    /// Hooks in install order of their kinds.
    pub hooks: Vec<Hook>,
    /// Rendered notes (the root chart's, or every chart's joined by a blank line).
    pub notes: String,
}

/// Helm's `SortManifests`: partials and blank files skipped, every file split
/// into documents, hooks taken out, both sorted by kind in `order`.
pub fn sort_manifests(
    files: &BTreeMap<String, String>,
    order: &[&str],
) -> Result<(Vec<Hook>, Vec<Manifest>)> {
    let mut hooks = Vec::new();
    let mut generic = Vec::new();
    for (path, content) in files {
        let base = path.rsplit('/').next().unwrap_or(path);
        if base.starts_with('_') || content.trim().is_empty() {
            continue;
        }
        for doc in split_manifests(content) {
            let head = parse_head(&doc)
                .map_err(|e| Error::Manifest(format!("YAML parse error on {path}: {e}")))?;
            match hooks::hook_of(&head, path, &doc) {
                Some(hooks::HookKind::Hook(h)) => hooks.push(h),
                Some(hooks::HookKind::Unknown) => {}
                None => generic.push(Manifest {
                    name: path.clone(),
                    content: doc,
                    head,
                }),
            }
        }
    }
    sort_by_kind(&mut hooks, order, |h: &Hook| h.kind.as_str());
    sort_by_kind(&mut generic, order, |m: &Manifest| m.head.kind.as_str());
    Ok((hooks, generic))
}

/// Builds the manifest, hooks and notes of a release from the rendered files
/// of chart `chart_name` (`{template path: text}`) and its CRD files
/// (`(path, content)` with paths like `chart/crds/x.yaml`, in chart order).
pub fn build_release_manifest(
    chart_name: &str,
    rendered: &BTreeMap<String, String>,
    crds: &[(String, String)],
    opts: &ManifestOptions,
) -> Result<ReleaseManifest> {
    let root_notes = format!("{chart_name}/templates/NOTES.txt");
    let mut files = BTreeMap::new();
    let mut notes: Vec<(&String, &String)> = Vec::new();
    for (path, text) in rendered {
        if path.ends_with("NOTES.txt") {
            if opts.render_subchart_notes || *path == root_notes {
                notes.push((path, text));
            }
        } else {
            files.insert(path.clone(), text.clone());
        }
    }
    notes.sort_by(|a, b| {
        let depth = |s: &str| s.matches("/charts/").count();
        depth(a.0).cmp(&depth(b.0)).then_with(|| a.0.cmp(b.0))
    });
    let (hooks, manifests) = sort_manifests(&files, INSTALL_ORDER)?;
    let mut manifest = String::new();
    if opts.include_crds {
        for (path, content) in crds {
            manifest.push_str(&format!("---\n# Source: {path}\n{content}\n"));
        }
    }
    for m in &manifests {
        if opts.hide_secret && m.head.kind == "Secret" && m.head.version == "v1" {
            manifest.push_str(&format!(
                "---\n# Source: {}\n# HIDDEN: The Secret output has been suppressed\n",
                m.name
            ));
        } else {
            manifest.push_str(&format!("---\n# Source: {}\n{}\n", m.name, m.content));
        }
    }
    let mut joined = String::new();
    for (_, text) in notes {
        if !joined.is_empty() {
            joined.push('\n');
        }
        joined.push_str(text);
    }
    Ok(ReleaseManifest {
        manifest,
        manifests,
        hooks,
        notes: joined,
    })
}
