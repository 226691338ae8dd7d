//! Engine work (render, lint, show) on the blocking pool: at most
//! `--max-concurrent-renders` at once, each under `--render-timeout`, and stopped at
//! its next check when its caller goes away (the request future is dropped when the
//! client cancels or its gRPC deadline passes).

use helmd_render::{Error as RenderError, Interrupt, Stopped};

use crate::app::AppState;
use crate::error::{Error, Result};

/// Raises the interrupt when dropped: the request was abandoned, or it finished.
struct CancelOnDrop(Interrupt);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Runs `work` with an interrupt that stops it past the render time limit or when the
/// returned future is dropped. A render stopped by its time limit is
/// `Error::Render(Stopped)`, whatever error the work saw.
pub async fn run<T, F>(state: &AppState, work: F) -> Result<T>
where
    F: FnOnce(Interrupt) -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    let timeout = state.config.render_timeout;
    let slot = tokio::time::timeout(timeout, state.renders.clone().acquire_owned())
        .await
        .map_err(|_| Error::LimitExceeded {
            limit: "max-concurrent-renders",
            message: format!(
                "no render slot freed within {} (--max-concurrent-renders {}); retry later",
                humantime::format_duration(timeout),
                state.render_slots
            ),
            retry_after: Some(std::time::Duration::from_secs(1)),
        })?
        .map_err(|_| Error::Task("render slots closed".to_owned()))?;
    let interrupt = Interrupt::new().with_timeout(timeout);
    let _cancel_on_drop = CancelOnDrop(interrupt.clone());
    let task = {
        let interrupt = interrupt.clone();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let result = work(interrupt.clone());
            if result.is_err() && interrupt.stopped() == Some(Stopped::Cancelled) {
                tracing::info!("render stopped: its caller cancelled it or went away");
            }
            result
        })
    };
    let result = task.await.map_err(|e| Error::Task(e.to_string()))?;
    match (result, interrupt.stopped()) {
        (Err(_), Some(stopped)) => Err(Error::Render(RenderError::Stopped(stopped))),
        (result, _) => result,
    }
}
