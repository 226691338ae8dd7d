//! Registry authorization: reads the `/v2/` challenge, fetches scoped bearer tokens with
//! Docker's token protocol (`GET realm?service&scope` with basic auth or none; an OAuth2
//! `POST` with `grant_type=refresh_token` for an identity token), and logs in.
//!
//! Every registry request (`oci/pull.rs`, `oci/push.rs`, tags) presents the result as a
//! bearer token (or basic credentials for an htpasswd registry), so every credential
//! kind takes one path and failures are
//! classified here: the token service refusing the credentials is `Unauthenticated`;
//! the registry refusing a token the credentials earned is `PermissionDenied` (the
//! token service granted less than the operation needs).

use std::collections::HashMap;

use tokio::sync::{Mutex, OnceCell};

use crate::error::{Error, Result};
use crate::retry::{Failure, retry, transient_or};
use crate::secret::{Credentials, Secret};
use crate::transport::Transport;

/// What to present to the registry for one scope.
#[derive(Clone, Debug)]
pub(crate) enum Access {
    /// Nothing.
    Anonymous,
    /// HTTP basic (an htpasswd registry).
    Basic { username: String, password: Secret },
    /// A bearer token; `credentialed` when credentials earned it (so a refusal means
    /// the token lacks the scope, not that the credentials are wrong).
    Bearer { token: Secret, credentialed: bool },
}

impl Access {
    pub(crate) fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self {
            Access::Anonymous => request,
            Access::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose()))
            }
            Access::Bearer { token, .. } => request.bearer_auth(token.expose()),
        }
    }

    /// Whether a 401 from the registry means "not allowed" rather than "who are you".
    pub(crate) fn refusal_is_denial(&self) -> bool {
        matches!(
            self,
            Access::Bearer {
                credentialed: true,
                ..
            }
        )
    }
}

/// How the registry asks clients to authenticate (its `/v2/` answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Challenge {
    /// `/v2/` answered 200: no authentication.
    Open,
    /// `WWW-Authenticate: Basic …`.
    Basic,
    /// `WWW-Authenticate: Bearer realm=…,service=…`.
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// Authorization for one registry host and one set of credentials.
pub(crate) struct Authorizer {
    http: reqwest::Client,
    base: String,
    host: String,
    transport: Transport,
    challenge: OnceCell<Challenge>,
    tokens: Mutex<HashMap<String, Access>>,
}

