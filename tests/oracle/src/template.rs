//! Runs `template_oracle.py`: the manifest and notes Helm v4 renders for a
//! chart (client-side dry-run install), with values given as Helm's flags.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::oracle::run_python;

/// A `helm template` run: chart, release, namespace and values flags.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TemplateCase {
    /// The chart directory.
    pub chart_dir: PathBuf,
    /// Release name.
    pub release_name: String,
    /// Namespace.
    pub namespace: String,
    /// `-f` files' contents in order.
    pub values_yaml: Vec<String>,
    /// `--set-json`.
    pub set_json: Vec<String>,
    /// `--set`.
    pub set: Vec<String>,
    /// `--set-string`.
    pub set_string: Vec<String>,
    /// `--set-literal`.
    pub set_literal: Vec<String>,
}

/// What Helm produced.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HelmRelease {
    /// The release manifest (`---\n# Source: ...` per document).
    pub manifest: String,
    /// The rendered notes.
    pub notes: String,
}

impl HelmRelease {
    /// What `helm template` prints for this manifest when there are no hooks.
    pub fn template_text(&self) -> String {
        format!("{}\n", self.manifest.trim())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Reply {
    Ok(HelmRelease),
    Error(String),
}

/// Runs each case through Helm; results are in case order.
pub fn helm_template_batch(
    cases: &[TemplateCase],
) -> Result<Vec<std::result::Result<HelmRelease, String>>> {
    let input = serde_json::to_vec(cases).map_err(|e| Error::Oracle(e.to_string()))?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run_python(&dir.join("template_oracle.py"), &[], &input)?;
    if !out.status.success() {
        return Err(Error::Oracle(format!(
            "template oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let replies: Vec<Reply> = serde_json::from_slice(&out.stdout)
        .map_err(|e| Error::Oracle(format!("template oracle output: {e}")))?;
    Ok(replies
        .into_iter()
        .map(|r| match r {
            Reply::Ok(release) => Ok(release),
            Reply::Error(message) => Err(message),
        })
        .collect())
}
