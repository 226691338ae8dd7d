//! Private keys as Sprig makes and reads them: `genPrivateKey` (RSA-4096,
//! DSA L2048/N256, ECDSA P-256, Ed25519) and the PEM forms Go writes for
//! each (PKCS#1, OpenSSL DSA, SEC 1, PKCS#8).

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Limb, NonZero, Odd, RandomBits, Resize};
use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use helmd_gotmpl::{ArgType, Arity, FuncError, FuncMap};
use helmd_yaml::Value;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::pem;

/// RSA modulus size of `genPrivateKey "rsa"`.
const RSA_BITS_PRIVATE_KEY: usize = 4096;
/// RSA modulus size of the keys Sprig makes for certificates.
pub(super) const RSA_BITS_CERT: usize = 2048;

/// DER of a PKCS#8 v1 Ed25519 key up to its 32-byte seed (Go writes no public key).
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

pub(crate) fn register(f: &mut FuncMap) {
    f.insert_typed(
        "genPrivateKey",
        Arity::Exact(1),
        &[ArgType::String],
        |_, a| {
            let kind = a[0].as_str().unwrap_or_default();
            let key = match kind {
                "" | "rsa" => PrivateKey::Rsa(Box::new(generate_rsa(RSA_BITS_PRIVATE_KEY)?)),
                "dsa" => generate_dsa()?,
                "ecdsa" => PrivateKey::Ecdsa(Box::new(generate_ecdsa()?)),
                "ed25519" => PrivateKey::Ed25519(Box::new(generate_ed25519()?)),
                other => return Ok(Value::from(format!("Unknown type {other}"))),
            };
            Ok(Value::from(key.to_pem()?))
        },
    );
}

/// A private key of a kind Sprig handles.
pub(crate) enum PrivateKey {
    /// RSA.
    Rsa(Box<rsa::PrivateKey>),
    /// ECDSA on P-256.
    Ecdsa(Box<p256::SecretKey>),
    /// ECDSA on P-384 (read from given keys; Sprig makes only P-256).
    EcdsaP384(Box<p384::SecretKey>),
    /// Ed25519.
    Ed25519(Box<ed25519_dalek::SigningKey>),
    /// DSA, kept as its DER (Go cannot sign certificates with it).
    Dsa(Vec<u8>),
}

fn rng_err(e: impl std::fmt::Display) -> FuncError {
    FuncError::Message(format!("error generating key: {e}"))
}

pub(super) fn generate_rsa(bits: usize) -> Result<rsa::PrivateKey, FuncError> {
    rsa::PrivateKey::new(&mut SysRng, bits).map_err(rng_err)
}

fn generate_ecdsa() -> Result<p256::SecretKey, FuncError> {
    loop {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(rng_err)?;
        if let Ok(k) = p256::SecretKey::from_slice(&seed) {
            return Ok(k);
        }
    }
}

fn generate_ed25519() -> Result<ed25519_dalek::SigningKey, FuncError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(rng_err)?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

/// Bits of DSA's prime modulus p and of the subgroup order q (Go's L2048N256).
const DSA_L: u32 = 2048;
const DSA_N: u32 = 256;

/// A DSA key with fresh L2048/N256 parameters, searched as FIPS 186 and Go
/// do (p = k·2q + 1), with trial division before each primality test.
fn generate_dsa() -> Result<PrivateKey, FuncError> {
    let mut rng = UnwrapErr(SysRng);
    let (p, q) = dsa_primes(&mut rng)?;
    let p_odd = Odd::new(p.clone())
        .into_option()
        .ok_or_else(|| rng_err("even modulus"))?;
    let params = BoxedMontyParams::new_vartime(p_odd);
    let e = p.wrapping_sub(BoxedUint::one()) / nonzero(q.clone().resize(DSA_L))?;
    let mut h = BoxedUint::from(2u32).resize(DSA_L);
    let g = loop {
        let g = BoxedMontyForm::new(h.clone(), &params).pow(&e).retrieve();
        if !bool::from(g.is_one()) {
            break g;
        }
        h = h.wrapping_add(BoxedUint::one());
    };
    let x = loop {
        let x = BoxedUint::random_bits(&mut rng, DSA_N);
        if !bool::from(x.is_zero()) && x < q {
            break x;
        }
    };
    let y = BoxedMontyForm::new(g.clone(), &params).pow(&x).retrieve();
    let ints = [
        vec![0u8],
        p.to_be_bytes().to_vec(),
        q.to_be_bytes().to_vec(),
        g.to_be_bytes().to_vec(),
        y.to_be_bytes().to_vec(),
        x.to_be_bytes().to_vec(),
    ];
    let body: Vec<u8> = ints.iter().flat_map(|i| der_integer(i)).collect();
    Ok(PrivateKey::Dsa(der_tlv(0x30, &body)))
}

