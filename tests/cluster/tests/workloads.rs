//! Workloads reach their real status through the real controllers and the node agent: Deployment, StatefulSet, DaemonSet, Job, LoadBalancer Service, pod deletion.

mod common;

use anyhow::{Context, Result, ensure};
use common::{DEADLINE, MANAGER, setup};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{Namespace, Pod, Service};
use kube::api::DeleteParams;
use kube::discovery::Discovery;
use kube::{Api, ResourceExt};
use serde_json::json;

fn pod_template(app: &str) -> serde_json::Value {
    json!({
        "metadata": {"labels": {"app": app}},
        "spec": {"containers": [{"name": "main", "image": "nginx:1.25",
            "ports": [{"containerPort": 80, "protocol": "TCP"}]}]},
    })
}

fn has_condition(conditions: Option<&Vec<impl HasType>>, type_: &str, status: &str) -> bool {
    conditions
        .into_iter()
        .flatten()
        .any(|c| c.type_() == type_ && c.status() == status)
}

trait HasType {
    fn type_(&self) -> &str;
    fn status(&self) -> &str;
}
impl HasType for k8s_openapi::api::apps::v1::DeploymentCondition {
    fn type_(&self) -> &str {
        &self.type_
    }
    fn status(&self) -> &str {
        &self.status
    }
}
impl HasType for k8s_openapi::api::batch::v1::JobCondition {
    fn type_(&self) -> &str {
        &self.type_
    }
    fn status(&self) -> &str {
        &self.status
    }
}

#[tokio::test]
async fn deployment_applied_with_server_side_apply_becomes_available() -> Result<()> {
    let ctx = setup("deployment-available").await?;
    let applied: Deployment = ctx
        .apply(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": pod_template("web")},
        }))
        .await?;
    ensure!(
        applied
            .managed_fields()
            .iter()
            .any(|m| m.manager.as_deref() == Some(MANAGER)
                && m.operation.as_deref() == Some("Apply")),
        "the Deployment was not server-side applied: {:?}",
        applied.managed_fields()
    );
    let d: Deployment = ctx
        .wait_for(
            "web",
            "Available with 3 ready replicas",
            DEADLINE,
            |d: &Deployment| {
                let s = d.status.as_ref();
                has_condition(s.and_then(|s| s.conditions.as_ref()), "Available", "True")
                    && s.and_then(|s| s.available_replicas) == Some(3)
            },
        )
        .await?;
    ensure!(d.status.and_then(|s| s.ready_replicas) == Some(3));
    let pods = ctx.api::<Pod>().list(&Default::default()).await?;
    ensure!(
        pods.items.len() == 3,
        "expected 3 pods, got {}",
        pods.items.len()
    );
    for pod in pods.items {
        let status = pod.status.unwrap_or_default();
        ensure!(status.phase.as_deref() == Some("Running"));
        ensure!(status.pod_ip.is_some_and(|ip| ip.starts_with("10.244.")));
    }
    Ok(())
}

#[tokio::test]
async fn statefulset_becomes_ready_one_ordinal_after_another() -> Result<()> {
    let ctx = setup("statefulset-ready").await?;
    ctx.apply::<Service>(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "db"},
        "spec": {"clusterIP": "None", "selector": {"app": "db"},
            "ports": [{"port": 5432, "protocol": "TCP"}]},
    }))
    .await?;
    ctx.apply::<StatefulSet>(json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
            "template": pod_template("db")},
    }))
    .await?;
    ctx.wait_for("db", "2 ready replicas", DEADLINE, |s: &StatefulSet| {
        s.status.as_ref().and_then(|s| s.ready_replicas) == Some(2)
    })
    .await?;
    let pods = ctx.api::<Pod>();
    for name in ["db-0", "db-1"] {
        ensure!(pods.get_opt(name).await?.is_some(), "no pod {name}");
    }
    Ok(())
}

