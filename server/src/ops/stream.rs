//! One operation's event stream: the action runs in its own task with a channel
//! for its events; a forwarder numbers them, converts them to `OperationEvent`s
//! and ends with `finished` (the release or the error as a `google.rpc.Status`).

use std::future::Future;

use helmd_action::{Event, Outcome};
use helmd_proto::v1 as pb;
use tokio::sync::mpsc;
use tokio_stream::wrappers::UnboundedReceiverStream;

use super::LockGuard;
use crate::api::EventStream;
use crate::convert::action as conv;
use crate::error::Error;

/// What the `started` event says.
#[derive(Debug, Clone)]
pub struct OperationSpec {
    /// The operation's id.
    pub id: String,
    /// Install, upgrade, ...
    pub kind: pb::OperationKind,
    /// Release namespace.
    pub namespace: String,
    /// Release name.
    pub name: String,
    /// The caller's request id.
    pub request_id: String,
    /// Whether it is a dry run.
    pub dry_run: bool,
}

/// Starts `work` (which sends its events to the sender it is given) and returns
/// the stream of its events. `lock` is released when the work ends.
pub fn start<F, Fut>(spec: OperationSpec, lock: LockGuard, work: F) -> EventStream
where
    F: FnOnce(mpsc::UnboundedSender<Event>) -> Fut,
    Fut: Future<Output = Result<Option<Outcome>, Error>> + Send + 'static,
{
    let (out, stream) = mpsc::unbounded_channel();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut sequence = 0u64;
    let mut emit = {
        let out = out.clone();
        let id = spec.id.clone();
        move |payload: pb::operation_event::Payload| {
            sequence += 1;
            // A caller that went away stops reading, not the operation.
            let _ = out.send(Ok(pb::OperationEvent {
                operation_id: id.clone(),
                sequence,
                event_time: Some(conv::now()),
                payload: Some(payload),
            }));
        }
    };
    emit(pb::operation_event::Payload::Started(
        pb::OperationStarted {
            kind: spec.kind as i32,
            namespace: spec.namespace.clone(),
            release_name: spec.name.clone(),
            revision: 0,
            requested_by: Some(pb::Principal {
                subject: "system:anonymous".into(),
                ..pb::Principal::default()
            }),
            request_id: spec.request_id.clone(),
            dry_run: spec.dry_run,
        },
    ));
    let task = tokio::spawn(work(tx));
    tokio::spawn(async move {
        while let Some(event) = rx.recv().await {
            emit(conv::event(event));
        }
        let result = match task.await {
            Ok(result) => result,
            Err(e) => Err(Error::Task(e.to_string())),
        };
        drop(lock);
        if let Err(e) = &result {
            tracing::info!(operation = %spec.id, release = %spec.name, error = %e, "operation failed");
        }
        emit(pb::operation_event::Payload::Finished(conv::finished(
            result,
        )));
    });
    Box::pin(UnboundedReceiverStream::new(stream))
}
