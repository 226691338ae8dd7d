//! `helmd-bench`: times chart loading and rendering in-process (`render`),
//! and the same charts through Helm v4 side by side (`compare`).

mod compare;
mod measure;
mod rss;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Benchmarks of helmd's rendering engine.
#[derive(Debug, Parser)]
#[command(name = "helmd-bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load a chart and render it N times; print one JSON object of timings.
    Render(RenderArgs),
    /// Run charts through helmd and Helm v4 (helm_python) and print a table.
    Compare(CompareArgs),
}

/// Options of `helmd-bench render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Chart directory or packaged chart (`.tgz`).
    pub chart: PathBuf,
    /// Values files, applied in order (later files win).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Values on the command line (`a.b=c`); not supported yet.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// How many loads and renders are timed.
    #[arg(long, default_value_t = 20)]
    pub iterations: usize,
}

/// Options of `helmd-bench compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Charts to compare (default: every chart under tests/charts/bench).
    pub charts: Vec<PathBuf>,
    /// How many loads and renders are timed per chart and engine.
    #[arg(long, default_value_t = 20)]
    pub iterations: usize,
    /// The Python with helm_python installed (default: what scripts/venv prints).
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Render(args) => measure::run(args),
        Command::Compare(args) => compare::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("Error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
