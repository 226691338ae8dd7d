//! Waking waits when the objects they wait for change: one watch per kind and
//! namespace among them (by name when there is one object), so a wait reads
//! again as soon as something moves, as Helm's watcher does. Polling stays
//! as the fallback (a watch that cannot start or ends early only costs speed).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::Api;
use kube::api::{DynamicObject, WatchParams};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use crate::resource::Resource;

/// The most watches one wait opens; past it, the other kinds are polled.
const MAX_WATCHES: usize = 16;
/// How long one watch request lasts before it is opened again.
const WATCH_SECONDS: u32 = 290;
/// The pause before opening a watch again after it failed or ended.
const REOPEN_AFTER: Duration = Duration::from_secs(1);
/// The least time between two wake-ups, so a busy namespace (many changes to
/// other objects of a watched kind) cannot make a wait re-read without pause.
const MIN_GAP: Duration = Duration::from_millis(100);

/// Watches that wake a waiter; they stop when this is dropped.
pub(crate) struct Changes {
    notify: Arc<Notify>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Changes {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Changes {
    /// Starts watching the kinds of `resources`.
    pub(crate) fn watch(client: &kube::Client, resources: &[&Resource]) -> Changes {
        let notify = Arc::new(Notify::new());
        let mut groups: BTreeMap<(String, String, Option<String>), Vec<&Resource>> =
            BTreeMap::new();
        for r in resources {
            groups
                .entry((
                    r.api.api_version.clone(),
                    r.api.plural.clone(),
                    r.namespace.clone(),
                ))
                .or_default()
                .push(r);
        }
        let tasks = groups
            .into_values()
            .take(MAX_WATCHES)
            .filter_map(|group| {
                let first = group.first()?;
                let mut params = WatchParams::default().timeout(WATCH_SECONDS);
                if let [only] = group.as_slice() {
                    params = params.fields(&format!("metadata.name={}", only.name));
                }
                Some(tokio::spawn(follow(
                    first.api(client),
                    params,
                    notify.clone(),
                )))
            })
            .collect();
        Changes { notify, tasks }
    }

    /// Returns once a watched object changed (or had changed since the last
    /// call), but not before [`MIN_GAP`]; or after `delay`.
    pub(crate) async fn next(&self, delay: Duration) {
        let gap = MIN_GAP.min(delay);
        tokio::time::sleep(gap).await;
        let _ = tokio::time::timeout(delay - gap, self.notify.notified()).await;
    }
}

/// Follows one watch for as long as the waiter lives, waking it on every event.
async fn follow(api: Api<DynamicObject>, params: WatchParams, notify: Arc<Notify>) {
    loop {
        // "0": start from any recent state; the first events only wake the waiter
        // once more (a permit is stored, not counted).
        if let Ok(stream) = api.watch(&params, "0").await {
            let mut stream = std::pin::pin!(stream);
            while let Some(event) = stream.next().await {
                notify.notify_one();
                if event.is_err() {
                    break;
                }
            }
        }
        tokio::time::sleep(REOPEN_AFTER).await;
    }
}
