//! Pod logs through the apiserver: the node agent's kubelet endpoints answer `pods/log` with the pods' `helmd.test/log` annotations, and only the apiserver gets through to them.

mod common;

use anyhow::{Context, Result, bail, ensure};
use common::{Ctx, DEADLINE, setup};
use helmd_test_cluster::StateDir;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::LogParams;
use serde_json::{Value, json};

fn pod(name: &str, restart: &str, annotations: Value, containers: &[&str]) -> Value {
    let containers: Vec<Value> = containers
        .iter()
        .map(|c| json!({"name": c, "image": "busybox", "command": ["sleep", "3600"]}))
        .collect();
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "annotations": annotations},
        "spec": {"restartPolicy": restart, "containers": containers},
    })
}

fn phase(p: &Pod) -> Option<&str> {
    p.status.as_ref()?.phase.as_deref()
}

/// Applies `object` and waits until the pod reaches `wanted` phase.
async fn started(ctx: &Ctx, object: Value, wanted: &'static str) -> Result<Pod> {
    let name = object["metadata"]["name"]
        .as_str()
        .context("a pod name")?
        .to_owned();
    ctx.apply::<Pod>(object).await?;
    ctx.wait_for(&name, wanted, DEADLINE, |p: &Pod| phase(p) == Some(wanted))
        .await
}

/// The one place the tests read logs through the apiserver.
async fn logs(ctx: &Ctx, pod: &str, params: LogParams) -> Result<String> {
    ctx.api::<Pod>()
        .logs(pod, &params)
        .await
        .with_context(|| format!("reading the logs of {pod} with {params:?}"))
}

#[tokio::test]
async fn a_pod_s_log_is_its_log_annotation_whole_tailed_or_cut() -> Result<()> {
    let ctx = setup("logs-text").await?;
    let annotations = json!({"helmd.test/log": "first line\nsecond line\nthird line"});
    started(
        &ctx,
        pod("talker", "Always", annotations, &["main"]),
        "Running",
    )
    .await?;
    let whole = "first line\nsecond line\nthird line\n";
    ensure!(logs(&ctx, "talker", LogParams::default()).await? == whole);
    let tail = LogParams {
        tail_lines: Some(2),
        ..LogParams::default()
    };
    ensure!(logs(&ctx, "talker", tail).await? == "second line\nthird line\n");
    let cut = LogParams {
        limit_bytes: Some(8),
        ..LogParams::default()
    };
    ensure!(logs(&ctx, "talker", cut).await? == "first li");
    let stamped = LogParams {
        timestamps: true,
        tail_lines: Some(1),
        ..LogParams::default()
    };
    let line = logs(&ctx, "talker", stamped).await?;
    let (stamp, text) = line.split_once(' ').context("a timestamp")?;
    ensure!(text == "third line\n", "{line:?}");
    ensure!(
        stamp.parse::<k8s_openapi::jiff::Timestamp>().is_ok(),
        "{line:?}"
    );
    // follow ends with the text: the agent's logs never grow.
    let follow = LogParams {
        follow: true,
        ..LogParams::default()
    };
    ensure!(logs(&ctx, "talker", follow).await? == whole);
    Ok(())
}

