//! The release record as Helm v4 keeps it (pkg/release/v1 and the chart/v2 parts it embeds).

use std::collections::BTreeMap;
use std::fmt;

use helmd_yaml::Value;
use time::OffsetDateTime;

/// One revision of a release (Helm's `release.Release`).
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    /// The release name.
    pub name: String,
    /// Status, times, description and notes; Helm always writes one.
    pub info: Option<Info>,
    /// The chart as installed (without subcharts: Helm's JSON drops them).
    pub chart: Option<Chart>,
    /// The user-supplied values (`helm get values`), a map or nil.
    pub config: Value,
    /// The rendered manifest (hooks excluded).
    pub manifest: String,
    /// The release's hooks.
    pub hooks: Vec<Hook>,
    /// The revision, from 1.
    pub version: i64,
    /// The release's namespace.
    pub namespace: String,
    /// Custom labels; never in the JSON body: Secret labels or `custom_labels_v1` rows.
    pub labels: BTreeMap<String, String>,
    /// `ssa` or `csa` (Helm 4); empty in records Helm 3 wrote.
    pub apply_method: String,
}

/// Server-side apply, Helm 4's default (`apply_method`).
pub const APPLY_METHOD_SSA: &str = "ssa";
/// Client-side apply (`apply_method`).
pub const APPLY_METHOD_CSA: &str = "csa";

/// A release's state (Helm's `common.Status`); `Other` keeps any other text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// `unknown`
    Unknown,
    /// `deployed`
    Deployed,
    /// `uninstalled`
    Uninstalled,
    /// `superseded`
    Superseded,
    /// `failed`
    Failed,
    /// `uninstalling`
    Uninstalling,
    /// `pending-install`
    PendingInstall,
    /// `pending-upgrade`
    PendingUpgrade,
    /// `pending-rollback`
    PendingRollback,
    /// Any other text, including the empty status of a zero `Info`.
    Other(String),
}

impl Default for Status {
    /// Go's zero value: the empty status, which the JSON omits.
    fn default() -> Self {
        Status::Other(String::new())
    }
}

impl Status {
    /// Helm's text for the status.
    pub fn as_str(&self) -> &str {
        match self {
            Status::Unknown => "unknown",
            Status::Deployed => "deployed",
            Status::Uninstalled => "uninstalled",
            Status::Superseded => "superseded",
            Status::Failed => "failed",
            Status::Uninstalling => "uninstalling",
            Status::PendingInstall => "pending-install",
            Status::PendingUpgrade => "pending-upgrade",
            Status::PendingRollback => "pending-rollback",
            Status::Other(s) => s,
        }
    }

    /// The status Helm's text names (`Other` for any unknown text).
    pub fn parse(text: &str) -> Status {
        match text {
            "unknown" => Status::Unknown,
            "deployed" => Status::Deployed,
            "uninstalled" => Status::Uninstalled,
            "superseded" => Status::Superseded,
            "failed" => Status::Failed,
            "uninstalling" => Status::Uninstalling,
            "pending-install" => Status::PendingInstall,
            "pending-upgrade" => Status::PendingUpgrade,
            "pending-rollback" => Status::PendingRollback,
            other => Status::Other(other.to_string()),
        }
    }

