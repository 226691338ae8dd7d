//! Chart dependencies that are not vendored, fetched like `helm dependency build`:
//! Chart.yaml `dependencies` (HTTP repository URL, `oci://`, `@name`/`alias:name` for a
//! configured repository, `file://`), with Chart.lock's exact versions honoured after
//! checking its digest the way Helm does. A configured repository lends its settings
//! and credentials to the dependencies it serves: named ones, an HTTP repository by its
//! URL, an OCI repository to every `oci://` reference under its URL.

use std::collections::HashMap;

use serde::Deserialize;

use crate::chart_meta::Dependency;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::source::ChartRequest;
use crate::transport::Transport;

/// A parsed `Chart.lock`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct ChartLock {
    /// The locked dependencies (name, repository, exact version).
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// `sha256:` of the requirements and the lock, as Helm computes it.
    #[serde(default)]
    pub digest: String,
}

impl ChartLock {
    /// Parses Chart.lock text.
    pub fn parse(text: &str) -> Result<ChartLock> {
        serde_norway::from_str(text).map_err(|e| Error::InvalidArchive {
            reason: format!("parsing Chart.lock: {e}"),
        })
    }
}

/// Helm's lock digest: sha256 over the JSON of `[requirements, locked]`, where each
/// dependency serialises in Go's field order with Go's HTML escaping.
pub fn lock_digest(requirements: &[Dependency], locked: &[Dependency]) -> String {
    let json = serde_json::to_string(&(requirements, locked)).unwrap_or_default();
    Digest::of(go_escaped(&json).as_bytes()).to_string()
}

/// A dependency as Helm's loader reads it, with the fields Helm's lock digest covers
/// (YAML 1.1 scalars read as the loader reads them, `import-values` as JSON).
pub fn requirement(dep: &helmd_chart::Dependency) -> Result<Dependency> {
    let import_values = dep
        .import_values
        .iter()
        .map(|v| {
            let json = helmd_yaml::to_json(v).map_err(|e| Error::InvalidArchive {
                reason: format!("dependency {:?}: import-values: {e}", dep.name),
            })?;
            serde_json::from_str(&json).map_err(|e| Error::InvalidArchive {
                reason: format!("dependency {:?}: import-values: {e}", dep.name),
            })
        })
        .collect::<Result<Vec<serde_json::Value>>>()?;
    Ok(Dependency {
        name: dep.name.clone(),
        version: dep.version.clone(),
        repository: dep.repository.clone(),
        condition: dep.condition.clone(),
        tags: dep.tags.clone(),
        enabled: dep.enabled,
        import_values,
        alias: dep.alias.clone(),
    })
}

/// Repositories a chart may name with `@name` or `alias:name`, and the settings for
/// repositories named by URL.
#[derive(Debug, Clone, Default)]
pub struct DependencyOptions {
    /// Configured repositories: name → (URL, settings). URLs starting with `oci://` are
    /// OCI repositories.
    pub repositories: HashMap<String, (String, Transport)>,
    /// Settings for `http(s)://` and `oci://` repositories not configured.
    pub default_transport: Transport,
}

/// Where one dependency comes from.
#[derive(Debug, Clone)]
pub enum DependencySource {
    /// No repository: it must be vendored under `charts/`.
    Vendored,
    /// `file://…`: a path relative to the chart, for the chart loader.
    Local(String),
    /// To be pulled.
    Fetch(Box<ChartRequest>),
}

/// Decides where each dependency comes from. With a lock, its digest must match (else
/// Helm's "out of sync" error) and its exact versions are used.
pub fn plan(
    requirements: &[Dependency],
    lock: Option<&ChartLock>,
    options: &DependencyOptions,
) -> Result<Vec<(Dependency, DependencySource)>> {
    locked(requirements, lock, options, false)?
        .into_iter()
        .map(|dep| {
            let source = source(&dep, options)?;
            Ok((dep, source))
        })
        .collect()
}

