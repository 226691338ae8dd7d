//! `helmctl version`: client and server versions and the server's health.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use helmd_client::Client;
use helmd_client::proto::GetServerInfoRequest;
use serde::Serialize;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;

use crate::{Connection, Output};

/// Options of `helmctl version`.
#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// What `helmctl version` reports.
#[derive(Debug, Default, Serialize)]
struct Report {
    client: String,
    server_address: String,
    server: Option<String>,
    health: Option<String>,
    error: Option<String>,
}

/// Prints the versions; exits non-zero when the server cannot be asked.
pub async fn run(conn: &Connection, args: &VersionArgs) -> Result<ExitCode> {
    let mut report = Report {
        client: env!("CARGO_PKG_VERSION").to_owned(),
        server_address: conn.server.clone(),
        ..Report::default()
    };
    match ask_server(conn).await {
        Ok((version, health)) => {
            report.server = Some(version);
            report.health = Some(health);
        }
        Err(err) => report.error = Some(format!("{err:#}")),
    }
    match args.output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Output::Text => {
            println!("Client: v{}", report.client);
            match (&report.server, &report.health) {
                (Some(server), Some(health)) => {
                    println!("Server: v{server} ({})", report.server_address);
                    println!("Health: {health}");
                }
                _ => println!("Server: unreachable ({})", report.server_address),
            }
        }
    }
    if let Some(error) = &report.error {
        eprintln!("helmctl: error: {error}");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn ask_server(conn: &Connection) -> Result<(String, String)> {
    let client = Client::connect(&conn.config()?).await?;
    let info = client
        .server()
        .get_server_info(GetServerInfoRequest {})
        .await?
        .into_inner();
    let health = client
        .health()
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await?
        .into_inner();
    let status = ServingStatus::try_from(health.status).unwrap_or(ServingStatus::Unknown);
    Ok((info.version, status.as_str_name().to_owned()))
}
