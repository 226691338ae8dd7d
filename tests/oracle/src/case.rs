//! One differential case: a chart directory, the user's values and the release options.

use std::path::PathBuf;

use serde::Serialize;

/// What a case expects from Helm and helmd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expectation {
    /// Both render successfully and produce the same files byte for byte.
    Match,
    /// Both fail; when `message_contains` is set, both messages contain it.
    BothFail {
        /// A substring both error messages must contain.
        message_contains: Option<String>,
    },
}

/// A chart rendered with given values and options, as `helm template` would.
#[derive(Debug, Clone)]
pub struct Case {
    /// Unique name, `<corpus file stem>/<case name>` or `<area>/<chart dir>`.
    pub name: String,
    /// The chart directory to render.
    pub chart_dir: PathBuf,
    /// User values documents in order, as `-f doc1 -f doc2 ...`.
    pub values_yaml: Vec<String>,
    /// `.Release.Name`.
    pub release_name: String,
    /// `.Release.Namespace`.
    pub namespace: String,
    /// `.Release.Revision`.
    pub revision: i64,
    /// `.Release.IsInstall`.
    pub is_install: bool,
    /// `.Release.IsUpgrade`.
    pub is_upgrade: bool,
    /// `--kube-version`; `None` keeps Helm's default.
    pub kube_version: Option<String>,
    /// `--api-versions`, added to Helm's defaults.
    pub api_versions: Vec<String>,
    /// What both renderers must do.
    pub expect: Expectation,
    /// Features beyond the gotmpl issue this case needs (e.g. `sprig`).
    pub requires: Vec<String>,
    /// Also run Helm's install checks (`helm template` runs them, the engine alone
    /// does not): dependencies missing from `charts/` and the chart's `kubeVersion`.
    /// Helm's error wins; the rendered files still come from the engine. The
    /// install always targets Helm's default Kubernetes (`v1.36.0`), so such a case
    /// must not set `kube_version`.
    pub install_checks: bool,
}

/// Helm template's defaults.
pub const DEFAULT_RELEASE_NAME: &str = "release-name";
/// Helm template's default namespace.
pub const DEFAULT_NAMESPACE: &str = "default";

impl Case {
    /// A case rendering `chart_dir` with Helm template's defaults and no values.
    pub fn new(name: impl Into<String>, chart_dir: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            chart_dir: chart_dir.into(),
            values_yaml: Vec::new(),
            release_name: DEFAULT_RELEASE_NAME.to_owned(),
            namespace: DEFAULT_NAMESPACE.to_owned(),
            revision: 1,
            is_install: true,
            is_upgrade: false,
            kube_version: None,
            api_versions: Vec::new(),
            expect: Expectation::Match,
            requires: Vec::new(),
            install_checks: false,
        }
    }

    /// The request the Python oracle reads for this case.
    pub fn oracle_request(&self) -> OracleRequest<'_> {
        OracleRequest {
            chart_dir: self.chart_dir.to_string_lossy().into_owned(),
            values_yaml: &self.values_yaml,
            release_name: &self.release_name,
            namespace: &self.namespace,
            revision: self.revision,
            is_install: self.is_install,
            is_upgrade: self.is_upgrade,
            kube_version: self.kube_version.as_deref(),
            api_versions: &self.api_versions,
            install_checks: self.install_checks,
        }
    }
}

/// One element of the JSON list `helm_oracle.py` reads on stdin.
#[derive(Debug, Serialize)]
pub struct OracleRequest<'a> {
    /// Absolute chart directory.
    pub chart_dir: String,
    /// Values documents, merged as several `-f` files.
    pub values_yaml: &'a [String],
    /// Release name.
    pub release_name: &'a str,
    /// Release namespace.
    pub namespace: &'a str,
    /// Release revision.
    pub revision: i64,
    /// Install flag.
    pub is_install: bool,
    /// Upgrade flag.
    pub is_upgrade: bool,
    /// Kubernetes version or null for Helm's default.
    pub kube_version: Option<&'a str>,
    /// Extra API versions.
    pub api_versions: &'a [String],
    /// Run a client-only install first and report its error (see [`Case::install_checks`]).
    pub install_checks: bool,
}
