//! Builds the server from configuration and serves it until SIGTERM/SIGINT, then drains.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::api::{self, Services};
use crate::config::{ReleaseStorage, ServeConfig};
use crate::error::{Error, Result};
use crate::health;
use crate::limits::RequestLimits;
use crate::storage::{ConnectOptions, Database, SecretsReleaseStore, SqlReleaseStore};

/// Everything a request handler may need, shared by all services.
#[derive(Debug)]
pub struct AppState {
    /// The configuration the server started with.
    pub config: ServeConfig,
    /// helmd's database.
    pub db: Database,
    /// Release records (`--release-storage`): Helm's SQL tables in `db`, or Secrets.
    pub releases: Releases,
    /// Chart sources: the shared cache, the credentials key, Secret references.
    pub sources: crate::sources::Sources,
    /// Slots for engine work (renders, lints) running at once.
    pub renders: Arc<tokio::sync::Semaphore>,
    /// How many render slots there are (`--max-concurrent-renders`).
    pub render_slots: usize,
    /// The releases that have an operation running in this process.
    pub locks: crate::ops::Locks,
}

/// The release store `--release-storage` selected.
#[derive(Clone)]
pub struct Releases {
    /// Which one it is.
    pub kind: ReleaseStorage,
    /// The store.
    pub store: Arc<dyn helmd_release::ReleaseStore>,
}

impl std::fmt::Debug for Releases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Releases")
            .field("kind", &self.kind)
            .finish()
    }
}

/// Runs `helmd serve`: prepare, bind, print the address, serve until a signal.
pub async fn run(config: ServeConfig) -> Result<()> {
    let mut shutdown = Box::pin(shutdown_signal());
    let state = tokio::select! {
        state = prepare(config) => state?,
        () = &mut shutdown => {
            tracing::info!("stopped before serving");
            return Ok(());
        }
    };
    let listen = state.config.listen;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| Error::Listen {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| Error::Listen {
        addr: listen,
        source,
    })?;
    announce(addr);
    serve(Arc::new(state), listener, shutdown).await
}

/// Checks the data directory and kubeconfig, connects to the database and migrates it.
pub async fn prepare(config: ServeConfig) -> Result<AppState> {
    ensure_writable(&config.data_dir())?;
    if let Some(path) = &config.kubeconfig {
        std::fs::metadata(path).map_err(|source| Error::Kubeconfig {
            path: path.clone(),
            source,
        })?;
    }
    let options = ConnectOptions {
        max_connections: config.database_max_connections,
        connect_timeout: config.database_connect_timeout,
        acquire_timeout: config.database_acquire_timeout,
    };
    let sources = crate::sources::Sources::new(&config)?;
    let db = Database::connect(&config.database_url(), &options).await?;
    let applied = db.migrate().await?;
    tracing::info!(backend = ?db.backend(), applied, "database ready");
    let releases = Releases {
        kind: config.release_storage,
        store: match config.release_storage {
            ReleaseStorage::Sql => Arc::new(SqlReleaseStore::new(db.clone())),
            // The cluster client is built at first use: no cluster is an error then.
            ReleaseStorage::Secrets => Arc::new(SecretsReleaseStore::new(sources.lazy_kube())),
        },
    };
    let render_slots = config.max_concurrent_renders.unwrap_or_else(|| {
        2 * std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    Ok(AppState {
        config,
        db,
        releases,
        sources,
        renders: Arc::new(tokio::sync::Semaphore::new(render_slots)),
        render_slots,
        locks: crate::ops::Locks::default(),
    })
}

/// The one stable stdout line: tests and scripts read the bound address from it.
fn announce(addr: SocketAddr) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "helmd listening on {addr}");
    let _ = out.flush();
    tracing::info!(%addr, version = crate::VERSION, "helmd listening");
}

/// Serves until `shutdown` resolves, then stops accepting, reports NOT_SERVING and
/// waits up to the grace period for requests in flight.
pub async fn serve(
    state: Arc<AppState>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (reporter, health_service) = tonic_health::server::health_reporter();
    health::set_all(&reporter, ServingStatus::Serving).await;
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(health::watch_database(
        state.db.clone(),
        reporter.clone(),
        state.config.health_check_interval,
        stop_rx.clone(),
    ));

    let services = Services::new(state.clone());
    let reflection_v1 = api::reflection_v1()?;
    let reflection_v1alpha = api::reflection_v1alpha()?;
    let grace = state.config.shutdown_grace_period;

    let mut drained = stop_rx.clone();
    let on_signal = async move {
        shutdown.await;
        tracing::info!("shutting down: no new connections, draining requests in flight");
        health::set_all(&reporter, ServingStatus::NotServing).await;
        let _ = stop_tx.send(true);
    };
    let server = Server::builder()
        .layer(RequestLimits::new(
            state.config.max_concurrent_requests,
            state.config.max_request_memory,
        ))
        .add_routes(services.routes())
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), on_signal);
    tokio::select! {
        result = server => result?,
        () = async move {
            let _ = drained.wait_for(|stopped| *stopped).await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!(?grace, "grace period over; closing remaining requests"),
    }
    tracing::info!("helmd stopped");
    Ok(())
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed when this is called (not
/// when first polled), so a signal that arrives while start-up finishes is not lost.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let handlers = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    );
    async move {
        match handlers {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            // Without signal handlers the process can still be killed; serve until then.
            _ => std::future::pending::<()>().await,
        }
    }
}

/// Creates the data directory and proves it writable with a probe file.
fn ensure_writable(dir: &Path) -> Result<()> {
    let fail = |source| Error::DataDir {
        path: dir.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(fail)?;
    let probe = dir.join(".helmd-write-check");
    std::fs::write(&probe, b"ok").map_err(fail)?;
    std::fs::remove_file(&probe).map_err(fail)
}
