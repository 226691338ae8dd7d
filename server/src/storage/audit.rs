//! The `helmd_audit_events` table: who did what, read newest first with keyset paging.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::Database;
use super::filter::Where;
use crate::error::{Error, Result};

/// One row of `helmd_audit_events`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// Monotonic id.
    pub id: i64,
    /// When it happened, Unix microseconds.
    pub time_us: i64,
    /// Authenticated subject.
    pub principal: String,
    /// The subject's groups, comma separated.
    pub groups: String,
    /// How the subject authenticated.
    pub auth_method: String,
    /// Full gRPC method name.
    pub action: String,
    /// Release namespace, if any.
    pub namespace: String,
    /// Release name, if any.
    pub release_name: String,
    /// Operation started by the call, if any.
    pub operation_id: Option<String>,
    /// gRPC status code of the outcome.
    pub code: i32,
    /// Outcome message.
    pub message: String,
    /// Request summary with secrets redacted.
    pub request_summary: String,
}

/// Filters of `ListAuditEvents`; empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this namespace.
    pub namespace: Option<String>,
    /// Only this release.
    pub release_name: Option<String>,
    /// Only this principal.
    pub principal: Option<String>,
    /// Only this action (full method name).
    pub action: Option<String>,
    /// Only events at or after this time (Unix microseconds).
    pub start_us: Option<i64>,
    /// Only events before this time (Unix microseconds).
    pub end_us: Option<i64>,
    /// Only events older than this `(time_us, id)` position (the page cursor).
    pub before: Option<(i64, i64)>,
}

const COLUMNS: &str = "id, time_us, principal, groups, auth_method, action, namespace, release_name, \
     operation_id, code, message, request_summary";

impl Database {
    /// Appends an audit event (its `id` is assigned by the database; the row's is
    /// ignored). `operation_id` must name a stored operation or be `None`.
    pub async fn insert_audit_event(&self, row: &AuditRow) -> Result<()> {
        sqlx::query(
            "INSERT INTO helmd_audit_events (time_us, principal, groups, auth_method, action, \
             namespace, release_name, operation_id, code, message, request_summary) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(row.time_us)
        .bind(&row.principal)
        .bind(&row.groups)
        .bind(&row.auth_method)
        .bind(&row.action)
        .bind(&row.namespace)
        .bind(&row.release_name)
        .bind(row.operation_id.clone())
        .bind(row.code)
        .bind(&row.message)
        .bind(&row.request_summary)
        .execute(self.pool())
        .await
        .map_err(Error::from_db)?;
        Ok(())
    }

    /// Lists audit events newest first, at most `limit` of them.
    pub async fn list_audit_events(
        &self,
        filter: &AuditFilter,
        limit: usize,
    ) -> Result<Vec<AuditRow>> {
        let mut w = Where::default();
        w.eq("namespace", filter.namespace.as_deref())
            .eq("release_name", filter.release_name.as_deref())
            .eq("principal", filter.principal.as_deref())
            .eq("action", filter.action.as_deref())
            .int_cmp("time_us", ">=", filter.start_us)
            .int_cmp("time_us", "<", filter.end_us)
            .before("time_us", "id", filter.before);
        let sql = format!(
            "SELECT {COLUMNS} FROM helmd_audit_events{} ORDER BY time_us DESC, id DESC LIMIT {}",
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

fn decode(row: &AnyRow) -> Result<AuditRow> {
    let get = |e: sqlx::Error| Error::Corrupt(format!("helmd_audit_events row: {e}"));
    Ok(AuditRow {
        id: row.try_get("id").map_err(get)?,
        time_us: row.try_get("time_us").map_err(get)?,
        principal: row.try_get("principal").map_err(get)?,
        groups: row.try_get("groups").map_err(get)?,
        auth_method: row.try_get("auth_method").map_err(get)?,
        action: row.try_get("action").map_err(get)?,
        namespace: row.try_get("namespace").map_err(get)?,
        release_name: row.try_get("release_name").map_err(get)?,
        operation_id: row.try_get("operation_id").map_err(get)?,
        code: row.try_get("code").map_err(get)?,
        message: row.try_get("message").map_err(get)?,
        request_summary: row.try_get("request_summary").map_err(get)?,
    })
}
