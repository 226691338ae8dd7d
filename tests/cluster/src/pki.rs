//! Credentials of a cluster: static-token users, the service-account key pair, the apiserver's CA, kubeconfig files, and the certificates between the apiserver and the node agent's kubelet endpoints.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::state::UserInfo;

/// The admin user (group `system:masters`).
pub const ADMIN: &str = "admin";
/// An unprivileged test user (group [`ALICE_GROUP`]); no RBAC grants at start.
pub const ALICE: &str = "alice";
/// The group of [`ALICE`].
pub const ALICE_GROUP: &str = "helmd-test:developers";
/// A second unprivileged test user (group [`BOB_GROUP`]); no RBAC grants at start.
pub const BOB: &str = "bob";
/// The group of [`BOB`].
pub const BOB_GROUP: &str = "helmd-test:viewers";
/// The identity kube-controller-manager runs as (bootstrap RBAC grants it its role).
pub const CONTROLLER_MANAGER: &str = "system:kube-controller-manager";
/// The identity kube-scheduler runs as (bootstrap RBAC grants it its role).
pub const SCHEDULER: &str = "system:kube-scheduler";

/// Users of a fresh cluster, with fresh random tokens.
pub fn new_users() -> Vec<UserInfo> {
    let user = |name: &str, groups: &[&str]| UserInfo {
        name: name.to_owned(),
        token: uuid::Uuid::new_v4().simple().to_string(),
        groups: groups.iter().map(|g| (*g).to_owned()).collect(),
    };
    vec![
        user(ADMIN, &["system:masters"]),
        user(ALICE, &[ALICE_GROUP]),
        user(BOB, &[BOB_GROUP]),
        user(CONTROLLER_MANAGER, &[]),
        user(SCHEDULER, &[]),
    ]
}

/// The apiserver's `--token-auth-file`: `token,user,uid,"group1,group2"`.
pub fn token_file(users: &[UserInfo]) -> String {
    users
        .iter()
        .map(|u| {
            format!(
                "{},{},{},\"{}\"\n",
                u.token,
                u.name,
                u.name,
                u.groups.join(",")
            )
        })
        .collect()
}

/// Generates the RSA key pair that signs service-account tokens (`sa.key`, `sa.pub` in `dir`).
pub fn service_account_keys(dir: &Path) -> Result<()> {
    let key = dir.join("sa.key");
    let public = dir.join("sa.pub");
    openssl(&["genrsa", "-out", path_str(&key)?, "2048"])?;
    openssl(&[
        "rsa",
        "-in",
        path_str(&key)?,
        "-pubout",
        "-out",
        path_str(&public)?,
    ])
}

/// The certificates between the apiserver and the node agent's kubelet
/// endpoints: one CA signs the agent's serving certificate (`IP:127.0.0.1`,
/// every node's endpoint) and the apiserver's client certificate. The apiserver
/// verifies the agent against the CA (`--kubelet-certificate-authority`) and
/// the agent accepts only clients the CA signed, as a kubelet does with its
/// `--client-ca-file`.
#[derive(Clone)]
pub struct KubeletPki {
    /// The CA certificate both sides trust.
    pub ca_pem: String,
    /// The node agent's serving certificate.
    pub serving_cert_pem: String,
    /// Its private key (PKCS#8).
    pub serving_key_pem: String,
    /// The apiserver's client certificate (`--kubelet-client-certificate`).
    pub client_cert_pem: String,
    /// Its private key (`--kubelet-client-key`).
    pub client_key_pem: String,
}

impl std::fmt::Debug for KubeletPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeletPki").finish_non_exhaustive()
    }
}

/// The subject of the apiserver's client certificate (kubeadm's name for it).
pub const KUBELET_CLIENT: &str = "kube-apiserver-kubelet-client";

