//! The pull requests: manifests by tag or digest and blobs, each body read within
//! a size limit, each address checked by the transport's policy.

use bytes::Bytes;

use super::OciRegistry;
use super::auth::Access;
use super::manifest::MANIFEST_MEDIA_TYPE;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::net::read_body;
use crate::reference::OciRef;
use crate::retry::{Failure, retry};
use crate::transport::MAX_MANIFEST_BYTES;

impl OciRegistry {
    /// `GET /v2/<name><path>` as `access` allows, its body bounded by `limit`; returns
    /// the body and the `Docker-Content-Digest` header.
    async fn get_bounded(
        &self,
        r: &OciRef,
        path: &str,
        access: &Access,
        accept: Option<&'static str>,
        limit: u64,
        what: &'static str,
    ) -> Result<(Bytes, Option<String>)> {
        let base = url::Url::parse(self.auth.base())
            .map_err(|e| Error::protocol(r.base(), format!("registry URL: {e}")))?;
        let url = base
            .join(&format!("/v2/{}{path}", r.repository))
            .map_err(|e| Error::protocol(r.base(), format!("{what} URL: {e}")))?;
        self.transport.addresses.check_url(&url)?;
        retry(self.transport.retry, &self.host, || async {
            let mut request = access.apply(self.auth.http().get(url.clone()));
            if let Some(accept) = accept {
                request = request.header(reqwest::header::ACCEPT, accept);
            }
            let response = request.send().await.map_err(|e| self.auth.transient(e))?;
            self.check_status(response.status().as_u16(), r, access, what)?;
            let digest = response
                .headers()
                .get("docker-content-digest")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = read_body(response, limit, what).await?;
            Ok((body, digest))
        })
        .await
    }

    pub(super) fn denied(&self, r: &OciRef) -> Error {
        Error::PermissionDenied {
            host: self.host.clone(),
            resource: r.repository.clone(),
        }
    }

    /// The failure a registry status means, if it is not 200.
    pub(super) fn check_status(
        &self,
        status: u16,
        r: &OciRef,
        access: &Access,
        what: &str,
    ) -> std::result::Result<(), Failure> {
        match status {
            200 => Ok(()),
            401 if access.refusal_is_denial() => Err(self.denied(r).into()),
            401 => Err(Error::Unauthenticated {
                host: self.host.clone(),
                reason: "credentials rejected".to_owned(),
            }
            .into()),
            403 => Err(self.denied(r).into()),
            404 => Err(Error::ChartNotFound {
                chart: r.chart_name().to_owned(),
                source_name: r.base(),
            }
            .into()),
            429 | 500.. => Err(Failure::Transient(format!(
                "{what} request answered HTTP {status}"
            ))),
            _ => Err(
                Error::protocol(r.base(), format!("{what} request answered HTTP {status}")).into(),
            ),
        }
    }

    /// The manifest named by `tag` or `digest`, and its digest (checked against the body).
    pub(super) async fn fetch_manifest(
        &self,
        r: &OciRef,
        tag: Option<&str>,
        digest: Option<&Digest>,
        access: &Access,
    ) -> Result<(Bytes, Digest)> {
        let reference = match (digest, tag) {
            (Some(d), _) => d.to_string(),
            (None, Some(t)) => t.to_owned(),
            (None, None) => "latest".to_owned(),
        };
        let (body, header) = self
            .get_bounded(
                r,
                &format!("/manifests/{reference}"),
                access,
                Some(MANIFEST_MEDIA_TYPE),
                MAX_MANIFEST_BYTES,
                "manifest",
            )
            .await?;
        let manifest_digest = match (digest, header) {
            (Some(d), _) => d.clone(),
            (None, Some(h)) if h.starts_with("sha256:") => Digest::parse(&h)?,
            (None, _) => Digest::of(&body),
        };
        manifest_digest.verify("manifest", &body)?;
        Ok((body, manifest_digest))
    }

    /// One blob, within `limit` bytes, checked against its digest.
    pub(super) async fn fetch_blob(
        &self,
        r: &OciRef,
        digest: &Digest,
        access: &Access,
        limit: u64,
        what: &'static str,
    ) -> Result<Bytes> {
        let (body, _) = self
            .get_bounded(r, &format!("/blobs/{digest}"), access, None, limit, what)
            .await?;
        digest.verify(&format!("{} layer", r.base()), &body)?;
        Ok(body)
    }
}
