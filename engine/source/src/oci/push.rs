//! Pushing a chart's blobs and manifest: every response is judged by its status and
//! headers alone and never read, and every URL — an upload's `Location` included — passes the transport's
//! address policy. Uploads are monolithic (`POST` then one `PUT ?digest=`), as Helm's.

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};

use super::OciRegistry;
use super::auth::Access;
use super::manifest::MANIFEST_MEDIA_TYPE;
use crate::error::{Error, Result};
use crate::reference::OciRef;
use crate::retry::{Failure, retry};

impl OciRegistry {
    /// `<registry>/v2/<name><path>`, checked against the address policy.
    fn registry_url(&self, r: &OciRef, path: &str) -> Result<url::Url> {
        let base = url::Url::parse(self.auth.base())
            .map_err(|e| Error::protocol(r.base(), format!("registry URL: {e}")))?;
        let url = base
            .join(&format!("/v2/{}{path}", r.repository))
            .map_err(|e| Error::protocol(r.base(), format!("registry URL: {e}")))?;
        self.transport.addresses.check_url(&url)?;
        Ok(url)
    }

    /// Any 2xx is success; everything else fails as a pull's status would.
    fn push_status(
        &self,
        status: reqwest::StatusCode,
        r: &OciRef,
        access: &Access,
        what: &str,
    ) -> std::result::Result<(), Failure> {
        if status.is_success() {
            return Ok(());
        }
        self.check_status(status.as_u16(), r, access, what)
    }

    /// Uploads one blob unless the registry has it already.
    pub(super) async fn push_blob(
        &self,
        r: &OciRef,
        access: &Access,
        bytes: &[u8],
        digest: &str,
    ) -> Result<()> {
        let head = self.registry_url(r, &format!("/blobs/{digest}"))?;
        let start = self.registry_url(r, "/blobs/uploads/")?;
        retry(self.transport.retry, &self.host, || async {
            let http = self.auth.http();
            let response = access
                .apply(http.head(head.clone()))
                .send()
                .await
                .map_err(|e| self.auth.transient(e))?;
            if response.status().is_success() {
                return Ok(());
            }
            let response = access
                .apply(http.post(start.clone()))
                .header(CONTENT_LENGTH, 0)
                .send()
                .await
                .map_err(|e| self.auth.transient(e))?;
            self.push_status(response.status(), r, access, "blob upload")?;
            let location = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| Error::protocol(r.base(), "blob upload answered no Location"))?;
            let mut put = start.join(location).map_err(|e| {
                Error::protocol(r.base(), format!("blob upload Location {location:?}: {e}"))
            })?;
            self.transport.addresses.check_url(&put)?;
            put.query_pairs_mut().append_pair("digest", digest);
            let response = access
                .apply(http.put(put))
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(bytes.to_vec())
                .send()
                .await
                .map_err(|e| self.auth.transient(e))?;
            self.push_status(response.status(), r, access, "blob upload")
        })
        .await
    }

    /// Puts the manifest under `tag`.
    pub(super) async fn push_manifest(
        &self,
        r: &OciRef,
        access: &Access,
        tag: &str,
        body: &[u8],
    ) -> Result<()> {
        let url = self.registry_url(r, &format!("/manifests/{tag}"))?;
        retry(self.transport.retry, &self.host, || async {
            let response = access
                .apply(self.auth.http().put(url.clone()))
                .header(CONTENT_TYPE, MANIFEST_MEDIA_TYPE)
                .body(body.to_vec())
                .send()
                .await
                .map_err(|e| self.auth.transient(e))?;
            self.push_status(response.status(), r, access, "manifest upload")
        })
        .await
    }
}
