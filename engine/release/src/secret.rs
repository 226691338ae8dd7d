//! The Secret Helm's Secrets driver writes for one revision, and its size limit.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value as Json, json};

use crate::codec::{decode_release, encode_release};
use crate::error::{Error, Result};
use crate::key::{OWNER, RECORD_TYPE, custom_labels, record_key};
use crate::listing::Head;
use crate::model::Release;

/// The apiserver's `MaxSecretSize`: the sum of a Secret's data values (here the
/// one `release` value, the base64 body) may not exceed 1 MiB. Helm itself
/// checks nothing; the apiserver refuses the write ("Too long").
pub const MAX_SECRET_BYTES: usize = 1024 * 1024;

/// The Secret data key holding the body.
pub const DATA_KEY: &str = "release";

/// Which write a record is for: Helm labels `createdAt` on create, `modifiedAt` on update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// `Create`: `createdAt` = the Unix time.
    Create,
    /// `Update`: `modifiedAt` = the Unix time (`createdAt` stays only when the
    /// release's labels carry it: read by `Query`/`List`, not by `Get`).
    Update,
}

/// One revision as Helm's Secrets driver stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretRecord {
    /// `sh.helm.release.v1.<name>.v<version>`
    pub name: String,
    /// The release's namespace.
    pub namespace: String,
    /// Custom labels, then Helm's `name`, `owner`, `status`, `version` and the time label.
    pub labels: BTreeMap<String, String>,
    /// base64(gzip(JSON)): the bytes of `data.release` (base64 again on the wire).
    pub body: String,
}

impl SecretRecord {
    /// Helm's `newSecretsObject` for `release`, written at Unix time `now`.
    /// A body over [`MAX_SECRET_BYTES`] is refused before anything is written.
    pub fn new(release: &Release, write: Write, now: i64) -> Result<SecretRecord> {
        let name = record_key(&release.name, release.version);
        let body = encode_release(release)?;
        if body.len() > MAX_SECRET_BYTES {
            return Err(Error::RecordTooLarge {
                key: name,
                size: body.len(),
                limit: MAX_SECRET_BYTES,
            });
        }
        let mut labels = release.labels.clone();
        match write {
            Write::Create => labels.insert("createdAt".into(), now.to_string()),
            Write::Update => labels.insert("modifiedAt".into(), now.to_string()),
        };
        labels.insert("name".into(), release.name.clone());
        labels.insert("owner".into(), OWNER.into());
        let status = release
            .info
            .as_ref()
            .map(|i| i.status.as_str())
            .unwrap_or_default();
        labels.insert("status".into(), status.to_string());
        labels.insert("version".into(), release.version.to_string());
        Ok(SecretRecord {
            name,
            namespace: release.namespace.clone(),
            labels,
            body,
        })
    }

    /// The release in the Secret, with its custom labels (Helm's `Get`
    /// filters the system labels out).
    pub fn release(&self) -> Result<Release> {
        let mut release = decode_release(&self.body)?;
        release.labels = custom_labels(&self.labels);
        Ok(release)
    }

    /// What Helm's labels say of the record, before its body is decoded.
    pub fn head(&self) -> Head {
        Head {
            namespace: self.namespace.clone(),
            name: self.labels.get("name").cloned(),
            version: self.labels.get("version").and_then(|v| v.parse().ok()),
        }
    }

    /// The Secret as Kubernetes JSON (`v1` `Secret`), ready to create or replace.
    pub fn to_json(&self) -> Json {
        json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": self.labels,
            },
            "type": RECORD_TYPE,
            "data": { DATA_KEY: STANDARD.encode(self.body.as_bytes()) },
        })
    }

    /// Reads a Secret (Kubernetes JSON) Helm wrote.
    pub fn from_json(secret: &Json) -> Result<SecretRecord> {
        let meta = &secret["metadata"];
        let name = meta["name"]
            .as_str()
            .ok_or_else(|| Error::NotARecord("Secret without a name".into()))?;
        if secret["type"].as_str() != Some(RECORD_TYPE) {
            return Err(Error::NotARecord(format!(
                "Secret {name} is not of type {RECORD_TYPE}"
            )));
        }
        let data = secret["data"][DATA_KEY]
            .as_str()
            .ok_or_else(|| Error::NotARecord(format!("Secret {name} has no data.{DATA_KEY}")))?;
        let body = STANDARD.decode(data).map_err(Error::Base64)?;
        let body = String::from_utf8(body).map_err(|_| {
            Error::NotARecord(format!("Secret {name}'s data.{DATA_KEY} is not text"))
        })?;
        let labels = meta["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(SecretRecord {
            name: name.to_string(),
            namespace: meta["namespace"].as_str().unwrap_or_default().to_string(),
            labels,
            body,
        })
    }
}
