//! [`ChartSource`]: pull a chart by OCI reference or from an HTTP repository through the
//! shared digest cache, list versions, push to OCI.
//!
//! Every pull first proves access at the source with the caller's own credentials (one
//! manifest request for OCI, a conditional index request for HTTP repositories); only
//! then does content come from the digest-addressed cache. Concurrent pulls of one
//! chart wait on one download.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::cache::{CachedRef, ChartCache};
use crate::chart_meta::read_chart_metadata;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::oci::{OciRegistry, Pushed};
use crate::reference::OciRef;
use crate::repo::HttpRepository;
use crate::repo::index::ChartVersion;
use crate::repo::store::IndexStore;
use crate::secret::Credentials;
use crate::transport::Transport;

/// Where the cache lives and how big it may grow.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Cache directory (blobs, resolution records).
    pub cache_dir: PathBuf,
    /// Upper bound of cached blob bytes (charts and index.yaml copies); least recently
    /// used go first.
    pub cache_max_bytes: u64,
    /// Upper bound of parsed repository indexes kept in memory, in bytes of the
    /// index.yaml they were parsed from; least recently used go first.
    pub index_memory_bytes: u64,
}

/// Default [`SourceConfig::index_memory_bytes`].
pub const DEFAULT_INDEX_MEMORY_BYTES: u64 = 128 << 20;

/// Repository clients by key, each with its last-use tick.
type KeptRepos = HashMap<String, (Arc<HttpRepository>, u64)>;

/// Most repositories (URL and credentials) whose clients are kept for reuse.
const MAX_KEPT_CLIENTS: usize = 64;

/// A chart to pull.
#[derive(Debug, Clone)]
pub enum ChartRequest {
    /// `oci://host/path/chart[:tag][@digest]` with an optional version or constraint.
    Oci {
        /// The reference.
        reference: String,
        /// Exact version or constraint (Helm's `--version`); empty: latest stable.
        version: Option<String>,
        /// How to reach the registry.
        transport: Transport,
    },
    /// A chart in an HTTP repository.
    Repo {
        /// Repository URL.
        url: String,
        /// Chart name.
        chart: String,
        /// Exact version or constraint; empty: latest stable.
        version: Option<String>,
        /// How to reach the repository.
        transport: Transport,
        /// Send credentials to chart URLs on other hosts too.
        pass_credentials_all: bool,
    },
}

/// What a registry says of one OCI chart version without pulling its archive: the
/// manifest digest, the manifest's creation annotation and the config blob's metadata.
#[derive(Debug, Clone)]
pub struct OciVersionInfo {
    /// The version asked for.
    pub version: String,
    /// The artifact's manifest digest.
    pub manifest_digest: Digest,
    /// `org.opencontainers.image.created`, as written, when present.
    pub created: Option<String>,
    /// Chart.yaml from the config blob.
    pub metadata: crate::chart_meta::ChartMetadata,
}

/// A pulled chart archive.
#[derive(Clone)]
pub struct PulledChart {
    /// Chart name (from Chart.yaml).
    pub name: String,
    /// Chart version (from Chart.yaml).
    pub version: String,
    /// Digest of the archive.
    pub digest: Digest,
    /// The `.tgz` bytes.
    pub archive: Bytes,
    /// The provenance file, when the source has one.
    pub provenance: Option<Bytes>,
    /// Where it came from, immutably (`oci://…@sha256:…` or the archive URL).
    pub origin: String,
    /// Whether the archive came from the cache rather than the network.
    pub from_cache: bool,
}

impl std::fmt::Debug for PulledChart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PulledChart")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("digest", &self.digest.to_string())
            .field("archive_bytes", &self.archive.len())
            .field(
                "provenance_bytes",
                &self.provenance.as_ref().map(Bytes::len),
            )
            .field("origin", &self.origin)
            .field("from_cache", &self.from_cache)
            .finish()
    }
}

