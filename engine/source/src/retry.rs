//! Retrying transient failures with exponential backoff inside a deadline.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How long and how often to retry a source that is down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Give up (with [`Error::Unavailable`]) once this much time has passed.
    pub deadline: Duration,
    /// First pause between attempts; doubles after each failure.
    pub initial_backoff: Duration,
    /// Longest pause between attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            deadline: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries: one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            deadline: Duration::ZERO,
            ..Self::default()
        }
    }
}

/// The outcome of one failed attempt.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Worth retrying (connection refused, timeout, 5xx, 429); the reason is kept for the
    /// final error.
    Transient(String),
    /// Final.
    Permanent(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Permanent(e)
    }
}

/// Runs `attempt` until it succeeds, fails permanently, or `policy.deadline` passes.
pub(crate) async fn retry<T, F, Fut>(policy: RetryPolicy, host: &str, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = std::result::Result<T, Failure>>,
{
    let start = Instant::now();
    let mut backoff = policy.initial_backoff;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let reason = match attempt().await {
            Ok(value) => return Ok(value),
            Err(Failure::Permanent(e)) => return Err(e),
            Err(Failure::Transient(reason)) => reason,
        };
        let elapsed = start.elapsed();
        if elapsed + backoff > policy.deadline {
            return Err(Error::Unavailable {
                host: host.to_owned(),
                attempts,
                elapsed,
                reason,
            });
        }
        tracing::debug!(host, attempts, ?backoff, %reason, "source unavailable, retrying");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(policy.max_backoff);
    }
}

/// Classifies a reqwest error: certificate failures and a server that does not speak
/// TLS (`InvalidContentType`: plain HTTP is never implied) are final; other connection
/// and timeout problems are transient.
pub(crate) fn transient_or(e: reqwest::Error, permanent: impl FnOnce(String) -> Error) -> Failure {
    if let Some(refused) = crate::net::refusal_in(&e) {
        return Failure::Permanent(refused);
    }
    let text = error_chain(&e);
    if text.contains("certificate") || text.contains("InvalidContentType") {
        let host = e
            .url()
            .and_then(|u| u.host_str())
            .unwrap_or_default()
            .to_owned();
        Failure::Permanent(Error::Tls { host, reason: text })
    } else if e.is_connect() || e.is_timeout() || e.is_request() || e.is_body() {
        Failure::Transient(text)
    } else {
        Failure::Permanent(permanent(text))
    }
}

/// An error and its causes, joined with `: ` (URLs inside come from reqwest, which
/// prints them without passwords only if we never put passwords in URLs — we don't).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn transient_failures_are_retried_until_the_deadline() {
        let policy = RetryPolicy {
            deadline: Duration::from_millis(50),
            initial_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(10),
        };
        let mut calls = 0;
        let result: Result<()> = retry(policy, "h", || {
            calls += 1;
            async { Err(Failure::Transient("refused".into())) }
        })
        .await;
        assert!(matches!(result, Err(Error::Unavailable { attempts, .. }) if attempts >= 3));
        assert!(calls >= 3);
    }

    #[tokio::test]
    async fn success_after_a_transient_failure_is_returned() {
        let mut calls = 0;
        let result = retry(RetryPolicy::default(), "h", || {
            calls += 1;
            let n = calls;
            async move {
                if n < 2 {
                    Err(Failure::Transient("refused".into()))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.ok(), Some(2));
    }
}
