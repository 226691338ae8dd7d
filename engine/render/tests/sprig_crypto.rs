//! Structural tests of Sprig's random outputs (keys, certificates, random
//! strings) rendered by helmd: what Helm's outputs were seen to be, checked
//! by parsing rather than by comparing bytes.

use std::time::SystemTime;

use helmd_render::{RenderOptions, render_chart_dir};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::Verifier;
use rsa::traits::PublicKeyParts;
use sha1::Digest;
use x509_cert::Certificate;
use x509_cert::der::asn1::Uint;
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};

/// Renders `template` as the chart's only template and returns its text.
fn render(template: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("c");
    std::fs::create_dir_all(root.join("templates")).expect("mkdir");
    std::fs::write(
        root.join("Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    )
    .expect("write");
    std::fs::write(root.join("templates/a.yaml"), template).expect("write");
    let mut out = render_chart_dir(&root, &[], &RenderOptions::default())
        .unwrap_or_else(|e| panic!("render failed: {e}"));
    out.remove("c/templates/a.yaml").expect("a.yaml rendered")
}

/// The base64 body of the one PEM block of type `kind` in `text`.
fn pem_der(text: &str, kind: &str) -> Vec<u8> {
    let begin = format!("-----BEGIN {kind}-----\n");
    let end = format!("-----END {kind}-----");
    let start = text
        .find(&begin)
        .unwrap_or_else(|| panic!("no {kind} in {text}"));
    let body = &text[start + begin.len()..];
    let stop = body.find(&end).expect("end marker");
    let b64: String = body[..stop].split_whitespace().collect();
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64")
}

fn sections(text: &str) -> Vec<&str> {
    text.split("=====\n").collect()
}

fn ext<T: AssociatedOid + for<'a> Decode<'a>>(cert: &Certificate) -> Option<(bool, T)> {
    let e = cert
        .tbs_certificate()
        .extensions()?
        .iter()
        .find(|e| e.extn_id == T::OID)?;
    Some((
        e.critical,
        T::from_der(e.extn_value.as_bytes()).expect("extension"),
    ))
}

fn cn(cert: &Certificate, issuer: bool) -> String {
    let tbs = cert.tbs_certificate();
    let name = if issuer { tbs.issuer() } else { tbs.subject() };
    name.to_string()
}

fn seconds(t: &x509_cert::time::Time) -> u64 {
    t.to_unix_duration().as_secs()
}

fn rsa_verifies(signer_spki_der: &[u8], cert: &Certificate) -> bool {
    use rsa::pkcs8::DecodePublicKey;
    let public = rsa::PublicKey::from_public_key_der(signer_spki_der).expect("rsa public key");
    let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
    let tbs = cert.tbs_certificate().to_der().expect("tbs");
    let sig = rsa::pkcs1v15::Signature::try_from(cert.signature().raw_bytes()).expect("signature");
    key.verify(&tbs, &sig).is_ok()
}

fn spki_der(cert: &Certificate) -> Vec<u8> {
    cert.tbs_certificate()
        .subject_public_key_info()
        .to_der()
        .expect("spki")
}

fn spki_bits(cert: &Certificate) -> Vec<u8> {
    cert.tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
        .to_vec()
}

/// Asserts the key usages (digital signature and key encipherment, plus
/// certificate signing for a CA) and the extended ones Sprig sets.
fn usage_is(cert: &Certificate, ca: bool) {
    let (critical, usage) = ext::<KeyUsage>(cert).expect("key usage");
    assert!(critical, "key usage is critical");
    let want = if ca {
        KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment | KeyUsages::KeyCertSign
    } else {
        KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment
    };
    assert_eq!(usage, KeyUsage(want));
    let (eku_critical, ExtendedKeyUsage(ekus)) = ext::<ExtendedKeyUsage>(cert).expect("eku");
    assert!(!eku_critical);
    let ekus: Vec<String> = ekus.iter().map(|o| o.to_string()).collect();
    assert_eq!(ekus, ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
}

#[test]
fn gen_ca_and_gen_signed_cert_make_a_chain_with_sprig_s_fields() {
    let before = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let out = render(concat!(
        r#"{{- $ca := genCA "my-ca" 365 }}{{ $c := genSignedCert "svc.example" (list "10.0.0.1" "::1" "::ffff:1.2.3.4") (list "a.example" "b.example") 30 $ca }}"#,
        "{{ $ca.Cert }}=====\n{{ $ca.Key }}=====\n{{ $c.Cert }}=====\n{{ $c.Key }}=====\n{{ typeOf $ca }} {{ kindOf $c }}"
    ));
    let parts = sections(&out);
    assert_eq!(parts[4], "sprig.certificate struct");
    assert!(parts[0].starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert!(parts[1].starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
    let ca = Certificate::from_der(&pem_der(parts[0], "CERTIFICATE")).expect("ca parses");
    let leaf = Certificate::from_der(&pem_der(parts[2], "CERTIFICATE")).expect("leaf parses");

    // The CA: self-issued, CA flag, cert signing, a subject key id, one year.
    assert_eq!(cn(&ca, false), "CN=my-ca");
    assert_eq!(cn(&ca, true), "CN=my-ca");
    let (critical, bc) = ext::<BasicConstraints>(&ca).expect("basic constraints");
    assert!(critical && bc.ca && bc.path_len_constraint.is_none());
    usage_is(&ca, true);
    let (_, SubjectKeyIdentifier(ski)) = ext::<SubjectKeyIdentifier>(&ca).expect("ski");
    assert_eq!(
        ski.as_bytes(),
        sha1::Sha1::digest(spki_bits(&ca)).as_slice()
    );
    assert!(ext::<AuthorityKeyIdentifier>(&ca).is_none());
    let validity = ca.tbs_certificate().validity();
    let nb = seconds(&validity.not_before);
    assert!(nb >= before && nb <= before + 60, "not before is now");
    assert_eq!(seconds(&validity.not_after) - nb, 365 * 86_400);
    assert!(rsa_verifies(&spki_der(&ca), &ca), "the CA signs itself");
    // A positive serial below 2^128: DER INTEGER content of at most 16
    // bytes, or 17 with a leading zero.
    let serial = ca
        .tbs_certificate()
        .serial_number()
        .to_der()
        .expect("serial");
    let content = &serial[2..];
    assert_eq!(serial[0], 0x02);
    assert_eq!(content[0] & 0x80, 0, "positive");
    assert!(content.len() <= 16 || (content.len() == 17 && content[0] == 0));

    // The CA key is the CA certificate's key, RSA-2048 in PKCS#1.
    let ca_key =
        rsa::PrivateKey::from_pkcs1_der(&pem_der(parts[1], "RSA PRIVATE KEY")).expect("ca key");
    assert_eq!(ca_key.n().bit_width(), 2048);
    use rsa::pkcs8::EncodePublicKey;
    let ca_pub = ca_key.to_public_key().to_public_key_der().expect("pub");
    assert_eq!(ca_pub.as_bytes(), spki_der(&ca));

    // The leaf: issued and signed by the CA, SANs in Go's order, 30 days.
    assert_eq!(cn(&leaf, false), "CN=svc.example");
    assert_eq!(cn(&leaf, true), "CN=my-ca");
    assert!(rsa_verifies(&spki_der(&ca), &leaf), "the CA signs the leaf");
    let (critical, bc) = ext::<BasicConstraints>(&leaf).expect("basic constraints");
    assert!(critical && !bc.ca);
    usage_is(&leaf, false);
    assert!(ext::<SubjectKeyIdentifier>(&leaf).is_none());
    let (_, aki) = ext::<AuthorityKeyIdentifier>(&leaf).expect("aki");
    assert_eq!(
        aki.key_identifier.expect("key id").as_bytes(),
        ski.as_bytes()
    );
    let (_, SubjectAltName(sans)) = ext::<SubjectAltName>(&leaf).expect("san");
    let sans: Vec<String> = sans
        .iter()
        .map(|n| match n {
            GeneralName::DnsName(d) => format!("DNS:{}", d.as_str()),
            GeneralName::IpAddress(ip) => format!("IP:{:?}", ip.as_bytes()),
            other => format!("{other:?}"),
        })
        .collect();
    let mut v6 = vec![0u8; 16];
    v6[15] = 1;
    assert_eq!(
        sans,
        [
            "DNS:a.example".to_string(),
            "DNS:b.example".to_string(),
            format!("IP:{:?}", [10u8, 0, 0, 1]),
            format!("IP:{v6:?}"),
            format!("IP:{:?}", [1u8, 2, 3, 4]),
        ]
    );
    let v = leaf.tbs_certificate().validity();
    assert_eq!(seconds(&v.not_after) - seconds(&v.not_before), 30 * 86_400);
    let leaf_key =
        rsa::PrivateKey::from_pkcs1_der(&pem_der(parts[3], "RSA PRIVATE KEY")).expect("leaf key");
    let leaf_pub = leaf_key.to_public_key().to_public_key_der().expect("pub");
    assert_eq!(leaf_pub.as_bytes(), spki_der(&leaf));
}

#[test]
fn self_signed_certs_carry_their_names_and_no_key_ids() {
    let out = render(
        r#"{{- $s := genSelfSignedCert "self" (list "127.0.0.1") (list "x.test") 10 }}{{ $s.Cert }}=====
{{ $e := genSelfSignedCert "" nil nil 0 }}{{ $e.Cert }}"#,
    );
    let parts = sections(&out);
    let s = Certificate::from_der(&pem_der(parts[0], "CERTIFICATE")).expect("parses");
    assert_eq!(cn(&s, true), "CN=self");
    assert!(rsa_verifies(&spki_der(&s), &s));
    usage_is(&s, false);
    assert!(ext::<SubjectKeyIdentifier>(&s).is_none());
    assert!(ext::<AuthorityKeyIdentifier>(&s).is_none());
    let (_, SubjectAltName(sans)) = ext::<SubjectAltName>(&s).expect("san");
    assert_eq!(sans.len(), 2);
    let e = Certificate::from_der(&pem_der(parts[1], "CERTIFICATE")).expect("parses");
    assert_eq!(cn(&e, false), "");
    assert!(ext::<SubjectAltName>(&e).is_none());
    let v = e.tbs_certificate().validity();
    assert_eq!(seconds(&v.not_after), seconds(&v.not_before));
}

#[test]
fn a_leaf_named_like_its_ca_gets_no_authority_key_id() {
    let out =
        render(r#"{{ $ca := genCA "same" 3 }}{{ (genSignedCert "same" nil nil 3 $ca).Cert }}"#);
    let leaf = Certificate::from_der(&pem_der(&out, "CERTIFICATE")).expect("parses");
    assert_eq!(cn(&leaf, true), cn(&leaf, false));
    assert!(ext::<AuthorityKeyIdentifier>(&leaf).is_none());
    assert!(ext::<SubjectKeyIdentifier>(&leaf).is_none());
}

#[test]
fn validity_days_wrap_like_go_s_int64_nanoseconds() {
    // 3,000,000 days overflow Go's time.Duration: the end lands where the
    // wrapped nanosecond count puts it (about 30 years later), not an error.
    let out = render(
        r#"{{ (genCA "x" 3000000).Cert }}=====
{{ (genCA "y" -2).Cert }}"#,
    );
    let parts = sections(&out);
    let far = Certificate::from_der(&pem_der(parts[0], "CERTIFICATE")).expect("parses");
    let v = far.tbs_certificate().validity();
    let wrapped = 86_400_000_000_000i64.wrapping_mul(3_000_000) / 1_000_000_000;
    let span = seconds(&v.not_after) as i64 - seconds(&v.not_before) as i64;
    assert!((span - wrapped).abs() <= 1, "{span} vs {wrapped}");
    let past = Certificate::from_der(&pem_der(parts[1], "CERTIFICATE")).expect("parses");
    let v = past.tbs_certificate().validity();
    assert_eq!(seconds(&v.not_before) - seconds(&v.not_after), 2 * 86_400);
}

#[test]
fn gen_private_key_makes_each_kind_helm_makes() {
    let out = render(
        "{{ genPrivateKey \"rsa\" }}=====\n{{ genPrivateKey \"ecdsa\" }}=====\n{{ genPrivateKey \"ed25519\" }}=====\n{{ genPrivateKey \"dsa\" }}=====\n{{ genPrivateKey \"foo\" }}",
    );
    let parts = sections(&out);
    let rsa =
        rsa::PrivateKey::from_pkcs1_der(&pem_der(parts[0], "RSA PRIVATE KEY")).expect("rsa key");
    assert_eq!(rsa.n().bit_width(), 4096);
    assert_eq!(rsa.e().to_be_bytes_trimmed_vartime().as_ref(), [1, 0, 1]);
    let ec = p256::SecretKey::from_sec1_der(&pem_der(parts[1], "EC PRIVATE KEY")).expect("ec key");
    assert_eq!(ec.to_bytes().len(), 32);
    let ed_der = pem_der(parts[2], "PRIVATE KEY");
    assert_eq!(
        ed_der.len(),
        48,
        "PKCS#8 v1 without the public key, as Go writes it"
    );
    ed25519_dalek::SigningKey::from_pkcs8_der(&ed_der).expect("ed25519 key");
    let dsa: Vec<Uint> = Vec::from_der(&pem_der(parts[3], "DSA PRIVATE KEY")).expect("dsa key");
    assert_eq!(dsa.len(), 6, "version, p, q, g, y, x");
    assert_eq!(dsa[0].as_bytes(), [0]);
    let bits = |u: &Uint| u.as_bytes().len() * 8;
    assert_eq!(bits(&dsa[1]), 2048);
    assert_eq!(bits(&dsa[2]), 256);
    let big = |u: &Uint| crypto_bigint::BoxedUint::from_be_slice_vartime(u.as_bytes());
    let (p, q, g, y, x) = (
        big(&dsa[1]),
        big(&dsa[2]),
        big(&dsa[3]),
        big(&dsa[4]),
        big(&dsa[5]),
    );
    let p_odd = crypto_bigint::Odd::new(p.clone()).expect("odd p");
    let params = crypto_bigint::modular::BoxedMontyParams::new_vartime(p_odd);
    let pow = |b: &crypto_bigint::BoxedUint, e: &crypto_bigint::BoxedUint| {
        crypto_bigint::modular::BoxedMontyForm::new(b.clone(), &params)
            .pow(e)
            .retrieve()
    };
    assert!(
        bool::from(pow(&g, &q).is_one()),
        "g generates the order-q subgroup"
    );
    assert_eq!(pow(&g, &x), y, "y = g^x mod p");
    assert!(x < q && !bool::from(x.is_zero()));
    let q_nz = crypto_bigint::NonZero::new(q).expect("q");
    let p_minus_1 = p.wrapping_sub(crypto_bigint::BoxedUint::one());
    assert!(
        bool::from((&p_minus_1 % &q_nz).is_zero()),
        "q divides p - 1"
    );
    assert!(crypto_primes::is_prime(crypto_primes::Flavor::Any, &p));
    assert!(crypto_primes::is_prime(crypto_primes::Flavor::Any, &*q_nz));
    assert_eq!(parts[4], "Unknown type foo");
}

#[test]
fn certificates_from_given_keys_keep_the_key_and_sign_with_it() {
    let out = render(
        r#"{{- $ek := genPrivateKey "ecdsa" }}{{ $ca := genCAWithKey "ec-ca" 3 $ek }}{{ eq $ca.Key $ek }}=====
{{ $ca.Cert }}=====
{{ $dk := genPrivateKey "ed25519" }}{{ $c := genSignedCertWithKey "leaf" nil (list "l.test") 3 $ca $dk }}{{ eq $c.Key $dk }}=====
{{ $c.Cert }}=====
{{ $s := genSelfSignedCertWithKey "ed" nil nil 3 $dk }}{{ $s.Cert }}"#,
    );
    let parts = sections(&out);
    assert_eq!(parts[0], "true");
    let ca = Certificate::from_der(&pem_der(parts[1], "CERTIFICATE")).expect("ca");
    assert_eq!(
        ca.signature_algorithm().oid.to_string(),
        "1.2.840.10045.4.3.2"
    );
    let ca_key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&spki_bits(&ca)).expect("ec public");
    let verify_ec = |cert: &Certificate| {
        let sig = p256::ecdsa::DerSignature::try_from(cert.signature().raw_bytes()).expect("sig");
        let tbs = cert.tbs_certificate().to_der().expect("tbs");
        ca_key.verify(&tbs, &sig).is_ok()
    };
    assert!(verify_ec(&ca), "the EC CA signs itself");
    assert_eq!(parts[2], "true");
    let leaf = Certificate::from_der(&pem_der(parts[3], "CERTIFICATE")).expect("leaf");
    assert!(verify_ec(&leaf), "the EC CA signs the Ed25519 leaf");
    assert_eq!(
        leaf.tbs_certificate()
            .subject_public_key_info()
            .algorithm
            .oid
            .to_string(),
        "1.3.101.112"
    );
    let ed = Certificate::from_der(&pem_der(parts[4], "CERTIFICATE")).expect("ed");
    assert_eq!(ed.signature_algorithm().oid.to_string(), "1.3.101.112");
    let ed_pub: [u8; 32] = spki_bits(&ed).try_into().expect("32 bytes");
    let vk = ed25519_dalek::VerifyingKey::from_bytes(&ed_pub).expect("ed public");
    let sig = ed25519_dalek::Signature::from_slice(ed.signature().raw_bytes()).expect("sig");
    let tbs = ed.tbs_certificate().to_der().expect("tbs");
    assert!(vk.verify(&tbs, &sig).is_ok());
}

#[test]
fn random_strings_have_their_lengths_and_alphabets() {
    let out = render(
        "{{ randAlphaNum 40 }}\n{{ randAlpha 40 }}\n{{ randNumeric 40 }}\n{{ randAscii 40 }}\n{{ randBytes 24 }}\n{{ randInt 3 6 }}\n{{ uuidv4 }}\n{{ shuffle \"abcdef\" }}\n{{ randAlphaNum -1 }}\n{{ randAlpha 0 }}",
    );
    // Lines, since randAscii may print any printable separator.
    let p: Vec<&str> = out.split('\n').collect();
    assert!(p[0].len() == 40 && p[0].bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(p[1].len() == 40 && p[1].bytes().all(|b| b.is_ascii_alphabetic()));
    assert!(p[2].len() == 40 && p[2].bytes().all(|b| b.is_ascii_digit()));
    assert!(p[3].len() == 40 && p[3].bytes().all(|b| (32..127).contains(&b)));
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(p[4])
        .expect("base64");
    assert_eq!(bytes.len(), 24);
    assert!(["3", "4", "5"].contains(&p[5]));
    let uuid = uuid::Uuid::parse_str(p[6]).expect("uuid");
    assert_eq!(uuid.get_version_num(), 4);
    assert_eq!(p[6], p[6].to_lowercase());
    let mut shuffled: Vec<char> = p[7].chars().collect();
    shuffled.sort_unstable();
    assert_eq!(shuffled.into_iter().collect::<String>(), "abcdef");
    assert_eq!((p[8], p[9]), ("", ""));
}

#[test]
fn aes_round_trips_through_templates() {
    let out = render(r#"{{ encryptAES "k" "secret" | decryptAES "k" }}"#);
    assert_eq!(out, "secret");
}

/// A P-384 key made with openssl for this test.
const P384_KEY: &str = "-----BEGIN EC PRIVATE KEY-----\nMIGkAgEBBDCZjjUtXr9I3rV8ZMVkpnZvaNtsfh4FmLeahxn3rtXFpsbDa5iBG57T\nOBNV9xQknMqgBwYFK4EEACKhZANiAARYMSvtbDvCB0a3sDz/40lzwr8mLGjWnOaJ\nfYiIMyocz57o3C6EqFxkP75jHi8drAW+mBWRyGPN2hS9aCmUBGoMFDPNMFh3Mfiq\nWnnkO/7OUceZFoU9DOz6vkz24txE6ko=\n-----END EC PRIVATE KEY-----\n";

#[test]
fn a_p384_ca_signs_itself_and_its_leaves_with_ecdsa_sha384() {
    let template = format!(
        "{{{{- $ca := genCAWithKey \"p384\" 3 {key:?} }}}}{{{{ $ca.Cert }}}}=====\n{{{{ (genSignedCert \"leaf\" nil nil 3 $ca).Cert }}}}",
        key = P384_KEY
    );
    let out = render(&template);
    let parts = sections(&out);
    let ca = Certificate::from_der(&pem_der(parts[0], "CERTIFICATE")).expect("ca");
    let leaf = Certificate::from_der(&pem_der(parts[1], "CERTIFICATE")).expect("leaf");
    assert_eq!(
        ca.signature_algorithm().oid.to_string(),
        "1.2.840.10045.4.3.3"
    );
    let ca_key = p384::ecdsa::VerifyingKey::from_sec1_bytes(&spki_bits(&ca)).expect("p384 public");
    for cert in [&ca, &leaf] {
        let sig = p384::ecdsa::DerSignature::try_from(cert.signature().raw_bytes()).expect("sig");
        let tbs = cert.tbs_certificate().to_der().expect("tbs");
        assert!(ca_key.verify(&tbs, &sig).is_ok());
    }
}
