//! Running a release's hooks for one event as Helm does: ordered by weight, then
//! name (kind order kept), default delete policy `before-hook-creation`, each hook
//! waited for, delete policies applied on success and failure, and the record's
//! `last_run` kept current. A per-hook timeout may be set by annotation.

use std::time::Duration;

use helmd_kube::{Doc, Kube, Resource};
use helmd_release::{Hook, HookExecution, ReleaseStore};
use time::OffsetDateTime;

use crate::Release;
use crate::error::{Error, Result};
use crate::events::{Event, Events, ObjectRef};

/// The annotation giving one hook its own timeout (a Go duration such as `90s`,
/// `2m`); without it a hook has the operation's timeout.
pub const HOOK_TIMEOUT_ANNOTATION: &str = "helmd.sh/hook-timeout";

const BEFORE_HOOK_CREATION: &str = "before-hook-creation";
const HOOK_SUCCEEDED: &str = "hook-succeeded";
const HOOK_FAILED: &str = "hook-failed";

/// Where hooks run and how their progress is kept.
pub struct HookRunner<'a> {
    /// The cluster.
    pub kube: &'a Kube,
    /// Where the release record is updated as hooks run (`None`: dry run).
    pub store: Option<&'a dyn ReleaseStore>,
    /// Progress.
    pub events: &'a Events,
    /// Each hook's default timeout.
    pub timeout: Duration,
}

/// The indexes of the hooks of `event`, in Helm's execution order.
pub fn hooks_for(hooks: &[Hook], event: &str) -> Vec<usize> {
    let mut chosen: Vec<usize> = (0..hooks.len())
        .filter(|&i| hooks[i].events.iter().any(|e| e == event))
        .collect();
    // Stable: hooks arrive in kind order.
    chosen.sort_by(|&a, &b| {
        hooks[a]
            .weight
            .cmp(&hooks[b].weight)
            .then_with(|| hooks[a].name.cmp(&hooks[b].name))
    });
    chosen
}

/// A hook's own timeout from its annotation, if it has a valid one.
pub fn hook_timeout(r: &Resource) -> Option<Duration> {
    let text = r
        .object
        .metadata
        .annotations
        .as_ref()?
        .get(HOOK_TIMEOUT_ANNOTATION)?;
    crate::duration::parse_go_duration(text.trim())
}

fn has_policy(h: &Hook, policy: &str) -> bool {
    if h.delete_policies.is_empty() {
        return policy == BEFORE_HOOK_CREATION;
    }
    h.delete_policies.iter().any(|p| p == policy)
}

impl HookRunner<'_> {
    /// A hook's object, of a served kind, in `namespace` unless it names one.
    pub(crate) async fn build(&self, h: &Hook, namespace: &str) -> Result<Resource> {
        let mut resources = self
            .kube
            .build_fresh(
                &[Doc {
                    template: h.path.clone(),
                    content: h.manifest.clone(),
                }],
                namespace,
            )
            .await?;
        resources.pop().ok_or_else(|| Error::InvalidRequest {
            field: "hooks".into(),
            message: format!("hook {} has no object", h.name),
        })
    }

    async fn record(&self, release: &Release) {
        if let Some(store) = self.store
            && let Err(e) = store.update(release).await
        {
            tracing::warn!(release = %release.name, error = %e, "recording hook progress failed");
        }
    }

    fn report(&self, h: &Hook, r: &Resource, event: &str, phase: &str, message: String) {
        self.events.send(Event::Hook {
            name: h.name.clone(),
            object: ObjectRef::of(r),
            event: event.to_owned(),
            phase: phase.to_owned(),
            message,
        });
    }

    /// Runs the hooks of `event` on `release` (whose `hooks` get `last_run`); a
    /// failure says `failed <event>: hook <path>: <why>`.
    pub async fn run(&self, release: &mut Release, event: &str) -> Result<()> {
        let order = hooks_for(&release.hooks, event);
        let namespace = release.namespace.clone();
        let mut resources = Vec::new();
        for &i in &order {
            // Helm records the default policy on a hook it runs.
            if release.hooks[i].delete_policies.is_empty() {
                release.hooks[i].delete_policies = vec![BEFORE_HOOK_CREATION.to_owned()];
            }
            let h = release.hooks[i].clone();
            let r = self.build(&h, &namespace).await?;
            let timeout = hook_timeout(&r).unwrap_or(self.timeout);
            if has_policy(&h, BEFORE_HOOK_CREATION) {
                self.kube.delete_one(&r, true, timeout).await?;
            }
            release.hooks[i].last_run = HookExecution {
                started_at: Some(OffsetDateTime::now_utc()),
                completed_at: None,
                phase: "Running".into(),
            };
            self.record(release).await;
            self.report(&h, &r, event, "Running", String::new());
            let outcome = self.kube.run_hook(&r, timeout).await;
            release.hooks[i].last_run.completed_at = Some(OffsetDateTime::now_utc());
            match outcome {
                Ok(_) => {
                    release.hooks[i].last_run.phase = "Succeeded".into();
                    self.report(&h, &r, event, "Succeeded", String::new());
                    resources.push((i, r));
                }
                Err(e) => {
                    release.hooks[i].last_run.phase = "Failed".into();
                    self.report(&h, &r, event, "Failed", e.to_string());
                    // Earlier hooks that succeeded go as their policy says; this one too.
                    for (j, done) in &resources {
                        if has_policy(&release.hooks[*j], HOOK_SUCCEEDED) {
                            let _ = self.kube.delete_one(done, false, timeout).await;
                        }
                    }
                    // A hook that could not be created (it exists already) is not
                    // this run's to delete, as in Helm.
                    let created = !matches!(e, helmd_kube::Error::AlreadyExists { .. });
                    if created && has_policy(&h, HOOK_FAILED) {
                        let _ = self.kube.delete_one(&r, false, timeout).await;
                    }
                    self.record(release).await;
                    return Err(Error::Kube {
                        context: format!("failed {event}: hook {}: ", h.path),
                        source: Box::new(e),
                    });
                }
            }
        }
        self.record(release).await;
        for (i, r) in resources.iter().rev() {
            if has_policy(&release.hooks[*i], HOOK_SUCCEEDED) {
                self.kube.delete_one(r, false, self.timeout).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(name: &str, weight: i64, events: &[&str]) -> Hook {
        Hook {
            name: name.into(),
            weight,
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            ..Hook::default()
        }
    }

    #[test]
    fn hooks_run_by_weight_then_name_keeping_kind_order_for_ties() {
        let hooks = [
            hook("b", 0, &["pre-install"]),
            hook("a", 0, &["pre-install", "pre-upgrade"]),
            hook("z", -5, &["pre-install"]),
            hook("post", -10, &["post-install"]),
        ];
        assert_eq!(hooks_for(&hooks, "pre-install"), [2, 1, 0]);
        assert_eq!(hooks_for(&hooks, "pre-upgrade"), [1]);
        assert!(hooks_for(&hooks, "test").is_empty());
    }

    #[test]
    fn a_hook_without_policies_is_deleted_before_creation_only() {
        let h = hook("a", 0, &["pre-install"]);
        assert!(has_policy(&h, BEFORE_HOOK_CREATION));
        assert!(!has_policy(&h, HOOK_SUCCEEDED));
        let mut h2 = h.clone();
        h2.delete_policies = vec![HOOK_SUCCEEDED.into()];
        assert!(!has_policy(&h2, BEFORE_HOOK_CREATION));
        assert!(has_policy(&h2, HOOK_SUCCEEDED));
    }
}