impl KubeletPki {
    /// A fresh CA with the two leaves.
    pub fn generate() -> Result<Self> {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair, KeyUsagePurpose, SanType,
        };
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        ca.distinguished_name
            .push(DnType::CommonName, "helmd-test kubelet CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate()?)?;
        // The serving leaf names 127.0.0.1 (the address the apiserver dials);
        // the client leaf is a member of system:masters, like kubeadm's.
        let leaf = |server: bool| -> Result<(String, String)> {
            let mut params = CertificateParams::new(Vec::<String>::new())?;
            if server {
                params
                    .distinguished_name
                    .push(DnType::CommonName, crate::node_agent::NODE_IP);
                params.subject_alt_names =
                    vec![SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST))];
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
            } else {
                params
                    .distinguished_name
                    .push(DnType::CommonName, KUBELET_CLIENT);
                params
                    .distinguished_name
                    .push(DnType::OrganizationName, "system:masters");
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            }
            params.is_ca = IsCa::ExplicitNoCa;
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ];
            let key = KeyPair::generate()?;
            let cert = params.signed_by(&key, &ca)?;
            Ok((cert.pem(), key.serialize_pem()))
        };
        let (serving_cert_pem, serving_key_pem) = leaf(true)?;
        let (client_cert_pem, client_key_pem) = leaf(false)?;
        Ok(Self {
            ca_pem: ca.pem(),
            serving_cert_pem,
            serving_key_pem,
            client_cert_pem,
            client_key_pem,
        })
    }

    /// Writes `ca.crt`, `serving.crt`, `serving.key`, `apiserver-client.crt` and
    /// `apiserver-client.key` into `dir` (created).
    pub fn write_to(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (name, pem) in [
            ("ca.crt", &self.ca_pem),
            ("serving.crt", &self.serving_cert_pem),
            ("serving.key", &self.serving_key_pem),
            ("apiserver-client.crt", &self.client_cert_pem),
            ("apiserver-client.key", &self.client_key_pem),
        ] {
            crate::state::write_atomic(&dir.join(name), pem.as_bytes())?;
        }
        Ok(())
    }
}

fn path_str(p: &Path) -> Result<&str> {
    p.to_str()
        .with_context(|| format!("path is not UTF-8: {}", p.display()))
}

fn openssl(args: &[&str]) -> Result<()> {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .context("running openssl (apt-get install openssl)")?;
    if !out.status.success() {
        bail!(
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The CA of the apiserver's self-signed serving certificate: the cert file
/// holds the leaf first and then its CA; the last PEM block is the CA.
pub fn ca_from_serving_cert(pem: &str) -> Result<String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    let start = pem
        .rfind(BEGIN)
        .context("no certificate in the apiserver's cert file")?;
    let block = pem[start..].trim_end();
    if !block.ends_with("-----END CERTIFICATE-----") {
        bail!("the apiserver's cert file is incomplete");
    }
    Ok(format!("{block}\n"))
}

/// A kubeconfig (JSON, which every YAML reader accepts) for `user` against
/// `server`, trusting the CA in the file `ca_file` (an absolute path).
pub fn kubeconfig(server: &str, ca_file: &Path, user: &UserInfo, namespace: &str) -> String {
    let doc = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "helmd-test", "cluster": {
            "server": server,
            "certificate-authority": ca_file,
        }}],
        "users": [{"name": user.name, "user": {"token": user.token}}],
        "contexts": [{"name": format!("{}@helmd-test", user.name), "context": {
            "cluster": "helmd-test", "user": user.name, "namespace": namespace,
        }}],
        "current-context": format!("{}@helmd-test", user.name),
        "preferences": {},
    });
    format!("{doc:#}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_quotes_groups() {
        let users = vec![UserInfo {
            name: "alice".into(),
            token: "t".into(),
            groups: vec!["a".into(), "b".into()],
        }];
        assert_eq!(token_file(&users), "t,alice,alice,\"a,b\"\n");
    }

    #[test]
    fn ca_is_the_last_certificate() {
        let pem = "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            ca_from_serving_cert(pem).expect("ca"),
            "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"
        );
    }
}