    /// Helm's `IsPending`: an operation on the release has not finished.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            Status::PendingInstall | Status::PendingUpgrade | Status::PendingRollback
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Helm's `release.Info`. Absent times are Go's zero time (omitted from the JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct Info {
    /// When revision 1 was deployed.
    pub first_deployed: Option<OffsetDateTime>,
    /// When this revision was deployed.
    pub last_deployed: Option<OffsetDateTime>,
    /// When the release was uninstalled.
    pub deleted: Option<OffsetDateTime>,
    /// Human-readable description of the last operation.
    pub description: String,
    /// The release's state.
    pub status: Status,
    /// The revision a rollback returned to (Helm 4.3's `rollback_revision`); 0 unless
    /// this revision was made by a rollback.
    pub rollback_revision: i64,
    /// The rendered NOTES.txt.
    pub notes: String,
    /// Helm's `resources` (status display only; Helm never stores it): kept as read.
    pub resources: Value,
}

/// Hook events (`helm.sh/hook` values) as Helm names them.
pub mod hook_event {
    /// `pre-install`
    pub const PRE_INSTALL: &str = "pre-install";
    /// `post-install`
    pub const POST_INSTALL: &str = "post-install";
    /// `pre-delete`
    pub const PRE_DELETE: &str = "pre-delete";
    /// `post-delete`
    pub const POST_DELETE: &str = "post-delete";
    /// `pre-upgrade`
    pub const PRE_UPGRADE: &str = "pre-upgrade";
    /// `post-upgrade`
    pub const POST_UPGRADE: &str = "post-upgrade";
    /// `pre-rollback`
    pub const PRE_ROLLBACK: &str = "pre-rollback";
    /// `post-rollback`
    pub const POST_ROLLBACK: &str = "post-rollback";
    /// `test`
    pub const TEST: &str = "test";
}

/// Helm's `release.Hook`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hook {
    /// The object's name.
    pub name: String,
    /// The object's kind.
    pub kind: String,
    /// The template the hook came from (`<chart>/templates/<file>`).
    pub path: String,
    /// The hook's manifest.
    pub manifest: String,
    /// The events that run it (see [`hook_event`]).
    pub events: Vec<String>,
    /// The last run (always written, even when it never ran).
    pub last_run: HookExecution,
    /// `helm.sh/hook-weight`.
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` values.
    pub delete_policies: Vec<String>,
    /// `helm.sh/hook-output-log-policy` values.
    pub output_log_policies: Vec<String>,
}

/// Helm's `release.HookExecution`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HookExecution {
    /// When the last run started.
    pub started_at: Option<OffsetDateTime>,
    /// When the last run completed.
    pub completed_at: Option<OffsetDateTime>,
    /// `Unknown`, `Running`, `Succeeded`, `Failed`, or empty when it never ran.
    pub phase: String,
}

/// Helm's `chart.Chart` (v2) as its JSON holds it: subcharts are not part of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Chart.yaml; `null` when absent.
    pub metadata: Option<Metadata>,
    /// Chart.lock; `null` when absent.
    pub lock: Option<Lock>,
    /// The templates; `None` is Go's nil slice (`null`).
    pub templates: Option<Vec<File>>,
    /// values.yaml parsed; nil is `null`.
    pub values: Value,
    /// values.schema.json bytes; `None` is `null`.
    pub schema: Option<Vec<u8>>,
    /// The schema's modification time (always written: Go's zero time when absent).
    pub schema_mod_time: Option<OffsetDateTime>,
    /// Every other file; `None` is `null`.
    pub files: Option<Vec<File>>,
    /// The chart's modification time (omitted when zero).
    pub mod_time: Option<OffsetDateTime>,
}

/// Helm's `common.File`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct File {
    /// Path relative to the chart.
    pub name: String,
    /// Contents (base64 in the JSON); `None` is `null`.
    pub data: Option<Vec<u8>>,
    /// Modification time (omitted when zero).
    pub mod_time: Option<OffsetDateTime>,
}

/// Helm's `chart.Metadata`: every field `omitempty`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    /// `name`
    pub name: String,
    /// `home`
    pub home: String,
    /// `sources`
    pub sources: Vec<String>,
    /// `version`
    pub version: String,
    /// `description`
    pub description: String,
    /// `keywords`
    pub keywords: Vec<String>,
    /// `maintainers`
    pub maintainers: Vec<Maintainer>,
    /// `icon`
    pub icon: String,
    /// `apiVersion`
    pub api_version: String,
    /// `condition`
    pub condition: String,
    /// `tags`
    pub tags: String,
    /// `appVersion`
    pub app_version: String,
    /// `deprecated`
    pub deprecated: bool,
    /// `annotations`
    pub annotations: BTreeMap<String, String>,
    /// `kubeVersion`
    pub kube_version: String,
    /// `dependencies`
    pub dependencies: Vec<Dependency>,
    /// `type`
    pub chart_type: String,
}

/// Helm's `chart.Maintainer`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Maintainer {
    /// `name`
    pub name: String,
    /// `email`
    pub email: String,
    /// `url`
    pub url: String,
}

/// Helm's `chart.Dependency`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dependency {
    /// `name` (always written)
    pub name: String,
    /// `version`
    pub version: String,
    /// `repository` (always written)
    pub repository: String,
    /// `condition`
    pub condition: String,
    /// `tags`
    pub tags: Vec<String>,
    /// `enabled`
    pub enabled: bool,
    /// `import-values`
    pub import_values: Vec<Value>,
    /// `alias`
    pub alias: String,
}

/// Helm's `chart.Lock`: every field always written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lock {
    /// `generated`
    pub generated: Option<OffsetDateTime>,
    /// `digest`
    pub digest: String,
    /// `dependencies`; `None` is `null`.
    pub dependencies: Option<Vec<Dependency>>,
}

impl Release {
    /// Its status (the zero status when the record has no `info`).
    pub fn status(&self) -> Status {
        self.info
            .as_ref()
            .map(|i| i.status.clone())
            .unwrap_or_default()
    }
}

impl Default for Release {
    fn default() -> Self {
        Release {
            name: String::new(),
            info: None,
            chart: None,
            config: Value::Nil,
            manifest: String::new(),
            hooks: Vec::new(),
            version: 0,
            namespace: String::new(),
            labels: BTreeMap::new(),
            apply_method: String::new(),
        }
    }
}

impl Default for Info {
    fn default() -> Self {
        Info {
            first_deployed: None,
            last_deployed: None,
            deleted: None,
            description: String::new(),
            status: Status::default(),
            rollback_revision: 0,
            notes: String::new(),
            resources: Value::Nil,
        }
    }
}

impl Default for Chart {
    fn default() -> Self {
        Chart {
            metadata: None,
            lock: None,
            templates: None,
            values: Value::Nil,
            schema: None,
            schema_mod_time: None,
            files: None,
            mod_time: None,
        }
    }
}
