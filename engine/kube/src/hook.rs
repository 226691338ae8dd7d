//! Running one hook as Helm does: create its object, then wait until a Job has
//! completed or a Pod has succeeded (other kinds are done once created); a
//! failure says why, with the last lines of the failed pod's log.

use std::time::{Duration, SystemTime};

use kube::api::DynamicObject;

use crate::changes::Changes;
use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::ready::{Health, Readiness, hook_readiness, pod_failure};
use crate::resource::Resource;
use crate::wait::{backoff, effective};

/// How many log lines of a failed hook's pod its error carries.
const LOG_LINES: i64 = 10;
/// The most log bytes read for a failed hook.
const LOG_BYTES: i64 = 4096;

/// When a hook ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HookRun {
    /// When its object was created.
    pub started: SystemTime,
    /// When it was seen complete.
    pub completed: SystemTime,
}

impl Kube {
    /// Creates the hook's object and waits (at most `timeout`; zero: 30 s) until it
    /// is done. An object of the same name that exists already is
    /// [`Error::AlreadyExists`] (delete policies are the caller's); a failed Job or
    /// Pod is [`Error::HookFailed`]; running out of time is [`Error::WaitTimeout`].
    pub async fn run_hook(&self, hook: &Resource, timeout: Duration) -> Result<HookRun> {
        let started = SystemTime::now();
        if !self.create(hook).await? {
            return Err(Error::AlreadyExists {
                resource: hook.describe(),
            });
        }
        let timeout = effective(timeout);
        let mut last = None;
        match tokio::time::timeout(timeout, self.watch_hook(hook, &mut last)).await {
            Ok(Ok(())) => Ok(HookRun {
                started,
                completed: SystemTime::now(),
            }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::WaitTimeout {
                message: format!(
                    "timed out after {timeout:?} waiting for hook {}: {}",
                    hook.describe(),
                    last.map_or_else(|| "not read yet".to_owned(), |r: Readiness| r.message)
                ),
            }),
        }
    }

    /// Polls the hook until it is done or failed; `last` keeps what was seen.
    async fn watch_hook(&self, hook: &Resource, last: &mut Option<Readiness>) -> Result<()> {
        let changes = Changes::watch(self.client(), &[hook]);
        let mut delay = Duration::from_millis(100);
        loop {
            let now = match self.get(hook).await? {
                Some(live) => hook_readiness(&hook.api.group, hook.kind(), &live),
                None => Readiness::new(Health::Missing, "not found"),
            };
            match now.health {
                Health::Ready => return Ok(()),
                Health::Failed => {
                    return Err(Error::HookFailed {
                        hook: hook.name.clone(),
                        message: self.failure(hook, &now).await,
                    });
                }
                _ => *last = Some(now),
            }
            changes.next(delay).await;
            delay = backoff(delay);
        }
    }

    /// `hook Job "x" in namespace "ns" failed: <condition>; pod "x-1": <why>`
    /// and the failed pod's last log lines when the cluster serves them.
    async fn failure(&self, hook: &Resource, readiness: &Readiness) -> String {
        let mut message = format!("hook {} failed: {}", hook.describe(), readiness.message);
        let pod = match (hook.api.group.as_str(), hook.kind()) {
            ("batch", "Job") => match self.job_pods(hook).await {
                Ok(pods) => {
                    let failed = pods
                        .iter()
                        .rev()
                        .find(|p| p.data["status"]["phase"] == "Failed")
                        .cloned();
                    if let Some(p) = &failed {
                        message.push_str(&format!(
                            "; pod {:?}: {}",
                            p.metadata.name.as_deref().unwrap_or_default(),
                            pod_failure(&p.data["status"])
                        ));
                    }
                    failed
                }
                Err(_) => None,
            },
            ("", "Pod") => self.get(hook).await.ok().flatten(),
            _ => None,
        };
        if let Some(p) = pod
            && let Some(logs) = self.last_log_lines(&p).await
        {
            message.push_str(&logs);
        }
        message
    }

    /// `\nlast log lines of pod "x" container "main":\n...`, or `None` when the
    /// cluster serves no log (errors are ignored: logs only explain).
    async fn last_log_lines(&self, pod: &DynamicObject) -> Option<String> {
        let namespace = pod.metadata.namespace.as_deref()?;
        let name = pod.metadata.name.as_deref()?;
        let container = failed_container(pod);
        let logs = self
            .pod_logs(namespace, name, container, Some(LOG_LINES), LOG_BYTES)
            .await
            .ok()?;
        let logs = logs.trim_end();
        if logs.is_empty() {
            return None;
        }
        let of = match container {
            Some(c) => format!("pod {name:?} container {c:?}"),
            None => format!("pod {name:?}"),
        };
        Some(format!("\nlast log lines of {of}:\n{logs}"))
    }
}

/// The first container that exited with an error, else the pod's first container.
fn failed_container(pod: &DynamicObject) -> Option<&str> {
    let statuses = pod.data["status"]["containerStatuses"].as_array();
    let failed = statuses.into_iter().flatten().find(|c| {
        [&c["state"]["terminated"], &c["lastState"]["terminated"]]
            .iter()
            .any(|t| t["exitCode"].as_i64().is_some_and(|code| code != 0))
    });
    failed
        .or_else(|| pod.data["spec"]["containers"].as_array()?.first())
        .and_then(|c| c["name"].as_str())
}
