//! Repositories: request validation (field violations), the stored settings and sealed
//! credentials, update masks, and rows back to `Repository` messages without secrets.

use helmd_proto::v1::{
    Repository, RepositoryCredentials, RepositoryType, TlsConfig, repository_credentials,
};
use serde::{Deserialize, Serialize};

use super::timestamp;
use crate::error::{Error, FieldViolation, Result};
use crate::storage::RepositoryRow;

/// The non-secret settings of a repository, stored as JSON in `config`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Extra CA certificates (PEM).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ca_pem: String,
    /// Skip TLS verification.
    #[serde(default)]
    pub insecure_skip_tls_verify: bool,
    /// Plain HTTP to an OCI registry.
    #[serde(default)]
    pub plain_http: bool,
    /// Send credentials to chart URLs on other hosts too.
    #[serde(default)]
    pub pass_credentials_all: bool,
    /// Credentials read from a Kubernetes Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRef>,
}

/// Where a Secret holding credentials lives, and its data keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Key of a bearer token.
    pub token_key: String,
    /// Key of the username.
    pub username_key: String,
    /// Key of the password.
    pub password_key: String,
}

/// Inline credentials as sealed at rest. Debug prints no secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum InlineCredentials {
    /// Username and password.
    Basic {
        /// Username.
        username: String,
        /// Password.
        password: String,
    },
    /// Bearer token.
    Bearer {
        /// Token.
        token: String,
    },
}

impl std::fmt::Debug for InlineCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InlineCredentials::Basic { username, .. } => {
                write!(f, "Basic {{ username: {username:?}, password: *** }}")
            }
            InlineCredentials::Bearer { .. } => f.write_str("Bearer(***)"),
        }
    }
}

impl InlineCredentials {
    /// As helmd-source credentials.
    pub fn to_source(&self) -> helmd_source::Credentials {
        match self {
            InlineCredentials::Basic { username, password } => {
                helmd_source::Credentials::basic(username.clone(), password.as_str())
            }
            InlineCredentials::Bearer { token } => {
                helmd_source::Credentials::Bearer(token.as_str().into())
            }
        }
    }
}

/// The stored type name of a repository type.
pub fn kind_name(kind: RepositoryType) -> Option<&'static str> {
    match kind {
        RepositoryType::Http => Some("http"),
        RepositoryType::Oci => Some("oci"),
        RepositoryType::Unspecified => None,
    }
}

/// Checks a repository name: at most 63 characters of `[a-z0-9-]`, starting with a
/// letter, ending with a letter or digit.
pub fn check_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("required");
    }
    let ok = name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    (!ok).then_some(
        "at most 63 characters: lower-case letters, digits and '-', starting with a letter \
         and ending with a letter or digit",
    )
}

/// The scheme, host and port a repository URL reaches (`oci://` URLs by their registry
/// host and port); `None` for a URL that does not parse.
pub fn origin(url: &str) -> Option<(String, String, Option<u16>)> {
    let parsed = url::Url::parse(url).ok()?;
    Some((
        parsed.scheme().to_owned(),
        parsed.host_str()?.to_ascii_lowercase(),
        parsed.port_or_known_default(),
    ))
}

/// Checks a URL for a repository of `kind`.
pub fn check_url(kind: RepositoryType, url: &str) -> Option<String> {
    if url.is_empty() {
        return Some("required".to_owned());
    }
    match kind {
        RepositoryType::Http => match url::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                if !u.username().is_empty() || u.password().is_some() {
                    Some("put credentials in `credentials`, not in the URL".to_owned())
                } else if u.query().is_some() {
                    Some("must not carry a query".to_owned())
                } else {
                    None
                }
            }
            _ => Some("an HTTP repository URL is http:// or https://".to_owned()),
        },
        RepositoryType::Oci => {
            let probe = format!("{}/chart", url.trim_end_matches('/'));
            match helmd_source::OciRef::parse(&probe) {
                Ok(r) if r.tag.is_none() && r.digest.is_none() => None,
                Ok(_) => Some("must not carry a tag or digest".to_owned()),
                Err(_) => {
                    Some("an OCI repository URL is oci://host[:port]/path in lower case".to_owned())
                }
            }
        }
        RepositoryType::Unspecified => None,
    }
}

/// What a request's credentials field asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum CredentialsInput {
    /// Anonymous access.
    None,
    /// Inline credentials, to be sealed.
    Inline(InlineCredentials),
    /// A Secret reference.
    Secret(SecretRef),
}

