//! Sprig's certificate functions (genCA, genCAWithKey, genSelfSignedCert,
//! genSelfSignedCertWithKey, genSignedCert, genSignedCertWithKey,
//! buildCustomCert) and their result, Go's `sprig.certificate` struct with
//! `.Cert` and `.Key` PEM strings.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use helmd_gotmpl::{ArgType, Arity, FuncError, FuncMap, FuncResult};
use helmd_yaml::{Object, Str, Value};
use sha1::Digest;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::builder::{Builder, CertificateBuilder};
use x509_cert::der::asn1::{Ia5String, OctetString};
use x509_cert::der::oid::{AssociatedOid, ObjectIdentifier};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoRef;
use x509_cert::time::{Time, Validity};

use super::keys::{self, PrivateKey, der_tlv};
use super::pem;

/// id-kp-serverAuth and id-kp-clientAuth, the extended key usages Sprig sets.
const SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-at-commonName.
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// Sprig's `certificate` struct.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Certificate {
    /// The certificate, PEM.
    pub(crate) cert: String,
    /// Its private key, PEM.
    pub(crate) key: String,
}

/// Debug output leaves the private key out.
impl std::fmt::Debug for Certificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Certificate")
            .field("cert", &self.cert)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Object for Certificate {
    fn type_name(&self) -> &str {
        "sprig.certificate"
    }
    fn kind(&self) -> &str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(&self.cert)),
            "Key" => Some(Value::str(&self.key)),
            _ => None,
        }
    }
    fn format(&self, plus: bool) -> String {
        if plus {
            format!("{{Cert:{} Key:{}}}", self.cert, self.key)
        } else {
            format!("{{{} {}}}", self.cert, self.key)
        }
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert(Str::from("Cert"), Value::str(&self.cert));
        m.insert(Str::from("Key"), Value::str(&self.key));
        Value::map(m)
    }
    fn json_fields(&self) -> Option<Vec<(Str, Value)>> {
        Some(vec![
            (Str::from("Cert"), Value::str(&self.cert)),
            (Str::from("Key"), Value::str(&self.key)),
        ])
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub(crate) fn register(f: &mut FuncMap) {
    use ArgType::{Int as I, List as A, String as S};
    const CA: ArgType = ArgType::Named("sprig.certificate");
    f.insert_typed("genCA", Arity::Exact(2), &[S, I], |_, a| {
        let key = PrivateKey::new_rsa(keys::RSA_BITS_CERT)?;
        gen_ca(str_arg(&a[0]), int_arg(&a[1]), key).map_err(|e| wrap("", e))
    });
    f.insert_typed("genCAWithKey", Arity::Exact(3), &[S, I, S], |_, a| {
        let key = keys::parse_pem(str_arg(&a[2])).map_err(|e| wrap("parsing private key: ", e))?;
        gen_ca(str_arg(&a[0]), int_arg(&a[1]), key).map_err(|e| wrap("", e))
    });
    f.insert_typed(
        "genSelfSignedCert",
        Arity::Exact(4),
        &[S, A, A, I],
        |_, a| {
            let names = SubjectNames::from_args(&a[1], &a[2])?;
            let key = PrivateKey::new_rsa(keys::RSA_BITS_CERT)?;
            gen_self_signed(str_arg(&a[0]), names, int_arg(&a[3]), key)
        },
    );
    f.insert_typed(
        "genSelfSignedCertWithKey",
        Arity::Exact(5),
        &[S, A, A, I, S],
        |_, a| {
            let key =
                keys::parse_pem(str_arg(&a[4])).map_err(|e| wrap("parsing private key: ", e))?;
            let names = SubjectNames::from_args(&a[1], &a[2])?;
            gen_self_signed(str_arg(&a[0]), names, int_arg(&a[3]), key)
        },
    );
    f.insert_typed(
        "genSignedCert",
        Arity::Exact(5),
        &[S, A, A, I, CA],
        |_, a| {
            let ca = ca_arg(&a[4])?;
            let names = SubjectNames::from_args(&a[1], &a[2])?;
            let key = PrivateKey::new_rsa(keys::RSA_BITS_CERT)?;
            gen_signed(str_arg(&a[0]), names, int_arg(&a[3]), ca, key)
        },
    );
    f.insert_typed(
        "genSignedCertWithKey",
        Arity::Exact(6),
        &[S, A, A, I, CA, S],
        |_, a| {
            let ca = ca_arg(&a[4])?;
            let key =
                keys::parse_pem(str_arg(&a[5])).map_err(|e| wrap("parsing private key: ", e))?;
            let names = SubjectNames::from_args(&a[1], &a[2])?;
            gen_signed(str_arg(&a[0]), names, int_arg(&a[3]), ca, key)
        },
    );
    f.insert_typed("buildCustomCert", Arity::Exact(2), &[S, S], |_, a| {
        build_custom(str_arg(&a[0]), str_arg(&a[1]))
            .map(|c| Value::Object(Arc::new(c)))
            .map_err(FuncError::Message)
    });
}

fn str_arg(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn int_arg(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        _ => 0,
    }
}

fn wrap(prefix: &str, e: String) -> FuncError {
    FuncError::Message(format!("{prefix}{e}"))
}

fn ca_arg(v: &Value) -> Result<Certificate, FuncError> {
    if let Value::Object(o) = v
        && let Some(c) = o.as_any().downcast_ref::<Certificate>()
    {
        return Ok(c.clone());
    }
    let got = if v.is_nil() {
        "interface {}".to_string()
    } else {
        v.type_name()
    };
    Err(format!("wrong type for value; expected sprig.certificate; got {got}").into())
}

/// The IP addresses and DNS names a certificate is for.
#[derive(Debug, Default)]
struct SubjectNames {
    ips: Vec<std::net::IpAddr>,
    dns: Vec<String>,
}

impl SubjectNames {
    /// Sprig's checks of the `ips` and `alternateDNS` lists.
    fn from_args(ips: &Value, dns: &Value) -> Result<SubjectNames, FuncError> {
        let mut names = SubjectNames::default();
        for ip in list_arg(ips)? {
            let Some(text) = ip.as_str() else {
                return Err(format!(
                    "error parsing ip: {} is not a string",
                    helmd_gotmpl::fmt::format_v(&ip, false)
                )
                .into());
            };
            let parsed = text
                .parse::<std::net::IpAddr>()
                .map_err(|_| format!("error parsing ip: {text}"))?;
            names.ips.push(parsed);
        }
        for name in list_arg(dns)? {
            let Some(text) = name.as_str() else {
                return Err(format!(
                    "error processing alternate dns name: {} is not a string",
                    helmd_gotmpl::fmt::format_v(&name, false)
                )
                .into());
            };
            names.dns.push(text.to_string());
        }
        Ok(names)
    }
}

fn list_arg(v: &Value) -> Result<Vec<Value>, FuncError> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::List(l) => Ok(l.items.clone()),
        other => Err(format!(
            "wrong type for value; expected []interface {{}}; got {}",
            other.type_name()
        )
        .into()),
    }
}

