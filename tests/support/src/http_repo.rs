//! A real HTTP(S) server for chart repositories: serves a directory (index.yaml and .tgz
//! files) on 127.0.0.1 with optional basic auth and TLS, strong ETags, and a request log.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::registry::TestCa;

/// How the repository server behaves.
#[derive(Debug, Clone, Default)]
pub struct HttpRepoOptions {
    /// Require this user and password (HTTP basic auth) for every request.
    pub basic_auth: Option<(String, String)>,
    /// Serve HTTPS with a certificate from this CA's leaf.
    pub tls: Option<TestCa>,
}

/// One request the server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// The request path, e.g. `/index.yaml`.
    pub path: String,
    /// The status it got.
    pub status: u16,
    /// Whether it carried an `Authorization` header.
    pub authorization: bool,
}

#[derive(Debug)]
struct Shared {
    root: PathBuf,
    options: HttpRepoOptions,
    log: Mutex<Vec<LoggedRequest>>,
}

/// A running repository server; stops on drop.
#[derive(Debug)]
pub struct HttpRepoServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl HttpRepoServer {
    /// Serves `root` (read on every request, so tests may change files while it runs).
    pub async fn start(root: impl Into<PathBuf>, options: HttpRepoOptions) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the HTTP repository server")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            root: root.into(),
            options,
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .fallback(serve_file)
            .with_state(shared.clone());
        let task = match &shared.options.tls {
            None => tokio::spawn(async move {
                let _ = axum::serve(listener, app).await;
            }),
            Some(ca) => tokio::spawn(serve_tls(listener, app, tls_config(ca)?)),
        };
        Ok(HttpRepoServer { addr, shared, task })
    }

    /// `http(s)://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        let scheme = if self.shared.options.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The directory being served.
    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared
            .log
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }

    /// How many requests asked for `path`.
    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }
}

impl Drop for HttpRepoServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_file(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let authorization = request.headers().contains_key(header::AUTHORIZATION);
    let response = answer(&shared, &path, request.headers()).await;
    if let Ok(mut log) = shared.log.lock() {
        log.push(LoggedRequest {
            path,
            status: response.status().as_u16(),
            authorization,
        });
    }
    response
}

async fn answer(shared: &Shared, path: &str, headers: &HeaderMap) -> Response {
    if let Some((user, password)) = &shared.options.basic_auth {
        let expected =
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if given != Some(format!("Basic {expected}").as_str()) {
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Basic realm=\"charts\"")],
                "unauthorized",
            )
                .into_response();
        }
    }
    let Some(file) = safe_join(&shared.root, path) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex::encode(Sha256::digest(&bytes)));
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Response::new(Body::from(bytes))
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// `root` joined with the URL path, refusing anything but plain names.
fn safe_join(root: &Path, url_path: &str) -> Option<PathBuf> {
    let relative = Path::new(url_path.trim_start_matches('/'));
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| root.join(relative))
}

pub(crate) fn tls_config(ca: &TestCa) -> Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    crate::registry::install_crypto_provider();
    let cert = CertificateDer::from_pem_slice(ca.leaf_pem.as_bytes())?;
    let key = PrivateKeyDer::from_pem_slice(ca.leaf_key_pem.as_bytes())?;
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)?;
    Ok(Arc::new(config))
}

pub(crate) async fn serve_tls(
    listener: TcpListener,
    app: Router,
    config: Arc<rustls::ServerConfig>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    while let Ok((stream, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let _ =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                    .await;
        });
    }
}