/// Validates `credentials` (field prefix `prefix`), pushing violations.
pub fn credentials_input(
    credentials: Option<&RepositoryCredentials>,
    prefix: &str,
    violations: &mut Vec<FieldViolation>,
) -> CredentialsInput {
    let mut violation = |field: &str, description: &str| {
        violations.push(FieldViolation {
            field: format!("{prefix}.{field}"),
            description: description.to_owned(),
        });
    };
    match credentials.and_then(|c| c.kind.as_ref()) {
        None => CredentialsInput::None,
        Some(repository_credentials::Kind::Basic(basic)) => {
            if basic.username.is_empty() {
                violation("basic.username", "required");
            }
            if basic.password.is_empty() {
                violation("basic.password", "required");
            }
            CredentialsInput::Inline(InlineCredentials::Basic {
                username: basic.username.clone(),
                password: basic.password.clone(),
            })
        }
        Some(repository_credentials::Kind::Bearer(bearer)) => {
            if bearer.token.is_empty() {
                violation("bearer.token", "required");
            }
            CredentialsInput::Inline(InlineCredentials::Bearer {
                token: bearer.token.clone(),
            })
        }
        Some(repository_credentials::Kind::Secret(secret)) => {
            if secret.namespace.is_empty() {
                violation("secret.namespace", "required");
            }
            if secret.name.is_empty() {
                violation("secret.name", "required");
            }
            let or = |key: &str, default: &str| {
                if key.is_empty() {
                    default.to_owned()
                } else {
                    key.to_owned()
                }
            };
            CredentialsInput::Secret(SecretRef {
                namespace: secret.namespace.clone(),
                name: secret.name.clone(),
                token_key: or(&secret.token_key, "token"),
                username_key: or(&secret.username_key, "username"),
                password_key: or(&secret.password_key, "password"),
            })
        }
    }
}

/// Validates the TLS settings (client certificates are not supported yet).
pub fn check_tls(tls: Option<&TlsConfig>, prefix: &str, violations: &mut Vec<FieldViolation>) {
    let Some(tls) = tls else { return };
    if !tls.client_certificate_pem.is_empty() || !tls.client_key_pem.is_empty() {
        violations.push(FieldViolation {
            field: format!("{prefix}.client_certificate_pem"),
            description: "client certificates are not supported yet".to_owned(),
        });
    }
    if !tls.ca_pem.is_empty() && !tls.ca_pem.contains("-----BEGIN CERTIFICATE-----") {
        violations.push(FieldViolation {
            field: format!("{prefix}.ca_pem"),
            description: "not a PEM certificate bundle".to_owned(),
        });
    }
}

/// A validated repository from a create request.
#[derive(Debug, Clone)]
pub struct NewRepository {
    /// Name.
    pub name: String,
    /// Type.
    pub kind: RepositoryType,
    /// URL.
    pub url: String,
    /// Settings.
    pub settings: Settings,
    /// Inline credentials to seal.
    pub inline: Option<InlineCredentials>,
}

/// Validates a repository of a create request.
pub fn new_repository(repo: Option<&Repository>) -> Result<NewRepository> {
    let Some(repo) = repo else {
        return Err(Error::invalid("repository", "required"));
    };
    let mut violations = Vec::new();
    let mut violation = |field: &str, description: String| {
        violations.push(FieldViolation {
            field: format!("repository.{field}"),
            description,
        });
    };
    if let Some(problem) = check_name(&repo.name) {
        violation("name", problem.to_owned());
    }
    let kind = RepositoryType::try_from(repo.r#type).unwrap_or(RepositoryType::Unspecified);
    if kind == RepositoryType::Unspecified {
        violation(
            "type",
            "required: REPOSITORY_TYPE_HTTP or REPOSITORY_TYPE_OCI".to_owned(),
        );
    }
    if let Some(problem) = check_url(kind, &repo.url) {
        violation("url", problem);
    }
    if kind == RepositoryType::Http && repo.plain_http {
        violation(
            "plain_http",
            "only for OCI repositories; an HTTP repository's URL names its scheme".to_owned(),
        );
    }
    let credentials = credentials_input(
        repo.credentials.as_ref(),
        "repository.credentials",
        &mut violations,
    );
    check_tls(repo.tls.as_ref(), "repository.tls", &mut violations);
    if !violations.is_empty() {
        return Err(Error::InvalidArgument(violations));
    }
    let mut settings = Settings {
        ca_pem: repo
            .tls
            .as_ref()
            .map(|t| t.ca_pem.clone())
            .unwrap_or_default(),
        insecure_skip_tls_verify: repo
            .tls
            .as_ref()
            .is_some_and(|t| t.insecure_skip_tls_verify),
        plain_http: repo.plain_http,
        pass_credentials_all: repo.pass_credentials_all,
        secret: None,
    };
    let inline = match credentials {
        CredentialsInput::None => None,
        CredentialsInput::Inline(c) => Some(c),
        CredentialsInput::Secret(s) => {
            settings.secret = Some(s);
            None
        }
    };
    Ok(NewRepository {
        name: repo.name.clone(),
        kind,
        url: repo.url.clone(),
        settings,
        inline,
    })
}

/// Parses a row's settings.
pub fn settings(row: &RepositoryRow) -> Result<Settings> {
    serde_json::from_str(&row.config)
        .map_err(|e| Error::Corrupt(format!("settings of repository {:?}: {e}", row.name)))
}

/// The stored type of a row.
pub fn row_kind(row: &RepositoryRow) -> RepositoryType {
    match row.kind.as_str() {
        "http" => RepositoryType::Http,
        "oci" => RepositoryType::Oci,
        _ => RepositoryType::Unspecified,
    }
}

/// The etag of a row: a digest of its name and last change time.
pub fn etag(row: &RepositoryRow) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{}\n{}", row.name, row.update_time_us).as_bytes(),
    );
    hex::encode(&digest.as_ref()[..12])
}

