//! `helmctl search repo [KEYWORD]`: searches the indexes `helmctl repo add|update` keep
//! in the cache, offline, like `helm search repo` (stable versions, newest per chart).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use helmd_source::{Constraint, Version};
use serde::{Deserialize, Serialize};

use crate::Output;
use crate::local::{LocalPaths, RepoFile};

/// One chart version kept for searching.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SearchLine {
    /// Chart name.
    pub chart: String,
    /// Version.
    pub version: String,
    /// appVersion.
    #[serde(default)]
    pub app_version: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// `helmctl search …`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(subcommand)]
    command: SearchCommand,
}

#[derive(Debug, Subcommand)]
enum SearchCommand {
    /// Search the added repositories' indexes for a keyword.
    Repo(RepoSearchArgs),
}

#[derive(Debug, Args)]
struct RepoSearchArgs {
    /// The keyword (empty lists every chart).
    keyword: Option<String>,
    /// Treat the keyword as a regular expression.
    #[arg(short = 'r', long)]
    regexp: bool,
    /// Show every version, not only the newest.
    #[arg(short = 'l', long)]
    versions: bool,
    /// Include pre-release versions.
    #[arg(long)]
    devel: bool,
    /// A semantic version constraint.
    #[arg(long)]
    version: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

struct Hit {
    score: usize,
    name: String,
    line: SearchLine,
}

/// Searches and prints a table (or JSON).
pub fn run(paths: &LocalPaths, args: &SearchArgs) -> Result<ExitCode> {
    let SearchCommand::Repo(args) = &args.command;
    let file = RepoFile::load(&paths.config_file())?;
    if file.repositories.is_empty() {
        bail!("no repositories configured");
    }
    let constraint = match args.version.as_deref().filter(|v| !v.is_empty()) {
        Some(v) => {
            Some(Constraint::parse(v).map_err(|_| anyhow::anyhow!("improper constraint: {v}"))?)
        }
        None => None,
    };
    let keyword = args.keyword.clone().unwrap_or_default();
    let regex = if args.regexp {
        Some(
            regex::RegexBuilder::new(&keyword)
                .case_insensitive(true)
                .build()
                .context("invalid regular expression")?,
        )
    } else {
        None
    };
    let mut hits = Vec::new();
    for repo in file.repositories.keys() {
        let path = paths.index_file(repo);
        let Ok(bytes) = std::fs::read(&path) else {
            eprintln!("WARNING: repo {repo} is corrupt or missing. Try 'helmctl repo update'.");
            continue;
        };
        let lines: Vec<SearchLine> = serde_json::from_slice(&bytes)
            .with_context(|| format!("reading {}", path.display()))?;
        let mut last: Option<String> = None;
        for line in lines {
            let admitted = match (&constraint, Version::parse(&line.version)) {
                (Some(c), Some(v)) => c.matches(&v),
                (Some(_), None) => false,
                (None, Some(v)) => args.devel || !v.is_prerelease(),
                (None, None) => args.devel,
            };
            if !admitted || (!args.versions && last.as_deref() == Some(line.chart.as_str())) {
                continue;
            }
            last = Some(line.chart.clone());
            let name = format!("{repo}/{}", line.chart);
            let text = format!(
                "{name}\u{b}{}\u{b}{}",
                line.description,
                line.keywords.join(" ")
            );
            let score = match &regex {
                Some(re) => re.find(&text).map(|m| m.start()),
                None => text.to_lowercase().find(&keyword.to_lowercase()),
            };
            if let Some(score) = score {
                hits.push(Hit { score, name, line });
            }
        }
    }
    hits.sort_by(|a, b| (a.score, &a.name).cmp(&(b.score, &b.name)));
    if args.output == Output::Json {
        let rows: Vec<serde_json::Value> = hits
            .iter()
            .map(|h| {
                serde_json::json!({"name": h.name, "version": h.line.version,
                    "app_version": h.line.app_version, "description": h.line.description})
            })
            .collect();
        println!("{}", serde_json::to_string(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        println!("No results found");
        return Ok(ExitCode::SUCCESS);
    }
    let width = hits.iter().map(|h| h.name.len()).max().unwrap_or(4).max(4);
    println!(
        "{:<width$}\tCHART VERSION\tAPP VERSION\tDESCRIPTION",
        "NAME"
    );
    for h in &hits {
        println!(
            "{:<width$}\t{:<13}\t{:<11}\t{}",
            h.name, h.line.version, h.line.app_version, h.line.description
        );
    }
    Ok(ExitCode::SUCCESS)
}
