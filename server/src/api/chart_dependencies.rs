//! `dependency_update` for InstallRelease and UpgradeRelease (Helm's
//! `--dependency-update`): the dependencies Chart.yaml declares that the archive's
//! `charts/` lacks are fetched through the server's one `ChartSource` (address policy,
//! size limits, registered repositories' settings and credentials, the request's fetch
//! deadline), honouring Chart.lock like `helm dependency build` (without a lock each
//! constraint resolves to the newest matching version, as `helm dependency update`
//! does), and the chart is loaded again with them. The result lives in memory only:
//! the cached archive of the parent chart is never changed.

use std::collections::HashSet;

use bytes::Bytes;
use helmd_render::{ArchiveLimits, Chart, Error as RenderError, read_chart_archive};
use helmd_source::dependency::{
    ChartLock, DependencyOptions, DependencySource, locked, named_repository, requirement, serves,
    source,
};
use helmd_source::{ChartRequest, chart_meta::Dependency};

use super::chart_render::Archive;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::sources::FetchDeadline;
use crate::storage::RepositoryRow;

/// Registered repositories read per page while looking for the ones a chart names.
const REPOSITORY_PAGE: usize = 500;

/// What a loaded chart lacks, and what decides how to fetch it.
#[derive(Debug)]
pub struct Lacking {
    /// Every declared dependency, as Helm hashes it for the lock digest.
    requirements: Vec<Dependency>,
    /// Chart.lock (requirements.lock for `apiVersion: v1`), when the archive has one.
    lock: Option<ChartLock>,
    /// The names missing from `charts/`, in Chart.yaml order.
    missing: Vec<String>,
    /// Bytes the archive expands to: fetched archives add to them.
    expanded: u64,
    /// `apiVersion: v1`: requirements.yaml and requirements.lock, whose lock may carry
    /// Helm 2's digest.
    legacy: bool,
}

/// What `chart` (loaded from `archive`) lacks; `None` when nothing. Blocking.
pub fn lacking(archive: &Archive, chart: &Chart) -> Result<Option<Lacking>> {
    let missing = helmd_chart::missing_dependencies(chart);
    if missing.is_empty() {
        return Ok(None);
    }
    let requirements = chart
        .metadata
        .dependencies
        .iter()
        .flatten()
        .map(requirement)
        .collect::<helmd_source::Result<Vec<_>>>()?;
    let files = read_chart_archive(&archive.bytes, ArchiveLimits::default())
        .map_err(|e| chart_input(archive, e))?;
    let legacy = chart.metadata.api_version == "v1";
    let lock_file = if legacy {
        "requirements.lock"
    } else {
        "Chart.lock"
    };
    let lock = files
        .get(lock_file)
        .map(|raw| ChartLock::parse(&String::from_utf8_lossy(raw)))
        .transpose()?;
    Ok(Some(Lacking {
        requirements,
        lock,
        missing,
        expanded: files.values().map(|f| f.len() as u64).sum(),
        legacy,
    }))
}

/// Fetches what `lacking` names within `deadline`: `(file name under charts/, archive)`.
pub async fn fetch(
    state: &AppState,
    deadline: FetchDeadline,
    lacking: &Lacking,
) -> Result<Vec<(String, Bytes)>> {
    let started = std::time::Instant::now();
    let options = options(state, lacking).await?;
    let pinned = locked(
        &lacking.requirements,
        lacking.lock.as_ref(),
        &options,
        lacking.legacy,
    )
    .map_err(dependency_error)?;
    let limits = ArchiveLimits::default();
    let mut total = lacking.expanded;
    let mut seen = HashSet::new();
    let mut fetched = Vec::new();
    for dep in pinned {
        if !lacking.missing.contains(&dep.name)
            || !seen.insert((
                dep.name.clone(),
                dep.version.clone(),
                dep.repository.clone(),
            ))
        {
            continue;
        }
        let request = match source(&dep, &options).map_err(dependency_error)? {
            DependencySource::Fetch(request) => request,
            DependencySource::Vendored => {
                return Err(Error::ChartDependencies(format!(
                    "dependency {:?} declares no repository and is missing from the chart's \
                     charts/ directory",
                    dep.name
                )));
            }
            DependencySource::Local(_) => {
                return Err(Error::ChartDependencies(format!(
                    "dependency {:?} (repository {:?}) cannot be fetched by the server: a \
                     file:// dependency must be packaged in the chart's charts/ directory \
                     (run 'helm dependency build' before packaging the chart)",
                    dep.name, dep.repository
                )));
            }
        };
        let deadline = deadline.less(started.elapsed());
        let pulled = state
            .sources
            .within(deadline, source_name(&request), async {
                Ok(state.sources.charts.pull(&request).await?)
            })
            .await
            .map_err(|e| match e {
                Error::Source(source) => Error::DependencyFetch {
                    dependency: dep.name.clone(),
                    source,
                },
                other => other,
            })?;
        let size = pulled.archive.len() as u64;
        total = total.saturating_add(size);
        let limit = if size > limits.max_file_bytes {
            Some(("dependency chart archive", size, limits.max_file_bytes))
        } else if total > limits.max_decompressed_bytes {
            Some((
                "chart with its dependencies",
                total,
                limits.max_decompressed_bytes,
            ))
        } else {
            None
        };
        if let Some((what, size, limit)) = limit {
            return Err(Error::DependencyFetch {
                dependency: dep.name.clone(),
                source: helmd_source::Error::TooLarge { what, size, limit },
            });
        }
        fetched.push((file_name(&request, &pulled), pulled.archive));
    }
    Ok(fetched)
}

