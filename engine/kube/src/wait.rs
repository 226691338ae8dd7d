//! Waiting until a release's objects are ready (`--wait`, `--wait-for-jobs`):
//! each one not yet ready is read again whenever a watch of its kind sees a
//! change (polling with back-off as the fallback); and reading their status
//! once (GetReleaseResources).

use std::time::Duration;

use crate::changes::Changes;
use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::ready::{Health, Readiness, readiness};
use crate::resource::Resource;

/// The timeout of a wait given none (Helm's default for SDK callers).
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How many objects a timeout message names before "and N more".
const NAMED_IN_TIMEOUT: usize = 10;
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_secs(1);

/// How a wait goes.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    /// How long to wait at most; zero means Helm's default, 30 s.
    pub timeout: Duration,
    /// Jobs must complete (`--wait-for-jobs`), not only start.
    pub wait_for_jobs: bool,
}

/// The timeout to use for `timeout` (zero: the default).
pub(crate) fn effective(timeout: Duration) -> Duration {
    if timeout.is_zero() {
        DEFAULT_TIMEOUT
    } else {
        timeout
    }
}

/// The next polling delay: doubled, at most one second.
pub(crate) fn backoff(delay: Duration) -> Duration {
    (delay * 2).min(MAX_DELAY)
}

impl Kube {
    /// Waits until every one of `resources` is ready, calling `progress` each time
    /// an object's readiness changes (its first reading included). An object that
    /// fails (see [`Health::Failed`]) ends the wait at once with
    /// [`Error::ResourceFailed`]; when time runs out, [`Error::WaitTimeout`] names
    /// each object not ready and why.
    pub async fn wait_ready(
        &self,
        resources: &[Resource],
        opts: &WaitOptions,
        progress: &mut (dyn FnMut(&Resource, &Readiness) + Send),
    ) -> Result<()> {
        let timeout = effective(opts.timeout);
        let mut last: Vec<Option<Readiness>> = vec![None; resources.len()];
        let polled = tokio::time::timeout(
            timeout,
            self.poll_ready(resources, opts.wait_for_jobs, &mut last, progress),
        )
        .await;
        match polled {
            Ok(result) => result,
            Err(_) => Err(Error::WaitTimeout {
                message: timeout_message(resources, &last, timeout),
            }),
        }
    }

    async fn poll_ready(
        &self,
        resources: &[Resource],
        wait_for_jobs: bool,
        last: &mut [Option<Readiness>],
        progress: &mut (dyn FnMut(&Resource, &Readiness) + Send),
    ) -> Result<()> {
        let all: Vec<&Resource> = resources.iter().collect();
        let changes = Changes::watch(self.client(), &all);
        let mut delay = FIRST_DELAY;
        loop {
            let waiting: Vec<usize> = (0..resources.len())
                .filter(|&i| !last[i].as_ref().is_some_and(Readiness::is_ready))
                .collect();
            let read: Vec<Result<Readiness>> = crate::concurrently(
                waiting
                    .iter()
                    .map(|&i| self.read_readiness(&resources[i], wait_for_jobs, true))
                    .collect(),
            )
            .await;
            let mut pending = false;
            for (&i, now) in waiting.iter().zip(read) {
                let (r, now) = (&resources[i], now?);
                if last[i].as_ref() != Some(&now) {
                    progress(r, &now);
                }
                if now.health == Health::Failed {
                    return Err(Error::ResourceFailed {
                        resource: r.describe(),
                        message: now.message,
                    });
                }
                pending |= !now.is_ready();
                last[i] = Some(now);
            }
            if !pending {
                return Ok(());
            }
            changes.next(delay).await;
            delay = backoff(delay);
        }
    }

    /// The readiness of each of `resources`, read once (a Job counts as ready
    /// only once complete); an absent object is [`Health::Missing`].
    pub async fn status(&self, resources: &[Resource]) -> Result<Vec<Readiness>> {
        crate::concurrently(
            resources
                .iter()
                .map(|r| self.read_readiness(r, true, false))
                .collect(),
        )
        .await
        .into_iter()
        .collect()
    }