/// Chart pulls and pushes for the whole process.
#[derive(Debug, Clone)]
pub struct ChartSource {
    cache: ChartCache,
    indexes: Arc<IndexStore>,
    hash_key: std::collections::hash_map::RandomState,
    /// Repositories by URL, settings and credentials, with a last-use tick; bounded.
    repos: Arc<Mutex<KeptRepos>>,
    tick: Arc<std::sync::atomic::AtomicU64>,
    /// Registry clients by host and settings: kept so connections, TLS sessions and
    /// registry tokens are reused from one pull to the next.
    registries: Arc<Mutex<HashMap<String, OciRegistry>>>,
}

impl ChartSource {
    /// Opens the cache.
    pub fn new(config: SourceConfig) -> Result<ChartSource> {
        let index_dir = config.cache_dir.join("indexes");
        std::fs::create_dir_all(&index_dir).map_err(|e| Error::cache(&index_dir, e))?;
        remove_legacy_index_copies(&index_dir);
        let cache = ChartCache::open(config.cache_dir, config.cache_max_bytes)?;
        Ok(ChartSource {
            indexes: Arc::new(IndexStore::new(
                cache.clone(),
                index_dir,
                config.index_memory_bytes,
            )),
            cache,
            hash_key: std::collections::hash_map::RandomState::new(),
            repos: Arc::default(),
            tick: Arc::default(),
            registries: Arc::default(),
        })
    }

    /// The shared cache.
    pub fn cache(&self) -> &ChartCache {
        &self.cache
    }

    /// Pulls a chart: access checked at the source, content from the cache when cached.
    pub async fn pull(&self, request: &ChartRequest) -> Result<PulledChart> {
        match request {
            ChartRequest::Oci {
                reference,
                version,
                transport,
            } => {
                self.pull_oci(reference, version.as_deref(), transport)
                    .await
            }
            ChartRequest::Repo {
                url,
                chart,
                version,
                transport,
                pass_credentials_all,
            } => {
                let repo = self.repository(url, transport, *pass_credentials_all)?;
                self.pull_repo(&repo, chart, version.as_deref().unwrap_or_default())
                    .await
            }
        }
    }

    /// The versions a chart has, newest first.
    pub async fn versions(&self, request: &ChartRequest) -> Result<Vec<String>> {
        match request {
            ChartRequest::Oci {
                reference,
                transport,
                ..
            } => {
                let r = OciRef::parse(reference)?;
                let registry = self.registry(&r.registry, transport)?;
                let versions = registry.versions(&r).await?;
                Ok(versions.iter().map(ToString::to_string).collect())
            }
            ChartRequest::Repo {
                url,
                chart,
                transport,
                pass_credentials_all,
                ..
            } => {
                let repo = self.repository(url, transport, *pass_credentials_all)?;
                let index = repo.index().await?;
                let versions = index.versions(chart).ok_or_else(|| Error::ChartNotFound {
                    chart: chart.clone(),
                    source_name: repo.url().to_string(),
                })?;
                Ok(versions.iter().map(|v| v.version.clone()).collect())
            }
        }
    }

    /// The index of an HTTP repository, revalidated with its ETag (`helm repo update`).
    pub async fn index(
        &self,
        url: &str,
        transport: &Transport,
        pass_credentials_all: bool,
    ) -> Result<Arc<crate::repo::index::IndexFile>> {
        self.repository(url, transport, pass_credentials_all)?
            .index()
            .await
    }

    /// Pulls every dependency that is neither vendored nor local, like
    /// `helm dependency build` (with a lock) or `helm dependency update` (without).
    pub async fn pull_dependencies(
        &self,
        requirements: &[crate::chart_meta::Dependency],
        lock: Option<&crate::dependency::ChartLock>,
        options: &crate::dependency::DependencyOptions,
    ) -> Result<Vec<PulledChart>> {
        let mut pulled = Vec::new();
        for (_, source) in crate::dependency::plan(requirements, lock, options)? {
            if let crate::dependency::DependencySource::Fetch(request) = source {
                pulled.push(self.pull(&request).await?);
            }
        }
        Ok(pulled)
    }

