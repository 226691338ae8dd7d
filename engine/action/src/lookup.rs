//! Templates' `lookup` on the live cluster: [`LiveLookup`] gives a render
//! (which runs on a blocking thread) the `helmd_kube` reads through the
//! runtime the action runs on, each bounded by [`LOOKUP_TIMEOUT`] and by the
//! render's interrupt. It reads with helmd's own cluster credentials.

use std::time::Duration;

use helmd_kube::{Kube, Lookup};
use helmd_render::{ClusterAccess, Interrupt, LookupError, LookupRequest};
use helmd_yaml::Value;

/// How long one `lookup` may wait for the API server.
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(30);

/// How often a waiting lookup checks the render's interrupt.
const POLL: Duration = Duration::from_millis(50);

/// The cluster as `lookup` sees it. Call [`ClusterAccess::lookup`] from a
/// thread outside the runtime (`spawn_blocking`), as renders run.
#[derive(Debug, Clone)]
pub struct LiveLookup {
    kube: Kube,
    runtime: tokio::runtime::Handle,
}

impl LiveLookup {
    /// Lookups through `kube`, run on the current runtime (call within it).
    pub fn new(kube: Kube) -> Self {
        LiveLookup {
            kube,
            runtime: tokio::runtime::Handle::current(),
        }
    }
}

impl ClusterAccess for LiveLookup {
    fn lookup(
        &self,
        request: &LookupRequest<'_>,
        max_bytes: usize,
        interrupt: &Interrupt,
    ) -> Result<Option<Value>, LookupError> {
        let query = Lookup {
            api_version: request.api_version,
            kind: request.kind,
            namespace: request.namespace,
            name: request.name,
        };
        let read = self.kube.lookup(&query, max_bytes);
        let stopped = async {
            while interrupt.stopped().is_none() {
                tokio::time::sleep(POLL).await;
            }
        };
        self.runtime.block_on(async {
            tokio::select! {
                // An interrupted render never waits for the read.
                biased;
                () = stopped => Err(LookupError::Stopped),
                answer = tokio::time::timeout(LOOKUP_TIMEOUT, read) => match answer {
                    Ok(Ok(found)) => Ok(found),
                    Ok(Err(helmd_kube::Error::ResponseTooLarge { .. })) => Err(LookupError::TooLarge),
                    Ok(Err(e)) => Err(LookupError::Failed(e.to_string())),
                    Err(_) => Err(LookupError::TimedOut(format!(
                        "lookup {} {} {:?} {:?}: no answer from the cluster within {}s (limit lookup-timeout)",
                        request.api_version,
                        request.kind,
                        request.namespace,
                        request.name,
                        LOOKUP_TIMEOUT.as_secs()
                    ))),
                },
            }
        })
    }
}
