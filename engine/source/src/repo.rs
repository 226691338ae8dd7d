//! Classic HTTP chart repositories: `index.yaml` fetched with ETag revalidation, chart
//! URLs resolved against the repository URL, archives downloaded within a size limit,
//! and credentials sent to other hosts only with `pass_credentials_all` (Helm's rule).

pub mod index;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;
use reqwest::StatusCode;
use url::Url;

use crate::error::{Error, Result, redact_url};
use crate::retry::{Failure, retry, transient_or};
use crate::transport::Transport;
use index::{ChartVersion, IndexFile};

/// Largest index.yaml accepted.
pub const MAX_INDEX_BYTES: u64 = 256 << 20;

#[derive(Debug)]
struct CachedIndex {
    etag: String,
    index: Arc<IndexFile>,
}

/// One HTTP chart repository with its settings; keeps the last index and its ETag.
#[derive(Debug)]
pub struct HttpRepository {
    url: Url,
    transport: Transport,
    pass_credentials_all: bool,
    client: reqwest::Client,
    index: Mutex<Option<CachedIndex>>,
    /// Where the last index.yaml and its ETag persist across restarts, if anywhere.
    disk: Option<std::path::PathBuf>,
}

impl HttpRepository {
    /// A repository at `url` (`http(s)://…`, user info not allowed: use credentials).
    pub fn new(url: &str, transport: Transport, pass_credentials_all: bool) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidReference {
            reference: redact_url(url),
            reason: reason.to_owned(),
        };
        let mut parsed = Url::parse(url).map_err(|_| invalid("not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(invalid("a repository URL is http:// or https://"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(invalid(
                "put credentials in the repository's credentials, not its URL",
            ));
        }
        if !parsed.path().ends_with('/') {
            let path = format!("{}/", parsed.path());
            parsed.set_path(&path);
        }
        Ok(HttpRepository {
            url: parsed,
            client: transport.http_client()?,
            transport,
            pass_credentials_all,
            index: Mutex::new(None),
            disk: None,
        })
    }

    /// Persists the index and its ETag as `<path>.yaml` / `<path>.etag`, so a restarted
    /// process revalidates instead of downloading the index again.
    pub fn with_index_cache(mut self, path: std::path::PathBuf) -> Self {
        self.disk = Some(path);
        self
    }

    fn load_disk_index(&self) -> Option<CachedIndex> {
        let path = self.disk.as_ref()?;
        let etag = std::fs::read_to_string(path.with_extension("etag")).ok()?;
        let bytes = std::fs::read(path.with_extension("yaml")).ok()?;
        let index = IndexFile::parse(&bytes, &self.name()).ok()?;
        Some(CachedIndex {
            etag,
            index: Arc::new(index),
        })
    }

    fn store_disk_index(&self, bytes: &[u8], etag: &str) {
        let Some(path) = &self.disk else { return };
        // Best effort: the index is only an optimisation; the ETag goes last.
        let yaml = path.with_extension("yaml");
        if std::fs::write(&yaml, bytes).is_ok() {
            let _ = std::fs::write(path.with_extension("etag"), etag);
        } else {
            tracing::debug!(path = %yaml.display(), "could not persist index.yaml");
        }
    }

    /// The repository URL (with a trailing slash).
    pub fn url(&self) -> &Url {
        &self.url
    }

    fn name(&self) -> String {
        self.url.to_string()
    }

    /// The index, revalidated with `If-None-Match` when one is already held.
    pub async fn index(&self) -> Result<Arc<IndexFile>> {
        let index_url = self
            .url
            .join("index.yaml")
            .map_err(|e| Error::protocol(self.name(), e))?;
        if self.lock_index().is_none() {
            let from_disk = self.load_disk_index();
            *self.lock_index() = from_disk;
        }
        let etag = self.lock_index().as_ref().map(|c| c.etag.clone());
        let fetched = self
            .get(
                &index_url,
                etag.as_deref(),
                MAX_INDEX_BYTES,
                "index.yaml",
                true,
            )
            .await?;
        let Some((bytes, new_etag)) = fetched else {
            if let Some(cached) = self.lock_index().as_ref() {
                return Ok(cached.index.clone());
            }
            return Err(Error::protocol(
                self.name(),
                "304 Not Modified without a cached index",
            ));
        };
        let index = Arc::new(IndexFile::parse(&bytes, &self.name())?);
        if let Some(etag) = new_etag {
            self.store_disk_index(&bytes, &etag);
            *self.lock_index() = Some(CachedIndex {
                etag,
                index: index.clone(),
            });
        }
        Ok(index)
    }

    fn lock_index(&self) -> std::sync::MutexGuard<'_, Option<CachedIndex>> {
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The absolute URL of an entry's first download URL.
    pub fn chart_url(&self, entry: &ChartVersion) -> Result<Url> {
        let first = entry.urls.first().ok_or_else(|| {
            Error::protocol(
                self.name(),
                format!("{} {} has no URLs", entry.name, entry.version),
            )
        })?;
        self.url
            .join(first)
            .map_err(|e| Error::protocol(self.name(), format!("bad chart URL {first:?}: {e}")))
    }

    /// Downloads an entry's archive (size-limited; the caller verifies the digest).
    pub async fn download(&self, entry: &ChartVersion) -> Result<Bytes> {
        let url = self.chart_url(entry)?;
        let same_origin = url.scheme() == self.url.scheme()
            && url.host_str() == self.url.host_str()
            && url.port_or_known_default() == self.url.port_or_known_default();
        let send_credentials = same_origin || self.pass_credentials_all;
        let limit = self.transport.max_archive_bytes;
        let fetched = self
            .get(&url, None, limit, "chart archive", send_credentials)
            .await?;
        fetched
            .map(|(bytes, _)| bytes)
            .ok_or_else(|| Error::protocol(self.name(), "unexpected 304 for a chart archive"))
    }

    /// GET with retries; `None` for 304 Not Modified, else the body and its ETag.
    async fn get(
        &self,
        url: &Url,
        if_none_match: Option<&str>,
        limit: u64,
        what: &'static str,
        send_credentials: bool,
    ) -> Result<Option<(Bytes, Option<String>)>> {
        let host = url.host_str().unwrap_or_default().to_owned();
        retry(self.transport.retry, &host, || async {
            let mut request = self.client.get(url.clone());
            if send_credentials {
                request = self.transport.credentials.apply(request);
            }
            if let Some(etag) = if_none_match {
                request = request.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            let response = request
                .send()
                .await
                .map_err(|e| transient_or(e, |t| Error::protocol(redact_url(url.as_str()), t)))?;
            self.read_response(response, url, limit, what).await
        })
        .await
    }

    async fn read_response(
        &self,
        response: reqwest::Response,
        url: &Url,
        limit: u64,
        what: &'static str,
    ) -> std::result::Result<Option<(Bytes, Option<String>)>, Failure> {
        let host = url.host_str().unwrap_or_default().to_owned();
        let status = response.status();
        match status {
            StatusCode::NOT_MODIFIED => return Ok(None),
            s if s.is_success() => {}
            StatusCode::UNAUTHORIZED => {
                return Err(Error::Unauthenticated {
                    host,
                    reason: "credentials rejected".into(),
                }
                .into());
            }
            StatusCode::FORBIDDEN => {
                return Err(Error::PermissionDenied {
                    host,
                    resource: url.path().to_owned(),
                }
                .into());
            }
            StatusCode::NOT_FOUND => {
                return Err(Error::ChartNotFound {
                    chart: url.path().rsplit('/').next().unwrap_or_default().to_owned(),
                    source_name: redact_url(self.url.as_str()),
                }
                .into());
            }
            s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
                return Err(Failure::Transient(format!(
                    "HTTP {s} from {}",
                    redact_url(url.as_str())
                )));
            }
            s => return Err(Error::protocol(redact_url(url.as_str()), format!("HTTP {s}")).into()),
        }
        if let Some(size) = response.content_length()
            && size > limit
        {
            return Err(Error::TooLarge { what, size, limit }.into());
        }
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Failure::Transient(e.to_string()))?;
            body.extend_from_slice(&chunk);
            if body.len() as u64 > limit {
                return Err(Error::TooLarge {
                    what,
                    size: body.len() as u64,
                    limit,
                }
                .into());
            }
        }
        Ok(Some((Bytes::from(body), etag)))
    }
}