    /// Reads `r` and judges it. When `tolerant`, a server that fails to answer
    /// (5xx, transport) gives [`Health::Unknown`] instead of an error, so a
    /// wait rides out a short outage.
    async fn read_readiness(
        &self,
        r: &Resource,
        wait_for_jobs: bool,
        tolerant: bool,
    ) -> Result<Readiness> {
        match self.get(r).await {
            Ok(Some(live)) => Ok(readiness(&r.api.group, r.kind(), &live, wait_for_jobs)),
            Ok(None) => Ok(Readiness::new(Health::Missing, "not found")),
            Err(Error::Unavailable(e)) if tolerant => {
                tracing::debug!(resource = %r.describe(), error = %e, "reading readiness");
                Ok(Readiness::new(Health::Unknown, format!("unreadable: {e}")))
            }
            Err(e) => Err(e),
        }
    }
}

/// `timed out after 5s waiting for 2 of 3 resources to be ready: <each: why>`.
fn timeout_message(
    resources: &[Resource],
    last: &[Option<Readiness>],
    timeout: Duration,
) -> String {
    let waiting: Vec<String> = resources
        .iter()
        .zip(last)
        .filter(|(_, seen)| !seen.as_ref().is_some_and(Readiness::is_ready))
        .map(|(r, seen)| {
            let why = seen.as_ref().map_or("not read yet", |s| s.message.as_str());
            format!("{}: {why}", r.describe())
        })
        .collect();
    let mut named = waiting
        .iter()
        .take(NAMED_IN_TIMEOUT)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if waiting.len() > NAMED_IN_TIMEOUT {
        named.push_str(&format!("; and {} more", waiting.len() - NAMED_IN_TIMEOUT));
    }
    format!(
        "timed out after {timeout:?} waiting for {} of {} resources to be ready: {named}",
        waiting.len(),
        resources.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::api::{ApiResource, DynamicObject};

    fn resource(name: &str) -> Resource {
        Resource {
            template: "t.yaml".into(),
            api: ApiResource {
                group: "apps".into(),
                version: "v1".into(),
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                plural: "deployments".into(),
            },
            namespaced: true,
            namespace: Some("ns".into()),
            name: name.into(),
            object: DynamicObject {
                types: None,
                metadata: Default::default(),
                data: serde_json::Value::Null,
            },
        }
    }

    fn check(count: usize, ready: &[usize], expected: &str) {
        let resources: Vec<Resource> = (0..count).map(|i| resource(&format!("d{i}"))).collect();
        let last: Vec<Option<Readiness>> = (0..count)
            .map(|i| match i {
                _ if ready.contains(&i) => Some(Readiness::new(Health::Ready, "ok")),
                0 => None,
                _ => Some(Readiness::new(
                    Health::Progressing,
                    "0 of 1 replicas available",
                )),
            })
            .collect();
        assert_eq!(
            timeout_message(&resources, &last, Duration::from_secs(5)),
            expected
        );
    }

    #[test]
    fn a_timeout_names_each_object_not_ready_and_why() {
        check(
            3,
            &[2],
            "timed out after 5s waiting for 2 of 3 resources to be ready: \
             Deployment \"d0\" in namespace \"ns\": not read yet; \
             Deployment \"d1\" in namespace \"ns\": 0 of 1 replicas available",
        );
    }

    #[test]
    fn a_timeout_names_ten_objects_and_counts_the_rest() {
        let expected = (1..11)
            .map(|i| format!("Deployment \"d{i}\" in namespace \"ns\": 0 of 1 replicas available"))
            .collect::<Vec<_>>()
            .join("; ");
        check(
            13,
            &[0],
            &format!(
                "timed out after 5s waiting for 12 of 13 resources to be ready: {expected}; and 2 more"
            ),
        );
    }

    #[test]
    fn polling_backs_off_from_a_tenth_of_a_second_to_one_second() {
        let mut delays = vec![FIRST_DELAY];
        for _ in 0..5 {
            delays.push(backoff(delays[delays.len() - 1]));
        }
        assert_eq!(
            delays,
            [100, 200, 400, 800, 1000, 1000].map(Duration::from_millis)
        );
        assert_eq!(effective(Duration::ZERO), DEFAULT_TIMEOUT);
    }
}