#[tokio::test]
async fn daemonset_runs_one_ready_pod_on_every_node() -> Result<()> {
    let ctx = setup("daemonset-ready").await?;
    let nodes = ctx.cluster.info().nodes.len();
    ensure!(nodes >= 1);
    ctx.apply::<DaemonSet>(json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": pod_template("agent")},
    }))
    .await?;
    let want = i32::try_from(nodes)?;
    ctx.wait_for("agent", "ready on every node", DEADLINE, |d: &DaemonSet| {
        d.status.as_ref().is_some_and(|s| {
            s.desired_number_scheduled == want
                && s.number_ready == want
                && s.number_available == Some(want)
        })
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn job_completes() -> Result<()> {
    let ctx = setup("job-completes").await?;
    ctx.apply::<Job>(json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {"completions": 2, "parallelism": 1, "template": {
            "spec": {"restartPolicy": "Never",
                "containers": [{"name": "main", "image": "busybox", "command": ["true"]}]}}},
    }))
    .await?;
    let job = ctx
        .wait_for("migrate", "Complete", DEADLINE, |j: &Job| {
            has_condition(
                j.status.as_ref().and_then(|s| s.conditions.as_ref()),
                "Complete",
                "True",
            )
        })
        .await?;
    ensure!(job.status.and_then(|s| s.succeeded) == Some(2));
    Ok(())
}

#[tokio::test]
async fn load_balancer_service_gets_an_ingress_ip_only_on_request() -> Result<()> {
    let ctx = setup("load-balancer").await?;
    let lb = |name: &str, ip: Option<&str>| {
        let mut svc = json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name},
            "spec": {"type": "LoadBalancer", "selector": {"app": name},
                "ports": [{"port": 80, "protocol": "TCP"}]},
        });
        if let Some(ip) = ip {
            svc["metadata"]["annotations"] = json!({"helmd.test/load-balancer-ip": ip});
        }
        svc
    };
    ctx.apply::<Service>(lb("plain", None)).await?;
    ctx.apply::<Service>(lb("auto", Some("auto"))).await?;
    ctx.apply::<Service>(lb("fixed", Some("203.0.113.7")))
        .await?;
    let ingress = |s: &Service| -> Vec<String> {
        s.status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|l| l.ingress.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|i| i.ip.clone())
            .collect()
    };
    let auto = ctx
        .wait_for("auto", "given an ingress IP", DEADLINE, |s: &Service| {
            !ingress(s).is_empty()
        })
        .await?;
    ensure!(
        ingress(&auto)[0].starts_with("198.51.100."),
        "{:?}",
        ingress(&auto)
    );
    ctx.wait_for("fixed", "given 203.0.113.7", DEADLINE, |s: &Service| {
        ingress(s) == ["203.0.113.7"]
    })
    .await?;
    let plain = ctx.api::<Service>().get("plain").await?;
    ensure!(
        ingress(&plain).is_empty(),
        "unrequested ingress: {:?}",
        ingress(&plain)
    );
    Ok(())
}

#[tokio::test]
async fn deleted_pods_and_namespaces_are_cleaned_up_like_with_a_kubelet() -> Result<()> {
    let ctx = setup("deletion").await?;
    ctx.apply::<Pod>(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "solo"},
        "spec": {"containers": [{"name": "main", "image": "nginx:1.25"}]},
    }))
    .await?;
    ctx.wait_for("solo", "Running", DEADLINE, |p: &Pod| {
        p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
    })
    .await?;
    // A graceful delete (30 s grace) only completes when the "kubelet" confirms it.
    ctx.api::<Pod>()
        .delete("solo", &DeleteParams::default())
        .await?;
    ctx.wait_gone::<Pod>("solo", std::time::Duration::from_secs(15))
        .await?;

    ctx.apply::<Deployment>(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": pod_template("web")},
    }))
    .await?;
    ctx.wait_for("web", "ready", DEADLINE, |d: &Deployment| {
        d.status.as_ref().and_then(|s| s.ready_replicas) == Some(2)
    })
    .await?;
    let namespaces: Api<Namespace> = Api::all(ctx.client.clone());
    namespaces.delete(&ctx.ns, &DeleteParams::default()).await?;
    let gone = tokio::time::timeout(
        std::time::Duration::from_secs(120),
        kube::runtime::wait::await_condition(namespaces, &ctx.ns, |n: Option<&Namespace>| {
            n.is_none()
        }),
    )
    .await;
    ensure!(
        matches!(gone, Ok(Ok(_))),
        "namespace {} not deleted in 120 s",
        ctx.ns
    );
    Ok(())
}

