//! A paginating front for a real registry. Debian's `docker-registry` (distribution
//! 2.8.2) ignores `n` and `last` on `/v2/<name>/tags/list` and always answers every tag;
//! distribution 3 and most hosted registries page them. This proxy forwards `GET` and
//! `HEAD` to the real registry unchanged, except tag lists, which it pages the way the
//! distribution spec says: tags in lexical order after `last`, at most `n`, and a
//! `Link: </v2/<name>/tags/list?n=N&last=T>; rel="next"` header while more remain.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

struct Shared {
    upstream: String,
    client: reqwest::Client,
    pages: AtomicUsize,
}

/// A running proxy (plain HTTP on 127.0.0.1); stops on drop.
pub struct PagingProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for PagingProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagingProxy")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl PagingProxy {
    /// Fronts the plain-HTTP registry at `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the paging proxy")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            pages: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(forward).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(PagingProxy { addr, shared, task })
    }

    /// `127.0.0.1:PORT`, the registry host as references name it.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// How many tag-list pages it has served.
    pub fn pages_served(&self) -> usize {
        self.shared.pages.load(Ordering::Relaxed)
    }
}

impl Drop for PagingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    let path = request.uri().path().to_owned();
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let paged = request.method() == Method::GET && path.ends_with("/tags/list");
    let mut upstream = shared.client.request(
        request.method().clone(),
        format!("{}{path}", shared.upstream),
    );
    if !paged {
        upstream = upstream.query(&query);
    }
    for name in [header::AUTHORIZATION, header::ACCEPT, header::RANGE] {
        if let Some(value) = request.headers().get(&name) {
            upstream = upstream.header(name, value.clone());
        }
    }
    let Ok(answer) = upstream.send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let Ok(body) = answer.bytes().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    if paged && status.is_success() {
        return page(&shared, &path, &query, &body);
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if name != header::TRANSFER_ENCODING && name != header::CONNECTION {
            response.headers_mut().append(name.clone(), value.clone());
        }
    }
    response
}

fn page(shared: &Shared, path: &str, query: &[(String, String)], body: &[u8]) -> Response {
    let param = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let Ok(mut list) = serde_json::from_slice::<serde_json::Value>(body) else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let mut tags: Vec<String> = list["tags"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    tags.sort();
    if let Some(last) = param("last") {
        tags.retain(|t| *t > last);
    }
    let n = param("n").and_then(|n| n.parse::<usize>().ok());
    let more = n.is_some_and(|n| tags.len() > n);
    if let Some(n) = n {
        tags.truncate(n);
    }
    shared.pages.fetch_add(1, Ordering::Relaxed);
    list["tags"] = serde_json::json!(tags);
    let mut response = (
        [(header::CONTENT_TYPE, "application/json")],
        list.to_string(),
    )
        .into_response();
    if let (true, Some(n), Some(last)) = (more, n, tags.last()) {
        let next = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("n", &n.to_string())
            .append_pair("last", last)
            .finish();
        if let Ok(value) = HeaderValue::from_str(&format!("<{path}?{next}>; rel=\"next\"")) {
            response.headers_mut().insert(header::LINK, value);
        }
    }
    response
}
