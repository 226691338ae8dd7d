//! Repository credentials at rest: AES-256-GCM with the key from `--credentials-key-file`.
//!
//! A sealed value is `0x01 ‖ 12-byte random nonce ‖ ciphertext ‖ 16-byte tag`; the
//! repository's name is the associated data, so a blob copied to another row fails to
//! open. The key file holds 32 bytes as 64 hex digits or standard base64 (surrounding
//! whitespace ignored); anything else stops start-up.

use std::path::Path;

use base64::Engine;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::{Error, Result};

const VERSION: u8 = 1;

/// Seals and opens credentials; Debug prints no key material.
pub struct CredentialCipher {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for CredentialCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialCipher(AES-256-GCM, key ***)")
    }
}

impl CredentialCipher {
    /// Reads the key file.
    pub fn from_key_file(path: &Path) -> Result<Self> {
        let fail = |reason: String| Error::CredentialsKey {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?;
        let text = text.trim();
        let key = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|e| fail(e.to_string()))?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .map_err(|_| fail("expected 32 bytes as 64 hex digits or base64".to_owned()))?
        };
        if key.len() != 32 {
            return Err(fail(format!(
                "expected a 32-byte key, found {} bytes",
                key.len()
            )));
        }
        Self::from_key(&key).ok_or_else(|| fail("unusable key".to_owned()))
    }

    /// A cipher over a raw 32-byte key.
    pub fn from_key(key: &[u8]) -> Option<Self> {
        let unbound = UnboundKey::new(&AES_256_GCM, key).ok()?;
        Some(CredentialCipher {
            key: LessSafeKey::new(unbound),
            rng: SystemRandom::new(),
        })
    }

    /// Encrypts `plaintext`, bound to `context` (the repository name).
    pub fn seal(&self, context: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| Error::Corrupt("no randomness for a nonce".to_owned()))?;
        let mut data = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .map_err(|_| Error::Corrupt("sealing credentials failed".to_owned()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + data.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&data);
        Ok(out)
    }

    /// Decrypts a value made by [`CredentialCipher::seal`] with the same key and context.
    pub fn open(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>> {
        let undecryptable = || {
            Error::Corrupt(format!(
                "credentials of repository {context:?} cannot be decrypted with the configured key"
            ))
        };
        let (version, rest) = sealed.split_first().ok_or_else(undecryptable)?;
        if *version != VERSION || rest.len() < NONCE_LEN {
            return Err(undecryptable());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| undecryptable())?;
        let mut data = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| undecryptable())?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(byte: u8) -> CredentialCipher {
        CredentialCipher::from_key(&[byte; 32]).expect("key")
    }

    #[test]
    fn sealed_credentials_open_only_with_the_same_key_and_repository() {
        let sealed = cipher(7).seal("charts", b"hunter2").expect("seal");
        assert!(!sealed.windows(7).any(|w| w == b"hunter2"));
        assert_eq!(cipher(7).open("charts", &sealed).expect("open"), b"hunter2");
        assert!(cipher(8).open("charts", &sealed).is_err());
        assert!(cipher(7).open("other", &sealed).is_err());
        assert_ne!(sealed, cipher(7).seal("charts", b"hunter2").expect("seal"));
    }

    #[test]
    fn key_files_hold_hex_or_base64() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hex_file = dir.path().join("hex");
        std::fs::write(&hex_file, format!("{}\n", "ab".repeat(32))).expect("write");
        assert!(CredentialCipher::from_key_file(&hex_file).is_ok());
        let b64 = dir.path().join("b64");
        std::fs::write(
            &b64,
            base64::engine::general_purpose::STANDARD.encode([1u8; 32]),
        )
        .expect("write");
        assert!(CredentialCipher::from_key_file(&b64).is_ok());
        let short = dir.path().join("short");
        std::fs::write(&short, "abcd").expect("write");
        let err = CredentialCipher::from_key_file(&short).expect_err("too short");
        assert!(err.to_string().contains("32-byte"), "{err}");
    }
}
