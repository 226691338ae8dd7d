//! The cluster's OpenAPI documents, read for the patch metadata of built-in kinds:
//! `/openapi/v3` (one document per group version, found through its index) where it
//! is served, else the single `/openapi/v2` document (Kubernetes before 1.27 may not
//! serve v3; 1.20 does not). What was read is kept for the life of the `Kube` (its
//! clones share it) and read again only when the server's version changes.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::schema::Schemas;
use crate::error::{Error, Result};

/// The most an OpenAPI document may hold (a v2 document of a large cluster is a few
/// tens of MiB).
const MAX_DOCUMENT_BYTES: usize = 128 * 1024 * 1024;

/// What was read, for one server version.
#[derive(Default)]
struct Read {
    /// The server version it was read from.
    version: String,
    /// The v3 index (`api/v1` → its document's path); `Some(None)` when v3 is not served.
    index: Option<Option<HashMap<String, String>>>,
    /// v3 documents by group version path.
    documents: HashMap<String, Arc<Schemas>>,
    /// The v2 document.
    v2: Option<Arc<Schemas>>,
}

/// The patch metadata cache a `Kube` and its clones share.
#[derive(Default)]
pub(crate) struct OpenApi {
    read: tokio::sync::Mutex<Read>,
}

impl std::fmt::Debug for OpenApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenApi").finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    paths: HashMap<String, IndexEntry>,
}

#[derive(Deserialize)]
struct IndexEntry {
    #[serde(rename = "serverRelativeURL", default)]
    url: String,
}

/// `api/v1`, `apis/apps/v1`: a group version's key in the v3 index.
fn index_key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

impl OpenApi {
    /// The document describing `group`/`version` on a server at `server_version`
    /// (v3, or v2 when v3 is not served); `None` when v3 is served but not for it.
    pub(crate) async fn schemas(
        &self,
        client: &kube::Client,
        server_version: &str,
        group: &str,
        version: &str,
    ) -> Result<Option<Arc<Schemas>>> {
        let mut read = self.read.lock().await;
        if read.version != server_version {
            *read = Read {
                version: server_version.to_owned(),
                ..Read::default()
            };
        }
        if read.index.is_none() {
            read.index = Some(match get(client, "/openapi/v3").await? {
                Some(bytes) => {
                    let index: Index = serde_json::from_slice(&bytes)
                        .map_err(|e| unreadable("/openapi/v3", &e))?;
                    Some(
                        index
                            .paths
                            .into_iter()
                            .map(|(path, entry)| (path, entry.url))
                            .collect(),
                    )
                }
                None => None,
            });
        }
        let key = index_key(group, version);
        let url = match &read.index {
            Some(Some(index)) => match index.get(&key) {
                Some(url) => Some(url.clone()),
                None => return Ok(None),
            },
            _ => None,
        };
        if let Some(url) = url {
            if let Some(schemas) = read.documents.get(&key) {
                return Ok(Some(schemas.clone()));
            }
            let url = if url.is_empty() {
                format!("/openapi/v3/{key}")
            } else {
                url
            };
            let schemas = Arc::new(document(client, &url).await?);
            read.documents.insert(key, schemas.clone());
            return Ok(Some(schemas));
        }
        if let Some(schemas) = &read.v2 {
            return Ok(Some(schemas.clone()));
        }
        let schemas = Arc::new(document(client, "/openapi/v2").await?);
        read.v2 = Some(schemas.clone());
        Ok(Some(schemas))
    }
}

fn unreadable(path: &str, e: &dyn std::fmt::Display) -> Error {
    Error::Unavailable(format!(
        "reading the cluster's OpenAPI document {path}: {e}"
    ))
}

/// Reads and parses one document; a missing one is an error.
async fn document(client: &kube::Client, path: &str) -> Result<Schemas> {
    let bytes = get(client, path)
        .await?
        .ok_or_else(|| unreadable(path, &"not found"))?;
    Schemas::parse(&bytes).map_err(|e| unreadable(path, &e))
}

/// GETs `path` as JSON, bounded; `None` when the server answers 404 (whose body is not
/// a Status on every version: 1.20 lists its paths).
async fn get(client: &kube::Client, path: &str) -> Result<Option<Vec<u8>>> {
    let request = http::Request::get(path)
        .header(http::header::ACCEPT, "application/json")
        .body(kube::client::Body::empty())
        .map_err(|e| unreadable(path, &e))?;
    let response = client
        .send(request)
        .await
        .map_err(|e| unreadable(path, &e))?;
    let status = response.status();
    if status == http::StatusCode::NOT_FOUND {
        return Ok(None);
    }
    let body = crate::body::read_response_at_most(response.into_body(), MAX_DOCUMENT_BYTES)
        .await
        .map_err(|e| unreadable(path, &e))?
        .ok_or_else(|| unreadable(path, &format!("larger than {MAX_DOCUMENT_BYTES} bytes")))?;
    if !status.is_success() {
        let text = String::from_utf8_lossy(&body);
        let text: String = text.chars().take(512).collect();
        return Err(unreadable(path, &format!("{status}: {text}")));
    }
    Ok(Some(body))
}