impl Authorizer {
    pub(crate) fn new(host: &str, transport: &Transport) -> Result<Self> {
        let scheme = if transport.plain_http {
            "http"
        } else {
            "https"
        };
        Ok(Authorizer {
            http: transport.http_client()?,
            base: format!("{scheme}://{host}"),
            host: host.to_owned(),
            transport: transport.clone(),
            challenge: OnceCell::new(),
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// `scheme://host`.
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// The HTTP client (the transport's TLS settings).
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn unauthenticated(&self, reason: &str) -> Error {
        Error::Unauthenticated {
            host: self.host.clone(),
            reason: reason.to_owned(),
        }
    }

    /// What to present for `scope` (`repository:NAME:pull,push`), fetching a token when
    /// the registry wants one; cached per scope.
    pub(crate) async fn access(&self, scope: Option<&str>) -> Result<Access> {
        if let Credentials::Bearer(token) = &self.transport.credentials {
            // A token given as is may simply be stale: a refusal stays "who are you".
            return Ok(Access::Bearer {
                token: token.clone(),
                credentialed: false,
            });
        }
        let key = scope.unwrap_or_default().to_owned();
        if let Some(access) = self.tokens.lock().await.get(&key) {
            return Ok(access.clone());
        }
        let access = match self.challenge().await? {
            Challenge::Open => Access::Anonymous,
            Challenge::Basic => match &self.transport.credentials {
                Credentials::Basic { username, password } => Access::Basic {
                    username: username.clone(),
                    password: password.clone(),
                },
                Credentials::IdentityToken(_) => {
                    return Err(self.unauthenticated(
                        "an identity token needs a registry with token authentication",
                    ));
                }
                _ => Access::Anonymous,
            },
            Challenge::Bearer { realm, service } => {
                let token = self.fetch_token(&realm, service.as_deref(), scope).await?;
                Access::Bearer {
                    token,
                    credentialed: !self.transport.credentials.is_anonymous(),
                }
            }
        };
        self.tokens.lock().await.insert(key, access.clone());
        Ok(access)
    }

    /// Logs in as `docker login` does: a token without scope when the registry wants
    /// tokens, then `GET /v2/` with what the credentials earned.
    pub(crate) async fn login(&self) -> Result<()> {
        let access = self.access(None).await?;
        let url = format!("{}/v2/", self.base);
        let status = retry(self.transport.retry, &self.host, || async {
            let response = access
                .apply(self.http.get(&url))
                .send()
                .await
                .map_err(|e| self.transient(e))?;
            Ok::<_, Failure>(response.status().as_u16())
        })
        .await?;
        match status {
            200 => Ok(()),
            401 => Err(self.unauthenticated("credentials rejected")),
            403 => Err(Error::PermissionDenied {
                host: self.host.clone(),
                resource: "/v2/".to_owned(),
            }),
            other => Err(Error::protocol(
                self.base.clone(),
                format!("GET /v2/ answered HTTP {other}"),
            )),
        }
    }

    pub(crate) fn transient(&self, e: reqwest::Error) -> Failure {
        let base = self.base.clone();
        transient_or(e.without_url(), |text| Error::protocol(base, text))
    }

    async fn challenge(&self) -> Result<Challenge> {
        self.challenge
            .get_or_try_init(|| async {
                let url = format!("{}/v2/", self.base);
                if let Ok(parsed) = url::Url::parse(&url) {
                    self.transport.addresses.check_url(&parsed)?;
                }
                retry(self.transport.retry, &self.host, || async {
                    let response = self
                        .http
                        .get(&url)
                        .send()
                        .await
                        .map_err(|e| self.transient(e))?;
                    let status = response.status().as_u16();
                    let header = response
                        .headers()
                        .get(reqwest::header::WWW_AUTHENTICATE)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    match (status, header) {
                        (401, Some(header)) => Ok(parse_challenge(&header).ok_or_else(|| {
                            Error::protocol(
                                self.base.clone(),
                                "unsupported WWW-Authenticate challenge",
                            )
                        })?),
                        (401, None) => Err(Error::protocol(
                            self.base.clone(),
                            "GET /v2/ answered 401 without a challenge",
                        )
                        .into()),
                        (429 | 500.., _) => Err(Failure::Transient(format!(
                            "GET /v2/ answered HTTP {status}"
                        ))),
                        // 404 and friends: not a distribution API we can authenticate to
                        // here; let the operation itself report what is wrong.
                        _ => Ok(Challenge::Open),
                    }
                })
                .await
            })
            .await
            .cloned()
    }

    async fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
    ) -> Result<Secret> {
        let mut params: Vec<(&str, &str)> = Vec::new();
        if let Some(service) = service {
            params.push(("service", service));
        }
        if let Some(scope) = scope {
            params.push(("scope", scope));
        }
        let opt_in = self.transport.pass_credentials_all;
        if !realm_allowed(realm, self.transport.plain_http || opt_in) {
            return Err(Error::protocol(
                self.base.clone(),
                format!("the token realm {realm:?} is not HTTPS; credentials are not sent there"),
            ));
        }
        let realm_url = url::Url::parse(realm)
            .map_err(|_| Error::protocol(self.base.clone(), "the token realm is not a URL"))?;
        self.transport.addresses.check_url(&realm_url)?;
        let credentials = &self.transport.credentials;
        if !credentials.is_anonymous()
            && !opt_in
            && let Some(reason) = foreign_realm(&self.base, &realm_url)
        {
            return Err(Error::CredentialsWithheld {
                host: self.host.clone(),
                target: crate::error::redact_url(realm),
                reason,
            });
        }
        let body = retry(self.transport.retry, &self.host, || async {
            let request = match credentials {
                Credentials::IdentityToken(token) => {
                    let mut form = params.clone();
                    form.extend([
                        ("grant_type", "refresh_token"),
                        ("client_id", "helmd"),
                        ("refresh_token", token.expose()),
                    ]);
                    let body = url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(&form)
                        .finish();
                    self.http
                        .post(realm)
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .body(body)
                }
                Credentials::Basic { username, password } => {
                    let mut query = params.clone();
                    query.push(("account", username));
                    self.http
                        .get(realm)
                        .query(&query)
                        .basic_auth(username, Some(password.expose()))
                }
                _ => self.http.get(realm).query(&params),
            };
            let response = request.send().await.map_err(|e| self.transient(e))?;
            let status = response.status().as_u16();
            match status {
                200 => crate::net::read_body(
                    response,
                    crate::transport::MAX_TOKEN_RESPONSE_BYTES,
                    "token response",
                )
                .await
                .map(|b| b.to_vec()),
                401 | 403 => Err(self
                    .unauthenticated("the token service rejected the credentials")
                    .into()),
                429 | 500.. => Err(Failure::Transient(format!(
                    "the token service answered HTTP {status}"
                ))),
                _ => Err(Error::protocol(
                    self.base.clone(),
                    format!("the token service answered HTTP {status}"),
                )
                .into()),
            }
        })
        .await?;
        parse_token_response(&body, &self.base)
    }
}

/// The token of a token-service response (`token`, else OAuth2's `access_token`).
pub fn parse_token_response(body: &[u8], source_name: &str) -> Result<Secret> {
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        #[serde(default)]
        token: Option<String>,
        #[serde(default)]
        access_token: Option<String>,
    }
    let parsed: TokenResponse = serde_json::from_slice(body)
        .map_err(|_| Error::protocol(source_name, "the token service answered no JSON"))?;
    parsed
        .token
        .or(parsed.access_token)
        .filter(|t| !t.is_empty())
        .map(Secret::new)
        .ok_or_else(|| Error::protocol(source_name, "the token service answered no token"))
}

/// Whether credentials may go to `realm`: HTTPS always; plain HTTP only when the
/// registry itself is reached over plain HTTP (no downgrade from a TLS registry).
fn realm_allowed(realm: &str, plain_http: bool) -> bool {
    match url::Url::parse(realm) {
        Ok(url) => url.scheme() == "https" || (plain_http && url.scheme() == "http"),
        Err(_) => false,
    }
}

/// Why a realm is foreign to the registry at `base` (`scheme://host[:port]`), if it is:
/// another host, or plain HTTP where the registry speaks HTTPS. Another port on the
/// same host is the same party (registries commonly serve tokens on their own port).
fn foreign_realm(base: &str, realm: &url::Url) -> Option<&'static str> {
    let base = url::Url::parse(base).ok()?;
    if base.scheme() == "https" && realm.scheme() != "https" {
        return Some("the token realm is plain HTTP while the registry is HTTPS");
    }
    if base.host_str() != realm.host_str() {
        return Some("the token realm is on another host");
    }
    None
}