/// What the certificate being made says about itself and its issuer.
struct Template {
    cn: String,
    days: i64,
    names: SubjectNames,
    is_ca: bool,
}

/// A parsed signer: its certificate (for the issuer name and key id) and key.
struct Signer {
    cert: x509_cert::Certificate,
    key: PrivateKey,
}

fn gen_ca(cn: &str, days: i64, key: PrivateKey) -> Result<Value, String> {
    let template = Template {
        cn: cn.to_string(),
        days,
        names: SubjectNames::default(),
        is_ca: true,
    };
    finish(&template, &key, None)
}

fn gen_self_signed(cn: &str, names: SubjectNames, days: i64, key: PrivateKey) -> FuncResult {
    let template = Template {
        cn: cn.to_string(),
        days,
        names,
        is_ca: false,
    };
    finish(&template, &key, None).map_err(FuncError::Message)
}

fn gen_signed(
    cn: &str,
    names: SubjectNames,
    days: i64,
    ca: Certificate,
    key: PrivateKey,
) -> FuncResult {
    let signer = parse_signer(&ca)?;
    let template = Template {
        cn: cn.to_string(),
        days,
        names,
        is_ca: false,
    };
    finish(&template, &key, Some(&signer)).map_err(FuncError::Message)
}

fn parse_signer(ca: &Certificate) -> Result<Signer, FuncError> {
    let block = pem::decode(&ca.cert).ok_or("unable to decode certificate")?;
    let cert = x509_cert::Certificate::from_der(&block.der).map_err(
        |_| "error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate",
    )?;
    let key = keys::parse_pem(&ca.key).map_err(|e| format!("error parsing signer key: {e}"))?;
    Ok(Signer { cert, key })
}

