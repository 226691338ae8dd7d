//! A Docker registry token service on 127.0.0.1 for `docker-registry`'s `auth.token`:
//! `GET /token?service=…&scope=repository:NAME:ACTIONS` with basic auth, or an OAuth2
//! `POST /token` (`grant_type=password` or `refresh_token` with an identity token),
//! answers `{"token", "access_token", "expires_in", "issued_at"}`: an ES256 JWT whose
//! header carries the signing certificate (`x5c`), chained to the CA the registry trusts
//! (`rootcertbundle`). Claims are the ones distribution 2.8 checks: `iss`, `aud` (the
//! service, a string), `exp`, `nbf`, and `access` (granted actions per repository).
//!
//! Each user's grants are per repository (exact name, `prefix/*`, or `*`); a token grants
//! the intersection of what was asked and what the user may do, as Docker's token
//! services do, so the registry refuses the rest (401 `insufficient_scope`). Wrong
//! passwords and unknown identity tokens get 401. Anonymous requests get a token with no
//! access at all, so the registry still refuses them (as a private registry would).
//! Runs on its own thread and runtime, so it answers even while a test blocks on a
//! child process (Helm).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::registry::TestCa;

/// The `service` the registry names in its challenge (and the tokens' audience).
pub const SERVICE: &str = "helmd-test-registry";
/// The tokens' issuer, trusted by the registry.
pub const ISSUER: &str = "helmd-test-token-service";

/// What one user may do in the repositories matching `repository`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `charts/demo` (exact), `charts/*` (prefix) or `*` (every repository).
    pub repository: String,
    /// `pull`, `push`, `delete`, or `*`.
    pub actions: Vec<String>,
}

impl Grant {
    /// `actions` on the repositories matching `repository`.
    pub fn new(repository: &str, actions: &[&str]) -> Self {
        Grant {
            repository: repository.to_owned(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    fn matches(&self, repository: &str) -> bool {
        match self.repository.strip_suffix('*') {
            Some(prefix) => repository.starts_with(prefix),
            None => self.repository == repository,
        }
    }
}

/// A user of the token service.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// User name.
    pub username: String,
    /// Password (basic auth and OAuth2 `password` grant).
    pub password: String,
    /// An identity (refresh) token accepted by the OAuth2 `refresh_token` grant.
    pub identity_token: Option<String>,
    /// What the user may do.
    pub grants: Vec<Grant>,
}

impl std::fmt::Debug for TokenUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenUser")
            .field("username", &self.username)
            .field("grants", &self.grants)
            .finish_non_exhaustive()
    }
}

impl TokenUser {
    /// A user with these grants and no identity token.
    pub fn new(username: &str, password: &str, grants: Vec<Grant>) -> Self {
        TokenUser {
            username: username.to_owned(),
            password: password.to_owned(),
            identity_token: None,
            grants,
        }
    }
}

/// One token the service issued (never the credentials that got it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// The user, or `None` for an anonymous request.
    pub username: Option<String>,
    /// How the client asked: `GET` (basic auth), `password` or `refresh_token`.
    pub grant: String,
    /// The scopes asked for.
    pub requested: Vec<String>,
    /// What was granted, as `repository:NAME:ACTIONS` scopes.
    pub granted: Vec<String>,
}

struct Shared {
    users: Vec<TokenUser>,
    signer: Signer,
    issued: Mutex<Vec<Issued>>,
}

struct Signer {
    key: ring::signature::EcdsaKeyPair,
    x5c: String,
    rng: ring::rand::SystemRandom,
}

/// A running token service; stops on drop.
pub struct TokenServer {
    addr: SocketAddr,
    tls: bool,
    root_pem: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for TokenServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenServer")
            .field("addr", &self.addr)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl TokenServer {
    /// Starts the service for `users`, over HTTPS with `tls`'s leaf when given.
    pub fn start(users: Vec<TokenUser>, tls: Option<&TestCa>) -> Result<Self> {
        let signing = TestCa::generate().context("generating the token signing CA")?;
        let signer = Signer::new(&signing)?;
        let shared = Arc::new(Shared {
            users,
            signer,
            issued: Mutex::new(Vec::new()),
        });
        let tls_config = tls.map(crate::http_repo::tls_config).transpose()?;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").context("binding")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new()
            .route("/token", get(get_token).post(post_token))
            .with_state(shared.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the token service runtime")?;
        let thread = std::thread::Builder::new()
            .name("token-service".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let serve = async move {
                        match tls_config {
                            None => {
                                let _ = axum::serve(listener, app).await;
                            }
                            Some(config) => {
                                crate::http_repo::serve_tls(listener, app, config).await;
                            }
                        }
                    };
                    tokio::select! {
                        () = serve => {}
                        _ = stopped => {}
                    }
                });
            })
            .context("spawning the token service thread")?;
        Ok(TokenServer {
            addr,
            tls: tls.is_some(),
            root_pem: signing.cert_pem,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The realm: `http(s)://127.0.0.1:PORT/token`.
    pub fn realm(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}/token", self.addr)
    }

    /// The CA certificate (PEM) the tokens' signing certificate chains to: the
    /// registry's `rootcertbundle`.
    pub fn root_cert_pem(&self) -> &str {
        &self.root_pem
    }

    /// Every token issued so far, in order.
    pub fn issued(&self) -> Vec<Issued> {
        self.shared
            .issued
            .lock()
            .map(|l| l.clone())
            .unwrap_or_default()
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Signer {
    fn new(ca: &TestCa) -> Result<Self> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let rng = ring::rand::SystemRandom::new();
        let key_der =
            rustls::pki_types::PrivatePkcs8KeyDer::from_pem_slice(ca.leaf_key_pem.as_bytes())
                .context("reading the signing key")?;
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            key_der.secret_pkcs8_der(),
            &rng,
        )
        .map_err(|e| anyhow::anyhow!("the signing key is not P-256: {e}"))?;
        let cert = CertificateDer::from_pem_slice(ca.leaf_pem.as_bytes())?;
        Ok(Signer {
            key,
            x5c: STANDARD.encode(cert.as_ref()),
            rng,
        })
    }

    fn sign(&self, claims: &serde_json::Value) -> Result<String> {
        let header = serde_json::json!({"typ": "JWT", "alg": "ES256", "x5c": [self.x5c]});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?)
        );
        let signature = self
            .key
            .sign(&self.rng, signing_input.as_bytes())
            .map_err(|e| anyhow::anyhow!("signing: {e}"))?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.as_ref())
        ))
    }
}

