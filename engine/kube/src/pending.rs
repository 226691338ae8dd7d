//! Placeholder signatures of readiness, waiting and hooks (replaced by the real modules).

use std::time::Duration;

use crate::cluster::Kube;
use crate::error::Result;
use crate::resource::Resource;

/// How healthy an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Ready.
    Ready,
    /// Progressing.
    Progressing,
    /// Failed.
    Failed,
    /// Missing.
    Missing,
    /// Unknown.
    Unknown,
    /// Terminating.
    Terminating,
}

/// An object's readiness.
#[derive(Debug, Clone)]
pub struct Readiness {
    /// Health.
    pub health: Health,
    /// Why.
    pub message: String,
}

/// How to wait.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// Bound.
    pub timeout: Duration,
    /// Jobs too.
    pub wait_for_jobs: bool,
}

/// A hook's run.
#[derive(Debug, Clone)]
pub struct HookRun;

impl Kube {
    /// Waits.
    pub async fn wait_ready(
        &self,
        _resources: &[Resource],
        _opts: &WaitOptions,
        _progress: &mut (dyn FnMut(&Resource, &Readiness) + Send),
    ) -> Result<()> {
        Ok(())
    }

    /// Runs a hook.
    pub async fn run_hook(&self, hook: &Resource, _timeout: Duration) -> Result<HookRun> {
        self.create(hook).await?;
        Ok(HookRun)
    }
}

impl Kube {
    /// The pods of a Pod or a Job.
    pub async fn pods_of(&self, r: &Resource) -> Result<Vec<String>> {
        Ok(vec![r.name.clone()])
    }

    /// A pod's log.
    pub async fn pod_logs(
        &self,
        _namespace: &str,
        _pod: &str,
        _container: Option<&str>,
        _tail_lines: Option<i64>,
        _limit_bytes: i64,
    ) -> Result<String> {
        Ok(String::new())
    }
}

impl Kube {
    /// Each object's readiness now.
    pub async fn status(&self, resources: &[Resource]) -> Result<Vec<Readiness>> {
        Ok(resources
            .iter()
            .map(|_| Readiness {
                health: Health::Unknown,
                message: String::new(),
            })
            .collect())
    }
}
