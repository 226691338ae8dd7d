//! Sprig's hash and secret functions: sha1sum, sha256sum, sha512sum,
//! adler32sum, bcrypt, htpasswd, encryptAES, decryptAES and derivePassword;
//! keys and certificates live in `crypto/keys.rs` and `crypto/certs.rs`.

mod certs;
mod keys;
mod master_password;
mod pem;

use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use helmd_gotmpl::{ArgType, Arity, FuncError, FuncMap, FuncResult};
use helmd_yaml::Value;
use helmd_yaml::gostr::{from_go_bytes, go_bytes};
use sha1::Digest;

/// Go's `bcrypt.DefaultCost`.
const BCRYPT_COST: u32 = 10;

/// AES's block size in bytes.
const BLOCK: usize = 16;

pub(crate) fn register(f: &mut FuncMap) {
    let s1 = [ArgType::String];
    f.insert_typed("sha1sum", Arity::Exact(1), &s1, |_, a| {
        Ok(hex(&sha1::Sha1::digest(go_bytes(arg(a, 0)))))
    });
    f.insert_typed("sha256sum", Arity::Exact(1), &s1, |_, a| {
        Ok(hex(&sha2::Sha256::digest(go_bytes(arg(a, 0)))))
    });
    f.insert_typed("sha512sum", Arity::Exact(1), &s1, |_, a| {
        Ok(hex(&sha2::Sha512::digest(go_bytes(arg(a, 0)))))
    });
    f.insert_typed("adler32sum", Arity::Exact(1), &s1, |_, a| {
        Ok(Value::from(adler32(&go_bytes(arg(a, 0))).to_string()))
    });
    f.insert_typed("bcrypt", Arity::Exact(1), &s1, |_, a| {
        Ok(Value::from(bcrypt_hash(arg(a, 0))))
    });
    let s2 = [ArgType::String, ArgType::String];
    f.insert_typed("htpasswd", Arity::Exact(2), &s2, |_, a| {
        Ok(Value::from(htpasswd(arg(a, 0), arg(a, 1))))
    });
    f.insert_typed("encryptAES", Arity::Exact(2), &s2, |_, a| {
        encrypt_aes(arg(a, 0), arg(a, 1)).map(Value::from)
    });
    f.insert_typed("decryptAES", Arity::Exact(2), &s2, |_, a| {
        decrypt_aes(arg(a, 0), arg(a, 1)).map(Value::from)
    });
    let derive_params = [
        ArgType::Uint32,
        ArgType::String,
        ArgType::String,
        ArgType::String,
        ArgType::String,
    ];
    f.insert_typed(
        "derivePassword",
        Arity::Exact(5),
        &derive_params,
        derive_password,
    );
    keys::register(f);
    certs::register(f);
}

fn arg(a: &[Value], i: usize) -> &str {
    a.get(i).and_then(Value::as_str).unwrap_or_default()
}

fn hex(bytes: &[u8]) -> Value {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    Value::from(s)
}

/// Adler-32 (RFC 1950).
fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65521;
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Go's `bcrypt.GenerateFromPassword(s, DefaultCost)` in the `$2a$` form;
/// Sprig prints a failure instead of returning it.
fn bcrypt_hash(password: &str) -> String {
    match bcrypt::non_truncating_hash_with_result(go_bytes(password), BCRYPT_COST) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(bcrypt::BcryptError::Truncation(_)) => {
            "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
                .to_string()
        }
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

/// An Apache htpasswd line with a bcrypt hash.
fn htpasswd(user: &str, password: &str) -> String {
    if user.contains(':') {
        return format!("invalid username: {user}");
    }
    format!("{user}:{}", bcrypt_hash(password))
}

/// Sprig's AES key: the password's bytes, zero-padded or cut to 32 (AES-256).
fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let bytes = go_bytes(password);
    let n = bytes.len().min(32);
    key[..n].copy_from_slice(&bytes[..n]);
    key
}

/// AES-256-CBC with PKCS#7 padding and a random IV, base64 of IV ‖ ciphertext;
/// an empty plaintext gives "".
fn encrypt_aes(password: &str, plaintext: &str) -> Result<String, FuncError> {
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let plaintext = go_bytes(plaintext);
    let pad = BLOCK - plaintext.len() % BLOCK;
    let mut buf = vec![0u8; BLOCK];
    getrandom::fill(&mut buf).map_err(|e| FuncError::Message(e.to_string()))?;
    let iv: [u8; BLOCK] = buf[..BLOCK].try_into().unwrap_or_default();
    buf.extend_from_slice(&plaintext);
    buf.extend(std::iter::repeat_n(pad as u8, pad));
    let mut enc = cbc::Encryptor::<aes::Aes256>::new(&aes_key(password).into(), &iv.into());
    enc.encrypt_blocks(as_blocks(&mut buf[BLOCK..]));
    Ok(pem::b64_encode(&buf))
}

