//! A scripted hostile HTTP peer for source-hardening tests: it answers each request as
//! the test's script says — a body, an endless or huge generated stream, a slow drip, a
//! redirect — on a chosen loopback address, and logs what it was sent (including the
//! `Authorization` header, to prove where credentials went).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request the peer received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// Method.
    pub method: String,
    /// Path (without the query).
    pub path: String,
    /// The query, if any.
    pub query: Option<String>,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// The `Host` header.
    pub host: Option<String>,
}

/// How to answer one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A whole body.
    Body {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// `prefix`, then `filler` repeated until `total` bytes were sent (no Content-Length).
    Stream {
        /// Status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Sent first.
        prefix: Vec<u8>,
        /// Repeated after it.
        filler: Vec<u8>,
        /// Bytes in all.
        total: u64,
    },
    /// `body` one byte every `every` (no Content-Length).
    Drip {
        /// The bytes to drip.
        body: Vec<u8>,
        /// The pause before each byte.
        every: Duration,
    },
    /// `302 Found` to `location`.
    Redirect(String),
}

impl Reply {
    /// 200 with `body`.
    pub fn ok(body: impl Into<Vec<u8>>) -> Reply {
        Reply::Body {
            status: 200,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// `status` with an empty body and `headers`.
    pub fn status(status: u16, headers: &[(&str, &str)]) -> Reply {
        Reply::Body {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }
}

type Script = dyn Fn(&Received) -> Reply + Send + Sync;

struct Shared {
    script: Box<Script>,
    log: Mutex<Vec<Received>>,
}

/// A running peer; stops on drop.
pub struct HostilePeer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for HostilePeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostilePeer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl HostilePeer {
    /// Serves `script` on `ip` (a loopback address such as 127.0.0.1 or 127.0.0.2),
    /// port 0.
    pub async fn start(
        ip: IpAddr,
        script: impl Fn(&Received) -> Reply + Send + Sync + 'static,
    ) -> Result<Self> {
        let listener = TcpListener::bind(SocketAddr::new(ip, 0))
            .await
            .with_context(|| format!("binding the hostile peer on {ip}"))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            script: Box::new(script),
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(answer).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(HostilePeer { addr, shared, task })
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared
            .log
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }
}

impl Drop for HostilePeer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let text = |name: HeaderName| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let received = Received {
        method: request.method().to_string(),
        path: request.uri().path().to_owned(),
        query: request.uri().query().map(str::to_owned),
        authorization: text(header::AUTHORIZATION),
        host: text(header::HOST),
    };
    let reply = (shared.script)(&received);
    if let Ok(mut log) = shared.log.lock() {
        log.push(received);
    }
    match reply {
        Reply::Body {
            status,
            headers,
            body,
        } => with_headers(status, &headers, Body::from(body)),
        Reply::Stream {
            status,
            headers,
            prefix,
            filler,
            total,
        } => with_headers(status, &headers, generated(prefix, filler, total)),
        Reply::Drip { body, every } => {
            let stream = futures_stream(body, every);
            with_headers(200, &[], Body::from_stream(stream))
        }
        Reply::Redirect(location) => {
            with_headers(302, &[("location".to_owned(), location)], Body::empty())
        }
    }
}

fn with_headers(status: u16, headers: &[(String, String)], body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// `prefix` then `filler` repeated, `total` bytes in all, in 64 KiB chunks.
fn generated(prefix: Vec<u8>, filler: Vec<u8>, total: u64) -> Body {
    const CHUNK: usize = 64 << 10;
    let mut block = Vec::with_capacity(CHUNK);
    while !filler.is_empty() && block.len() < CHUNK {
        block.extend_from_slice(&filler);
    }
    let block = bytes_of(block);
    let first = bytes_of(prefix);
    let stream = futures_util_stream(first, block, total);
    Body::from_stream(stream)
}

fn bytes_of(v: Vec<u8>) -> axum::body::Bytes {
    axum::body::Bytes::from(v)
}

fn futures_util_stream(
    first: axum::body::Bytes,
    block: axum::body::Bytes,
    total: u64,
) -> impl futures::Stream<Item = std::io::Result<axum::body::Bytes>> + Send {
    let mut sent = 0u64;
    let mut first = Some(first);
    futures::stream::iter(std::iter::from_fn(move || {
        if sent >= total {
            return None;
        }
        let chunk = match first.take() {
            Some(f) if !f.is_empty() => f,
            _ if block.is_empty() => return None,
            _ => block.clone(),
        };
        let take = usize::try_from((total - sent).min(chunk.len() as u64)).unwrap_or(0);
        sent += take as u64;
        Some(Ok(chunk.slice(..take)))
    }))
}

fn futures_stream(
    body: Vec<u8>,
    every: Duration,
) -> impl futures::Stream<Item = std::io::Result<axum::body::Bytes>> + Send {
    futures::stream::unfold(body.into_iter(), move |mut bytes| async move {
        let b = bytes.next()?;
        tokio::time::sleep(every).await;
        Some((Ok(axum::body::Bytes::from(vec![b])), bytes))
    })
}
