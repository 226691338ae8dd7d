//! `helmctl dependency update|build CHART`: Helm's dependency manager, run locally.
//! `update` resolves each Chart.yaml (v1: requirements.yaml) constraint to the newest
//! matching version, downloads the archives into `charts/` (packaging `file://`
//! charts with `chart_package.rs`), deletes the chart archives they replace and writes
//! Chart.lock as Helm does; `build` fetches Chart.lock's exact versions after checking
//! its digest, and updates when there is no lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use helmd_render::{ArchiveLimits, load_chart_archive, load_chart_dir};
use helmd_source::chart_meta::Dependency;
use helmd_source::dependency::{ChartLock, check_lock, lock_digest};
use helmd_source::{ChartRequest, ChartSource, Constraint, Transport, Version};

use crate::Connection;
use crate::dependency::helm_constraint;
use crate::dependency_files::{clean, lock_text, request_uri, same_url};
use crate::local::{LocalPaths, RegistryArgs, RepoFile};

/// Options of `helmctl dependency update|build`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The chart directory.
    #[arg(default_value = ".")]
    chart: PathBuf,
    /// Accepted for Helm's sake: repository indexes are always revalidated (ETag).
    #[arg(long)]
    skip_refresh: bool,
    #[command(flatten)]
    registry: RegistryArgs,
}

/// The chart's declared dependencies and lock, as Helm's loader reads them.
struct Requirements {
    /// `apiVersion: v1` (requirements.yaml / requirements.lock).
    legacy: bool,
    /// `None` when the chart declares no `dependencies` at all.
    deps: Option<Vec<Dependency>>,
    lock: Option<ChartLock>,
}

/// How to reach the repository a dependency names.
#[derive(Clone)]
struct Remote {
    transport: Transport,
    pass_credentials_all: bool,
}

/// What the manager needs besides the chart.
struct Manager {
    dir: PathBuf,
    source: ChartSource,
    repos: RepoFile,
    default: Transport,
    /// Print nothing (Helm's `package -u` discards the manager's output).
    quiet: bool,
}

