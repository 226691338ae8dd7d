//! Running hooks on the real cluster: Jobs and Pods that succeed, fail (with the
//! Job's condition and the pod's exit), or never finish, and a hook whose object
//! exists already.

mod common;

use std::time::Duration;

use anyhow::{Result, bail, ensure};
use common::{DEADLINE, job, setup};
use helmd_kube::Error;

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: NAME
  annotations:
    helmd.test/behavior: BEHAVIOR
    helmd.test/after-seconds: \"1\"
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
";

fn pod(name: &str, behavior: &str) -> String {
    POD.replace("NAME", name).replace("BEHAVIOR", behavior)
}

#[tokio::test]
async fn a_job_hook_that_completes_succeeds() -> Result<()> {
    let ctx = setup("kube-hook-job").await?;
    let hook = ctx.one(&job("migrate", None))?;
    let run = ctx.kube.run_hook(&hook, DEADLINE).await?;
    ensure!(run.completed >= run.started, "{run:?}");
    let live = ctx.kube.get(&hook).await?;
    let complete = live.is_some_and(|j| {
        j.data["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["type"] == "Complete" && c["status"] == "True")
    });
    ensure!(complete, "the Job is not complete");
    ensure!(ctx.kube.pods_of(&hook).await?.len() == 1);
    Ok(())
}

#[tokio::test]
async fn a_job_hook_that_fails_names_the_job_its_condition_and_its_pod() -> Result<()> {
    let ctx = setup("kube-hook-fail").await?;
    let hook = ctx.one(&job("migrate", Some("fail")))?;
    let result = ctx.kube.run_hook(&hook, DEADLINE).await;
    let Err(Error::HookFailed {
        hook: name,
        message,
    }) = result
    else {
        bail!("expected the hook to fail, got {result:?}");
    };
    ensure!(name == "migrate");
    let first_line = message.lines().next().unwrap_or_default();
    let prefix = format!(
        "hook Job \"migrate\" in namespace \"{}\" failed: \
         BackoffLimitExceeded: Job has reached the specified backoff limit; pod \"migrate-",
        ctx.ns
    );
    ensure!(first_line.starts_with(&prefix), "{message}");
    ensure!(
        first_line.ends_with(": container \"main\" terminated: Error (exit code 1)"),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn a_pod_hook_succeeds_when_its_pod_does_and_fails_with_its_exit() -> Result<()> {
    let ctx = setup("kube-hook-pod").await?;
    let ok = ctx.one(&pod("check", "slow-start"))?;
    ctx.kube.run_hook(&ok, DEADLINE).await?;
    ensure!(ctx.kube.pods_of(&ok).await? == ["check"]);

    let bad = ctx.one(&pod("broken", "fail"))?;
    let result = ctx.kube.run_hook(&bad, DEADLINE).await;
    let Err(Error::HookFailed { message, .. }) = result else {
        bail!("expected the hook to fail, got {result:?}");
    };
    let first_line = message.lines().next().unwrap_or_default();
    ensure!(
        first_line
            == format!(
                "hook Pod \"broken\" in namespace \"{}\" failed: \
                 container \"main\" terminated: Error (exit code 1)",
                ctx.ns
            ),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn a_hook_that_never_finishes_times_out_naming_it() -> Result<()> {
    let ctx = setup("kube-hook-slow").await?;
    let hook = ctx.one(&pod("forever", "never-ready"))?;
    let result = ctx.kube.run_hook(&hook, Duration::from_secs(3)).await;
    let Err(Error::WaitTimeout { message }) = result else {
        bail!("expected a timeout, got {result:?}");
    };
    let named = format!(
        "timed out after 3s waiting for hook Pod \"forever\" in namespace \"{}\": ",
        ctx.ns
    );
    ensure!(message.starts_with(&named), "{message}");
    Ok(())
}

#[tokio::test]
async fn a_hook_whose_object_exists_already_is_refused() -> Result<()> {
    let ctx = setup("kube-hook-exists").await?;
    let hook = ctx.one("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seed\n")?;
    ctx.kube.run_hook(&hook, DEADLINE).await?;
    let again = ctx.kube.run_hook(&hook, DEADLINE).await;
    let Err(e @ Error::AlreadyExists { .. }) = again else {
        bail!("expected AlreadyExists, got {again:?}");
    };
    ensure!(
        e.to_string()
            == format!(
                "ConfigMap \"seed\" in namespace \"{}\" already exists",
                ctx.ns
            ),
        "{e}"
    );
    Ok(())
}
