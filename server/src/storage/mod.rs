//! helmd's database: connecting (Postgres or embedded SQLite), migrations, reachability checks.

mod audit;
mod filter;
mod operations;
mod release_secrets;
mod releases;
mod repositories;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;

pub use audit::{AuditFilter, AuditRow};
pub use operations::{OperationFilter, OperationRow};
pub use release_secrets::SecretsReleaseStore;
pub use releases::{SqlReleaseStore, unix_now};
pub use repositories::RepositoryRow;

use crate::error::{Error, Result, redact_url};

static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");

/// Which database engine backs helmd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL: production, several replicas, Helm's SQL driver can share it.
    Postgres,
    /// Embedded SQLite file: one replica, zero set-up.
    Sqlite,
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(url: &str) -> Result<Self, String> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme)
            .unwrap_or_default();
        match scheme {
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "sqlite" => Ok(Backend::Sqlite),
            "" => Err("missing scheme (use postgres:// or sqlite://)".to_owned()),
            other => Err(format!(
                "unsupported scheme {other:?} (use postgres:// or sqlite://)"
            )),
        }
    }
}

/// Options for [`Database::connect`].
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Most pooled connections.
    pub max_connections: u32,
    /// How long start-up retries an unreachable database.
    pub connect_timeout: Duration,
    /// How long a request waits for a pooled connection.
    pub acquire_timeout: Duration,
}

/// A pool of connections to helmd's database.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

impl Database {
    /// Connects, retrying with backoff until `connect_timeout` passes.
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self> {
        let backend: Backend = url.parse().map_err(|reason| Error::DatabaseUrl {
            url: redact_url(url),
            reason,
        })?;
        if backend == Backend::Sqlite {
            ensure_sqlite_parent(url)?;
        }
        install_default_drivers();
        let deadline = tokio::time::Instant::now() + options.connect_timeout;
        let mut backoff = Duration::from_millis(100);
        loop {
            let attempt = AnyPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect(url)
                .await;
            match attempt {
                Ok(pool) => return Ok(Database { pool, backend }),
                Err(err) if tokio::time::Instant::now() + backoff < deadline && retryable(&err) => {
                    tracing::warn!(error = %err, "database not reachable yet, retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(2));
                }
                Err(source) => {
                    return Err(Error::DatabaseConnect {
                        url: redact_url(url),
                        source,
                    });
                }
            }
        }
    }

    /// Applies pending migrations; safe when several replicas start at once (Postgres
    /// migrations run under an advisory lock). Returns how many were applied.
    pub async fn migrate(&self) -> Result<usize> {
        let migrator = match self.backend {
            Backend::Postgres => &POSTGRES_MIGRATIONS,
            Backend::Sqlite => &SQLITE_MIGRATIONS,
        };
        let before = self.applied_migrations().await.unwrap_or(0);
        migrator.run(&self.pool).await?;
        let after = self.applied_migrations().await.map_err(Error::from_db)?;
        Ok(after.saturating_sub(before))
    }

    async fn applied_migrations(&self) -> Result<usize, sqlx::Error> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Checks the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(Error::from_db)
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// Connection errors worth retrying at start-up (the database may still be starting).
fn retryable(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_)
    ) || matches!(err, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57")))
}

/// SQLite creates the file but not its directory.
fn ensure_sqlite_parent(url: &str) -> Result<()> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    match Path::new(path).parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| Error::DataDir {
                path: dir.to_path_buf(),
                source,
            })
        }
        _ => Ok(()),
    }
}

/// Microseconds since the Unix epoch, the time format stored in helmd's tables.
pub fn now_us() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(now.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!("postgres://x".parse::<Backend>(), Ok(Backend::Postgres));
        assert_eq!("postgresql://x".parse::<Backend>(), Ok(Backend::Postgres));
        assert_eq!("sqlite:///tmp/x.db".parse::<Backend>(), Ok(Backend::Sqlite));
        assert!("mysql://x".parse::<Backend>().is_err());
        assert!("nothing".parse::<Backend>().is_err());
    }
}
