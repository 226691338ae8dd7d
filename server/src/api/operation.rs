//! OperationService: read operations and the audit log from the database. Watching and
//! cancelling need the operation runner of the release engine and answer UNIMPLEMENTED.

use std::sync::Arc;

use helmd_proto::v1::operation_service_server::OperationService;
use helmd_proto::v1::*;
use tonic::{Request, Response, Status};

use super::{EventStream, not_implemented};
use crate::app::AppState;
use crate::convert::{self, operation as conv, page};
use crate::error::{Error, Result};
use crate::storage::{AuditFilter, OperationFilter};

/// The OperationService implementation.
#[derive(Debug)]
pub struct OperationApi {
    state: Arc<AppState>,
}

impl OperationApi {
    /// An OperationService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        OperationApi { state }
    }

    async fn get(&self, req: GetOperationRequest) -> Result<GetOperationResponse> {
        if req.operation_id.is_empty() {
            return Err(Error::invalid("operation_id", "required"));
        }
        let row = self.state.db.get_operation(&req.operation_id).await?;
        Ok(GetOperationResponse {
            operation: Some(conv::operation(&row)?),
        })
    }

    async fn list(&self, req: ListOperationsRequest) -> Result<ListOperationsResponse> {
        let size = page::page_size(req.page_size)?;
        let filter = OperationFilter {
            namespace: non_empty(req.namespace),
            release_name: non_empty(req.release_name),
            kinds: names(&req.kinds, "kinds", |k| {
                OperationKind::try_from(k).ok().and_then(conv::kind_name)
            })?,
            states: names(&req.states, "states", |s| {
                OperationState::try_from(s).ok().and_then(conv::state_name)
            })?,
            before: page::decode("operations", &req.page_token)?,
        };
        let mut rows = self.state.db.list_operations(&filter, size + 1).await?;
        let next_page_token = page::finish("operations", &mut rows, size, |r| {
            (r.create_time_us, r.id.clone())
        });
        let operations = rows
            .iter()
            .map(conv::operation)
            .collect::<Result<Vec<_>>>()?;
        Ok(ListOperationsResponse {
            operations,
            next_page_token,
        })
    }

    async fn audit(&self, req: ListAuditEventsRequest) -> Result<ListAuditEventsResponse> {
        let size = page::page_size(req.page_size)?;
        let before = match page::decode("audit", &req.page_token)? {
            Some((time, id)) => Some((
                time,
                id.parse()
                    .map_err(|_| Error::invalid("page_token", "malformed"))?,
            )),
            None => None,
        };
        let filter = AuditFilter {
            namespace: non_empty(req.namespace),
            release_name: non_empty(req.release_name),
            principal: non_empty(req.principal),
            action: non_empty(req.action),
            start_us: req.start_time.as_ref().map(convert::micros),
            end_us: req.end_time.as_ref().map(convert::micros),
            before,
        };
        let mut rows = self.state.db.list_audit_events(&filter, size + 1).await?;
        let next_page_token =
            page::finish("audit", &mut rows, size, |r| (r.time_us, r.id.to_string()));
        Ok(ListAuditEventsResponse {
            audit_events: rows.iter().map(conv::audit_event).collect(),
            next_page_token,
        })
    }
}

fn non_empty(text: String) -> Option<String> {
    if text.is_empty() { None } else { Some(text) }
}

/// Maps enum numbers of a repeated filter field to stored names; unknown values are invalid.
fn names(
    values: &[i32],
    field: &str,
    name: impl Fn(i32) -> Option<&'static str>,
) -> Result<Vec<String>> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            name(*v).map(str::to_owned).ok_or_else(|| {
                Error::invalid(
                    format!("{field}[{i}]"),
                    format!("unknown or unspecified value {v}"),
                )
            })
        })
        .collect()
}

#[tonic::async_trait]
impl OperationService for OperationApi {
    type WatchOperationStream = EventStream;

    async fn get_operation(
        &self,
        request: Request<GetOperationRequest>,
    ) -> Result<Response<GetOperationResponse>, Status> {
        Ok(Response::new(self.get(request.into_inner()).await?))
    }

    async fn list_operations(
        &self,
        request: Request<ListOperationsRequest>,
    ) -> Result<Response<ListOperationsResponse>, Status> {
        Ok(Response::new(self.list(request.into_inner()).await?))
    }

    async fn watch_operation(
        &self,
        _: Request<WatchOperationRequest>,
    ) -> Result<Response<EventStream>, Status> {
        not_implemented("helmd.v1.OperationService/WatchOperation")
    }

    async fn cancel_operation(
        &self,
        _: Request<CancelOperationRequest>,
    ) -> Result<Response<CancelOperationResponse>, Status> {
        not_implemented("helmd.v1.OperationService/CancelOperation")
    }

    async fn list_audit_events(
        &self,
        request: Request<ListAuditEventsRequest>,
    ) -> Result<Response<ListAuditEventsResponse>, Status> {
        Ok(Response::new(self.audit(request.into_inner()).await?))
    }
}