/// Runs `update` (or `build` when `build`).
pub async fn run(
    conn: &Connection,
    paths: &LocalPaths,
    args: &UpdateArgs,
    build: bool,
) -> Result<ExitCode> {
    let dir = &clean(&args.chart);
    match std::fs::metadata(dir) {
        Err(e) => return Err(anyhow!(e).context(format!("could not find {}", dir.display()))),
        Ok(m) if !m.is_dir() => bail!("only unpacked charts can be updated"),
        Ok(_) => {}
    }
    let manager = Manager {
        dir: dir.clone(),
        source: paths.source()?,
        repos: RepoFile::load(&paths.config_file())?,
        default: args.registry.transport(conn)?,
        quiet: false,
    };
    let req = read_requirements(dir)?;
    match (&req.lock, build) {
        (Some(lock), true) => manager.build(&req, lock).await?,
        _ => manager.update(&req).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `install`/`upgrade --dependency-update` on a chart directory, as Helm's CLI does it:
/// when a dependency Chart.yaml declares is missing from `charts/`, `dependency
/// update` runs first (with the configured repositories and no registry flags).
pub async fn update_if_missing(conn: &Connection, paths: &LocalPaths, dir: &Path) -> Result<()> {
    let chart = load_chart_dir(dir).map_err(anyhow::Error::msg)?;
    if helmd_chart::missing_dependencies(&chart).is_empty() {
        return Ok(());
    }
    let manager = Manager {
        dir: clean(dir),
        source: paths.source()?,
        repos: RepoFile::load(&paths.config_file())?,
        default: RegistryArgs::default().transport(conn)?,
        quiet: false,
    };
    manager.update(&read_requirements(dir)?).await
}

/// `package --dependency-update` on a chart directory, as Helm's CLI does it: `dependency
/// update` always runs (configured repositories, the package command's registry
/// flags), printing nothing.
pub async fn update_quietly(
    conn: &Connection,
    paths: &LocalPaths,
    dir: &Path,
    registry: &RegistryArgs,
) -> Result<()> {
    let manager = Manager {
        dir: clean(dir),
        source: paths.source()?,
        repos: RepoFile::load(&paths.config_file())?,
        default: registry.transport(conn)?,
        quiet: true,
    };
    manager.update(&read_requirements(dir)?).await
}

fn read_requirements(dir: &Path) -> Result<Requirements> {
    let chart = load_chart_dir(dir).map_err(anyhow::Error::msg)?;
    let legacy = chart.metadata.api_version == "v1";
    let lock_file = if legacy {
        "requirements.lock"
    } else {
        "Chart.lock"
    };
    // The loader's reading (YAML 1.1 scalars, every scalar text in a string field,
    // white space folded) is what Helm hashes.
    let deps = match &chart.metadata.dependencies {
        None => None,
        Some(deps) => Some(
            deps.iter()
                .map(helmd_source::dependency::requirement)
                .collect::<helmd_source::Result<Vec<_>>>()?,
        ),
    };
    let lock = match std::fs::read_to_string(dir.join(lock_file)) {
        Ok(text) => Some(ChartLock::parse(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(anyhow!(e).context(format!("reading {lock_file}"))),
    };
    Ok(Requirements { legacy, deps, lock })
}

impl Manager {
    /// Prints one line of progress unless quiet.
    fn say(&self, line: std::fmt::Arguments<'_>) {
        if !self.quiet {
            println!("{line}");
        }
    }

    /// Helm's `resolveRepoNames`: `@name`/`alias:name` become the configured URL; any
    /// other repository must be a configured one, a URL, `oci://` or `file://`.
    fn resolve_repo_names(&self, deps: &mut [Dependency]) -> Result<()> {
        let mut missing = Vec::new();
        for dep in deps.iter_mut() {
            let repo = dep.repository.clone();
            if repo.is_empty() || repo.starts_with("oci://") {
                continue;
            }
            if let Some(path) = repo.strip_prefix("file://") {
                self.local_path(path)?;
                continue;
            }
            let named = repo
                .strip_prefix('@')
                .or_else(|| repo.strip_prefix("alias:"));
            if let Some(name) = named {
                match self.repos.repositories.get(name) {
                    Some(entry) => dep.repository = entry.url.clone(),
                    None => missing.push(repo),
                }
                continue;
            }
            let configured = self
                .repos
                .repositories
                .values()
                .any(|e| same_url(&e.url, &repo));
            if !configured && !request_uri(&repo) {
                missing.push(repo);
            }
        }
        if !missing.is_empty() {
            bail!(
                "no repository definition for {}. Please add the missing repos via 'helm repo add'",
                missing.join(", ")
            );
        }
        Ok(())
    }

    /// Helm's `GetLocalPath` for a `file://` repository.
    fn local_path(&self, path: &str) -> Result<PathBuf> {
        let joined = if Path::new(path).is_absolute() {
            PathBuf::from(path)
        } else {
            clean(&self.dir.join(path))
        };
        if !joined.exists() {
            bail!("directory {} not found", joined.display());
        }
        Ok(joined)
    }

    /// Credentials and TLS settings for a repository URL: a configured repository's,
    /// else the command's flags.
    fn remote(&self, url: &str) -> Result<Remote> {
        match self
            .repos
            .repositories
            .values()
            .find(|e| same_url(&e.url, url))
        {
            Some(entry) => Ok(Remote {
                transport: entry.transport()?,
                pass_credentials_all: entry.pass_credentials_all,
            }),
            None => Ok(Remote {
                transport: self.default.clone(),
                pass_credentials_all: false,
            }),
        }
    }

    fn request(&self, dep: &Dependency, version: Option<String>) -> Result<ChartRequest> {
        if dep.repository.starts_with("oci://") {
            let reference = format!("{}/{}", dep.repository.trim_end_matches('/'), dep.name);
            let mut transport = self.default.clone();
            if matches!(transport.credentials, helmd_source::Credentials::Anonymous) {
                // Without registry flags, what `registry login` stored, as in Helm.
                transport.credentials = crate::registry::stored_credentials(&reference)?;
            }
            return Ok(ChartRequest::Oci {
                reference,
                version,
                transport,
            });
        }
        let remote = self.remote(&dep.repository)?;
        Ok(ChartRequest::Repo {
            url: dep.repository.clone(),
            chart: dep.name.clone(),
            version,
            transport: remote.transport,
            pass_credentials_all: remote.pass_credentials_all,
        })
    }

    /// `helm dependency update`.
    async fn update(&self, req: &Requirements) -> Result<()> {
        let Some(deps) = &req.deps else {
            return Ok(());
        };
        let mut deps = deps.clone();
        self.resolve_repo_names(&mut deps)?;
        let mut locked = self.resolve(&deps).await?;
        self.download_all(&mut locked).await?;
        let digest = lock_digest(&deps, &locked);
        if req.lock.as_ref().is_some_and(|l| l.digest == digest) {
            return Ok(());
        }
        let name = if req.legacy {
            "requirements.lock"
        } else {
            "Chart.lock"
        };
        let path = self.dir.join(name);
        if let Ok(target) = std::fs::read_link(&path) {
            bail!(
                "the {name} file is a symlink to {:?}",
                target.display().to_string()
            );
        }
        std::fs::write(&path, lock_text(&locked, &digest)?)
            .with_context(|| format!("writing {}", path.display()))
    }

    /// `helm dependency build` with a lock.
    async fn build(&self, req: &Requirements, lock: &ChartLock) -> Result<()> {
        let written = req.deps.clone().unwrap_or_default();
        let mut deps = written.clone();
        self.resolve_repo_names(&mut deps)?;
        check_lock(&written, &deps, lock, req.legacy)?;
        let mut locked = lock.dependencies.clone();
        self.download_all(&mut locked).await
    }

    /// Helm's resolver: each dependency pinned to an exact version (name, repository and
    /// version only).
    async fn resolve(&self, deps: &[Dependency]) -> Result<Vec<Dependency>> {
        let mut locked = Vec::new();
        let mut missing = Vec::new();
        for dep in deps {
            let pin = |version: &str| Dependency {
                name: dep.name.clone(),
                repository: dep.repository.clone(),
                version: version.to_owned(),
                ..Dependency::default()
            };
            // Helm's resolver checks the constraint first, for vendored charts too
            let constraint = helm_constraint(&dep.version).map_err(|e| {
                anyhow!(
                    "dependency {:?} has an invalid version/constraint format: {e}",
                    dep.name
                )
            })?;
            if dep.repository.is_empty() {
                self.local_path(&format!("charts/{}", dep.name))?;
                locked.push(pin(&dep.version));
                continue;
            }
            let found = if let Some(path) = dep.repository.strip_prefix("file://") {
                let chart = load_chart_dir(&self.local_path(path)?).map_err(anyhow::Error::msg)?;
                Version::parse(&chart.metadata.version)
                    .filter(|v| constraint.matches(v))
                    .map(|_| chart.metadata.version.clone())
            } else {
                self.newest(dep, &constraint).await?
            };
            match found {
                Some(version) => locked.push(pin(&version)),
                None => missing.push(format!(
                    "{:?} (repository {:?}, version {:?})",
                    dep.name, dep.repository, dep.version
                )),
            }
        }
        if !missing.is_empty() {
            bail!(
                "can't get a valid version for {} subchart(s): {}. Make sure a matching chart \
                 version exists in the repo, or change the version constraint in Chart.yaml",
                missing.len(),
                missing.join(", ")
            );
        }
        Ok(locked)
    }

    /// The first (newest) version the repository lists that satisfies `constraint`.
    async fn newest(&self, dep: &Dependency, constraint: &Constraint) -> Result<Option<String>> {
        let request = self.request(dep, None)?;
        let versions = match self.source.versions(&request).await {
            Ok(v) => v,
            Err(helmd_source::Error::ChartNotFound { .. }) => {
                bail!("{} chart not found in repo {}", dep.name, dep.repository)
            }
            Err(e) => return Err(e.into()),
        };
        Ok(versions
            .into_iter()
            .find(|v| Version::parse(v).is_some_and(|parsed| constraint.matches(&parsed))))
    }

    /// Helm's `downloadAll`: checks vendored charts, packages `file://` charts, pulls
    /// the rest, then moves them into `charts/` and deletes the archives they replace.
    async fn download_all(&self, deps: &mut [Dependency]) -> Result<()> {
        let charts = self.dir.join("charts");
        match std::fs::metadata(&charts) {
            Ok(m) if !m.is_dir() => bail!("{:?} is not a directory", charts.display().to_string()),
            Ok(_) => {}
            Err(_) => std::fs::create_dir_all(&charts)
                .with_context(|| format!("creating {}", charts.display()))?,
        }
        self.say(format_args!("Saving {} charts", deps.len()));
        let mut fresh: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for dep in deps.iter_mut() {
            if dep.repository.is_empty() {
                self.say(format_args!(
                    "Dependency {} did not declare a repository. Assuming it exists in the charts directory",
                    dep.name
                ));
                self.check_vendored(dep, &charts)?;
                continue;
            }
            if let Some(path) = dep.repository.strip_prefix("file://") {
                let (file, version, bytes) =
                    crate::chart_package::package_dependency(&self.local_path(path)?, dep)?;
                dep.version = version;
                fresh.insert(file, bytes);
                continue;
            }
            self.say(format_args!(
                "Downloading {} from repo {}",
                dep.name, dep.repository
            ));
            let request = self.request(dep, Some(dep.version.clone()))?;
            let pulled = self
                .source
                .pull(&request)
                .await
                .map_err(|e| download_error(&request, dep, e))?;
            let file = match &request {
                ChartRequest::Repo { .. } => pulled
                    .origin
                    .rsplit('/')
                    .next()
                    .filter(|n| n.ends_with(".tgz"))
                    .map(str::to_owned),
                ChartRequest::Oci { .. } => None,
            }
            .unwrap_or_else(|| format!("{}-{}.tgz", pulled.name, pulled.version));
            fresh.insert(file, pulled.archive.to_vec());
        }
        let vendored: Vec<&str> = deps
            .iter()
            .filter(|d| d.repository.is_empty())
            .map(|d| d.name.as_str())
            .collect();
        self.move_into(&charts, &fresh, &vendored)
    }

    fn check_vendored(&self, dep: &Dependency, charts: &Path) -> Result<()> {
        let path = charts.join(&dep.name);
        let chart = load_chart_dir(&path)
            .map_err(|e| anyhow!("unable to load chart '{}': {e}", path.display()))?;
        let constraint = helm_constraint(&dep.version).map_err(|e| {
            anyhow!(
                "dependency {} has an invalid version/constraint format: {e}",
                dep.name
            )
        })?;
        let version = Version::parse(&chart.metadata.version).ok_or_else(|| {
            anyhow!(
                "invalid version {} for dependency {}",
                dep.version,
                dep.name
            )
        })?;
        if !constraint.matches(&version) {
            bail!(
                "dependency {} at version {} does not satisfy the constraint {}",
                dep.name,
                chart.metadata.version,
                dep.version
            );
        }
        Ok(())
    }

    /// Helm's `safeMoveDeps`: write the new archives, then delete every other chart
    /// archive in `charts/` unless it is a vendored dependency.
    fn move_into(
        &self,
        charts: &Path,
        fresh: &BTreeMap<String, Vec<u8>>,
        vendored: &[&str],
    ) -> Result<()> {
        let before: Vec<PathBuf> = std::fs::read_dir(charts)
            .with_context(|| format!("reading {}", charts.display()))?
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| !t.is_dir()))
            .map(|e| e.path())
            .collect();
        for (file, bytes) in fresh {
            let dest = charts.join(file);
            let tmp = charts.join(format!(".{file}.tmp"));
            std::fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, &dest).with_context(|| format!("writing {}", dest.display()))?;
        }
        self.say(format_args!("Deleting outdated charts"));
        for path in before {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if fresh.contains_key(name) {
                continue;
            }
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(chart) = load_chart_archive(&bytes, ArchiveLimits::default()) else {
                continue;
            };
            if vendored.contains(&chart.name()) {
                continue;
            }
            if let Err(e) = std::fs::remove_file(&path) {
                self.say(format_args!(
                    "Could not delete {}: {e} (Skipping)",
                    path.display()
                ));
            }
        }
        Ok(())
    }
}

/// Helm's words when a locked version cannot be fetched: a repository whose index
/// lacks the chart or version fails before any URL is known (`could not find : …`).
fn download_error(
    request: &ChartRequest,
    dep: &Dependency,
    err: helmd_source::Error,
) -> anyhow::Error {
    match (request, &err) {
        (ChartRequest::Repo { .. }, helmd_source::Error::ChartNotFound { .. }) => {
            anyhow!("could not find : entry not found")
        }
        (ChartRequest::Repo { .. }, helmd_source::Error::VersionNotFound { .. }) => {
            anyhow!("could not find : no matching version")
        }
        (ChartRequest::Oci { .. }, _) => anyhow!(
            "could not download {}/{}:{}: {err}",
            dep.repository.trim_end_matches('/'),
            dep.name,
            dep.version
        ),
        (ChartRequest::Repo { .. }, _) => anyhow!(
            "could not download {}: {err}",
            dep.repository.trim_end_matches('/')
        ),
    }
}