/// The inverse of [`encrypt_aes`], failing where Sprig's Go code panics
/// (short input, partial blocks, a padding byte longer than the text).
fn decrypt_aes(password: &str, text: &str) -> Result<String, FuncError> {
    if text.is_empty() {
        return Ok(String::new());
    }
    let mut crypt = pem::go_b64_decode(text)?;
    if crypt.len() < BLOCK {
        return Err(format!(
            "runtime error: slice bounds out of range [:{BLOCK}] with capacity {}",
            text.len() / 4 * 3
        )
        .into());
    }
    if crypt.len() % BLOCK != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    if crypt.len() == BLOCK {
        return Err("runtime error: index out of range [-1]".into());
    }
    let iv: [u8; BLOCK] = crypt[..BLOCK].try_into().unwrap_or_default();
    let mut dec = cbc::Decryptor::<aes::Aes256>::new(&aes_key(password).into(), &iv.into());
    let body = &mut crypt[BLOCK..];
    dec.decrypt_blocks(as_blocks(body));
    let pad = usize::from(body[body.len() - 1]);
    if pad > body.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [:{}]",
            body.len() as i64 - pad as i64
        )
        .into());
    }
    let plain = &body[..body.len() - pad];
    Ok(from_go_bytes(plain).into_owned())
}

fn as_blocks(buf: &mut [u8]) -> &mut [aes::Block] {
    let (blocks, _) = aes::Block::slice_as_chunks_mut(buf);
    blocks
}

/// `derivePassword counter type password user site` (the Master Password algorithm).
fn derive_password(_: &mut helmd_gotmpl::CallContext<'_>, a: &[Value]) -> FuncResult {
    // The executor checked the parameter's Go type (uint32).
    let counter = match &a[0] {
        Value::Uint(u, _) => *u as u32,
        _ => 0,
    };
    Ok(Value::from(master_password::derive(
        counter,
        arg(a, 1),
        arg(a, 2),
        arg(a, 3),
        arg(a, 4),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_matches_known_sums() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"x"), 7929977);
        assert_eq!(adler32("héllo".as_bytes()), 192152348);
        assert_eq!(
            adler32(&vec![0xffu8; 100_000]),
            adler32_naive(&vec![0xffu8; 100_000])
        );
    }

    fn adler32_naive(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u64, 0u64);
        for &x in data {
            a = (a + u64::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        ((b << 16) | a) as u32
    }

    #[test]
    fn aes_round_trips_and_reads_ciphertext_helm_wrote() {
        for text in ["x", "0123456789abcdef", "a longer secret ünïcode text"] {
            let c = encrypt_aes("k", text).expect("encrypt");
            assert_eq!(decrypt_aes("k", &c).expect("decrypt"), text);
        }
        let helm = "IccAYT5yZ1An/HYQflxd3kPoS6S+x2QtO7Gq8DFJtP4=";
        assert_eq!(
            decrypt_aes("secretkey", helm).expect("decrypt"),
            "plaintext"
        );
        assert_eq!(encrypt_aes("k", "").expect("encrypt"), "");
        let long = encrypt_aes(&"0123456789".repeat(4), "x").expect("encrypt");
        assert_eq!(
            decrypt_aes("01234567890123456789012345678901", &long).expect("decrypt"),
            "x"
        );
    }

    #[test]
    fn bcrypt_hashes_verify_and_use_go_s_prefix_and_cost() {
        let h = bcrypt_hash("pw");
        assert!(h.starts_with("$2a$10$"), "{h}");
        assert!(bcrypt::verify("pw", &h).expect("verify"));
        let line = htpasswd("user", "pw");
        let (user, hash) = line.split_once(':').expect("colon");
        assert_eq!(user, "user");
        assert!(bcrypt::verify("pw", hash).expect("verify"));
        assert_eq!(htpasswd("a:b", "pw"), "invalid username: a:b");
        // A hash Helm printed for "pw" verifies here too.
        let helm = "$2a$10$Em8qyql6ZM.o86M2MbOWZODW/9lsgHnq45MsJIt.fFhfVDEvuNmSu";
        assert!(bcrypt::verify("pw", helm).expect("verify"));
        assert!(!bcrypt::verify("pW", helm).expect("verify"));
        assert_eq!(
            bcrypt_hash(&"a".repeat(73)),
            "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
        );
    }
}