    /// Describes OCI chart versions (manifest digest, creation time, Chart.yaml from the
    /// config blob) without pulling archives; at most 8 registry requests at a time.
    /// Config blobs go through the shared cache, so a version is fetched once.
    pub async fn describe_oci_versions(
        &self,
        reference: &str,
        versions: &[String],
        transport: &Transport,
    ) -> Result<Vec<OciVersionInfo>> {
        use futures::StreamExt;
        let r = OciRef::parse(reference)?;
        let registry = self.registry(&r.registry, transport)?;
        let lookups: Vec<_> = versions
            .iter()
            .map(|v| self.describe_oci_version(&registry, &r, v))
            .collect();
        futures::stream::iter(lookups)
            .buffered(8)
            .collect::<Vec<Result<OciVersionInfo>>>()
            .await
            .into_iter()
            .collect()
    }

    async fn describe_oci_version(
        &self,
        registry: &OciRegistry,
        r: &OciRef,
        version: &str,
    ) -> Result<OciVersionInfo> {
        let target = r.target(Some(version))?;
        let resolved = registry.resolve(r, &target).await?;
        let (config, _) = self
            .oci_blob(registry, r, &resolved.manifest.config, false)
            .await?;
        let metadata: crate::chart_meta::ChartMetadata =
            serde_json::from_slice(&config).map_err(|e| {
                Error::protocol(r.base(), format!("config blob is not chart metadata: {e}"))
            })?;
        Ok(OciVersionInfo {
            version: version.to_owned(),
            manifest_digest: resolved.manifest_digest,
            created: resolved
                .manifest
                .annotations
                .get("org.opencontainers.image.created")
                .cloned(),
            metadata,
        })
    }

    /// Pushes a packaged chart to `remote` (`oci://host/path`), as `helm push` does.
    pub async fn push(
        &self,
        remote: &str,
        archive: &[u8],
        provenance: Option<&[u8]>,
        transport: &Transport,
    ) -> Result<Pushed> {
        let host = OciRef::parse(&format!("{}/x", remote.trim_end_matches('/')))?.registry;
        let registry = self.registry(&host, transport)?;
        let pushed = registry.push(remote, archive, provenance).await?;
        self.cache.put(&pushed.chart_digest, archive)?;
        Ok(pushed)
    }

    /// Logs in to the registry of `remote` (`oci://host[/path]`) as `helm registry login`
    /// does: `GET /v2/` with the credentials, through the registry's token service when
    /// it has one. Refused credentials are `Unauthenticated`.
    pub async fn login(&self, remote: &str, transport: &Transport) -> Result<()> {
        let host = OciRef::parse(&format!("{}/x", remote.trim_end_matches('/')))?.registry;
        OciRegistry::new(&host, transport.clone())?.login().await
    }