#[tokio::test]
async fn discovery_finds_the_workload_apis_of_the_version_cluster_json_names() -> Result<()> {
    let ctx = setup("discovery").await?;
    let expected = ctx.cluster.version()?;
    let version = ctx.client.apiserver_version().await?;
    ensure!(
        version.git_version == expected.git_version,
        "the server says {}, cluster.json {}",
        version.git_version,
        expected.git_version
    );
    let mut wanted = vec![
        ("apps", "Deployment"),
        ("batch", "Job"),
        ("", "Secret"),
        ("networking.k8s.io", "Ingress"),
    ];
    if expected.minor >= 25 {
        // What 1.20 lacks: CronJob in batch/v1 (recommended), PDBs in policy/v1.
        wanted.extend([("batch", "CronJob"), ("policy", "PodDisruptionBudget")]);
    }
    let plain = Discovery::new(ctx.client.clone()).run().await?;
    // Aggregated discovery (GA in 1.30) answers the same in two requests; 1.20 has none.
    let aggregated = if expected.minor >= 30 {
        Some(Discovery::new(ctx.client.clone()).run_aggregated().await?)
    } else {
        None
    };
    for discovery in std::iter::once(&plain).chain(aggregated.as_ref()) {
        for (group, kind) in &wanted {
            let found = discovery
                .groups()
                .filter(|g| g.name() == *group)
                .flat_map(|g| g.recommended_resources())
                .any(|(r, _)| r.kind == *kind && (*group != "policy" || r.version == "v1"));
            ensure!(found, "discovery has no recommended {group}/{kind}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn service_ports_without_protocol_apply_on_a_modern_server_but_not_on_1_20() -> Result<()> {
    let ctx = setup("port-protocol").await?;
    let applied = ctx
        .apply::<Service>(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "no-protocol"},
            "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]},
        }))
        .await;
    if ctx.cluster.version()?.minor >= 22 {
        let svc = applied?;
        let protocols: Vec<_> = svc
            .spec
            .and_then(|s| s.ports)
            .into_iter()
            .flatten()
            .map(|p| p.protocol)
            .collect();
        ensure!(
            protocols == [Some("TCP".to_owned())],
            "protocol not defaulted: {protocols:?}"
        );
    } else {
        let message = format!(
            "{:#}",
            applied
                .err()
                .context("1.20 accepted a port without protocol")?
        );
        ensure!(
            message.contains("omits key field \"protocol\""),
            "{message}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_services_endpoint_slice_lists_its_ready_pods_or_on_1_20_its_endpoints() -> Result<()> {
    use futures::StreamExt;
    use k8s_openapi::api::discovery::v1::EndpointSlice;
    use kube::runtime::WatchStreamExt;
    use kube::runtime::watcher;

    use k8s_openapi::api::core::v1::Endpoints;

    let ctx = setup("endpoint-slice").await?;
    ctx.apply::<Deployment>(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": pod_template("web")},
    }))
    .await?;
    ctx.apply::<Service>(json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "protocol": "TCP"}]},
    }))
    .await?;
    if ctx.cluster.version()?.minor < 21 {
        // 1.20 serves EndpointSlices only as discovery.k8s.io/v1beta1: check the
        // Endpoints controller's object instead.
        ctx.wait_for(
            "web",
            "listing 2 ready addresses",
            DEADLINE,
            |e: &Endpoints| {
                e.subsets
                    .iter()
                    .flatten()
                    .flat_map(|s| s.addresses.iter().flatten())
                    .count()
                    == 2
            },
        )
        .await?;
        return Ok(());
    }
    // The EndpointSlice controller names its slices itself: watch by the service label.
    let ready_ips = |slice: &EndpointSlice| -> Vec<String> {
        slice
            .endpoints
            .iter()
            .filter(|e| e.conditions.as_ref().and_then(|c| c.ready) == Some(true))
            .flat_map(|e| e.addresses.clone())
            .collect()
    };
    let config = watcher::Config::default().labels("kubernetes.io/service-name=web");
    let mut slices = watcher::watcher(ctx.api::<EndpointSlice>(), config)
        .applied_objects()
        .boxed();
    let found = tokio::time::timeout(DEADLINE, async {
        while let Some(slice) = slices.next().await {
            let slice = slice?;
            if ready_ips(&slice).len() == 2 {
                return Ok(slice);
            }
        }
        anyhow::bail!("the EndpointSlice watch ended")
    })
    .await
    .map_err(|_| {
        anyhow::anyhow!(
            "no EndpointSlice with 2 ready endpoints after {DEADLINE:?}\n{}",
            ctx.cluster.logs_for_failure()
        )
    })??;
    ensure!(
        ready_ips(&found).iter().all(|ip| ip.starts_with("10.244.")),
        "{:?}",
        ready_ips(&found)
    );
    Ok(())
}
