//! OCI registries: list a chart's versions, resolve a reference, pull the chart (and
//! provenance) layer, push a packaged chart with the manifest Helm writes.

mod auth;
pub mod manifest;
mod pull;
mod push;
mod tags;

/// Decoders of what registries send, public for fuzzing and property tests.
pub mod responses {
    pub use super::auth::{Challenge, parse_challenge, parse_token_response};
    pub use super::manifest::ChartManifest;
    pub use super::tags::{next_link, parse_tag_page};
}

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;

use crate::chart_meta::{ChartMetadata, read_chart_metadata};
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::reference::{OciRef, OciTarget};
use crate::transport::{Transport, install_crypto_provider};
use crate::version::Version;
use manifest::ChartManifest;

/// A chart pulled from a registry.
#[derive(Debug, Clone)]
pub struct OciChart {
    /// `oci://host/path/chart@sha256:…` — the immutable reference it came from.
    pub reference: String,
    /// The tag, when resolved through one.
    pub tag: Option<String>,
    /// Digest of the manifest.
    pub manifest_digest: Digest,
    /// The manifest.
    pub manifest: ChartManifest,
}

/// Where a pushed chart landed.
#[derive(Debug, Clone, PartialEq)]
pub struct Pushed {
    /// `oci://host/path/chart:tag`.
    pub reference: String,
    /// Digest of the manifest.
    pub manifest_digest: Digest,
    /// Digest of the chart layer (the archive).
    pub chart_digest: Digest,
    /// The chart's metadata, read from the archive.
    pub metadata: ChartMetadata,
}

/// A registry client for one registry host with one set of settings.
#[derive(Clone)]
pub struct OciRegistry {
    host: String,
    transport: Transport,
    auth: Arc<auth::Authorizer>,
    /// Set once credentials earned a bearer token: a 401 then means "not allowed".
    credentialed_token: Arc<AtomicBool>,
}

impl std::fmt::Debug for OciRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OciRegistry")
            .field("host", &self.host)
            .field("transport", &self.transport)
            .finish()
    }
}