/// The chart of `archive` with `fetched` archives added under `charts/`, loaded within
/// the limits its packaged form would have. Blocking.
pub fn load_with(archive: &Archive, fetched: Vec<(String, Bytes)>) -> Result<Chart> {
    let limits = ArchiveLimits::default();
    let mut files =
        read_chart_archive(&archive.bytes, limits).map_err(|e| chart_input(archive, e))?;
    for (name, bytes) in fetched {
        files.insert(format!("charts/{name}"), bytes.to_vec());
    }
    helmd_chart::load_chart_files_within(files, limits).map_err(|e| chart_input(archive, e))
}

/// The registered repositories the chart's dependencies name (`@name`, an HTTP
/// repository's URL, an `oci://` reference under an OCI repository's URL), each with
/// its settings and credentials.
async fn options(state: &AppState, lacking: &Lacking) -> Result<DependencyOptions> {
    let mut options = DependencyOptions {
        default_transport: state.sources.anonymous(),
        ..DependencyOptions::default()
    };
    let mut after: Option<String> = None;
    loop {
        let rows = state
            .db
            .list_repositories(after.as_deref(), REPOSITORY_PAGE)
            .await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = Some(last.name.clone());
        let full = rows.len() >= REPOSITORY_PAGE;
        for row in rows {
            let named = |d: &Dependency| matches(&d.repository, &row);
            let fetched = lacking
                .requirements
                .iter()
                .chain(lacking.lock.iter().flat_map(|l| &l.dependencies))
                .filter(|d| lacking.missing.contains(&d.name))
                .any(named);
            let hashed = lacking
                .requirements
                .iter()
                .any(|d| named_repository(&d.repository) == Some(row.name.as_str()));
            if !(fetched || hashed) {
                continue;
            }
            // Only repositories something is fetched from need their credentials.
            let transport = if fetched {
                state.sources.transport(&row).await?
            } else {
                state.sources.anonymous()
            };
            options
                .repositories
                .insert(row.name.clone(), (row.url.clone(), transport));
        }
        if !full {
            break;
        }
    }
    Ok(options)
}

/// Whether a dependency's `repository` names the registered repository `row`.
fn matches(repository: &str, row: &RepositoryRow) -> bool {
    named_repository(repository) == Some(row.name.as_str()) || serves(&row.url, repository)
}

/// The file Helm's dependency manager would write under `charts/`: an HTTP
/// repository's archive name, else `<name>-<version>.tgz`.
fn file_name(request: &ChartRequest, pulled: &helmd_source::PulledChart) -> String {
    let from_url = match request {
        ChartRequest::Repo { .. } => pulled
            .origin
            .rsplit('/')
            .next()
            .filter(|n| n.ends_with(".tgz") && !n.starts_with(['.', '_']) && !n.contains('\\')),
        ChartRequest::Oci { .. } => None,
    };
    from_url.map_or_else(
        || format!("{}-{}.tgz", pulled.name, pulled.version),
        str::to_owned,
    )
}

/// Where a request fetches from, for deadline messages.
fn source_name(request: &ChartRequest) -> &str {
    match request {
        ChartRequest::Oci { reference, .. } => reference,
        ChartRequest::Repo { url, .. } => url,
    }
}

/// A plan error (Chart.lock out of sync, an unregistered repository name) in Helm's
/// words; other source errors keep their own.
fn dependency_error(e: helmd_source::Error) -> Error {
    match e {
        helmd_source::Error::DependencyLock { reason } => Error::ChartDependencies(reason),
        other => other.into(),
    }
}

fn chart_input(archive: &Archive, e: helmd_chart::Error) -> Error {
    Error::ChartInput {
        field: archive.field.to_owned(),
        source: RenderError::Chart(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, url: &str) -> RepositoryRow {
        RepositoryRow {
            name: name.into(),
            kind: if url.starts_with("oci://") {
                "oci"
            } else {
                "http"
            }
            .into(),
            url: url.into(),
            config: "{}".into(),
            credentials: None,
            create_time_us: 0,
            update_time_us: 0,
            last_refresh_us: None,
            index_digest: None,
            chart_count: 0,
        }
    }

    #[test]
    fn dependencies_name_registered_repositories_by_name_url_or_oci_prefix() {
        let http = row("stable", "https://charts.example.com/");
        let oci = row("team", "oci://r.example.com/team");
        let check = |repository: &str, row: &RepositoryRow| matches(repository, row);
        assert!(check("@stable", &http));
        assert!(check("alias:stable", &http));
        assert!(check("https://charts.example.com", &http));
        assert!(!check("https://charts.example.com/other", &http));
        assert!(check("oci://r.example.com/team", &oci));
        assert!(check("oci://r.example.com/team/sub/", &oci));
        assert!(!check("oci://r.example.com/teamwork", &oci));
        assert!(!check("@team", &http));
    }
}