/// Builds, signs and PEM-encodes the certificate for `key`.
fn finish(t: &Template, key: &PrivateKey, signer: Option<&Signer>) -> Result<Value, String> {
    let cert =
        build_cert(t, key, signer).map_err(|e| format!("error creating certificate: {e}"))?;
    let key_pem = key.to_pem().map_err(|e| e.to_string())?;
    Ok(Value::Object(Arc::new(Certificate {
        cert: pem::encode("CERTIFICATE", &cert),
        key: key_pem,
    })))
}

/// The DER certificate Go's `x509.CreateCertificate` makes from Sprig's template.
fn build_cert(t: &Template, key: &PrivateKey, signer: Option<&Signer>) -> Result<Vec<u8>, String> {
    let spki = key.spki()?;
    let signing_key = signer.map_or(key, |s| &s.key);
    signing_key.spki()?;
    let subject = common_name(&t.cn)?;
    let issuer = match signer {
        Some(s) => s.cert.tbs_certificate().subject().clone(),
        None => subject.clone(),
    };
    let mut extensions = vec![
        extension(
            &KeyUsage(if t.is_ca {
                KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment | KeyUsages::KeyCertSign
            } else {
                KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment
            }),
            true,
        )?,
        extension(&ExtendedKeyUsage(vec![SERVER_AUTH, CLIENT_AUTH]), false)?,
        extension(
            &BasicConstraints {
                ca: t.is_ca,
                path_len_constraint: None,
            },
            true,
        )?,
    ];
    if t.is_ca {
        let id = key_id(spki.subject_public_key.raw_bytes());
        extensions.push(extension(&SubjectKeyIdentifier(octets(&id)?), false)?);
    }
    // Go names the signer's key only when issuer and subject differ.
    let self_issued = issuer.to_der().ok() == subject.to_der().ok();
    if let Some(id) = signer
        .filter(|_| !self_issued)
        .and_then(|s| signer_key_id(&s.cert))
    {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(octets(&id)?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extensions.push(extension(&aki, false)?);
    }
    if !t.names.dns.is_empty() || !t.names.ips.is_empty() {
        let mut sans = Vec::new();
        for name in &t.names.dns {
            let ia5 = Ia5String::new(name)
                .map_err(|_| format!("x509: {name:?} cannot be encoded as an IA5String"))?;
            sans.push(GeneralName::DnsName(ia5));
        }
        for ip in &t.names.ips {
            sans.push(GeneralName::IpAddress(octets(&ip_bytes(ip))?));
        }
        extensions.push(extension(&SubjectAltName(sans), false)?);
    }
    let profile = Profile {
        subject,
        issuer,
        extensions,
    };
    let builder = CertificateBuilder::new(profile, serial()?, validity(t.days)?, spki)
        .map_err(|e| e.to_string())?;
    let cert = sign(builder, signing_key)?;
    cert.to_der().map_err(|e| e.to_string())
}

fn sign(
    builder: CertificateBuilder<Profile>,
    key: &PrivateKey,
) -> Result<x509_cert::Certificate, String> {
    let built = match key {
        PrivateKey::Rsa(k) => {
            let signer = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone());
            builder.build::<_, rsa::pkcs1v15::Signature>(&signer)
        }
        PrivateKey::Ecdsa(k) => {
            let signer = p256::ecdsa::SigningKey::from(k.as_ref());
            builder.build::<_, p256::ecdsa::DerSignature>(&signer)
        }
        PrivateKey::EcdsaP384(k) => {
            let signer = p384::ecdsa::SigningKey::from(k.as_ref());
            builder.build::<_, p384::ecdsa::DerSignature>(&signer)
        }
        PrivateKey::Ed25519(k) => builder.build::<_, ed25519_dalek::Signature>(k.as_ref()),
        PrivateKey::Dsa(_) => {
            return Err("x509: certificate private key does not implement crypto.Signer".into());
        }
    };
    built.map_err(|e| e.to_string())
}

/// Go's 4-byte form for IPv4 (and IPv4-mapped IPv6) addresses, 16 bytes otherwise.
fn ip_bytes(ip: &std::net::IpAddr) -> Vec<u8> {
    match ip {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets().to_vec(),
        },
    }
}

/// Go's subject key id: SHA-1 of the public key's bit string.
fn key_id(public_key: &[u8]) -> Vec<u8> {
    sha1::Sha1::digest(public_key).to_vec()
}