/// Parses `Basic realm="x"` or `Bearer realm="…",service="…",scope="…"`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let params = parse_params(rest);
    let realm = params.get("realm")?.clone();
    Some(Challenge::Bearer {
        realm,
        service: params.get("service").cloned(),
    })
}

/// `key="value", key=value` pairs (values may hold commas inside quotes).
fn parse_params(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if chars.next().is_none() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value.extend(std::iter::from_fn(|| chars.next_if(|c| *c != ',')));
        }
        out.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_go_to_a_plain_http_realm_of_a_tls_registry() {
        assert!(realm_allowed("https://auth.example.com/token", false));
        assert!(realm_allowed("https://auth.example.com/token", true));
        assert!(realm_allowed("http://127.0.0.1:5001/token", true));
        assert!(!realm_allowed("http://auth.example.com/token", false));
        assert!(!realm_allowed("ftp://auth.example.com/token", true));
        assert!(!realm_allowed("not a url", true));
    }

    #[test]
    fn a_realm_on_another_host_or_downgraded_is_foreign() {
        let realm = |u: &str| url::Url::parse(u).expect("url");
        assert_eq!(
            foreign_realm("https://r.example", &realm("https://r.example/token")),
            None
        );
        assert_eq!(
            foreign_realm("https://r.example:443", &realm("https://r.example/t")),
            None
        );
        assert!(foreign_realm("https://r.example", &realm("https://auth.example/t")).is_some());
        assert!(foreign_realm("https://r.example", &realm("http://r.example/t")).is_some());
        assert_eq!(
            foreign_realm("http://127.0.0.1:5000", &realm("http://127.0.0.1:5001/t")),
            None
        );
        assert!(
            foreign_realm("http://127.0.0.1:5000", &realm("http://localhost:5001/t")).is_some()
        );
    }

    #[test]
    fn challenges_parse_with_quoted_commas_and_any_case() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.example.com/token",service="reg",scope="repository:a/b:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.example.com/token".into(),
                service: Some("reg".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"basic realm="helmd-test""#),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge("BEARER realm=https://a/t, service=s"),
            Some(Challenge::Bearer {
                realm: "https://a/t".into(),
                service: Some("s".into()),
            })
        );
        assert_eq!(parse_challenge("Negotiate abc"), None);
        assert_eq!(parse_challenge(r#"Bearer service="x""#), None);
    }
}
