//! `helm test`: the release's test hooks (filtered by name) run like any hook;
//! with `logs`, each test pod's output is sent as events; the record keeps
//! the hooks' last runs.

use std::time::Duration;

use helmd_release::{Status, hook_event};

use crate::common::{Context, Outcome, status_of};
use crate::error::{Error, Result};
use crate::events::{Event, Stage};
use crate::hooks::HookRunner;

/// The most bytes of one pod's log sent back.
pub const MAX_LOG_BYTES: i64 = 1 << 20;

/// Which release to test and how.
#[derive(Debug, Clone)]
pub struct Test {
    /// Release name.
    pub name: String,
    /// Release namespace.
    pub namespace: String,
    /// Only these tests (hook names); empty: all.
    pub include: Vec<String>,
    /// Not these tests.
    pub exclude: Vec<String>,
    /// Send the test pods' logs.
    pub logs: bool,
    /// Bound of each test.
    pub timeout: Duration,
}

impl Test {
    /// Runs the tests of the latest revision.
    pub async fn run(self, ctx: &Context) -> Result<Outcome> {
        helmd_render::validate_release_name(&self.name).map_err(|reason| Error::InvalidName {
            name: self.name.clone(),
            reason,
        })?;
        let mut release =
            ctx.store
                .last(&self.namespace, &self.name)
                .await
                .map_err(|e| match e {
                    helmd_release::Error::NotFound => Error::NotFound,
                    other => Error::Store(other),
                })?;
        release.labels = helmd_release::custom_labels(&release.labels);
        if status_of(&release) == Status::Uninstalled {
            return Err(Error::NotDeployed(format!(
                "release {:?} is uninstalled: nothing to test",
                self.name
            )));
        }
        let all = std::mem::take(&mut release.hooks);
        let (run, skipped): (Vec<_>, Vec<_>) = all.into_iter().partition(|h| {
            !self.exclude.contains(&h.name)
                && (self.include.is_empty() || self.include.contains(&h.name))
        });
        release.hooks = run;
        ctx.events.stage(Stage::RunningTests, "running test hooks");
        let runner = HookRunner {
            kube: &ctx.kube,
            store: None,
            events: &ctx.events,
            timeout: self.timeout,
        };
        let outcome = runner.run(&mut release, hook_event::TEST).await;
        if self.logs {
            self.send_logs(ctx, &runner, &release).await;
        }
        let mut hooks = skipped;
        hooks.append(&mut release.hooks);
        release.hooks = hooks;
        ctx.store.update(&release).await?;
        match outcome {
            Ok(()) => Ok(Outcome {
                release,
                kept: Vec::new(),
            }),
            Err(Error::Kube { context, source }) => Err(Error::TestFailed {
                message: format!("{context}{source}"),
                source,
            }),
            Err(e) => Err(e),
        }
    }

    async fn send_logs(&self, ctx: &Context, runner: &HookRunner<'_>, release: &crate::Release) {
        for h in release.hooks.iter().filter(|h| {
            h.events.iter().any(|e| e == hook_event::TEST) && !h.last_run.phase.is_empty()
        }) {
            let Ok(r) = runner.build(h, &self.namespace).await else {
                continue;
            };
            let pods = match ctx.kube.pods_of(&r).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::info!(hook = %h.name, error = %e, "no pods to read logs of");
                    continue;
                }
            };
            for pod in pods {
                match ctx
                    .kube
                    .pod_logs(&self.namespace, &pod, None, None, MAX_LOG_BYTES)
                    .await
                {
                    Ok(text) => ctx.events.send(Event::Log {
                        namespace: self.namespace.clone(),
                        pod: pod.clone(),
                        container: String::new(),
                        text,
                    }),
                    Err(e) => tracing::info!(pod = %pod, error = %e, "reading test pod logs"),
                }
            }
        }
    }
}