impl OciRegistry {
    /// A client for `host` (`host[:port]`); plain HTTP only if `transport.plain_http`.
    pub fn new(host: &str, transport: Transport) -> Result<OciRegistry> {
        install_crypto_provider();
        transport.ca_certificates()?;
        Ok(OciRegistry {
            host: host.to_owned(),
            auth: Arc::new(auth::Authorizer::new(host, &transport)?),
            transport,
            credentialed_token: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Logs in as `helm registry login` does: `GET /v2/` with the credentials, through
    /// the registry's token service when it has one. Fails with `Unauthenticated` when
    /// the credentials are refused.
    pub async fn login(&self) -> Result<()> {
        self.auth.login().await
    }

    /// What to present to the registry for `actions` (`pull` or `pull,push`) on `r`.
    async fn access(&self, r: &OciRef, actions: &str) -> Result<auth::Access> {
        let access = self
            .auth
            .access(Some(&format!("repository:{}:{actions}", r.repository)))
            .await?;
        if access.refusal_is_denial() {
            self.credentialed_token.store(true, Ordering::Relaxed);
        }
        Ok(access)
    }

    /// The chart's versions (tags that are strict SemVer, `_` read as `+`), newest first.
    pub async fn versions(&self, r: &OciRef) -> Result<Vec<Version>> {
        let tags = self.tags(r).await?;
        let mut versions: Vec<Version> = tags
            .iter()
            .filter_map(|t| Version::from_oci_tag(t))
            .collect();
        versions.sort_by(|a, b| b.cmp(a));
        Ok(versions)
    }

    /// Resolves `target` to a tag or digest and fetches the manifest.
    pub async fn resolve(&self, r: &OciRef, target: &OciTarget) -> Result<OciChart> {
        let (tag, digest) = match target {
            OciTarget::Digest(d) => (None, Some(d.clone())),
            OciTarget::Version(v) => (Some(v.to_oci_tag()), None),
            OciTarget::Constraint(c) => {
                let versions = self.versions(r).await?;
                let best = versions.iter().find(|v| c.matches(v)).ok_or_else(|| {
                    Error::VersionNotFound {
                        chart: r.base(),
                        constraint: c.original().to_owned(),
                        available: versions.iter().map(ToString::to_string).collect(),
                    }
                })?;
                (Some(best.to_oci_tag()), None)
            }
        };
        let access = self.access(r, "pull").await?;
        let fetched = self
            .fetch_manifest(r, tag.as_deref(), digest.as_ref(), &access)
            .await;
        let (body, manifest_digest) = match fetched {
            Err(Error::ChartNotFound { .. }) if tag.is_some() => {
                return Err(self.version_not_found(r, target).await);
            }
            other => other?,
        };
        let manifest = ChartManifest::parse(&body, &r.base())?;
        Ok(OciChart {
            reference: format!("{}@{manifest_digest}", r.base()),
            tag,
            manifest_digest,
            manifest,
        })
    }

    async fn version_not_found(&self, r: &OciRef, target: &OciTarget) -> Error {
        let constraint = match target {
            OciTarget::Version(v) => v.to_string(),
            OciTarget::Constraint(c) => c.original().to_owned(),
            OciTarget::Digest(d) => d.to_string(),
        };
        match self.versions(r).await {
            Ok(versions) => Error::VersionNotFound {
                chart: r.base(),
                constraint,
                available: versions.iter().map(ToString::to_string).collect(),
            },
            Err(e) => e,
        }
    }

    /// Downloads one blob of `chart`, enforcing the size limit and the digest.
    pub async fn blob(&self, r: &OciRef, descriptor: &manifest::Descriptor) -> Result<Bytes> {
        let limit = self.transport.max_archive_bytes;
        if descriptor.size > limit {
            return Err(Error::TooLarge {
                what: "chart archive",
                size: descriptor.size,
                limit,
            });
        }
        let digest = Digest::parse(&descriptor.digest)?;
        let access = self.access(r, "pull").await?;
        self.fetch_blob(r, &digest, &access, limit, "chart archive")
            .await
    }

    /// Pushes a packaged chart to `remote` (`oci://host/path`; the chart name and version
    /// come from the archive), as Helm does.
    pub async fn push(
        &self,
        remote: &str,
        archive: &[u8],
        provenance: Option<&[u8]>,
    ) -> Result<Pushed> {
        let limit = self.transport.max_archive_bytes;
        if archive.len() as u64 > limit {
            return Err(Error::TooLarge {
                what: "chart archive",
                size: archive.len() as u64,
                limit,
            });
        }
        let meta = read_chart_metadata(archive)?;
        let base = OciRef::parse(&format!("{}/{}", remote.trim_end_matches('/'), meta.name))?;
        if base.tag.is_some() || base.digest.is_some() {
            return Err(Error::InvalidReference {
                reference: remote.to_owned(),
                reason: "the push destination must not carry a tag or digest".to_owned(),
            });
        }
        let config = meta.to_oci_config();
        let created = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default();
        let built = ChartManifest::build(&meta, &config, archive, provenance, &created);
        let tag = Version::parse(&meta.version)
            .map(|v| v.to_oci_tag())
            .unwrap_or_default();
        let mut blobs: Vec<(&[u8], &manifest::Descriptor)> =
            vec![(&config, &built.config), (archive, &built.layers[0])];
        if let (Some(prov), Some(d)) = (provenance, built.layers.get(1)) {
            blobs.push((prov, d));
        }
        let access = self.access(&base, "pull,push").await?;
        for (bytes, descriptor) in blobs {
            self.push_blob(&base, &access, bytes, &descriptor.digest)
                .await?;
        }
        let body = built.to_json();
        let manifest_digest = Digest::of(&body);
        self.push_manifest(&base, &access, &tag, body.as_ref())
            .await?;
        Ok(Pushed {
            reference: format!("{}:{tag}", base.base()),
            manifest_digest,
            chart_digest: Digest::of(archive),
            metadata: meta,
        })
    }
}
