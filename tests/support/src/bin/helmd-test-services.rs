//! `helmd-test-services`: starts the services one test run shares (Postgres), writes
//! their environment to a file, and stops them when stdin closes or on SIGTERM.
//!
//! `scripts/test` runs it with stdin from a pipe it holds open for the whole run, so the
//! services stop however the run ends.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use helmd_test_support::PostgresServer;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let env_file = match (args.next().as_deref(), args.next()) {
        (Some("--env-file"), Some(path)) => PathBuf::from(path),
        _ => bail!("usage: helmd-test-services --env-file FILE"),
    };
    let postgres = PostgresServer::start().context("starting the shared Postgres")?;
    let env = format!(
        "export HELMD_TEST_POSTGRES_URL='{}'\n",
        postgres.admin_url()
    );
    let partial = env_file.with_extension("partial");
    std::fs::write(&partial, env).context("writing the env file")?;
    std::fs::rename(&partial, &env_file).context("publishing the env file")?;
    eprintln!("helmd-test-services: Postgres on port {}", postgres.port());

    // Run until stdin reaches EOF (the runner closed its end, or died).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(postgres);
    eprintln!("helmd-test-services: stopped");
    Ok(())
}
