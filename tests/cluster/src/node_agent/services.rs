//! A stand-in cloud load balancer: LoadBalancer Services that ask for it through an annotation get an ingress IP.
//!
//! `helmd.test/load-balancer-ip: auto` assigns the next address of 198.51.100.0/24
//! (TEST-NET-2); any other value is used as the IP itself. Services without the
//! annotation stay pending, as on a cluster without a load-balancer controller.

use std::collections::HashMap;

use anyhow::{Result, bail};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Service;
use kube::api::{Patch, PatchParams};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, Event};
use kube::{Api, Client, ResourceExt};
use serde_json::json;

/// The annotation requesting an ingress IP.
pub const LOAD_BALANCER_IP: &str = "helmd.test/load-balancer-ip";

/// Gives requesting LoadBalancer Services their ingress IP until the watch ends.
pub async fn run(client: Client) -> Result<()> {
    let api: Api<Service> = Api::all(client.clone());
    let mut events = watcher::watcher(api, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut assigned: HashMap<String, String> = HashMap::new();
    let mut next = 0u32;
    while let Some(event) = events.next().await {
        let svc = match event {
            Ok(Event::Apply(svc) | Event::InitApply(svc)) => svc,
            Ok(_) => continue,
            Err(e) => {
                tracing::warn!("service watch: {e}");
                continue;
            }
        };
        let is_lb = svc.spec.as_ref().and_then(|s| s.type_.as_deref()) == Some("LoadBalancer");
        let Some(wanted) = svc.annotations().get(LOAD_BALANCER_IP).cloned() else {
            continue;
        };
        if !is_lb {
            continue;
        }
        let uid = svc.uid().unwrap_or_default();
        let ip = match wanted.trim() {
            "" | "auto" => assigned
                .entry(uid)
                .or_insert_with(|| {
                    next += 1;
                    format!("198.51.100.{}", 1 + (next - 1) % 254)
                })
                .clone(),
            literal => literal.to_owned(),
        };
        let current: Vec<String> = svc
            .status
            .as_ref()
            .and_then(|s| s.load_balancer.as_ref())
            .and_then(|lb| lb.ingress.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|i| i.ip.clone())
            .collect();
        if current == [ip.clone()] {
            continue;
        }
        let ns = svc.namespace().unwrap_or_default();
        let status = json!({"status": {"loadBalancer": {"ingress": [{"ip": ip}]}}});
        if let Err(e) = Api::<Service>::namespaced(client.clone(), &ns)
            .patch_status(
                &svc.name_any(),
                &PatchParams::default(),
                &Patch::Merge(&status),
            )
            .await
        {
            tracing::warn!("service {ns}/{}: {e}", svc.name_any());
        }
    }
    bail!("the service watch ended")
}