/// The dependencies to fetch: Chart.lock's (after [`check_lock`] against
/// `requirements`), else the requirements with their constraints. `legacy` is an
/// `apiVersion: v1` chart (requirements.yaml and requirements.lock).
pub fn locked(
    requirements: &[Dependency],
    lock: Option<&ChartLock>,
    options: &DependencyOptions,
    legacy: bool,
) -> Result<Vec<Dependency>> {
    let Some(lock) = lock else {
        return Ok(requirements.to_vec());
    };
    // Helm hashes the dependencies as its loader sees them: `@name` and
    // `alias:name` already replaced by the repository's URL.
    let resolved: Vec<Dependency> = requirements
        .iter()
        .map(|dep| {
            let mut dep = dep.clone();
            if let Some((url, _)) =
                named_repository(&dep.repository).and_then(|name| options.repositories.get(name))
            {
                dep.repository = url.clone();
            }
            dep
        })
        .collect();
    check_lock(requirements, &resolved, lock, legacy)?;
    Ok(lock.dependencies.clone())
}

/// Helm's check that Chart.lock belongs to Chart.yaml (`helm dependency build`): the
/// digest of the `resolved` requirements (repository names replaced by URLs) and the
/// locked ones; a v1 chart's requirements.lock may instead carry Helm 2's digest of the
/// requirements as `written`. Helm's "out of sync" error otherwise.
pub fn check_lock(
    written: &[Dependency],
    resolved: &[Dependency],
    lock: &ChartLock,
    legacy: bool,
) -> Result<()> {
    if lock_digest(resolved, &lock.dependencies) == lock.digest {
        return Ok(());
    }
    if !legacy {
        return Err(Error::DependencyLock {
            reason: "the lock file (Chart.lock) is out of sync with the dependencies \
                     file (Chart.yaml). Please update the dependencies with 'helm \
                     dependency update'"
                .to_owned(),
        });
    }
    if helm2_digest(written) == lock.digest {
        return Ok(());
    }
    Err(Error::DependencyLock {
        reason: "the lock file (requirements.lock) is out of sync with the dependencies \
                 file (requirements.yaml). Please update the dependencies"
            .to_owned(),
    })
}

/// Helm 2's requirements.lock digest: sha256 over the JSON of `{"dependencies": …}`.
fn helm2_digest(requirements: &[Dependency]) -> String {
    #[derive(serde::Serialize)]
    struct Requirements<'a> {
        dependencies: &'a [Dependency],
    }
    let json = serde_json::to_string(&Requirements {
        dependencies: requirements,
    })
    .unwrap_or_default();
    Digest::of(go_escaped(&json).as_bytes()).to_string()
}

/// JSON text with `<`, `>` and `&` escaped as Go's encoder writes them.
fn go_escaped(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The repository name in `@name` or `alias:name`.
pub fn named_repository(repository: &str) -> Option<&str> {
    let repository = repository.trim();
    repository
        .strip_prefix('@')
        .or_else(|| repository.strip_prefix("alias:"))
}

/// Where `dep` comes from; a repository name nobody configured is an error naming it.
pub fn source(dep: &Dependency, options: &DependencyOptions) -> Result<DependencySource> {
    let repo = dep.repository.trim();
    let version = Some(dep.version.clone()).filter(|v| !v.is_empty());
    if repo.is_empty() {
        return Ok(DependencySource::Vendored);
    }
    if let Some(path) = repo.strip_prefix("file://") {
        return Ok(DependencySource::Local(path.to_owned()));
    }
    let oci = |base: &str, transport: Transport| {
        DependencySource::Fetch(Box::new(ChartRequest::Oci {
            reference: format!("{}/{}", base.trim_end_matches('/'), dep.name),
            version: version.clone(),
            transport,
        }))
    };
    if repo.starts_with("oci://") {
        let transport = options
            .repositories
            .values()
            .find(|(url, _)| url.starts_with("oci://") && serves(url, repo))
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| options.default_transport.clone());
        return Ok(oci(repo, transport));
    }
    let named = named_repository(repo);
    let (url, transport) = match named {
        Some(name) => {
            options
                .repositories
                .get(name)
                .cloned()
                .ok_or_else(|| Error::DependencyLock {
                    reason: format!(
                        "no repository definition for {repo} (dependency {})",
                        dep.name
                    ),
                })?
        }
        // A URL some configured repository has (as Chart.lock records `@name`): that
        // repository's settings and credentials.
        None => options
            .repositories
            .values()
            .find(|(url, _)| serves(url, repo))
            .cloned()
            .unwrap_or_else(|| (repo.to_owned(), options.default_transport.clone())),
    };
    if url.starts_with("oci://") {
        return Ok(oci(&url, transport));
    }
    Ok(DependencySource::Fetch(Box::new(ChartRequest::Repo {
        url,
        chart: dep.name.clone(),
        version,
        pass_credentials_all: transport.pass_credentials_all,
        transport,
    })))
}

