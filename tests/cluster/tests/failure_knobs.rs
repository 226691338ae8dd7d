//! Each node-agent failure knob (pod annotation) produces the failure it names, seen through the real controllers.

mod common;

use std::time::Duration;

use anyhow::{Result, ensure};
use common::{DEADLINE, setup};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use serde_json::{Value, json};

fn pod(name: &str, restart: &str, annotations: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"restartPolicy": restart,
            "containers": [{"name": "main", "image": "busybox", "command": ["sleep", "3600"]}]},
    })
}

fn container(p: &Pod) -> Option<&k8s_openapi::api::core::v1::ContainerStatus> {
    p.status.as_ref()?.container_statuses.as_ref()?.first()
}

fn pod_condition(p: &Pod, type_: &str) -> Option<String> {
    p.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == type_)
        .map(|c| c.status.clone())
}

#[tokio::test]
async fn never_ready_pods_keep_a_deployment_from_becoming_available() -> Result<()> {
    let ctx = setup("never-ready").await?;
    ctx.apply::<Deployment>(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "stuck"},
        "spec": {"replicas": 1, "progressDeadlineSeconds": 5,
            "selector": {"matchLabels": {"app": "stuck"}},
            "template": {
                "metadata": {"labels": {"app": "stuck"},
                    "annotations": {"helmd.test/behavior": "never-ready"}},
                "spec": {"containers": [{"name": "main", "image": "nginx:1.25"}]}}},
    }))
    .await?;
    // The deployment controller itself gives up: Progressing=False, ProgressDeadlineExceeded.
    let d = ctx
        .wait_for(
            "stuck",
            "past its progress deadline",
            DEADLINE,
            |d: &Deployment| {
                d.status
                    .as_ref()
                    .and_then(|s| s.conditions.as_ref())
                    .into_iter()
                    .flatten()
                    .any(|c| {
                        c.type_ == "Progressing"
                            && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
                    })
            },
        )
        .await?;
    let status = d.status.unwrap_or_default();
    ensure!(status.available_replicas.unwrap_or(0) == 0);
    ensure!(status.ready_replicas.unwrap_or(0) == 0);
    let pods = ctx.api::<Pod>().list(&Default::default()).await?;
    let p = pods
        .items
        .first()
        .ok_or_else(|| anyhow::anyhow!("no pod"))?;
    ensure!(p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"));
    let c = container(p).ok_or_else(|| anyhow::anyhow!("no container status"))?;
    ensure!(c.started == Some(true) && !c.ready, "{c:?}");
    Ok(())
}

#[tokio::test]
async fn crash_loop_pods_restart_again_and_again_and_back_off() -> Result<()> {
    let ctx = setup("crash-loop").await?;
    ctx.apply::<Pod>(pod(
        "crasher",
        "Always",
        json!({"helmd.test/behavior": "crash-loop"}),
    ))
    .await?;
    let p = ctx
        .wait_for(
            "crasher",
            "in CrashLoopBackOff after 3 restarts",
            DEADLINE,
            |p: &Pod| {
                container(p).is_some_and(|c| {
                    c.restart_count >= 3
                        && c.state
                            .as_ref()
                            .and_then(|s| s.waiting.as_ref())
                            .and_then(|w| w.reason.as_deref())
                            == Some("CrashLoopBackOff")
                })
            },
        )
        .await?;
    let c = container(&p).ok_or_else(|| anyhow::anyhow!("no container status"))?;
    let last = c.last_state.as_ref().and_then(|s| s.terminated.as_ref());
    ensure!(last.is_some_and(|t| t.exit_code == 1), "{c:?}");
    ensure!(pod_condition(&p, "Ready").as_deref() == Some("False"));
    ensure!(p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"));
    Ok(())
}

#[tokio::test]
async fn failing_job_pod_exits_non_zero_after_the_delay_and_the_job_fails() -> Result<()> {
    let ctx = setup("fail").await?;
    ctx.apply::<Job>(json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "doomed"},
        "spec": {"backoffLimit": 0, "template": {
            "metadata": {"annotations": {"helmd.test/behavior": "fail",
                "helmd.test/after-seconds": "2", "helmd.test/exit-code": "3"}},
            "spec": {"restartPolicy": "Never",
                "containers": [{"name": "main", "image": "busybox"}]}}},
    }))
    .await?;
    let job = ctx
        .wait_for("doomed", "Failed", DEADLINE, |j: &Job| {
            j.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .any(|c| c.type_ == "Failed" && c.status == "True")
        })
        .await?;
    let reason = job
        .status
        .and_then(|s| s.conditions)
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "Failed")
        .and_then(|c| c.reason);
    ensure!(
        reason.as_deref() == Some("BackoffLimitExceeded"),
        "{reason:?}"
    );
    let pods = ctx.api::<Pod>().list(&Default::default()).await?;
    let p = pods
        .items
        .first()
        .ok_or_else(|| anyhow::anyhow!("no pod"))?;
    ensure!(p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed"));
    let t = container(p)
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.terminated.clone())
        .ok_or_else(|| anyhow::anyhow!("not terminated"))?;
    ensure!(t.exit_code == 3, "{t:?}");
    let ran = t
        .finished_at
        .zip(t.started_at)
        .map(|(f, s)| f.0.duration_since(s.0).as_secs());
    ensure!(ran == Some(2), "ran {ran:?} s");
    Ok(())
}

#[tokio::test]
async fn slow_start_pods_become_ready_only_after_the_delay() -> Result<()> {
    let ctx = setup("slow-start").await?;
    ctx.apply::<Pod>(pod(
        "sloth",
        "Always",
        json!({"helmd.test/behavior": "slow-start", "helmd.test/after-seconds": "4"}),
    ))
    .await?;
    let running = ctx
        .wait_for("sloth", "Running", DEADLINE, |p: &Pod| {
            p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
        })
        .await?;
    ensure!(pod_condition(&running, "Ready").as_deref() == Some("False"));
    let ready = ctx
        .wait_for("sloth", "Ready", DEADLINE, |p: &Pod| {
            pod_condition(p, "Ready").as_deref() == Some("True")
        })
        .await?;
    let status = ready.status.unwrap_or_default();
    let started = status.start_time.map(|t| t.0);
    let ready_at = status
        .conditions
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "Ready")
        .and_then(|c| c.last_transition_time)
        .map(|t| t.0);
    let delay = started
        .zip(ready_at)
        .map(|(s, r)| r.duration_since(s).as_secs());
    ensure!(delay.is_some_and(|d| d >= 4), "ready after {delay:?} s");
    Ok(())
}

#[tokio::test]
async fn an_unknown_knob_fails_the_pod_with_a_message_naming_it() -> Result<()> {
    let ctx = setup("bad-knob").await?;
    ctx.apply::<Pod>(pod(
        "typo",
        "Never",
        json!({"helmd.test/behavior": "explode"}),
    ))
    .await?;
    let p = ctx
        .wait_for("typo", "Failed", Duration::from_secs(30), |p: &Pod| {
            p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Failed")
        })
        .await?;
    let message = p.status.and_then(|s| s.message).unwrap_or_default();
    ensure!(message.contains("helmd.test/behavior"), "{message}");
    Ok(())
}
