//! Stored operation and audit rows to helmd.v1 `Operation` and `AuditEvent` messages.

use helmd_proto::v1::{
    AuditEvent, AuthenticationMethod, Operation, OperationFinished, OperationKind, OperationState,
    Principal, operation, operation_finished,
};
use prost::Message;

use super::timestamp;
use crate::error::{Error, Result};
use crate::storage::{AuditRow, OperationRow};

/// The stored name of an operation kind (`install`, …).
pub fn kind_name(kind: OperationKind) -> Option<&'static str> {
    match kind {
        OperationKind::Install => Some("install"),
        OperationKind::Upgrade => Some("upgrade"),
        OperationKind::Rollback => Some("rollback"),
        OperationKind::Uninstall => Some("uninstall"),
        OperationKind::Test => Some("test"),
        OperationKind::Unspecified => None,
    }
}

/// The stored name of an operation state (`running`, …).
pub fn state_name(state: OperationState) -> Option<&'static str> {
    match state {
        OperationState::Pending => Some("pending"),
        OperationState::Running => Some("running"),
        OperationState::Succeeded => Some("succeeded"),
        OperationState::Failed => Some("failed"),
        OperationState::Cancelled => Some("cancelled"),
        OperationState::Unspecified => None,
    }
}

fn kind_from(name: &str) -> OperationKind {
    [
        OperationKind::Install,
        OperationKind::Upgrade,
        OperationKind::Rollback,
        OperationKind::Uninstall,
        OperationKind::Test,
    ]
    .into_iter()
    .find(|k| kind_name(*k) == Some(name))
    .unwrap_or(OperationKind::Unspecified)
}

fn state_from(name: &str) -> OperationState {
    [
        OperationState::Pending,
        OperationState::Running,
        OperationState::Succeeded,
        OperationState::Failed,
        OperationState::Cancelled,
    ]
    .into_iter()
    .find(|s| state_name(*s) == Some(name))
    .unwrap_or(OperationState::Unspecified)
}

fn principal(subject: &str, groups: &str, method: &str) -> Principal {
    Principal {
        subject: subject.to_owned(),
        groups: groups
            .split(',')
            .filter(|g| !g.is_empty())
            .map(str::to_owned)
            .collect(),
        authentication_method: AuthenticationMethod::from_str_name(method)
            .unwrap_or(AuthenticationMethod::Unspecified)
            .into(),
    }
}

/// A stored operation as a message.
pub fn operation(row: &OperationRow) -> Result<Operation> {
    let result = match &row.result {
        None => None,
        Some(bytes) => OperationFinished::decode(bytes.as_slice())
            .map_err(|e| Error::Corrupt(format!("result of operation {}: {e}", row.id)))?
            .result
            .map(|r| match r {
                operation_finished::Result::Release(release) => operation::Result::Release(release),
                operation_finished::Result::Error(status) => operation::Result::Error(status),
            }),
    };
    Ok(Operation {
        id: row.id.clone(),
        kind: kind_from(&row.kind).into(),
        state: state_from(&row.state).into(),
        namespace: row.namespace.clone(),
        release_name: row.release_name.clone(),
        revision: row.revision,
        requested_by: Some(principal(&row.requested_by, "", "")),
        request_id: row.request_id.clone().unwrap_or_default(),
        dry_run: false,
        create_time: Some(timestamp(row.create_time_us)),
        start_time: row.start_time_us.map(timestamp),
        finish_time: row.finish_time_us.map(timestamp),
        last_sequence: u64::try_from(row.last_sequence).unwrap_or(0),
        cancel_requested: row.cancel_requested,
        result,
    })
}

/// A stored audit event as a message.
pub fn audit_event(row: &AuditRow) -> AuditEvent {
    AuditEvent {
        id: row.id.to_string(),
        event_time: Some(timestamp(row.time_us)),
        principal: Some(principal(&row.principal, &row.groups, &row.auth_method)),
        action: row.action.clone(),
        namespace: row.namespace.clone(),
        release_name: row.release_name.clone(),
        operation_id: row.operation_id.clone().unwrap_or_default(),
        outcome: Some(tonic_types::pb::Status {
            code: row.code,
            message: row.message.clone(),
            details: vec![],
        }),
        request: serde_struct(&row.request_summary),
    }
}

/// The stored request summary is a JSON object; the message carries it as a Struct.
fn serde_struct(json: &str) -> Option<prost_types::Struct> {
    match serde_json::from_str::<serde_json::Value>(json).ok()? {
        serde_json::Value::Object(map) => Some(to_struct(map)),
        _ => None,
    }
}

fn to_struct(map: serde_json::Map<String, serde_json::Value>) -> prost_types::Struct {
    prost_types::Struct {
        fields: map.into_iter().map(|(k, v)| (k, to_value(v))).collect(),
    }
}

fn to_value(value: serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    let kind = match value {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(b) => Kind::BoolValue(b),
        serde_json::Value::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or_default()),
        serde_json::Value::String(s) => Kind::StringValue(s),
        serde_json::Value::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.into_iter().map(to_value).collect(),
        }),
        serde_json::Value::Object(map) => Kind::StructValue(to_struct(map)),
    };
    prost_types::Value { kind: Some(kind) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_summaries_become_structs() {
        let s = serde_struct(r#"{"name":"web","values":{"replicas":2},"set":["a=b"]}"#)
            .expect("object");
        assert_eq!(s.fields.len(), 3);
        assert!(serde_struct("not json").is_none());
        assert!(serde_struct("[1]").is_none());
    }

    #[test]
    fn kinds_and_states_round_trip_through_their_stored_names() {
        for kind in [OperationKind::Install, OperationKind::Test] {
            assert_eq!(kind_from(kind_name(kind).expect("named")), kind);
        }
        assert_eq!(state_from("running"), OperationState::Running);
        assert_eq!(state_from("bogus"), OperationState::Unspecified);
    }
}