fn nonzero(v: BoxedUint) -> Result<NonZero<BoxedUint>, FuncError> {
    NonZero::new(v)
        .into_option()
        .ok_or_else(|| rng_err("zero divisor"))
}

/// Primes q of N bits and p of L bits with q | p − 1.
fn dsa_primes(rng: &mut UnwrapErr<SysRng>) -> Result<(BoxedUint, BoxedUint), FuncError> {
    let small = small_odd_primes();
    let top = BoxedUint::one().resize(DSA_L).shl(DSA_L - 1);
    loop {
        let q: BoxedUint = crypto_primes::random_prime(rng, crypto_primes::Flavor::Any, DSA_N);
        let two_q = nonzero(q.clone().resize(DSA_L).shl(1))?;
        for _ in 0..4 * DSA_L {
            let m = BoxedUint::random_bits(rng, DSA_L).bitor(&top);
            let p = m
                .wrapping_sub(&(&m % &two_q))
                .wrapping_add(BoxedUint::one());
            if p.bit_width() < DSA_L || has_small_factor(&p, &small) {
                continue;
            }
            if crypto_primes::is_prime(crypto_primes::Flavor::Any, &p) {
                return Ok((p, q));
            }
        }
    }
}

/// Odd primes below 2000, for trial division.
fn small_odd_primes() -> Vec<NonZero<Limb>> {
    let mut composite = [false; 2000];
    let mut primes = Vec::new();
    for n in 2..composite.len() {
        if composite[n] {
            continue;
        }
        for m in (n * n..composite.len()).step_by(n) {
            composite[m] = true;
        }
        if n > 2
            && let Some(limb) = NonZero::new(Limb::from(n as u32)).into_option()
        {
            primes.push(limb);
        }
    }
    primes
}

fn has_small_factor(p: &BoxedUint, primes: &[NonZero<Limb>]) -> bool {
    primes.iter().any(|s| p.rem_limb(*s) == Limb::ZERO)
}

/// A DER INTEGER of the unsigned big-endian `bytes`.
fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed = match bytes.iter().position(|&b| b != 0) {
        Some(i) => &bytes[i..],
        None => &[0u8][..],
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed[0] & 0x80 != 0 {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    der_tlv(0x02, &content)
}

/// One DER tag-length-value.
pub(super) fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

impl PrivateKey {
    /// A fresh RSA key of `bits` bits.
    pub(super) fn new_rsa(bits: usize) -> Result<PrivateKey, FuncError> {
        Ok(PrivateKey::Rsa(Box::new(generate_rsa(bits)?)))
    }

    /// Sprig's `pemBlockForKey`: the PEM Go writes for this kind of key.
    pub(crate) fn to_pem(&self) -> Result<String, FuncError> {
        let enc =
            |e: &dyn std::fmt::Display| FuncError::Message(format!("error encoding key: {e}"));
        Ok(match self {
            PrivateKey::Rsa(k) => {
                let der = k.to_pkcs1_der().map_err(|e| enc(&e))?;
                pem::encode("RSA PRIVATE KEY", der.as_bytes())
            }
            PrivateKey::Ecdsa(k) => {
                let der = k.to_sec1_der().map_err(|e| enc(&e))?;
                pem::encode("EC PRIVATE KEY", &der)
            }
            PrivateKey::EcdsaP384(k) => {
                let der = k.to_sec1_der().map_err(|e| enc(&e))?;
                pem::encode("EC PRIVATE KEY", &der)
            }
            PrivateKey::Ed25519(k) => {
                let mut der = ED25519_PKCS8_PREFIX.to_vec();
                der.extend_from_slice(&k.to_bytes());
                pem::encode("PRIVATE KEY", &der)
            }
            PrivateKey::Dsa(der) => pem::encode("DSA PRIVATE KEY", der),
        })
    }

    /// The key's SubjectPublicKeyInfo.
    pub(crate) fn spki(&self) -> Result<SubjectPublicKeyInfoOwned, String> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivateKey::Ecdsa(k) => k.public_key().to_public_key_der(),
            PrivateKey::EcdsaP384(k) => k.public_key().to_public_key_der(),
            PrivateKey::Ed25519(k) => k.verifying_key().to_public_key_der(),
            PrivateKey::Dsa(_) => {
                return Err(
                    "x509: certificate private key does not implement crypto.Signer".into(),
                );
            }
        }
        .map_err(|e| e.to_string())?;
        use x509_cert::der::Decode;
        SubjectPublicKeyInfoOwned::from_der(doc.as_bytes()).map_err(|e| e.to_string())
    }
}

