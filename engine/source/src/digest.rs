//! `sha256:<hex>` content digests: parse, compute, verify.

use std::fmt;

use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};

/// A sha256 content digest (the only algorithm Helm and this cache use).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    hex: String,
}

impl Digest {
    /// Digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest {
            hex: hex::encode(Sha256::digest(bytes)),
        }
    }

    /// Parses `sha256:<64 hex>`, or bare hex as Helm's index.yaml `digest` field holds it.
    pub fn parse(text: &str) -> Result<Digest> {
        let hex = text.strip_prefix("sha256:").unwrap_or(text);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidReference {
                reference: text.to_owned(),
                reason: "a digest must be sha256:<64 hex digits>".to_owned(),
            });
        }
        Ok(Digest {
            hex: hex.to_ascii_lowercase(),
        })
    }

    /// The 64 lower-case hex digits.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// Checks that `bytes` have this digest.
    pub fn verify(&self, what: &str, bytes: &[u8]) -> Result<()> {
        let actual = Digest::of(bytes);
        if &actual == self {
            Ok(())
        } else {
            Err(Error::DigestMismatch {
                what: what.to_owned(),
                expected: self.to_string(),
                actual: actual.to_string(),
            })
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_parse_with_or_without_the_algorithm_prefix() {
        let d = Digest::of(b"abc");
        assert_eq!(
            d.to_string(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Digest::parse(&d.to_string()).ok(), Some(d.clone()));
        assert_eq!(Digest::parse(d.hex()).ok(), Some(d.clone()));
        assert!(Digest::parse("sha256:abc").is_err());
        assert!(d.verify("x", b"abd").is_err());
    }
}
