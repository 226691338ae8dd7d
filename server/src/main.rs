//! The `helmd` binary: parse configuration, set up logging, run the server until stopped.

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use helmd::config::{Cli, Command, LogFormat};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err)
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) =>
        {
            err.exit()
        }
        Err(err) if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => err.exit(),
        Err(err) => {
            // One line naming the problem; `--help` has the rest.
            let text = err.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!("helmd: {}", first.trim_start_matches("error: "));
            return ExitCode::from(2);
        }
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    match cli.command {
        Command::Serve(config) => {
            init_logging(&config.log, config.log_format);
            match helmd::app::run(*config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("helmd: {err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn init_logging(filter: &str, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
