//! Each node's kubelet endpoint: answers the apiserver's `pods/log` requests (`GET /containerLogs/{namespace}/{pod}/{container}`) with the text of the pod's log annotations, over HTTPS that only the apiserver's client certificate gets through.
//!
//! The text of container `c` is the annotation [`LOG_OF_CONTAINER`]`c`
//! (`helmd.test/log.c`), else [`LOG`] (`helmd.test/log`, every container), else
//! empty; a missing trailing newline is added. Every instance of a container
//! prints the same text, stamped with its start time. The query parameters the
//! apiserver forwards are honoured as a kubelet does: `tailLines`, `limitBytes`,
//! `timestamps`, `sinceSeconds`/`sinceTime`, `previous`, `stream`; `follow`
//! returns the text and ends.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::{Api, Client, ResourceExt};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use tokio::net::TcpListener;

use super::{NODE_IP, Nodes};
use crate::pki::KubeletPki;

/// Annotation: the log text of every container of the pod.
pub const LOG: &str = "helmd.test/log";
/// Annotation prefix: `helmd.test/log.<container>` is the log text of that container.
pub const LOG_OF_CONTAINER: &str = "helmd.test/log.";

/// The query a kubelet's `/containerLogs` takes (what the apiserver forwards from `PodLogOptions`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogQuery {
    /// Only the last N lines.
    pub tail_lines: Option<i64>,
    /// At most N bytes of output (timestamps included).
    pub limit_bytes: Option<i64>,
    /// Prefix every line with the time it was written (RFC 3339, nanoseconds).
    #[serde(default)]
    pub timestamps: bool,
    /// Stream new lines as they come; the agent's text never grows, so it just ends.
    #[serde(default)]
    pub follow: bool,
    /// The previous (terminated) instance of the container.
    #[serde(default)]
    pub previous: bool,
    /// Only lines written in the last N seconds.
    pub since_seconds: Option<i64>,
    /// Only lines written at or after this time (RFC 3339).
    pub since_time: Option<String>,
    /// `All` (default), `Stdout` or `Stderr`; the text is the container's stdout.
    pub stream: Option<String>,
}

/// Why a log request gets no log: the HTTP status and a plain message.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    /// 404 for an unknown pod or container, 400 for a request it cannot serve.
    pub status: u16,
    /// What a kubelet would say.
    pub message: String,
}

impl Refusal {
    fn new(status: u16, message: String) -> Self {
        Self { status, message }
    }
}

/// The log of `container` in `pod` as `query` asks for it, at time `now`.
pub fn logs_of(
    pod: &Pod,
    container: &str,
    query: &LogQuery,
    now: Timestamp,
) -> Result<Vec<u8>, Refusal> {
    let spec = pod.spec.as_ref();
    let declared = spec.into_iter().flat_map(|s| {
        s.containers
            .iter()
            .map(|c| &c.name)
            .chain(s.init_containers.iter().flatten().map(|c| &c.name))
            .chain(s.ephemeral_containers.iter().flatten().map(|c| &c.name))
    });
    let pod_name = pod.name_any();
    if !declared.into_iter().any(|name| name == container) {
        return Err(Refusal::new(
            404,
            format!("container {container:?} not found in pod {pod_name:?}"),
        ));
    }
    let started = instance_start(pod, container, query.previous, now)?;
    let since = match (&query.since_seconds, &query.since_time) {
        (Some(seconds), _) => Some(
            now.saturating_sub(SignedDuration::from_secs(*seconds))
                .unwrap_or(now),
        ),
        (None, Some(time)) => Some(
            time.parse::<Timestamp>()
                .map_err(|e| Refusal::new(400, format!("invalid sinceTime {time:?}: {e}")))?,
        ),
        (None, None) => None,
    };
    let text = if query.stream.as_deref() == Some("Stderr") || since.is_some_and(|t| started < t) {
        String::new()
    } else {
        log_text(pod, container)
    };
    Ok(render(&text, query, started))
}

/// When the instance of `container` whose log is asked for started, choosing the
/// instance as a kubelet does: the previous one on request, else the running or
/// terminated one, else the last terminated one; a container waiting for its first
/// start has no log yet.
fn instance_start(
    pod: &Pod,
    container: &str,
    previous: bool,
    now: Timestamp,
) -> Result<Timestamp, Refusal> {
    let pod_name = pod.name_any();
    let refuse = |what: String| {
        Refusal::new(
            400,
            format!("container {container:?} in pod {pod_name:?} {what}"),
        )
    };
    let status =
        container_status(pod, container).ok_or_else(|| refuse("is not available".into()))?;
    let state = status.state.clone().unwrap_or_default();
    let last = status
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref());
    let started = if previous {
        last.ok_or_else(|| {
            Refusal::new(
                400,
                format!(
                    "previous terminated container {container:?} in pod {pod_name:?} not found"
                ),
            )
        })?
        .started_at
        .as_ref()
    } else if let Some(running) = &state.running {
        running.started_at.as_ref()
    } else if let Some(terminated) = &state.terminated {
        terminated.started_at.as_ref()
    } else if let Some(last) = last {
        last.started_at.as_ref()
    } else {
        let reason = state
            .waiting
            .and_then(|w| w.reason)
            .unwrap_or_else(|| "ContainerCreating".into());
        return Err(refuse(format!("is waiting to start: {reason}")));
    };
    Ok(started
        .map(|t| t.0)
        .or_else(|| pod.status.as_ref()?.start_time.as_ref().map(|t| t.0))
        .unwrap_or(now))
}

