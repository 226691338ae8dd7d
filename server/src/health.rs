//! `grpc.health.v1`: overall and per-service status follow database reachability.

use std::time::Duration;

use tokio::sync::watch;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::storage::Database;

/// The helmd.v1 services whose health is reported by name (plus the overall `""`).
pub const SERVICE_NAMES: &[&str] = &[
    "helmd.v1.ReleaseService",
    "helmd.v1.ChartService",
    "helmd.v1.RepositoryService",
    "helmd.v1.OperationService",
    "helmd.v1.ServerService",
];

/// Sets every reported service to `status`.
pub async fn set_all(reporter: &HealthReporter, status: ServingStatus) {
    reporter.set_service_status("", status).await;
    for name in SERVICE_NAMES {
        reporter.set_service_status(*name, status).await;
    }
}

/// Pings the database every `interval` and reports SERVING or NOT_SERVING, logging
/// each change once. Ends when `stop` changes (shutdown).
pub async fn watch_database(
    db: Database,
    reporter: HealthReporter,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut serving = true;
    loop {
        let reachable = tokio::time::timeout(interval.max(Duration::from_millis(500)), db.ping())
            .await
            .is_ok_and(|r| r.is_ok());
        if reachable != serving {
            serving = reachable;
            if serving {
                tracing::info!("database reachable again; serving");
                set_all(&reporter, ServingStatus::Serving).await;
            } else {
                tracing::error!("database unreachable; reporting NOT_SERVING");
                set_all(&reporter, ServingStatus::NotServing).await;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.changed() => return,
        }
    }
}
