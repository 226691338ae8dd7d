//! OCI chart references (`oci://host[:port]/path/chart[:tag][@sha256:…]`) and what a
//! request pins: a digest, one exact version (a tag), or a constraint over the tags.

use crate::constraint::Constraint;
use crate::digest::Digest;
use crate::error::{Error, Result};
use crate::version::Version;

/// A parsed `oci://` chart reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OciRef {
    /// `host[:port]`.
    pub registry: String,
    /// Repository path including the chart name (`charts/demo`).
    pub repository: String,
    /// Tag, if the reference carries one.
    pub tag: Option<String>,
    /// Manifest digest, if the reference carries one.
    pub digest: Option<Digest>,
}

/// What to fetch from the chart's repository.
#[derive(Debug, Clone)]
pub enum OciTarget {
    /// A manifest by digest (no tag lookup).
    Digest(Digest),
    /// One exact version, fetched by its tag (`+` mapped to `_`).
    Version(Version),
    /// The highest tag satisfying a constraint (empty: latest stable).
    Constraint(Constraint),
}

impl OciRef {
    /// Parses `oci://host/path/chart`, optionally with `:tag` and/or `@sha256:…`.
    pub fn parse(text: &str) -> Result<OciRef> {
        let invalid = |reason: &str| Error::InvalidReference {
            reference: text.to_owned(),
            reason: reason.to_owned(),
        };
        let rest = text
            .strip_prefix("oci://")
            .ok_or_else(|| invalid("an OCI reference starts with oci://"))?;
        let (rest, digest) = match rest.split_once('@') {
            Some((rest, digest)) => (rest, Some(Digest::parse(digest)?)),
            None => (rest, None),
        };
        let (registry, path) = rest
            .split_once('/')
            .ok_or_else(|| invalid("missing repository path after the registry host"))?;
        let (repository, tag) = match path.rsplit_once(':') {
            Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag.to_owned())),
            _ => (path, None),
        };
        if registry.is_empty() || repository.is_empty() {
            return Err(invalid("empty registry host or repository"));
        }
        let valid_repo = repository.split('/').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        });
        if !valid_repo {
            return Err(invalid(
                "repository path must be lower-case [a-z0-9._-] segments",
            ));
        }
        Ok(OciRef {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag,
            digest,
        })
    }

    /// The chart name: the last path segment.
    pub fn chart_name(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// `oci://host/path/chart` without tag or digest.
    pub fn base(&self) -> String {
        format!("oci://{}/{}", self.registry, self.repository)
    }

    /// What this reference plus an optional `--version` pins. A digest wins; a tag in the
    /// reference and a different `version` is an error, as in Helm.
    pub fn target(&self, version: Option<&str>) -> Result<OciTarget> {
        if let Some(digest) = &self.digest {
            return Ok(OciTarget::Digest(digest.clone()));
        }
        let version = version.map(str::trim).filter(|v| !v.is_empty());
        let wanted = match (&self.tag, version) {
            (Some(tag), Some(v)) if tag.replace('_', "+") != v.replace('_', "+") => {
                return Err(Error::InvalidReference {
                    reference: format!("{}:{tag}", self.base()),
                    reason: format!("chart reference and version mismatch: {tag} is not {v}"),
                });
            }
            (Some(tag), _) => tag.replace('_', "+"),
            (None, Some(v)) => v.to_owned(),
            (None, None) => String::new(),
        };
        if let Some(exact) = Version::parse_strict(&wanted) {
            return Ok(OciTarget::Version(exact));
        }
        Ok(OciTarget::Constraint(Constraint::parse(&wanted)?))
    }
}

impl std::fmt::Display for OciRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base())?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_registry_repository_tag_and_digest() {
        let r = OciRef::parse("oci://127.0.0.1:5000/charts/demo:1.2.3_b1").expect("parse");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "charts/demo");
        assert_eq!(r.chart_name(), "demo");
        assert_eq!(r.tag.as_deref(), Some("1.2.3_b1"));
        let d = format!("sha256:{}", "a".repeat(64));
        let r = OciRef::parse(&format!("oci://r.io:443/x/demo@{d}")).expect("parse");
        assert_eq!(r.digest.map(|d| d.to_string()), Some(d));
        assert_eq!(r.tag, None);
        for bad in [
            "https://r/x",
            "oci://r",
            "oci://r/UPPER",
            "oci://r//x",
            "oci://r/x@sha256:1",
        ] {
            assert!(OciRef::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn targets_follow_helms_version_rules() {
        let r = OciRef::parse("oci://r/x/demo").expect("parse");
        assert!(matches!(r.target(Some("1.2.3")), Ok(OciTarget::Version(_))));
        assert!(matches!(
            r.target(Some("^1.2")),
            Ok(OciTarget::Constraint(_))
        ));
        assert!(matches!(r.target(None), Ok(OciTarget::Constraint(_))));
        let tagged = OciRef::parse("oci://r/x/demo:1.2.3_b1").expect("parse");
        assert!(
            matches!(tagged.target(Some("1.2.3+b1")), Ok(OciTarget::Version(v)) if v.build == "b1")
        );
        assert!(tagged.target(Some("2.0.0")).is_err());
    }
}