/// Sprig's `parsePrivateKeyPEM`, with its error texts.
pub(crate) fn parse_pem(text: &str) -> Result<PrivateKey, String> {
    let Some(block) = pem::decode(text) else {
        return Err("no PEM data in input".into());
    };
    match block.kind.as_str() {
        "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&block.der)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| format!("parsing RSA private key from PEM: {}", asn1_err(&e))),
        "EC PRIVATE KEY" => p256::SecretKey::from_sec1_der(&block.der)
            .map(|k| PrivateKey::Ecdsa(Box::new(k)))
            .or_else(|_| {
                p384::SecretKey::from_sec1_der(&block.der)
                    .map(|k| PrivateKey::EcdsaP384(Box::new(k)))
            })
            .map_err(|e| {
                format!(
                    "parsing EC private key from PEM: x509: failed to parse EC private key: {}",
                    asn1_err(&e)
                )
            }),
        "PRIVATE KEY" => {
            parse_pkcs8(&block.der).map_err(|e| format!("decoding PEM as PKCS#8: {e}"))
        }
        "DSA PRIVATE KEY" => Ok(PrivateKey::Dsa(block.der)),
        other => Err(format!("no private key data in PEM block of type {other}")),
    }
}

/// Go's words for a DER that ends early; other faults keep the Rust text.
fn asn1_err(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    if text.contains("truncated") || text.contains("Incomplete") || text.contains("incomplete") {
        "asn1: syntax error: truncated tag or length".to_string()
    } else {
        text
    }
}

fn parse_pkcs8(der: &[u8]) -> Result<PrivateKey, String> {
    if let Ok(k) = rsa::PrivateKey::from_pkcs8_der(der) {
        return Ok(PrivateKey::Rsa(Box::new(k)));
    }
    if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
        return Ok(PrivateKey::Ecdsa(Box::new(k)));
    }
    if let Ok(k) = p384::SecretKey::from_pkcs8_der(der) {
        return Ok(PrivateKey::EcdsaP384(Box::new(k)));
    }
    match ed25519_dalek::SigningKey::from_pkcs8_der(der) {
        Ok(k) => Ok(PrivateKey::Ed25519(Box::new(k))),
        Err(e) => Err(asn1_err(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_go_s_pem_types_and_reparse() {
        let ec = PrivateKey::Ecdsa(Box::new(generate_ecdsa().expect("ec")));
        let ed = PrivateKey::Ed25519(Box::new(generate_ed25519().expect("ed")));
        let rsa = PrivateKey::new_rsa(1024).expect("rsa");
        for (key, header) in [
            (ec, "-----BEGIN EC PRIVATE KEY-----\n"),
            (ed, "-----BEGIN PRIVATE KEY-----\n"),
            (rsa, "-----BEGIN RSA PRIVATE KEY-----\n"),
        ] {
            let text = key.to_pem().expect("pem");
            assert!(text.starts_with(header), "{text}");
            let again = parse_pem(&text).expect("parse").to_pem().expect("pem");
            assert_eq!(again, text);
        }
    }

    #[test]
    fn ed25519_pem_is_go_s_48_byte_pkcs8() {
        let text = PrivateKey::Ed25519(Box::new(generate_ed25519().expect("ed")))
            .to_pem()
            .expect("pem");
        let block = pem::decode(&text).expect("block");
        assert_eq!(block.der.len(), 48);
        assert!(text.contains("\nMC4CAQAwBQYDK2VwBCIEI"));
    }

    #[test]
    fn bad_key_pem_gives_sprig_s_errors() {
        let e = |s: &str| parse_pem(s).err().unwrap_or_default();
        assert_eq!(e("garbage"), "no PEM data in input");
        assert_eq!(
            e("-----BEGIN FOO-----\nYQ==\n-----END FOO-----\n"),
            "no private key data in PEM block of type FOO"
        );
    }
}
