//! Shared set-up of the cluster tests: the run's cluster, a fresh namespace and a
//! `Kube` on it, and manifests built from YAML the way a release's are.
#![allow(dead_code)]

use std::time::Duration;

use anyhow::{Context, Result};
use helmd_kube::{Doc, FIELD_MANAGER, Kube, Owner, Resource};
use helmd_test_cluster::Cluster;

/// Long enough for anything the cluster does in these tests.
pub const DEADLINE: Duration = Duration::from_secs(90);

/// A test's cluster client and its own namespace.
pub struct Ctx {
    pub kube: Kube,
    pub ns: String,
}

/// The run's cluster with a fresh namespace named after `test`.
pub async fn setup(test: &str) -> Result<Ctx> {
    let cluster = Cluster::shared().await?;
    let ns = cluster.create_namespace(test).await?;
    let kube = Kube::connect(cluster.admin_client().await?, FIELD_MANAGER)
        .await
        .context("connecting")?;
    Ok(Ctx { kube, ns })
}

impl Ctx {
    /// The objects of `yaml` (documents separated by `---`), in the test's namespace.
    pub fn build(&self, yaml: &str) -> Result<Vec<Resource>> {
        let docs: Vec<Doc> = yaml
            .split("\n---\n")
            .map(|content| Doc {
                template: "chart/templates/test.yaml".into(),
                content: content.to_owned(),
            })
            .collect();
        Ok(self.kube.build(&docs, &self.ns)?)
    }

    /// The one object of `yaml`.
    pub fn one(&self, yaml: &str) -> Result<Resource> {
        self.build(yaml)?
            .pop()
            .context("the manifest has no object")
    }

    /// The release `web` in the test's namespace.
    pub fn owner(&self) -> Owner {
        Owner {
            name: "web".into(),
            namespace: self.ns.clone(),
        }
    }
}

/// A Deployment of one replica whose pod behaves as `behavior` says (node agent knob).
pub fn deployment(name: &str, behavior: Option<&str>) -> String {
    let annotations = behavior
        .map(|b| format!("\n      annotations:\n        helmd.test/behavior: {b}"))
        .unwrap_or_default();
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}{annotations}
    spec:
      containers:
      - name: main
        image: nginx:1.25
"
    )
}

/// A Job of one pod, no retries, whose pod behaves as `behavior` says.
pub fn job(name: &str, behavior: Option<&str>) -> String {
    let annotations = behavior
        .map(|b| {
            format!(
                "\n      annotations:\n        helmd.test/behavior: {b}\n        helmd.test/after-seconds: \"1\""
            )
        })
        .unwrap_or_default();
    format!(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
  backoffLimit: 0
  template:
    metadata:
      labels:
        app: {name}{annotations}
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox
        command: [\"sh\", \"-c\", \"echo migrating; exit 0\"]
"
    )
}
