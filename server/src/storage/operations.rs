//! The `helmd_operations` table: reading operations with filters and keyset paging.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Database;
use super::filter::Where;
use crate::error::{Error, Result};

/// One row of `helmd_operations`.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationRow {
    /// Operation id (UUID text).
    pub id: String,
    /// Operation kind: install, upgrade, rollback, uninstall, test.
    pub kind: String,
    /// State: pending, running, succeeded, failed, cancelled.
    pub state: String,
    /// Namespace of the release.
    pub namespace: String,
    /// Name of the release.
    pub release_name: String,
    /// Revision the operation creates or acts on.
    pub revision: i32,
    /// Principal that requested it.
    pub requested_by: String,
    /// Caller-chosen idempotency key.
    pub request_id: Option<String>,
    /// Whether cancellation was requested.
    pub cancel_requested: bool,
    /// Sequence number of the newest stored event.
    pub last_sequence: i64,
    /// The encoded result (a `Release` or `google.rpc.Status`), once finished.
    pub result: Option<Vec<u8>>,
    /// Creation time, Unix microseconds.
    pub create_time_us: i64,
    /// Start time, Unix microseconds.
    pub start_time_us: Option<i64>,
    /// Finish time, Unix microseconds.
    pub finish_time_us: Option<i64>,
}

/// Filters of `ListOperations`; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct OperationFilter {
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only this release name.
    pub release_name: Option<String>,
    /// Only these kinds.
    pub kinds: Vec<String>,
    /// Only these states.
    pub states: Vec<String>,
    /// Only operations older than this `(create_time_us, id)` position (the page cursor).
    pub before: Option<(i64, String)>,
}

const COLUMNS: &str = "id, kind, state, namespace, release_name, revision, requested_by, request_id, \
     cancel_requested, last_sequence, result, create_time_us, start_time_us, finish_time_us";

impl Database {
    /// Returns one operation by id.
    pub async fn get_operation(&self, id: &str) -> Result<OperationRow> {
        let sql = format!("SELECT {COLUMNS} FROM helmd_operations WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .map_err(Error::from_db)?;
        match row {
            Some(row) => decode(&row),
            None => Err(Error::OperationNotFound(id.to_owned())),
        }
    }

    /// Lists operations newest first, at most `limit` of them.
    pub async fn list_operations(
        &self,
        filter: &OperationFilter,
        limit: usize,
    ) -> Result<Vec<OperationRow>> {
        let mut w = Where::default();
        w.eq("namespace", filter.namespace.as_deref())
            .eq("release_name", filter.release_name.as_deref())
            .any_of("kind", &filter.kinds)
            .any_of("state", &filter.states)
            .before("create_time_us", "id", filter.before.clone());
        let sql = format!(
            "SELECT {COLUMNS} FROM helmd_operations{} ORDER BY create_time_us DESC, id DESC LIMIT {}",
            w.clause(),
            limit.max(1)
        );
        let rows = w
            .query(sql)
            .fetch_all(self.pool())
            .await
            .map_err(Error::from_db)?;
        rows.iter().map(decode).collect()
    }
}

fn decode(row: &AnyRow) -> Result<OperationRow> {
    let get = |e: sqlx::Error| Error::Corrupt(format!("helmd_operations row: {e}"));
    Ok(OperationRow {
        id: row.try_get("id").map_err(get)?,
        kind: row.try_get("kind").map_err(get)?,
        state: row.try_get("state").map_err(get)?,
        namespace: row.try_get("namespace").map_err(get)?,
        release_name: row.try_get("release_name").map_err(get)?,
        revision: row.try_get("revision").map_err(get)?,
        requested_by: row.try_get("requested_by").map_err(get)?,
        request_id: row.try_get("request_id").map_err(get)?,
        cancel_requested: row.try_get("cancel_requested").map_err(get)?,
        last_sequence: row.try_get("last_sequence").map_err(get)?,
        result: row.try_get("result").map_err(get)?,
        create_time_us: row.try_get("create_time_us").map_err(get)?,
        start_time_us: row.try_get("start_time_us").map_err(get)?,
        finish_time_us: row.try_get("finish_time_us").map_err(get)?,
    })
}
