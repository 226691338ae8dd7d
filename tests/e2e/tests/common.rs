//! Shared helpers of the e2e tests: starting helmd on a fresh database, typed clients.

use anyhow::Result;
use helmd_client::Client;
use helmd_test_support::{Helmd, HelmdOptions, fresh_database, shared_postgres};
use tonic::Code;
use tonic_types::StatusExt;

/// helmd on a fresh database of the run's shared Postgres.
pub async fn helmd_on_postgres() -> Result<(Helmd, String)> {
    let url = fresh_database(&shared_postgres()?).await?;
    let helmd = Helmd::start(HelmdOptions {
        database_url: Some(url.clone()),
        ..Default::default()
    })
    .await?;
    Ok((helmd, url))
}

/// A typed client for a running helmd.
pub async fn client(helmd: &Helmd) -> Result<Client> {
    Ok(Client::from_channel(helmd.channel().await?))
}

/// Asserts a status has the code and `ErrorInfo.reason` expected.
pub fn assert_error(status: &tonic::Status, code: Code, reason: &str) {
    assert_eq!(status.code(), code, "unexpected status: {status:?}");
    let info = status
        .get_details_error_info()
        .unwrap_or_else(|| panic!("no ErrorInfo in {status:?}"));
    assert_eq!(info.reason, reason, "unexpected reason in {status:?}");
    assert_eq!(info.domain, "helmd.v1");
}
