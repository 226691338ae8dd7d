//! A private cluster's processes all stop when its owner lets go of it: no orphans.

use anyhow::{Result, ensure};
use helmd_test_cluster::Cluster;
use std::path::Path;

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
}

#[tokio::test]
async fn a_private_cluster_stops_every_process_when_dropped() -> Result<()> {
    let cluster = Cluster::start().await?;
    let pids: Vec<(String, u32)> = cluster.info().pids.clone().into_iter().collect();
    ensure!(
        pids.len() == 5,
        "expected etcd, 3 kube components and the supervisor: {pids:?}"
    );
    ensure!(
        pids.iter().all(|(_, pid)| alive(*pid)),
        "not all running: {pids:?}"
    );
    let client = cluster.admin_client().await?;
    let served = client.apiserver_version().await?.git_version;
    ensure!(
        served == cluster.info().kubernetes_version,
        "the server says {served}, cluster.json {}",
        cluster.info().kubernetes_version
    );
    let dir = cluster.state_dir().to_owned();
    drop(cluster);
    // Dropping waits for the supervisor; its children are gone before it exits.
    let left: Vec<_> = pids.iter().filter(|(_, pid)| alive(*pid)).collect();
    ensure!(left.is_empty(), "still running after drop: {left:?}");
    ensure!(!dir.exists(), "state dir {} left behind", dir.display());
    Ok(())
}
