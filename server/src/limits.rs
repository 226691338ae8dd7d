//! Server-wide request limits, shared by every connection: how many helmd.v1 requests
//! run at once, and how many request bytes they hold. A request over either limit is
//! refused at once with RESOURCE_EXHAUSTED (reason LIMIT_EXCEEDED, RetryInfo) rather
//! than queued, so one connection's large request never stalls the others on it.
//! Health and reflection are exempt: probes must answer whatever the load.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;
use tonic::body::Body;
use tower::{Layer, Service};

use crate::error::Error;

/// How long a refused caller is told to wait before retrying.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// The limits, built once from configuration and shared by all connections.
#[derive(Debug, Clone)]
pub struct RequestLimits {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    requests: Arc<Semaphore>,
    max_requests: usize,
    memory: Arc<Budget>,
}

/// Bytes of request bodies held by requests in flight, against a ceiling.
#[derive(Debug)]
struct Budget {
    used: AtomicUsize,
    limit: usize,
}

impl Budget {
    /// Takes `n` bytes; false (taking nothing) when that would pass the limit.
    fn try_take(&self, n: usize) -> bool {
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|total| *total <= self.limit)
            })
            .is_ok()
    }

    fn give_back(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }
}

/// The request bytes one request holds; returned to the budget when dropped.
#[derive(Debug)]
struct Held {
    budget: Arc<Budget>,
    bytes: AtomicUsize,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.budget.give_back(self.bytes.load(Ordering::Acquire));
    }
}

impl RequestLimits {
    /// At most `max_requests` requests at once, holding at most `max_request_bytes`
    /// of request bodies together.
    pub fn new(max_requests: usize, max_request_bytes: usize) -> Self {
        RequestLimits {
            shared: Arc::new(Shared {
                requests: Arc::new(Semaphore::new(max_requests)),
                max_requests,
                memory: Arc::new(Budget {
                    used: AtomicUsize::new(0),
                    limit: max_request_bytes,
                }),
            }),
        }
    }

    /// A permit to run one request, or the error that refuses it.
    fn admit(&self) -> Result<OwnedSemaphorePermit, Error> {
        self.shared
            .requests
            .clone()
            .try_acquire_owned()
            .map_err(|_| Error::LimitExceeded {
                limit: "max-concurrent-requests",
                message: format!(
                    "helmd is serving its limit of {} concurrent requests \
                     (--max-concurrent-requests); retry later",
                    self.shared.max_requests
                ),
                retry_after: Some(RETRY_AFTER),
            })
    }
}

/// Whether a request path is exempt from the limits (health checks, reflection).
fn exempt(path: &str) -> bool {
    path.starts_with("/grpc.health.") || path.starts_with("/grpc.reflection.")
}

impl<S> Layer<S> for RequestLimits {
    type Service = Limited<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Limited {
            inner,
            limits: self.clone(),
        }
    }
}

/// A service behind [`RequestLimits`].
#[derive(Debug, Clone)]
pub struct Limited<S> {
    inner: S,
    limits: RequestLimits,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S> Service<http::Request<Body>> for Limited<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        // The clone is not ready; the instance polled ready serves this call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if exempt(req.uri().path()) {
            return Box::pin(inner.call(req));
        }
        let permit = match self.limits.admit() {
            Ok(permit) => permit,
            Err(err) => {
                let response = Status::from(err).into_http();
                return Box::pin(async move { Ok(response) });
            }
        };
        let held = Arc::new(Held {
            budget: self.limits.shared.memory.clone(),
            bytes: AtomicUsize::new(0),
        });
        let req = req.map(|body| {
            Body::new(Counted {
                inner: body,
                held: held.clone(),
            })
        });
        Box::pin(async move {
            let response = inner.call(req).await;
            // The handler is done with the request: its permit and bytes go back.
            drop(permit);
            drop(held);
            response
        })
    }
}

/// A request body that takes its bytes from the memory budget as they arrive.
struct Counted {
    inner: Body,
    held: Arc<Held>,
}

impl HttpBody for Counted {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            other => return other,
        };
        let n = frame.data_ref().map_or(0, Bytes::len);
        if n > 0 {
            let budget = &self.held.budget;
            if !budget.try_take(n) {
                let err = Error::LimitExceeded {
                    limit: "max-request-memory",
                    message: format!(
                        "requests in flight hold helmd's limit of {} bytes \
                         (--max-request-memory); retry later",
                        budget.limit
                    ),
                    retry_after: Some(RETRY_AFTER),
                };
                return Poll::Ready(Some(Err(Status::from(err))));
            }
            self.held.bytes.fetch_add(n, Ordering::AcqRel);
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_refuses_what_would_pass_its_limit() {
        let budget = Budget {
            used: AtomicUsize::new(0),
            limit: 10,
        };
        assert!(budget.try_take(6));
        assert!(!budget.try_take(5));
        assert!(budget.try_take(4));
        budget.give_back(10);
        assert!(budget.try_take(10));
    }

    #[test]
    fn held_bytes_return_to_the_budget_when_dropped() {
        let budget = Arc::new(Budget {
            used: AtomicUsize::new(0),
            limit: 10,
        });
        assert!(budget.try_take(7));
        drop(Held {
            budget: budget.clone(),
            bytes: AtomicUsize::new(7),
        });
        assert_eq!(budget.used.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_full_server_refuses_with_the_limit_named() {
        let limits = RequestLimits::new(1, 100);
        let first = limits.admit().expect("first request admitted");
        let Err(Error::LimitExceeded { limit, .. }) = limits.admit() else {
            panic!("second request admitted");
        };
        assert_eq!(limit, "max-concurrent-requests");
        drop(first);
        assert!(limits.admit().is_ok());
    }

    #[test]
    fn health_and_reflection_are_exempt() {
        assert!(exempt("/grpc.health.v1.Health/Check"));
        assert!(exempt(
            "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"
        ));
        assert!(!exempt("/helmd.v1.ChartService/RenderChart"));
    }
}
