//! Hooks: documents annotated `helm.sh/hook`, with their events, weight and policies.

use super::head::SimpleHead;

/// `helm.sh/hook`.
pub const HOOK_ANNOTATION: &str = "helm.sh/hook";
/// `helm.sh/hook-weight`.
pub const HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";
/// `helm.sh/hook-delete-policy`.
pub const HOOK_DELETE_ANNOTATION: &str = "helm.sh/hook-delete-policy";
/// `helm.sh/hook-output-log-policy`.
pub const HOOK_OUTPUT_LOG_ANNOTATION: &str = "helm.sh/hook-output-log-policy";

/// When a hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HookEvent {
    /// `pre-install`
    PreInstall,
    /// `post-install`
    PostInstall,
    /// `pre-delete`
    PreDelete,
    /// `post-delete`
    PostDelete,
    /// `pre-upgrade`
    PreUpgrade,
    /// `post-upgrade`
    PostUpgrade,
    /// `pre-rollback`
    PreRollback,
    /// `post-rollback`
    PostRollback,
    /// `test` (also Helm 2's `test-success`)
    Test,
}

impl HookEvent {
    /// Helm's name of the event.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEvent::PreInstall => "pre-install",
            HookEvent::PostInstall => "post-install",
            HookEvent::PreDelete => "pre-delete",
            HookEvent::PostDelete => "post-delete",
            HookEvent::PreUpgrade => "pre-upgrade",
            HookEvent::PostUpgrade => "post-upgrade",
            HookEvent::PreRollback => "pre-rollback",
            HookEvent::PostRollback => "post-rollback",
            HookEvent::Test => "test",
        }
    }

    /// The event an annotation value names (already trimmed and lower-cased).
    pub fn parse(name: &str) -> Option<HookEvent> {
        Some(match name {
            "pre-install" => HookEvent::PreInstall,
            "post-install" => HookEvent::PostInstall,
            "pre-delete" => HookEvent::PreDelete,
            "post-delete" => HookEvent::PostDelete,
            "pre-upgrade" => HookEvent::PreUpgrade,
            "post-upgrade" => HookEvent::PostUpgrade,
            "pre-rollback" => HookEvent::PreRollback,
            "post-rollback" => HookEvent::PostRollback,
            "test" | "test-success" => HookEvent::Test,
            _ => return None,
        })
    }
}

/// A hook as Helm records it in a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// `metadata.name`.
    pub name: String,
    /// `kind`.
    pub kind: String,
    /// The template it came from (`chart/templates/x.yaml`).
    pub path: String,
    /// The document's text.
    pub manifest: String,
    /// Events, in annotation order.
    pub events: Vec<HookEvent>,
    /// `helm.sh/hook-weight` (0 when absent or not an integer).
    pub weight: i64,
    /// `helm.sh/hook-delete-policy` values, trimmed and lower-cased.
    pub delete_policies: Vec<String>,
    /// `helm.sh/hook-output-log-policy` values, trimmed and lower-cased.
    pub output_log_policies: Vec<String>,
}

impl Hook {
    /// Whether this is a test hook (`helm template --skip-tests` leaves these out).
    pub fn is_test(&self) -> bool {
        self.events.contains(&HookEvent::Test)
    }
}

fn policy_list(value: Option<&String>) -> Vec<String> {
    value
        .map(|v| v.split(',').map(|p| p.trim().to_lowercase()).collect())
        .unwrap_or_default()
}

/// What a document with a `helm.sh/hook` annotation is.
pub(super) enum HookKind {
    /// A hook.
    Hook(Hook),
    /// A hook naming an unknown event: Helm drops the whole document.
    Unknown,
}

/// The hook `doc` declares, if it carries the hook annotation.
pub(super) fn hook_of(head: &SimpleHead, path: &str, doc: &str) -> Option<HookKind> {
    let annotations = head.annotations()?;
    let types = annotations.get(HOOK_ANNOTATION)?;
    let mut events = Vec::new();
    for name in types.split(',') {
        match HookEvent::parse(&name.trim().to_lowercase()) {
            Some(e) => events.push(e),
            None => return Some(HookKind::Unknown),
        }
    }
    let weight = annotations
        .get(HOOK_WEIGHT_ANNOTATION)
        .and_then(|w| go_atoi(w))
        .unwrap_or(0);
    Some(HookKind::Hook(Hook {
        name: head.name().to_string(),
        kind: head.kind.clone(),
        path: path.to_string(),
        manifest: doc.to_string(),
        events,
        weight,
        delete_policies: policy_list(annotations.get(HOOK_DELETE_ANNOTATION)),
        output_log_policies: policy_list(annotations.get(HOOK_OUTPUT_LOG_ANNOTATION)),
    }))
}

/// `strconv.Atoi`: optional sign, decimal digits, int64 range.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
