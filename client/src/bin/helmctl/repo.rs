//! `helmctl repo add|list|remove|update`: HTTP chart repositories kept in helmctl's local
//! repositories file, like `helm repo` (OCI registries need no adding: use `oci://`).

use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};

use crate::local::{LocalPaths, RegistryArgs, RepoEntry, RepoFile};
use crate::search::SearchLine;
use crate::{Connection, Output};

/// `helmctl repo …`.
#[derive(Debug, Args)]
pub struct RepoArgs {
    #[command(subcommand)]
    command: RepoCommand,
}

#[derive(Debug, Subcommand)]
enum RepoCommand {
    /// Add a chart repository and download its index.
    Add(AddArgs),
    /// List chart repositories.
    #[command(alias = "ls")]
    List(ListArgs),
    /// Remove one or more chart repositories.
    #[command(alias = "rm")]
    Remove(RemoveArgs),
    /// Download the latest index of every (or the named) chart repository.
    #[command(alias = "up")]
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
struct AddArgs {
    /// The repository's name.
    name: String,
    /// The repository's URL.
    url: String,
    /// Credentials and TLS (`--pass-credentials` passes the credentials to every domain
    /// the index points at).
    #[command(flatten)]
    registry: RegistryArgs,
    /// Replace (overwrite) the repository if it already exists.
    #[arg(long)]
    force_update: bool,
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

#[derive(Debug, Args)]
struct RemoveArgs {
    /// Repository names.
    #[arg(required = true)]
    names: Vec<String>,
}

#[derive(Debug, Args)]
struct UpdateArgs {
    /// Only these repositories.
    names: Vec<String>,
}

/// Runs a `repo` subcommand.
pub async fn run(conn: &Connection, paths: &LocalPaths, args: &RepoArgs) -> Result<ExitCode> {
    let config = paths.config_file();
    let mut file = RepoFile::load(&config)?;
    match &args.command {
        RepoCommand::Add(add) => {
            // Helm's rule: the name becomes a file name in the cache directory.
            if add.name.contains('/') {
                bail!(
                    "repository name ({}) contains '/', please specify a different name without '/'",
                    add.name
                );
            }
            if add.url.starts_with("oci://") {
                bail!("repo add does not support OCI registries: use oci:// references directly");
            }
            let entry = RepoEntry {
                name: add.name.clone(),
                url: add.url.clone(),
                username: add.registry.username.clone().unwrap_or_default(),
                password: add.registry.password()?.unwrap_or_default(),
                ca_file: conn.ca_file.clone(),
                insecure_skip_tls_verify: add.registry.insecure_skip_tls_verify,
                pass_credentials_all: add.registry.pass_credentials,
            };
            if let Some(existing) = file.repositories.get(&add.name) {
                if *existing == entry {
                    println!(
                        "\"{}\" already exists with the same configuration, skipping",
                        add.name
                    );
                    return Ok(ExitCode::SUCCESS);
                }
                if !add.force_update {
                    bail!(
                        "repository name ({}) already exists, please specify a different name",
                        add.name
                    );
                }
            }
            update_index(paths, &entry).await.with_context(|| {
                format!(
                    "looks like {:?} is not a valid chart repository or cannot be reached",
                    add.url
                )
            })?;
            file.repositories.insert(add.name.clone(), entry);
            file.save(&config)?;
            println!("\"{}\" has been added to your repositories", add.name);
        }
        RepoCommand::List(list) => {
            if file.repositories.is_empty() {
                bail!("no repositories to show");
            }
            match list.output {
                Output::Json => {
                    let rows: Vec<serde_json::Value> = file
                        .repositories
                        .values()
                        .map(|r| serde_json::json!({"name": r.name, "url": r.url}))
                        .collect();
                    println!("{}", serde_json::to_string(&rows)?);
                }
                Output::Text => {
                    let width = file
                        .repositories
                        .keys()
                        .map(String::len)
                        .max()
                        .unwrap_or(4)
                        .max(4);
                    println!("{:<width$}\tURL", "NAME");
                    for r in file.repositories.values() {
                        println!("{:<width$}\t{}", r.name, r.url);
                    }
                }
            }
        }
        RepoCommand::Remove(remove) => {
            for name in &remove.names {
                if file.repositories.remove(name).is_none() {
                    bail!("no repo named {name:?} found");
                }
                let _ = std::fs::remove_file(paths.index_file(name));
                file.save(&config)?;
                println!("\"{name}\" has been removed from your repositories");
            }
        }
        RepoCommand::Update(update) => {
            if file.repositories.is_empty() {
                bail!("no repositories found. You must add one before updating");
            }
            for name in &update.names {
                if !file.repositories.contains_key(name) {
                    bail!("no repositories found matching '{name}'.  Nothing will be updated");
                }
            }
            println!("Hang tight while we grab the latest from your chart repositories...");
            let mut failed = false;
            for entry in file.repositories.values() {
                if !update.names.is_empty() && !update.names.contains(&entry.name) {
                    continue;
                }
                match update_index(paths, entry).await {
                    Ok(()) => println!(
                        "...Successfully got an update from the \"{}\" chart repository",
                        entry.name
                    ),
                    Err(e) => {
                        failed = true;
                        println!(
                            "...Unable to get an update from the \"{}\" chart repository ({}):\n\t{e:#}",
                            entry.name, entry.url
                        );
                    }
                }
            }
            if failed {
                bail!("failed to update the following repositories");
            }
            println!("Update Complete. ⎈Happy Helming!⎈");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Downloads a repository's index and keeps its searchable lines in the cache.
async fn update_index(paths: &LocalPaths, entry: &RepoEntry) -> Result<()> {
    let index = paths
        .source()?
        .index(&entry.url, &entry.transport()?, entry.pass_credentials_all)
        .await?;
    let lines: Vec<SearchLine> = index
        .entries
        .iter()
        .flat_map(|(chart, versions)| {
            versions.iter().map(move |v| SearchLine {
                chart: chart.clone(),
                version: v.version.clone(),
                app_version: v.app_version.clone(),
                description: v.description.clone(),
                keywords: v.keywords.clone(),
            })
        })
        .collect();
    let path = paths.index_file(&entry.name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&path, serde_json::to_vec(&lines)?)
        .with_context(|| format!("writing {}", path.display()))
}
