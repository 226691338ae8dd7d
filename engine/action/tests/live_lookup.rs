//! `LiveLookup` on the real cluster, called as renders call it (from a blocking
//! thread): it reads through the action's runtime, and stops when the render's
//! interrupt fires.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use helmd_action::LiveLookup;
use helmd_kube::{FIELD_MANAGER, Kube};
use helmd_render::{ClusterAccess, Interrupt, LookupError, LookupRequest};
use helmd_test_cluster::Cluster;

async fn live() -> Result<(Arc<LiveLookup>, String)> {
    let cluster = Cluster::shared().await?;
    let ns = cluster.create_namespace("live-lookup").await?;
    let kube = Kube::connect(cluster.admin_client().await?, FIELD_MANAGER).await?;
    Ok((Arc::new(LiveLookup::new(kube)), ns))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_render_thread_reads_the_cluster_through_the_runtime() -> Result<()> {
    let (live, ns) = live().await?;
    let found = tokio::task::spawn_blocking(move || {
        let request = LookupRequest {
            api_version: "v1",
            kind: "Namespace",
            namespace: "",
            name: &ns,
        };
        live.lookup(&request, 1 << 20, &Interrupt::new())
    })
    .await?;
    let found = found
        .map_err(|e| anyhow::anyhow!("{e:?}"))?
        .context("the namespace")?;
    let kind = found.as_map().and_then(|m| m.get("kind"));
    ensure!(
        kind.as_ref().and_then(|k| k.as_str()) == Some("Namespace"),
        "{kind:?}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_render_stops_its_lookup() -> Result<()> {
    let (live, ns) = live().await?;
    let start = Instant::now();
    let got = tokio::task::spawn_blocking(move || {
        let interrupt = Interrupt::new();
        interrupt.cancel();
        let request = LookupRequest {
            api_version: "v1",
            kind: "ConfigMap",
            namespace: &ns,
            name: "",
        };
        live.lookup(&request, 1 << 20, &interrupt)
    })
    .await?;
    ensure!(got == Err(LookupError::Stopped), "{got:?}");
    ensure!(start.elapsed() < Duration::from_secs(5));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_over_the_limit_is_too_large() -> Result<()> {
    let (live, _) = live().await?;
    let got = tokio::task::spawn_blocking(move || {
        let request = LookupRequest {
            api_version: "v1",
            kind: "Namespace",
            namespace: "",
            name: "",
        };
        live.lookup(&request, 10, &Interrupt::new())
    })
    .await?;
    ensure!(got == Err(LookupError::TooLarge), "{got:?}");
    Ok(())
}
