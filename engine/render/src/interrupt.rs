//! Stopping a render from outside: a flag the caller raises (its request was
//! cancelled or its client went away) and a deadline (the server's render time limit
//! or the caller's own). Template execution checks it every few hundred steps.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use helmd_gotmpl::CancelHook;

/// A render's stop signal, shared between the caller and the rendering thread.
/// The default never stops a render.
#[derive(Debug, Clone, Default)]
pub struct Interrupt {
    cancelled: Arc<AtomicBool>,
    deadline: Option<Deadline>,
}

/// When a render must stop, and the limit that set it (for the error).
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: Instant,
    after: Duration,
}

/// Why a render was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The caller cancelled it ([`Interrupt::cancel`]).
    Cancelled,
    /// The deadline passed; holds the time limit it was set from.
    TimedOut(Duration),
}

impl Interrupt {
    /// A fresh signal with no deadline.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same signal, stopping the render once `after` has passed from now.
    /// A second deadline keeps the earlier of the two.
    pub fn with_timeout(mut self, after: Duration) -> Self {
        let at = Instant::now().checked_add(after);
        if let Some(at) = at
            && self.deadline.is_none_or(|d| at < d.at)
        {
            self.deadline = Some(Deadline { at, after });
        }
        self
    }

    /// Asks the render to stop at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Whether, and why, the render should stop now.
    pub fn stopped(&self) -> Option<Stopped> {
        if self.cancelled.load(Ordering::Relaxed) {
            return Some(Stopped::Cancelled);
        }
        match self.deadline {
            Some(d) if Instant::now() >= d.at => Some(Stopped::TimedOut(d.after)),
            _ => None,
        }
    }

    /// The hook template execution polls.
    pub(crate) fn hook(&self) -> CancelHook {
        let this = self.clone();
        Arc::new(move || this.stopped().is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_interrupt_never_stops() {
        assert_eq!(Interrupt::new().stopped(), None);
    }

    #[test]
    fn cancel_is_seen_by_every_clone() {
        let a = Interrupt::new();
        let b = a.clone();
        a.cancel();
        assert_eq!(b.stopped(), Some(Stopped::Cancelled));
    }

    #[test]
    fn a_passed_deadline_names_its_limit() {
        let i = Interrupt::new().with_timeout(Duration::ZERO);
        assert_eq!(i.stopped(), Some(Stopped::TimedOut(Duration::ZERO)));
    }

    #[test]
    fn the_earlier_deadline_wins() {
        let i = Interrupt::new()
            .with_timeout(Duration::ZERO)
            .with_timeout(Duration::from_secs(3600));
        assert_eq!(i.stopped(), Some(Stopped::TimedOut(Duration::ZERO)));
    }
}