#[tokio::test]
async fn each_container_of_a_pod_has_its_own_log() -> Result<()> {
    let ctx = setup("logs-containers").await?;
    let annotations = json!({
        "helmd.test/log": "said by every container",
        "helmd.test/log.sidecar": "said by the sidecar\n",
    });
    started(
        &ctx,
        pod("pair", "Always", annotations, &["main", "sidecar"]),
        "Running",
    )
    .await?;
    let of = |container: &str| LogParams {
        container: Some(container.into()),
        ..LogParams::default()
    };
    ensure!(logs(&ctx, "pair", of("main")).await? == "said by every container\n");
    ensure!(logs(&ctx, "pair", of("sidecar")).await? == "said by the sidecar\n");
    // Which container is the apiserver's question, before it asks the node.
    match ctx.api::<Pod>().logs("pair", &LogParams::default()).await {
        Err(kube::Error::Api(e)) if e.code == 400 => {}
        other => bail!("expected the apiserver to ask for a container, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_pod_without_a_log_annotation_has_an_empty_log() -> Result<()> {
    let ctx = setup("logs-none").await?;
    started(
        &ctx,
        pod("quiet", "Always", json!({}), &["main"]),
        "Running",
    )
    .await?;
    ensure!(logs(&ctx, "quiet", LogParams::default()).await?.is_empty());
    Ok(())
}

#[tokio::test]
async fn a_job_like_pod_that_succeeded_still_serves_its_log() -> Result<()> {
    let ctx = setup("logs-done").await?;
    let annotations = json!({"helmd.test/log": "test passed"});
    started(
        &ctx,
        pod("done", "Never", annotations, &["main"]),
        "Succeeded",
    )
    .await?;
    ensure!(logs(&ctx, "done", LogParams::default()).await? == "test passed\n");
    Ok(())
}

#[tokio::test]
async fn a_restarted_container_serves_its_previous_instance_s_log() -> Result<()> {
    let ctx = setup("logs-previous").await?;
    let annotations = json!({"helmd.test/log": "crashing", "helmd.test/behavior": "crash-loop"});
    ctx.apply::<Pod>(pod("crasher", "Always", annotations, &["main"]))
        .await?;
    ctx.wait_for("crasher", "restarted", DEADLINE, |p: &Pod| {
        p.status
            .as_ref()
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|c| c.first())
            .is_some_and(|c| c.restart_count >= 1)
    })
    .await?;
    let previous = LogParams {
        previous: true,
        ..LogParams::default()
    };
    ensure!(logs(&ctx, "crasher", previous.clone()).await? == "crashing\n");
    // A container that never restarted has no previous instance: the node's 400 comes through.
    started(
        &ctx,
        pod("steady", "Always", json!({}), &["main"]),
        "Running",
    )
    .await?;
    match ctx.api::<Pod>().logs("steady", &previous).await {
        Err(kube::Error::Api(e)) if e.code == 400 && e.message.contains("previous terminated") => {}
        other => bail!("expected no previous instance, got {other:?}"),
    }
    Ok(())
}

/// `curl`s `path` on the kubelet endpoint of `node`, with the apiserver's client
/// certificate or without one; returns curl's success, the HTTP code and the body.
async fn ask_node(ctx: &Ctx, node: &str, path: &str, client_cert: bool) -> Result<(bool, String)> {
    let node: Node = Api::all(ctx.client.clone()).get(node).await?;
    let port = node
        .status
        .and_then(|s| s.daemon_endpoints)
        .and_then(|d| d.kubelet_endpoint)
        .map(|e| e.port)
        .context("no kubelet endpoint")?;
    let pki = StateDir::new(ctx.cluster.state_dir()).kubelet_pki();
    let file = |name: &str| pki.join(name).display().to_string();
    let mut curl = tokio::process::Command::new("curl");
    curl.args(["-sS", "-w", "\n%{http_code}", "--cacert", &file("ca.crt")]);
    if client_cert {
        curl.args([
            "--cert",
            &file("apiserver-client.crt"),
            "--key",
            &file("apiserver-client.key"),
        ]);
    }
    let out = curl
        .arg(format!("https://127.0.0.1:{port}{path}"))
        .output()
        .await
        .context("running curl")?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

#[tokio::test]
async fn the_kubelet_endpoint_answers_only_the_apiserver_s_certificate() -> Result<()> {
    let ctx = setup("logs-endpoint").await?;
    let p = started(
        &ctx,
        pod(
            "target",
            "Always",
            json!({"helmd.test/log": "x"}),
            &["main"],
        ),
        "Running",
    )
    .await?;
    let node = p
        .spec
        .and_then(|s| s.node_name)
        .context("the pod is not bound")?;
    let path = format!("/containerLogs/{}/target/main?tailLines=1", ctx.ns);
    let (ok, out) = ask_node(&ctx, &node, &path, true).await?;
    ensure!(ok && out == "x\n\n200", "{out:?}");
    let (ok, out) = ask_node(
        &ctx,
        &node,
        &format!("/containerLogs/{}/target/nope", ctx.ns),
        true,
    )
    .await?;
    ensure!(
        ok && out == "container \"nope\" not found in pod \"target\"\n\n404",
        "{out:?}"
    );
    let (ok, out) = ask_node(
        &ctx,
        &node,
        &format!("/containerLogs/{}/ghost/main", ctx.ns),
        true,
    )
    .await?;
    ensure!(
        ok && out
            == format!(
                "pod \"{}/ghost\" does not exist on node {node}\n\n404",
                ctx.ns
            ),
        "{out:?}"
    );
    // Without the apiserver's client certificate the handshake is refused.
    let (ok, out) = ask_node(&ctx, &node, &path, false).await?;
    ensure!(!ok && !out.contains("200"), "{out:?}");
    Ok(())
}