/// A row as a `Repository` message, without any secret.
pub fn repository(row: &RepositoryRow) -> Result<Repository> {
    let settings = settings(row)?;
    let tls =
        (!settings.ca_pem.is_empty() || settings.insecure_skip_tls_verify).then(|| TlsConfig {
            ca_pem: settings.ca_pem.clone(),
            insecure_skip_tls_verify: settings.insecure_skip_tls_verify,
            ..TlsConfig::default()
        });
    Ok(Repository {
        name: row.name.clone(),
        r#type: row_kind(row) as i32,
        url: row.url.clone(),
        credentials: None,
        tls,
        plain_http: settings.plain_http,
        pass_credentials_all: settings.pass_credentials_all,
        has_credentials: row.credentials.is_some() || settings.secret.is_some(),
        create_time: Some(timestamp(row.create_time_us)),
        update_time: Some(timestamp(row.update_time_us)),
        last_refresh_time: row.last_refresh_us.map(timestamp),
        chart_count: row.chart_count,
        index_digest: row.index_digest.clone().unwrap_or_default(),
        etag: etag(row),
    })
}

/// The fields of an update mask, validated; `*` expands to all of them.
pub fn update_paths(paths: &[String]) -> Result<Vec<&'static str>> {
    const ALL: [&str; 8] = [
        "url",
        "credentials",
        "tls.ca_pem",
        "tls.insecure_skip_tls_verify",
        "tls.client_certificate_pem",
        "tls.client_key_pem",
        "plain_http",
        "pass_credentials_all",
    ];
    if paths.is_empty() {
        return Err(Error::invalid("update_mask", "required"));
    }
    let mut out = Vec::new();
    let mut violations = Vec::new();
    for (i, path) in paths.iter().enumerate() {
        match path.as_str() {
            "*" => out.extend(ALL),
            "tls" => out.extend(&ALL[2..6]),
            p => match ALL.iter().find(|a| **a == p) {
                Some(a) => out.push(*a),
                None => violations.push(FieldViolation {
                    field: format!("update_mask.paths[{i}]"),
                    description: if matches!(p, "name" | "type") {
                        format!("{p} is immutable")
                    } else {
                        format!("{p:?} cannot be changed")
                    },
                }),
            },
        }
    }
    if !violations.is_empty() {
        return Err(Error::InvalidArgument(violations));
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use helmd_proto::v1::BasicCredentials;

    fn check(repo: Repository, fields: &[&str]) {
        match new_repository(Some(&repo)) {
            Ok(_) => assert!(fields.is_empty(), "expected violations {fields:?}"),
            Err(Error::InvalidArgument(v)) => {
                let got: Vec<&str> = v.iter().map(|v| v.field.as_str()).collect();
                assert_eq!(got, fields);
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }

    fn http(name: &str, url: &str) -> Repository {
        Repository {
            name: name.into(),
            r#type: RepositoryType::Http as i32,
            url: url.into(),
            ..Repository::default()
        }
    }

    #[test]
    fn repositories_are_validated_field_by_field() {
        check(http("charts", "https://charts.example.com"), &[]);
        check(
            http("Charts", "ftp://x"),
            &["repository.name", "repository.url"],
        );
        check(
            http("a-", "https://u:p@x"),
            &["repository.name", "repository.url"],
        );
        let mut oci = http("oci", "oci://registry.example.com/charts");
        oci.r#type = RepositoryType::Oci as i32;
        check(oci.clone(), &[]);
        oci.url = "oci://registry.example.com/charts:1.0".into();
        check(oci, &["repository.url"]);
        let mut basic = http("b", "https://x");
        basic.credentials = Some(RepositoryCredentials {
            kind: Some(repository_credentials::Kind::Basic(BasicCredentials {
                username: String::new(),
                password: "p".into(),
            })),
        });
        check(basic, &["repository.credentials.basic.username"]);
        check(
            Repository {
                name: "x".into(),
                ..Repository::default()
            },
            &["repository.type", "repository.url"],
        );
    }

    #[test]
    fn inline_credentials_never_print() {
        let c = InlineCredentials::Basic {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn update_masks_expand_and_reject_immutable_fields() {
        assert_eq!(update_paths(&["*".into()]).expect("ok").len(), 8);
        assert_eq!(
            update_paths(&["tls".into(), "url".into()])
                .expect("ok")
                .len(),
            5
        );
        assert!(update_paths(&["name".into()]).is_err());
        assert!(update_paths(&[]).is_err());
    }
}