fn unauthorized(message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"code": "UNAUTHORIZED", "message": message}]});
    (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn bad_request(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, message.to_owned()).into_response()
}

/// `GET /token`: basic auth (or none), `service`, `scope` (repeatable), `account`.
async fn get_token(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let user = match basic_user(&shared, &headers) {
        Ok(user) => user,
        Err(()) => return unauthorized("invalid username or password"),
    };
    issue(&shared, user, "GET", &query)
}

/// `POST /token`: OAuth2 form with `grant_type` `password` or `refresh_token`.
async fn post_token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let grant = field("grant_type").unwrap_or_default().to_owned();
    let user = match grant.as_str() {
        "password" => shared.users.iter().find(|u| {
            Some(u.username.as_str()) == field("username")
                && Some(u.password.as_str()) == field("password")
        }),
        "refresh_token" => shared.users.iter().find(|u| {
            u.identity_token.is_some() && u.identity_token.as_deref() == field("refresh_token")
        }),
        _ => return bad_request("unsupported grant_type"),
    };
    let Some(user) = user else {
        return unauthorized("invalid credentials");
    };
    issue(&shared, Some(user), &grant, &form)
}

/// The user named by a correct `Authorization: Basic`; `None` when absent.
fn basic_user<'a>(
    shared: &'a Shared,
    headers: &HeaderMap,
) -> std::result::Result<Option<&'a TokenUser>, ()> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let encoded = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or(())?;
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| ())?;
    let decoded = String::from_utf8(decoded).map_err(|_| ())?;
    let (name, password) = decoded.split_once(':').ok_or(())?;
    shared
        .users
        .iter()
        .find(|u| u.username == name && u.password == password)
        .map(Some)
        .ok_or(())
}

fn issue(
    shared: &Shared,
    user: Option<&TokenUser>,
    grant: &str,
    params: &[(String, String)],
) -> Response {
    let service = params.iter().find(|(k, _)| k == "service").map(|(_, v)| v);
    if service.is_some_and(|s| s != SERVICE) {
        return bad_request("unknown service");
    }
    let requested: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "scope")
        .flat_map(|(_, v)| v.split(' ').map(str::to_owned))
        .filter(|s| !s.is_empty())
        .collect();
    let mut access: HashMap<String, Vec<String>> = HashMap::new();
    for scope in &requested {
        let mut parts = scope.splitn(3, ':');
        let (Some("repository"), Some(name), Some(actions)) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let allowed: Vec<&Grant> = user
            .map(|u| u.grants.iter().filter(|g| g.matches(name)).collect())
            .unwrap_or_default();
        for action in actions.split(',') {
            let ok = allowed
                .iter()
                .any(|g| g.actions.iter().any(|a| a == "*" || a == action));
            let entry = access.entry(name.to_owned()).or_default();
            if ok && !entry.iter().any(|a| a == action) {
                entry.push(action.to_owned());
            }
        }
    }
    access.retain(|_, actions| !actions.is_empty());
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mut names: Vec<&String> = access.keys().collect();
    names.sort();
    let access_claim: Vec<serde_json::Value> = names
        .iter()
        .map(|name| serde_json::json!({"type": "repository", "name": name, "actions": access[*name]}))
        .collect();
    let claims = serde_json::json!({
        "iss": ISSUER,
        "sub": user.map(|u| u.username.as_str()).unwrap_or_default(),
        "aud": SERVICE,
        "exp": now + 300,
        "nbf": now.saturating_sub(10),
        "iat": now,
        "jti": format!("{now}-{}", shared.issued.lock().map(|l| l.len()).unwrap_or_default()),
        "access": access_claim,
    });
    let Ok(token) = shared.signer.sign(&claims) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(mut issued) = shared.issued.lock() {
        issued.push(Issued {
            username: user.map(|u| u.username.clone()),
            grant: grant.to_owned(),
            requested,
            granted: names
                .iter()
                .map(|n| format!("repository:{n}:{}", access[*n].join(",")))
                .collect(),
        });
    }
    let issued_at = time_rfc3339(now);
    let body = serde_json::json!({
        "token": token,
        "access_token": token,
        "expires_in": 300,
        "issued_at": issued_at,
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// Seconds since the epoch as RFC 3339 UTC (`1970-01-01T00:00:00Z`).
fn time_rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issued_at_prints_as_rfc3339_utc() {
        assert_eq!(time_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(time_rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn grants_match_exact_names_prefixes_and_everything() {
        assert!(Grant::new("charts/demo", &["pull"]).matches("charts/demo"));
        assert!(!Grant::new("charts/demo", &["pull"]).matches("charts/demo2"));
        assert!(Grant::new("charts/*", &["pull"]).matches("charts/x/y"));
        assert!(Grant::new("*", &["pull"]).matches("anything"));
    }
}
