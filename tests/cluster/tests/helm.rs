//! Helm v4 itself (helm_python, through the generated kubeconfig) installs with wait, lists, upgrades, rolls back and uninstalls a chart on the local cluster.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use common::{DEADLINE, setup};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::ListParams;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's python, from the project's `scripts/venv`.
fn python() -> Result<PathBuf> {
    let out = Command::new(repo().join("scripts/venv"))
        .output()
        .context("running scripts/venv")?;
    ensure!(
        out.status.success(),
        "scripts/venv failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(PathBuf::from(String::from_utf8(out.stdout)?.trim()))
}

struct Helm {
    python: PathBuf,
    kubeconfig: PathBuf,
    namespace: String,
}

impl Helm {
    /// Runs one action of `helm_action.py` and returns its JSON result.
    fn run(&self, action: &str, args: &[&str]) -> Result<Value> {
        let out = Command::new(&self.python)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("helm_action.py"))
            .arg(action)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(["--namespace", &self.namespace])
            .args(args)
            .output()
            .with_context(|| format!("running helm {action}"))?;
        if !out.status.success() {
            bail!(
                "helm {action} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        serde_json::from_slice(&out.stdout)
            .with_context(|| format!("parsing helm {action}'s output"))
    }
}

#[tokio::test]
async fn helm_v4_installs_lists_upgrades_rolls_back_and_uninstalls_a_chart() -> Result<()> {
    let ctx = setup("helm").await?;
    let helm = Helm {
        python: python()?,
        kubeconfig: ctx.cluster.kubeconfig_path(),
        namespace: ctx.ns.clone(),
    };
    let chart = repo().join("tests/charts/cluster");
    let chart = chart.to_str().context("chart path")?;
    let release = ["--release", "demo"];
    let message = |ctx: &common::Ctx| {
        let api = ctx.api::<ConfigMap>();
        async move {
            let cm = api.get("demo-config").await?;
            anyhow::Ok(
                cm.data
                    .and_then(|d| d.get("message").cloned())
                    .unwrap_or_default(),
            )
        }
    };

    // Install with wait: Helm's watcher returns once the Deployment is ready.
    let installed = helm.run("install", &[&release[..], &["--chart", chart]].concat())?;
    ensure!(
        installed["status"] == "deployed" && installed["revision"] == 1,
        "{installed}"
    );
    let d = ctx.api::<Deployment>().get("demo-web").await?;
    ensure!(
        d.status.and_then(|s| s.ready_replicas) == Some(1),
        "install returned before ready"
    );

    let listed = helm.run("list", &[])?;
    ensure!(
        listed.as_array().is_some_and(|l| l
            .iter()
            .any(|r| r["name"] == "demo" && r["status"] == "deployed")),
        "{listed}"
    );

    let upgraded = helm.run(
        "upgrade",
        &[
            &release[..],
            &[
                "--chart",
                chart,
                "--values",
                r#"{"replicas": 2, "message": "v2"}"#,
            ],
        ]
        .concat(),
    )?;
    ensure!(
        upgraded["status"] == "deployed" && upgraded["revision"] == 2,
        "{upgraded}"
    );
    ensure!(message(&ctx).await? == "v2");
    ctx.wait_for(
        "demo-web",
        "2 ready replicas",
        DEADLINE,
        |d: &Deployment| d.status.as_ref().and_then(|s| s.ready_replicas) == Some(2),
    )
    .await?;

    let rolled_back = helm.run("rollback", &[&release[..], &["--revision", "1"]].concat())?;
    ensure!(
        rolled_back["status"] == "deployed" && rolled_back["revision"] == 3,
        "{rolled_back}"
    );
    ensure!(message(&ctx).await? == "hello");
    let history = helm.run("history", &release)?;
    let statuses: Vec<&str> = history
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["status"].as_str())
        .collect();
    ensure!(
        statuses == ["superseded", "superseded", "deployed"],
        "{history}"
    );

    let uninstalled = helm.run("uninstall", &release)?;
    ensure!(uninstalled["release"]["name"] == "demo", "{uninstalled}");
    ensure!(ctx.api::<Deployment>().get_opt("demo-web").await?.is_none());
    let records = ctx
        .api::<Secret>()
        .list(&ListParams::default().labels("owner=helm,name=demo"))
        .await?;
    ensure!(
        records.items.is_empty(),
        "release records left: {}",
        records.items.len()
    );
    let listed = helm.run("list", &[])?;
    ensure!(listed.as_array().is_some_and(|l| l.is_empty()), "{listed}");
    Ok(())
}