fn signer_key_id(cert: &x509_cert::Certificate) -> Option<Vec<u8>> {
    let ext = cert
        .tbs_certificate()
        .extensions()?
        .iter()
        .find(|e| e.extn_id == SubjectKeyIdentifier::OID)?;
    let ski = SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()?;
    Some(ski.0.as_bytes().to_vec())
}

fn octets(bytes: &[u8]) -> Result<OctetString, String> {
    OctetString::new(bytes).map_err(|e| e.to_string())
}

fn extension<T: Encode + AssociatedOid>(value: &T, critical: bool) -> Result<Extension, String> {
    let der = value.to_der().map_err(|e| e.to_string())?;
    Ok(Extension {
        extn_id: T::OID,
        critical,
        extn_value: octets(&der)?,
    })
}

/// A name with only a common name (none when `cn` is empty), encoded as Go
/// does: PrintableString when every character allows it, else UTF8String.
fn common_name(cn: &str) -> Result<Name, String> {
    let mut rdns = Vec::new();
    if !cn.is_empty() {
        let printable = cn
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b));
        let value = der_tlv(if printable { 0x13 } else { 0x0c }, cn.as_bytes());
        let oid = der_tlv(0x06, COMMON_NAME.as_bytes());
        let atv = der_tlv(0x30, &[oid, value].concat());
        rdns = der_tlv(0x31, &atv);
    }
    Name::from_der(&der_tlv(0x30, &rdns)).map_err(|e| e.to_string())
}

/// A random positive serial below 2^128, as Sprig draws it.
fn serial() -> Result<SerialNumber, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| e.to_string())?;
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(15);
    SerialNumber::new(&bytes[start..]).map_err(|e| e.to_string())
}

/// Nanoseconds in a day (Go's `time.Hour * 24`).
const DAY_NANOS: i64 = 86_400_000_000_000;

/// From now for `days` days. Go computes `time.Hour * 24 * days` in int64
/// nanoseconds, which wraps for huge counts; negative counts end before
/// they start. Both ends are cut to whole seconds.
fn validity(days: i64) -> Result<Validity, String> {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_nanos() as i128;
    let end = now + i128::from(DAY_NANOS.wrapping_mul(days));
    let time = |nanos: i128| {
        let secs = u64::try_from(nanos.div_euclid(1_000_000_000))
            .map_err(|_| "validity before 1970 is not supported".to_string())?;
        Time::try_from(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
            .map_err(|e| e.to_string())
    };
    Ok(Validity::new(time(now)?, time(end)?))
}

/// The issuer, subject and extensions of one certificate.
struct Profile {
    subject: Name,
    issuer: Name,
    extensions: Vec<Extension>,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        _tbs: &x509_cert::TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        Ok(self.extensions.clone())
    }
}

/// `buildCustomCert`: a certificate object from base64 PEM texts, checked
/// in Sprig's order.
fn build_custom(cert_b64: &str, key_b64: &str) -> Result<Certificate, String> {
    let cert = pem::go_b64_decode(cert_b64).map_err(|_| "unable to decode base64 certificate")?;
    let key = pem::go_b64_decode(key_b64).map_err(|_| "unable to decode base64 private key")?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let block = pem::decode(&cert).ok_or("unable to decode certificate")?;
    x509_cert::Certificate::from_der(&block.der)
        .map_err(|_| "error parsing certificate: decodedCert.Bytes: x509: malformed certificate")?;
    keys::parse_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(Certificate { cert, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn_der(cn: &str) -> Vec<u8> {
        common_name(cn).expect("name").to_der().expect("der")
    }

    #[test]
    fn common_names_use_printable_string_only_where_go_does() {
        assert_eq!(cn_der(""), [0x30, 0x00]);
        let printable = cn_der("a'b (c)+,-./:=?");
        assert_eq!(printable[printable.len() - 17], 0x13);
        for cn in ["a*b", "a&b", "a_b", "a@b", "ü"] {
            let der = cn_der(cn);
            assert_eq!(der[der.len() - cn.len() - 2], 0x0c, "{cn}");
        }
    }

    #[test]
    fn ipv4_and_mapped_addresses_take_four_bytes() {
        let ip = |s: &str| ip_bytes(&s.parse().expect("ip"));
        assert_eq!(ip("10.0.0.1"), [10, 0, 0, 1]);
        assert_eq!(ip("::ffff:1.2.3.4"), [1, 2, 3, 4]);
        assert_eq!(ip("::1.2.3.4").len(), 16);
        assert_eq!(ip("2001:db8::1").len(), 16);
    }
}