/// The annotated text of `container` (trailing newline ensured), or "".
pub fn log_text(pod: &Pod, container: &str) -> String {
    let annotations = pod.annotations();
    let text = annotations
        .get(&format!("{LOG_OF_CONTAINER}{container}"))
        .or_else(|| annotations.get(LOG))
        .map(String::as_str)
        .unwrap_or_default();
    if text.is_empty() || text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

/// Applies `tailLines`, `timestamps` (every line written at `started`) and `limitBytes`, in a kubelet's order.
fn render(text: &str, query: &LogQuery, started: Timestamp) -> Vec<u8> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let skip = match query.tail_lines.and_then(|n| usize::try_from(n).ok()) {
        Some(n) => lines.len().saturating_sub(n),
        None => 0,
    };
    let mut out = Vec::new();
    for line in &lines[skip..] {
        if query.timestamps {
            out.extend_from_slice(format!("{started} ").as_bytes());
        }
        out.extend_from_slice(line.as_bytes());
    }
    if let Some(limit) = query
        .limit_bytes
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
    {
        out.truncate(limit);
    }
    out
}

fn container_status<'a>(pod: &'a Pod, container: &str) -> Option<&'a ContainerStatus> {
    let status = pod.status.as_ref()?;
    [
        &status.container_statuses,
        &status.init_container_statuses,
        &status.ephemeral_container_statuses,
    ]
    .into_iter()
    .flatten()
    .flatten()
    .find(|s| s.name == container)
}

/// One listener per node, bound on 127.0.0.1 port 0 before the nodes register their ports.
pub struct Endpoints {
    listeners: Vec<(String, TcpListener)>,
    tls: Arc<rustls::ServerConfig>,
}

impl Endpoints {
    /// Binds a listener for each of `nodes`, serving with `pki`'s serving certificate and
    /// accepting only clients `pki`'s CA signed.
    pub async fn bind(nodes: &Nodes, pki: &KubeletPki) -> Result<Self> {
        let mut listeners = Vec::new();
        for name in nodes.names() {
            let listener = TcpListener::bind((NODE_IP, 0))
                .await
                .with_context(|| format!("binding the kubelet endpoint of {name}"))?;
            listeners.push((name.clone(), listener));
        }
        Ok(Self {
            listeners,
            tls: tls_config(pki)?,
        })
    }

    /// The port of each node's endpoint, in node order.
    pub fn ports(&self) -> Result<Vec<u16>> {
        self.listeners
            .iter()
            .map(|(_, l)| Ok(l.local_addr()?.port()))
            .collect()
    }

    /// Serves every endpoint until one's listener fails.
    pub async fn serve(self, client: Client) -> Result<()> {
        let tls = tokio_rustls::TlsAcceptor::from(self.tls);
        let served = self.listeners.into_iter().map(|(node, listener)| {
            let endpoint = Arc::new(Endpoint {
                node,
                client: client.clone(),
            });
            serve_node(listener, tls.clone(), endpoint)
        });
        futures::future::try_join_all(served).await?;
        Ok(())
    }
}

/// What a request handler of one node's endpoint knows.
struct Endpoint {
    node: String,
    client: Client,
}

fn tls_config(pki: &KubeletPki) -> Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pki.ca_pem.as_bytes())?)
        .context("trusting the kubelet CA")?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .context("building the client certificate check")?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from_pem_slice(
                pki.serving_cert_pem.as_bytes(),
            )?],
            PrivateKeyDer::from_pem_slice(pki.serving_key_pem.as_bytes())?,
        )
        .context("loading the kubelet serving certificate")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

async fn serve_node(
    listener: TcpListener,
    tls: tokio_rustls::TlsAcceptor,
    endpoint: Arc<Endpoint>,
) -> Result<()> {
    let app = Router::new()
        .route(
            "/containerLogs/{namespace}/{pod}/{container}",
            get(container_logs),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "404 page not found\n") })
        .with_state(endpoint);
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of descriptors and the like: back off rather than spin.
                tracing::warn!("kubelet endpoint: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let tls = tls.clone();
        let app = app.clone();
        tokio::spawn(async move {
            // Refused handshakes (no client certificate, another CA) end here.
            let tls = match tls.accept(stream).await {
                Ok(tls) => tls,
                Err(e) => {
                    tracing::debug!("kubelet endpoint: handshake refused: {e}");
                    return;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
        });
    }
}

async fn container_logs(
    State(endpoint): State<Arc<Endpoint>>,
    Path((namespace, name, container)): Path<(String, String, String)>,
    Query(query): Query<LogQuery>,
) -> Response {
    let api: Api<Pod> = Api::namespaced(endpoint.client.clone(), &namespace);
    let pod = match api.get_opt(&name).await {
        Ok(Some(pod))
            if pod.spec.as_ref().and_then(|s| s.node_name.as_deref())
                == Some(endpoint.node.as_str()) =>
        {
            pod
        }
        Ok(_) => {
            return plain(
                StatusCode::NOT_FOUND,
                format!(
                    "pod \"{namespace}/{name}\" does not exist on node {}\n",
                    endpoint.node
                ),
            );
        }
        Err(e) => {
            return plain(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("reading pod \"{namespace}/{name}\": {e}\n"),
            );
        }
    };
    match logs_of(&pod, &container, &query, Timestamp::now()) {
        Ok(body) => plain(StatusCode::OK, body),
        Err(refusal) => plain(
            StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST),
            format!("{}\n", refusal.message),
        ),
    }
}

fn plain(status: StatusCode, body: impl Into<axum::body::Body>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

#[cfg(test)]
mod tests;
