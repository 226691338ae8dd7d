//! `helmctl test NAME [--logs]`: runs the release's test hooks through helmd and
//! prints each test's phase (and, with `--logs`, the test pods' output).

use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use helmd_client::Client;
use helmd_client::proto::TestReleaseRequest;

use crate::Connection;
use crate::release_run::{Finished, follow, print_release, timeout};

/// Options of `helmctl test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Release name.
    name: String,
    /// Namespace of the release.
    #[arg(short = 'n', long, default_value = "default", env = "HELM_NAMESPACE")]
    namespace: String,
    /// Print the test pods' logs.
    #[arg(long)]
    logs: bool,
    /// Which tests run: `name=a,name=b` includes, `!name=c` excludes.
    #[arg(long, value_delimiter = ',')]
    filter: Vec<String>,
    /// How long each test may take (Go duration).
    #[arg(long, default_value = "5m0s")]
    timeout: String,
}

/// Runs `helmctl test`.
pub async fn run(conn: &Connection, args: &TestArgs) -> Result<ExitCode> {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for f in args.filter.iter().filter(|f| !f.is_empty()) {
        if let Some(name) = f.strip_prefix("!name=") {
            exclude.push(name.to_owned());
        } else if let Some(name) = f.strip_prefix("name=") {
            include.push(name.to_owned());
        } else {
            bail!("invalid filter {f:?}: want name=NAME or !name=NAME");
        }
    }
    let request = TestReleaseRequest {
        namespace: args.namespace.clone(),
        name: args.name.clone(),
        test_names: include,
        excluded_test_names: exclude,
        logs: args.logs,
        timeout: Some(timeout(&args.timeout)?),
        ..TestReleaseRequest::default()
    };
    let client = Client::connect(&conn.config()?).await?;
    let stream = client.releases().test_release(request).await?.into_inner();
    Ok(match follow(stream).await? {
        Finished::Release(r) => {
            // The status text lists each test hook with its phase (TEST SUITE).
            print_release(&r);
            ExitCode::SUCCESS
        }
        Finished::Nothing => ExitCode::SUCCESS,
        Finished::Error { message, .. } => {
            eprintln!("helmctl: error: {message}");
            ExitCode::FAILURE
        }
    })
}