    fn repository(
        &self,
        url: &str,
        transport: &Transport,
        pass_all: bool,
    ) -> Result<Arc<HttpRepository>> {
        // Everything that changes how we talk to the repository, the secret included
        // (hashed with this process's random key, so the key reveals nothing).
        let key = format!(
            "{url}|{pass_all}|{}|{}|{:?}",
            self.secret_hash(&transport.credentials),
            transport_fingerprint(transport),
            transport.max_archive_bytes,
        );
        let tick = self.tick.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut repos = self.repos.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((repo, used)) = repos.get_mut(&key) {
            *used = tick;
            return Ok(repo.clone());
        }
        // Indexes are kept by URL and digest only: no trace of credentials on disk.
        let repo = Arc::new(
            HttpRepository::new(url, transport.clone(), pass_all)?
                .with_index_store(self.indexes.clone()),
        );
        if repos.len() >= MAX_KEPT_CLIENTS {
            let oldest = repos
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                repos.remove(&oldest);
            }
        }
        repos.insert(key, (repo.clone(), tick));
        Ok(repo)
    }

    fn registry(&self, host: &str, transport: &Transport) -> Result<OciRegistry> {
        let key = format!(
            "{host}|{}|{}|{:?}",
            self.secret_hash(&transport.credentials),
            transport_fingerprint(transport),
            transport.max_archive_bytes,
        );
        let mut registries = self.registries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(registry) = registries.get(&key) {
            return Ok(registry.clone());
        }
        let registry = OciRegistry::new(host, transport.clone())?;
        if registries.len() >= MAX_KEPT_CLIENTS {
            // Rare (many hosts or credentials): start over rather than grow without bound.
            registries.clear();
        }
        registries.insert(key, registry.clone());
        Ok(registry)
    }

    fn secret_hash(&self, credentials: &Credentials) -> u64 {
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut hasher = self.hash_key.build_hasher();
        match credentials {
            Credentials::Anonymous => 0u8.hash(&mut hasher),
            Credentials::Basic { username, password } => {
                (1u8, username, password.expose()).hash(&mut hasher);
            }
            Credentials::Bearer(token) => (2u8, token.expose()).hash(&mut hasher),
            Credentials::IdentityToken(token) => (3u8, token.expose()).hash(&mut hasher),
        }
        hasher.finish()
    }

    async fn pull_oci(
        &self,
        reference: &str,
        version: Option<&str>,
        transport: &Transport,
    ) -> Result<PulledChart> {
        let r = OciRef::parse(reference)?;
        let target = r.target(version)?;
        // Access is proven at the registry with the caller's own credentials on every
        // pull: resolving the tag (or digest) is one manifest request, which also sees a
        // re-pushed tag. Only content then comes from the digest-addressed cache.
        let registry = self.registry(&r.registry, transport)?;
        let resolved = registry.resolve(&r, &target).await?;
        let layer = resolved
            .manifest
            .chart_layer()
            .ok_or_else(|| Error::protocol(r.base(), "manifest has no Helm chart layer"))?
            .clone();
        let chart_digest = Digest::parse(&layer.digest)?;
        let key = format!("oci:{}@{}", r.base(), resolved.manifest_digest);
        let _guard = self.cache.lock(&key).await;
        let (archive, from_cache) = self.oci_blob(&registry, &r, &layer, true).await?;
        let meta = read_chart_metadata(&archive)?;
        let provenance = match resolved.manifest.provenance_layer() {
            Some(prov) => {
                let (bytes, _) = self.oci_blob(&registry, &r, prov, false).await?;
                Some((Digest::parse(&prov.digest)?, bytes))
            }
            None => None,
        };
        let record = CachedRef {
            name: meta.name.clone(),
            version: meta.version.clone(),
            chart: chart_digest.to_string(),
            provenance: provenance.as_ref().map(|(d, _)| d.to_string()),
            manifest: Some(resolved.manifest_digest.to_string()),
        };
        self.cache.record_ref(&key, &record)?;
        Ok(PulledChart {
            name: meta.name,
            version: meta.version,
            digest: chart_digest,
            archive,
            provenance: provenance.map(|(_, b)| b),
            origin: resolved.reference,
            from_cache,
        })
    }

    /// A blob from the cache, or downloaded (digest-checked by the registry client),
    /// checked to be a chart archive when `is_chart`, then cached. `true` if cached.
    async fn oci_blob(
        &self,
        registry: &OciRegistry,
        r: &OciRef,
        descriptor: &crate::oci::manifest::Descriptor,
        is_chart: bool,
    ) -> Result<(Bytes, bool)> {
        let digest = Digest::parse(&descriptor.digest)?;
        if let Some(bytes) = self.cache.get(&digest)? {
            return Ok((bytes, true));
        }
        let bytes = registry.blob(r, descriptor).await?;
        if is_chart {
            read_chart_metadata(&bytes)?;
        }
        self.cache.put(&digest, &bytes)?;
        Ok((bytes, false))
    }

    async fn pull_repo(
        &self,
        repo: &HttpRepository,
        chart: &str,
        version: &str,
    ) -> Result<PulledChart> {
        let source = repo.url().to_string();
        // The index request (a conditional GET, usually a body-less 304) is made with the
        // caller's credentials every time: it proves access before anything cached is used.
        let index = repo.index().await?;
        let entry = index.get(chart, version, &source)?.clone();
        let url = repo.chart_url(&entry)?.to_string();
        let key = format!("repo:{source}|{chart}|{}|{}", entry.version, entry.digest);
        let _guard = self.cache.lock(&key).await;
        if !entry.digest.is_empty()
            && let Some(hit) = self.cached_pull(&key, &source)?
        {
            return Ok(PulledChart {
                origin: crate::error::redact_url(&url),
                ..hit
            });
        }
        let (archive, digest, from_cache) = self.repo_archive(repo, &entry).await?;
        let meta = read_chart_metadata(&archive)?;
        let record = CachedRef {
            name: meta.name.clone(),
            version: meta.version.clone(),
            chart: digest.to_string(),
            provenance: None,
            manifest: None,
        };
        self.cache.record_ref(&key, &record)?;
        Ok(PulledChart {
            name: meta.name,
            version: meta.version,
            digest,
            archive,
            provenance: None,
            origin: crate::error::redact_url(&url),
            from_cache,
        })
    }

    /// The archive of an index entry: from the cache by the index's digest, else
    /// downloaded, checked against that digest, and cached.
    async fn repo_archive(
        &self,
        repo: &HttpRepository,
        entry: &ChartVersion,
    ) -> Result<(Bytes, Digest, bool)> {
        let expected = if entry.digest.is_empty() {
            None
        } else {
            Some(Digest::parse(&entry.digest)?)
        };
        if let Some(d) = &expected
            && let Some(bytes) = self.cache.get(d)?
        {
            return Ok((bytes, d.clone(), true));
        }
        let bytes = repo.download(entry).await?;
        let digest = match expected {
            Some(d) => {
                d.verify(&format!("{} {}", entry.name, entry.version), &bytes)?;
                d
            }
            None => Digest::of(&bytes),
        };
        read_chart_metadata(&bytes)?;
        self.cache.put(&digest, &bytes)?;
        Ok((bytes, digest, false))
    }

    /// A pull answered from a resolution record whose blobs are cached.
    fn cached_pull(&self, key: &str, origin: &str) -> Result<Option<PulledChart>> {
        let Some(record) = self.cache.lookup_ref(key) else {
            return Ok(None);
        };
        let digest = Digest::parse(&record.chart)?;
        let Some(archive) = self.cache.get(&digest)? else {
            return Ok(None);
        };
        let provenance = match &record.provenance {
            Some(p) => match self.cache.get(&Digest::parse(p)?)? {
                Some(bytes) => Some(bytes),
                None => return Ok(None),
            },
            None => None,
        };
        let origin = match &record.manifest {
            Some(m) => format!("{origin}@{m}"),
            None => origin.to_owned(),
        };
        Ok(Some(PulledChart {
            name: record.name,
            version: record.version,
            digest,
            archive,
            provenance,
            origin,
            from_cache: true,
        }))
    }
}

fn transport_fingerprint(t: &Transport) -> String {
    let ca = t
        .ca_pem
        .as_deref()
        .map(|pem| Digest::of(pem.as_bytes()).to_string());
    format!(
        "{ca:?}|{}|{}|{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}",
        t.insecure_skip_tls_verify,
        t.plain_http,
        t.retry,
        t.connect_timeout,
        t.read_timeout,
        t.tag_page_size,
        t.max_index_bytes,
        t.pass_credentials_all,
        t.addresses,
    )
}

/// Removes the whole-index copies earlier versions kept outside the cache's byte limit.
fn remove_legacy_index_copies(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "etag")
        ) {
            let _ = std::fs::remove_file(path);
        }
    }
}
