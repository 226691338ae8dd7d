//! Pods and their logs: the pods behind a Pod or Job (for hooks and tests), and
//! a pod's log read with a size bound.

use futures::AsyncReadExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ApiResource, DynamicObject, ListParams, LogParams};

use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::resource::Resource;

/// The labels a Job puts on its pods: the current one, then the one Kubernetes
/// before 1.27 sets (still set today).
const JOB_NAME_LABELS: [&str; 2] = ["batch.kubernetes.io/job-name", "job-name"];

impl Kube {
    /// The log of `container` (the pod's only container when `None`) of `pod`,
    /// its last `tail_lines` lines when set, never more than `limit_bytes` bytes.
    pub async fn pod_logs(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        tail_lines: Option<i64>,
        limit_bytes: i64,
    ) -> Result<String> {
        let limit = limit_bytes.max(1);
        let params = LogParams {
            container: container.map(str::to_owned),
            tail_lines,
            limit_bytes: Some(limit),
            ..LogParams::default()
        };
        let describe = format!("Pod {pod:?} in namespace {namespace:?}");
        let api: Api<Pod> = Api::namespaced(self.client().clone(), namespace);
        let stream = api
            .log_stream(pod, &params)
            .await
            .map_err(|e| Error::from_api(e, "", &describe))?;
        // The server honours limitBytes; the bound holds even if it did not.
        let mut bytes = Vec::new();
        stream
            .take(u64::try_from(limit).unwrap_or(u64::MAX))
            .read_to_end(&mut bytes)
            .await
            .map_err(|e| Error::Unavailable(format!("{describe}: reading its log: {e}")))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The names of the pods behind `r`: a Pod itself, a Job's pods oldest
    /// first, none for other kinds.
    pub async fn pods_of(&self, r: &Resource) -> Result<Vec<String>> {
        match (r.api.group.as_str(), r.kind()) {
            ("", "Pod") => Ok(vec![r.name.clone()]),
            ("batch", "Job") => Ok(self
                .job_pods(r)
                .await?
                .into_iter()
                .filter_map(|p| p.metadata.name)
                .collect()),
            _ => Ok(Vec::new()),
        }
    }

    /// A Job's pods, oldest first: those with its name label that the live Job
    /// controls (a deleted Job of the same name may leave pods behind for a while).
    pub(crate) async fn job_pods(&self, job: &Resource) -> Result<Vec<DynamicObject>> {
        let Some(namespace) = &job.namespace else {
            return Ok(Vec::new());
        };
        let uid = self.get(job).await?.and_then(|j| j.metadata.uid);
        let api: Api<DynamicObject> = Api::namespaced_with(
            self.client().clone(),
            namespace,
            &ApiResource::erase::<Pod>(&()),
        );
        let mut pods = Vec::new();
        for label in JOB_NAME_LABELS {
            let params = ListParams::default().labels(&format!("{label}={}", job.name));
            pods = api
                .list(&params)
                .await
                .map_err(|e| Error::from_api(e, &job.template, &job.describe()))?
                .items;
            if !pods.is_empty() {
                break;
            }
        }
        if let Some(uid) = uid {
            pods.retain(|p| {
                p.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == uid)
            });
        }
        pods.sort_by(|a, b| {
            let at = |p: &DynamicObject| p.metadata.creation_timestamp.clone().map(|t| t.0);
            at(a).cmp(&at(b))
        });
        Ok(pods)
    }
}