/// Whether the configured repository at `url` serves a dependency whose `repository`
/// is a URL: the same HTTP repository, or an `oci://` reference at or under an OCI
/// repository's URL (path segment by segment).
pub fn serves(url: &str, repository: &str) -> bool {
    let url = url.trim().trim_end_matches('/');
    let repository = repository.trim().trim_end_matches('/');
    if repository == url {
        return true;
    }
    url.starts_with("oci://")
        && repository
            .strip_prefix(url)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(name: &str, version: &str, repository: &str) -> Dependency {
        Dependency {
            name: name.into(),
            version: version.into(),
            repository: repository.into(),
            ..Default::default()
        }
    }

    #[test]
    fn repositories_map_to_vendored_local_oci_and_http_sources() {
        let mut options = DependencyOptions::default();
        options.repositories.insert(
            "stable".into(),
            ("https://charts.example.com".into(), Transport::default()),
        );
        let deps = [
            dep("a", "1.0.0", ""),
            dep("b", "", "file://../b"),
            dep("c", "^2", "oci://r.example.com/charts"),
            dep("d", "~1", "@stable"),
            dep("e", "1.x", "alias:stable"),
            dep("f", "*", "https://other.example.com/repo"),
        ];
        let planned = plan(&deps, None, &options).expect("plan");
        let kinds: Vec<String> = planned
            .iter()
            .map(|(_, s)| match s {
                DependencySource::Vendored => "vendored".to_owned(),
                DependencySource::Local(p) => format!("local {p}"),
                DependencySource::Fetch(request) => match request.as_ref() {
                    ChartRequest::Oci { reference, .. } => reference.clone(),
                    ChartRequest::Repo { url, chart, .. } => format!("{url} {chart}"),
                },
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "vendored",
                "local ../b",
                "oci://r.example.com/charts/c",
                "https://charts.example.com d",
                "https://charts.example.com e",
                "https://other.example.com/repo f",
            ]
        );
        assert!(plan(&[dep("x", "1", "@missing")], None, &options).is_err());
    }

    #[test]
    fn configured_oci_repositories_lend_their_settings_to_references_under_them() {
        let mut options = DependencyOptions::default();
        let registry = Transport::default().with_plain_http(true);
        options
            .repositories
            .insert("team".into(), ("oci://r.example.com/team".into(), registry));
        let transport_of =
            |repository: &str| match plan(&[dep("c", "1.0.0", repository)], None, &options)
                .expect("plan")
                .remove(0)
                .1
            {
                DependencySource::Fetch(r) => match *r {
                    ChartRequest::Oci {
                        reference,
                        transport,
                        ..
                    } => (reference, transport.plain_http),
                    other => panic!("not OCI: {other:?}"),
                },
                other => panic!("not fetched: {other:?}"),
            };
        assert_eq!(
            transport_of("oci://r.example.com/team"),
            ("oci://r.example.com/team/c".to_owned(), true)
        );
        assert_eq!(
            transport_of("oci://r.example.com/team/sub/"),
            ("oci://r.example.com/team/sub/c".to_owned(), true)
        );
        assert_eq!(
            transport_of("oci://r.example.com/teamwork"),
            ("oci://r.example.com/teamwork/c".to_owned(), false)
        );
        assert_eq!(
            transport_of("@team"),
            ("oci://r.example.com/team/c".to_owned(), true)
        );
    }

    #[test]
    fn a_lock_out_of_sync_with_chart_yaml_is_refused() {
        let requirements = [dep("a", "^1", "https://r")];
        let locked = [dep("a", "1.2.0", "https://r")];
        let lock = ChartLock {
            dependencies: locked.to_vec(),
            digest: lock_digest(&requirements, &locked),
        };
        let planned =
            plan(&requirements, Some(&lock), &DependencyOptions::default()).expect("in sync");
        assert!(
            matches!(&planned[0].1, DependencySource::Fetch(r) if matches!(r.as_ref(), ChartRequest::Repo { version: Some(v), .. } if v == "1.2.0"))
        );
        let changed = [dep("a", "^2", "https://r")];
        assert!(plan(&changed, Some(&lock), &DependencyOptions::default()).is_err());
    }

    #[test]
    fn a_v1_lock_may_carry_helm_2s_digest_and_is_refused_in_v1_words() {
        let requirements = [dep("a", "^1", "https://r")];
        let locked = [dep("a", "1.2.0", "https://r")];
        let helm2 = ChartLock {
            dependencies: locked.to_vec(),
            digest: Digest::of(
                br#"{"dependencies":[{"name":"a","version":"^1","repository":"https://r"}]}"#,
            )
            .to_string(),
        };
        let options = DependencyOptions::default();
        let pinned = super::locked(&requirements, Some(&helm2), &options, true).expect("helm 2");
        assert_eq!(pinned[0].version, "1.2.0");
        let err = super::locked(&requirements, Some(&helm2), &options, false).expect_err("v2");
        assert!(err.to_string().contains("(Chart.lock)"), "{err}");
        let stale = ChartLock {
            digest: "sha256:0".into(),
            ..helm2
        };
        let err = super::locked(&requirements, Some(&stale), &options, true).expect_err("v1");
        assert_eq!(
            err.to_string(),
            "the lock file (requirements.lock) is out of sync with the dependencies file \
             (requirements.yaml). Please update the dependencies"
        );
    }

    #[test]
    fn a_lock_of_a_named_repository_hashes_and_fetches_through_its_url() {
        let mut options = DependencyOptions::default();
        let stable = Transport::default().with_plain_http(true);
        options.repositories.insert(
            "stable".into(),
            ("https://charts.example.com".into(), stable),
        );
        let requirements = [dep("a", "^1", "@stable")];
        // Helm writes the URL into Chart.lock and hashes Chart.yaml with it.
        let locked = [dep("a", "1.2.0", "https://charts.example.com")];
        let lock = ChartLock {
            dependencies: locked.to_vec(),
            digest: lock_digest(&[dep("a", "^1", "https://charts.example.com")], &locked),
        };
        let planned = plan(&requirements, Some(&lock), &options).expect("in sync");
        assert!(matches!(
            &planned[0].1,
            DependencySource::Fetch(r) if matches!(
                r.as_ref(),
                ChartRequest::Repo { transport, version: Some(v), .. }
                    if v == "1.2.0" && transport.plain_http
            )
        ));
        let raw = ChartLock {
            dependencies: locked.to_vec(),
            digest: lock_digest(&requirements, &locked),
        };
        let err = plan(&requirements, Some(&raw), &options).expect_err("raw @name hash");
        assert!(
            err.to_string()
                .ends_with("Please update the dependencies with 'helm dependency update'"),
            "{err}"
        );
    }
}
