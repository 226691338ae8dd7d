//! Waiting for a release's objects on the real cluster: ready Deployments, stuck
//! ones that time out with a reason, failed Jobs that end the wait at once,
//! LoadBalancer Services, and a one-off status read.

mod common;

use std::time::Duration;

use anyhow::{Result, bail, ensure};
use common::{DEADLINE, deployment, job, setup};
use helmd_kube::{Error, Health, Readiness, Resource, WaitOptions};

fn opts(timeout: Duration, wait_for_jobs: bool) -> WaitOptions {
    WaitOptions {
        timeout,
        wait_for_jobs,
    }
}

/// Applies `resources` and waits; returns the readiness changes seen, per object name.
async fn apply_and_wait(
    ctx: &common::Ctx,
    resources: &[Resource],
    opts: &WaitOptions,
) -> (helmd_kube::Result<()>, Vec<(String, Readiness)>) {
    for r in resources {
        if let Err(e) = ctx.kube.apply(r, &Default::default()).await {
            return (Err(e), Vec::new());
        }
    }
    let mut seen = Vec::new();
    let result = ctx
        .kube
        .wait_ready(resources, opts, &mut |r: &Resource, now: &Readiness| {
            seen.push((r.name.clone(), now.clone()))
        })
        .await;
    (result, seen)
}

#[tokio::test]
async fn a_deployment_becomes_ready_and_the_wait_reports_each_change() -> Result<()> {
    let ctx = setup("kube-wait-ready").await?;
    let resources = ctx.build(&deployment("web", None))?;
    let (result, seen) = apply_and_wait(&ctx, &resources, &opts(DEADLINE, false)).await;
    result?;
    let last = seen.last().map(|(_, r)| r.clone());
    ensure!(
        last == Some(Readiness::new(Health::Ready, "1 of 1 replicas available")),
        "{seen:?}"
    );
    ensure!(seen.windows(2).all(|w| w[0] != w[1]), "repeated: {seen:?}");
    Ok(())
}

#[tokio::test]
async fn a_never_ready_deployment_times_out_naming_it_and_why() -> Result<()> {
    let ctx = setup("kube-wait-stuck").await?;
    let resources = ctx.build(&deployment("stuck", Some("never-ready")))?;
    let started = std::time::Instant::now();
    let (result, _) = apply_and_wait(&ctx, &resources, &opts(Duration::from_secs(4), false)).await;
    let Err(Error::WaitTimeout { message }) = result else {
        bail!("expected a timeout, got {result:?}");
    };
    ensure!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let ns = &ctx.ns;
    ensure!(
        message
            == format!(
                "timed out after 4s waiting for 1 of 1 resources to be ready: \
                 Deployment \"stuck\" in namespace \"{ns}\": 0 of 1 replicas available"
            ),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn a_failed_job_ends_a_wait_for_jobs_at_once() -> Result<()> {
    let ctx = setup("kube-wait-job").await?;
    let resources = ctx.build(&job("migrate", Some("fail")))?;
    let (result, _) = apply_and_wait(&ctx, &resources, &opts(DEADLINE, true)).await;
    let Err(Error::ResourceFailed { resource, message }) = result else {
        bail!("expected the Job to fail, got {result:?}");
    };
    ensure!(resource == format!("Job \"migrate\" in namespace \"{}\"", ctx.ns));
    ensure!(
        message == "BackoffLimitExceeded: Job has reached the specified backoff limit",
        "{message}"
    );
    Ok(())
}

const LOAD_BALANCER: &str = "apiVersion: v1
kind: Service
metadata:
  name: NAME
  annotations: ANNOTATIONS
spec:
  type: LoadBalancer
  selector:
    app: web
  ports:
  - port: 80
    protocol: TCP
";

#[tokio::test]
async fn a_load_balancer_service_is_ready_only_once_it_has_an_address() -> Result<()> {
    let ctx = setup("kube-wait-lb").await?;
    let with = LOAD_BALANCER
        .replace("NAME", "public")
        .replace("ANNOTATIONS", "{helmd.test/load-balancer-ip: auto}");
    let resources = ctx.build(&with)?;
    let (result, seen) = apply_and_wait(&ctx, &resources, &opts(DEADLINE, false)).await;
    result?;
    let last = seen
        .last()
        .map(|(_, r)| r.message.clone())
        .unwrap_or_default();
    ensure!(last.starts_with("load balancer at 198.51.100."), "{seen:?}");

    let without = LOAD_BALANCER
        .replace("NAME", "pending")
        .replace("ANNOTATIONS", "{}");
    let resources = ctx.build(&without)?;
    let (result, _) = apply_and_wait(&ctx, &resources, &opts(Duration::from_secs(3), false)).await;
    let Err(Error::WaitTimeout { message }) = result else {
        bail!("expected a timeout, got {result:?}");
    };
    ensure!(
        message.ends_with(&format!(
            "Service \"pending\" in namespace \"{}\": waiting for a load balancer address",
            ctx.ns
        )),
        "{message}"
    );
    Ok(())
}

#[tokio::test]
async fn status_reads_each_object_once_and_reports_absent_ones_missing() -> Result<()> {
    let ctx = setup("kube-status").await?;
    let resources = ctx.build(&format!(
        "{}\n---\n{}",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: present\ndata:\n  a: b\n",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: absent\n"
    ))?;
    ctx.kube.apply(&resources[0], &Default::default()).await?;
    let status = ctx.kube.status(&resources).await?;
    ensure!(
        status
            == [
                Readiness::new(Health::Ready, "exists"),
                Readiness::new(Health::Missing, "not found"),
            ],
        "{status:?}"
    );
    Ok(())
}
