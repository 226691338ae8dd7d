//! The `helmd_repositories` table: registered repositories, their sealed credentials and
//! what the last refresh learned from the index.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Database;
use crate::error::{Error, Result};

/// One row of `helmd_repositories`.
#[derive(Clone, PartialEq)]
pub struct RepositoryRow {
    /// Unique name.
    pub name: String,
    /// `http` or `oci`.
    pub kind: String,
    /// The repository URL.
    pub url: String,
    /// Non-secret settings as JSON (`convert::repository::Settings`).
    pub config: String,
    /// Inline credentials, sealed by `crypto::CredentialCipher`.
    pub credentials: Option<Vec<u8>>,
    /// Registration time, Unix microseconds.
    pub create_time_us: i64,
    /// Last change of the settings, Unix microseconds (also the etag's source).
    pub update_time_us: i64,
    /// Last index download, Unix microseconds.
    pub last_refresh_us: Option<i64>,
    /// `sha256:<hex>` of the last index.
    pub index_digest: Option<String>,
    /// Charts in the last index.
    pub chart_count: i32,
}

impl std::fmt::Debug for RepositoryRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RepositoryRow")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("has_credentials", &self.credentials.is_some())
            .field("update_time_us", &self.update_time_us)
            .finish_non_exhaustive()
    }
}

/// Every column but `charts`: the searchable entries (as large as an index) are read
/// one repository at a time, by [`Database::repository_charts`], never with a list.
const COLUMNS: &str = "name, type, url, config, credentials, create_time_us, update_time_us, \
     last_refresh_us, index_digest, chart_count";

impl Database {
    /// Inserts a repository; a taken name is [`Error::RepositoryAlreadyExists`].
    pub async fn insert_repository(&self, row: &RepositoryRow) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO helmd_repositories (name, type, url, config, credentials, \
             create_time_us, update_time_us, chart_count) VALUES ($1, $2, $3, $4, $5, $6, $7, 0) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&row.name)
        .bind(&row.kind)
        .bind(&row.url)
        .bind(&row.config)
        .bind(row.credentials.clone())
        .bind(row.create_time_us)
        .bind(row.update_time_us)
        .execute(self.pool())
        .await
        .map_err(Error::from_db)?;
        if done.rows_affected() == 0 {
            return Err(Error::RepositoryAlreadyExists(row.name.clone()));
        }
        Ok(())
    }

    /// One repository by name.
    pub async fn get_repository(&self, name: &str) -> Result<RepositoryRow> {
        let sql = format!("SELECT {COLUMNS} FROM helmd_repositories WHERE name = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .map_err(Error::from_db)?;
        match row {
            Some(row) => decode(&row),
            None => Err(Error::RepositoryNotFound(name.to_owned())),
        }
    }

    /// Repositories by name after `after`, at most `limit`.
    pub async fn list_repositories(
        &self,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RepositoryRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM helmd_repositories WHERE name > $1 ORDER BY name LIMIT {}",
            limit.max(1)
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(after.unwrap_or_default())
            .fetch_all(self.pool())
            .await
            .map_err(Error::from_db)?;
        rows.iter().map(decode).collect()
    }

    /// Replaces a repository's settings if it was last changed at `expected_update_us`;
    /// otherwise [`Error::EtagMismatch`] (or NOT_FOUND when it is gone).
    pub async fn update_repository(
        &self,
        row: &RepositoryRow,
        expected_update_us: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE helmd_repositories SET url = $1, config = $2, credentials = $3, \
             update_time_us = $4 WHERE name = $5 AND update_time_us = $6",
        )
        .bind(&row.url)
        .bind(&row.config)
        .bind(row.credentials.clone())
        .bind(row.update_time_us)
        .bind(&row.name)
        .bind(expected_update_us)
        .execute(self.pool())
        .await
        .map_err(Error::from_db)?;
        if done.rows_affected() == 0 {
            self.get_repository(&row.name).await?;
            return Err(Error::EtagMismatch(row.name.clone()));
        }
        Ok(())
    }

    /// Deletes a repository (only if last changed at `expected_update_us`, when given).
    /// Returns whether a row was deleted.
    pub async fn delete_repository(
        &self,
        name: &str,
        expected_update_us: Option<i64>,
    ) -> Result<bool> {
        let query = match expected_update_us {
            Some(us) => sqlx::query(
                "DELETE FROM helmd_repositories WHERE name = $1 AND update_time_us = $2",
            )
            .bind(name)
            .bind(us),
            None => sqlx::query("DELETE FROM helmd_repositories WHERE name = $1").bind(name),
        };
        let done = query.execute(self.pool()).await.map_err(Error::from_db)?;
        Ok(done.rows_affected() > 0)
    }

    /// The searchable chart versions of a repository's last index, as JSON (`None`
    /// before its first refresh, or when the repository is gone).
    pub async fn repository_charts(&self, name: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT charts FROM helmd_repositories WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .map_err(Error::from_db)?;
        let get = |e: sqlx::Error| Error::Corrupt(format!("helmd_repositories row: {e}"));
        match row {
            Some(row) => row.try_get("charts").map_err(get),
            None => Ok(None),
        }
    }

    /// Records what a refresh learned from the index.
    pub async fn record_refresh(
        &self,
        name: &str,
        refresh_us: i64,
        index_digest: &str,
        chart_count: i32,
        charts: &str,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE helmd_repositories SET last_refresh_us = $1, index_digest = $2, \
             chart_count = $3, charts = $4 WHERE name = $5",
        )
        .bind(refresh_us)
        .bind(index_digest)
        .bind(chart_count)
        .bind(charts)
        .bind(name)
        .execute(self.pool())
        .await
        .map_err(Error::from_db)?;
        if done.rows_affected() == 0 {
            return Err(Error::RepositoryNotFound(name.to_owned()));
        }
        Ok(())
    }
}

fn decode(row: &AnyRow) -> Result<RepositoryRow> {
    let get = |e: sqlx::Error| Error::Corrupt(format!("helmd_repositories row: {e}"));
    Ok(RepositoryRow {
        name: row.try_get("name").map_err(get)?,
        kind: row.try_get("type").map_err(get)?,
        url: row.try_get("url").map_err(get)?,
        config: row.try_get("config").map_err(get)?,
        credentials: row.try_get("credentials").map_err(get)?,
        create_time_us: row.try_get("create_time_us").map_err(get)?,
        update_time_us: row.try_get("update_time_us").map_err(get)?,
        last_refresh_us: row.try_get("last_refresh_us").map_err(get)?,
        index_digest: row.try_get("index_digest").map_err(get)?,
        chart_count: row.try_get("chart_count").map_err(get)?,
    })
}
