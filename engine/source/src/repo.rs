//! Classic HTTP chart repositories: `index.yaml` fetched with ETag revalidation, chart
//! URLs resolved against the repository URL, archives downloaded within a size limit,
//! and credentials sent to other hosts only with `pass_credentials_all` (Helm's rule).

pub mod expansion;
pub mod index;
pub mod store;

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use reqwest::StatusCode;
use url::Url;

use crate::error::{Error, Result, redact_url};
use crate::retry::{Failure, retry, transient_or};
use crate::transport::Transport;
use index::{ChartVersion, IndexFile};
use store::{IndexRecord, IndexStore};

/// One HTTP chart repository with its settings; remembers which index it last saw.
#[derive(Debug)]
pub struct HttpRepository {
    url: Url,
    transport: Transport,
    pass_credentials_all: bool,
    client: reqwest::Client,
    /// The last index seen (ETag and digest) and, without a store, the parse itself.
    last: Mutex<Option<(IndexRecord, Option<Arc<IndexFile>>)>>,
    /// Shared index storage (bytes in the chart cache, parses in a bounded LRU).
    store: Option<Arc<IndexStore>>,
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
            last: Mutex::new(None),
            store: None,
        })
    }

    /// Keeps indexes in `store`, so they survive restarts and are shared (by digest)
    /// between repositories with the same URL but other credentials.
    pub fn with_index_store(mut self, store: Arc<IndexStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// The repository URL (with a trailing slash).
    pub fn url(&self) -> &Url {
        &self.url
    }

    fn name(&self) -> String {
        self.url.to_string()
    }

    /// The index, revalidated with `If-None-Match` when one was seen before. Every call
    /// asks the repository with this repository's credentials (a 304 costs no body), so
    /// a held index never answers for credentials the repository would refuse.
    pub async fn index(&self) -> Result<Arc<IndexFile>> {
        let index_url = self
            .url
            .join("index.yaml")
            .map_err(|e| Error::protocol(self.name(), e))?;
        let known = self
            .lock_last()
            .as_ref()
            .map(|(r, _)| r.clone())
            .or_else(|| {
                self.store
                    .as_ref()
                    .and_then(|s| s.record(self.url.as_str()))
            });
        let limit = self.transport.max_index_bytes;
        let etag = known.as_ref().map(|r| r.etag.as_str());
        let fetched = self
            .get(&index_url, etag, limit, "index.yaml", true)
            .await?;
        if fetched.is_none()
            && let Some(record) = &known
            && let Some(index) = self.held(record).await?
        {
            return Ok(index);
        }
        let (bytes, new_etag) = match fetched {
            Some(fetched) => fetched,
            // 304, but the copy is gone: download it whole.
            None => self
                .get(&index_url, None, limit, "index.yaml", true)
                .await?
                .ok_or_else(|| {
                    Error::protocol(self.name(), "304 Not Modified to an unconditional request")
                })?,
        };
        let index = self.parse(bytes.clone()).await?;
        let record = new_etag.as_ref().map(|etag| IndexRecord {
            etag: etag.clone(),
            digest: index.digest.clone(),
        });
        match &self.store {
            Some(store) => {
                store.put(
                    self.url.as_str(),
                    &bytes,
                    new_etag.as_deref(),
                    index.clone(),
                );
                *self.lock_last() = record.map(|r| (r, None));
            }
            None => *self.lock_last() = record.map(|r| (r, Some(index.clone()))),
        }
        Ok(index)
    }

    /// The index `record` describes, from memory or the cached bytes.
    async fn held(&self, record: &IndexRecord) -> Result<Option<Arc<IndexFile>>> {
        let Some(store) = &self.store else {
            return Ok(self.lock_last().as_ref().and_then(|(_, i)| i.clone()));
        };
        if let Some(index) = store.parsed(&record.digest) {
            *self.lock_last() = Some((record.clone(), None));
            return Ok(Some(index));
        }
        let Some(bytes) = store.bytes(&record.digest) else {
            return Ok(None);
        };
        let weight = bytes.len() as u64;
        let index = self.parse(bytes).await?;
        store.remember(&record.digest, weight, index.clone());
        *self.lock_last() = Some((record.clone(), None));
        Ok(Some(index))
    }

    /// Parses index bytes on the blocking pool (a large index takes seconds of CPU).
    async fn parse(&self, bytes: Bytes) -> Result<Arc<IndexFile>> {
        let name = self.name();
        let limit = self.transport.max_index_bytes;
        let _turn = match &self.store {
            Some(store) => store.parse_turn().await,
            None => None,
        };
        tokio::task::spawn_blocking(move || IndexFile::parse_limited(&bytes, &name, limit))
            .await
            .map_err(|e| Error::protocol(self.name(), format!("parsing the index: {e}")))?
            .map(Arc::new)
    }

    fn lock_last(
        &self,
    ) -> std::sync::MutexGuard<'_, Option<(IndexRecord, Option<Arc<IndexFile>>)>> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
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
        self.transport.addresses.check_url(url)?;
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
        let etag = response
            .headers()
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = crate::net::read_body(response, limit, what).await?;
        Ok(Some((body, etag)))
    }
}
