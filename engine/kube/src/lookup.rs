//! Helm's `lookup` against the live cluster: the kind resolved through
//! discovery as Helm's `getAPIResourceForGVK` does, then one GET (a name) or
//! LIST (no name; every namespace when the namespace is empty, which a
//! cluster-scoped kind ignores) on the path client-go's dynamic client builds,
//! the answer read up to a byte limit and decoded as unstructured content.
//! NotFound is `None`; every other failure carries Helm's words.

use helmd_yaml::Value;
use kube::discovery::Scope;

use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::unstructured;

/// What a template's `lookup` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lookup<'a> {
    /// `v1`, `apps/v1`.
    pub api_version: &'a str,
    /// `ConfigMap`.
    pub kind: &'a str,
    /// Empty: every namespace.
    pub namespace: &'a str,
    /// Empty: a list.
    pub name: &'a str,
}

/// The endpoint of a kind as Helm's lookup finds it. A kind the group version
/// does not serve leaves every field empty (Helm goes on with an empty
/// `APIResource`, so its request lands on `/api/...`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Endpoint {
    group: String,
    version: String,
    plural: String,
    namespaced: bool,
}

impl Kube {
    /// Helm's `lookup`: the object or list as unstructured content, `None` when
    /// the server answers NotFound. The answer may hold at most `max_bytes`
    /// (`Error::ResponseTooLarge` beyond).
    pub async fn lookup(&self, q: &Lookup<'_>, max_bytes: usize) -> Result<Option<Value>> {
        let endpoint = self.endpoint(q.api_version, q.kind)?;
        let namespace = if endpoint.namespaced { q.namespace } else { "" };
        check_segment("namespace", namespace)?;
        if !q.name.is_empty() {
            check_segment("resource name", q.name)?;
        }
        let path = path(&endpoint, namespace, q.name);
        let request = http::Request::get(&path)
            .body(Vec::new())
            .map_err(|e| Error::LookupFailed(format!("Get {path:?}: {e}")))?;
        let body = match self.client().request_stream(request).await {
            Ok(body) => body,
            Err(kube::Error::Api(status)) if is_not_found(status.code, &status.reason) => {
                return Ok(None);
            }
            Err(kube::Error::Api(status)) => {
                return Err(Error::LookupFailed(status.message.clone()));
            }
            Err(e) => return Err(Error::LookupFailed(format!("Get {path:?}: {e}"))),
        };
        let bytes = crate::body::read_at_most(body, max_bytes)
            .await
            .map_err(|e| Error::LookupFailed(format!("Get {path:?}: {e}")))?
            .ok_or(Error::ResponseTooLarge { limit: max_bytes })?;
        let json: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| Error::LookupFailed(e.to_string()))?;
        let value = if q.name.is_empty() {
            unstructured::list(json)
        } else {
            unstructured::object(json)
        };
        value.map(Some).map_err(|e| Error::LookupFailed(e.0))
    }

    /// Helm's `getDynamicClientOnKind`: the group version must be served (its
    /// discovery document read), the kind looked up in it.
    fn endpoint(&self, api_version: &str, kind: &str) -> Result<Endpoint> {
        let (group, version) = parse_group_version(api_version);
        let gvk = format!("{group}/{version}, Kind={kind}");
        let group_version = if group.is_empty() {
            version.to_owned()
        } else {
            format!("{group}/{version}")
        };
        let fail = |why: &str| {
            Error::LookupFailed(format!(
                "unable to get apiresource from unstructured: {gvk}: {why}"
            ))
        };
        if group_version.is_empty() {
            return Err(fail("groupVersion shouldn't be empty"));
        }
        let served = self.served();
        let discovery = &served.discovery;
        if version.is_empty() && discovery.get(group).is_some() {
            // `apps/`: Helm reads the group's document where it wants a version's.
            return Err(fail(
                "converting (v1.APIGroup) to (v1.APIResourceList): unknown conversion",
            ));
        }
        let served = discovery
            .get(group)
            .filter(|g| g.versions().any(|v| v == version));
        let Some(api_group) = served else {
            return Err(fail("the server could not find the requested resource"));
        };
        Ok(api_group
            .versioned_resources(version)
            .into_iter()
            .find(|(r, _)| r.kind == kind)
            .map(|(r, caps)| Endpoint {
                group: group.to_owned(),
                version: version.to_owned(),
                plural: r.plural,
                namespaced: matches!(caps.scope, Scope::Namespaced),
            })
            .unwrap_or_default())
    }
}

/// Go's `schema.ParseGroupVersion` as `FromAPIVersionAndKind` uses it: a
/// malformed version reads as empty.
fn parse_group_version(api_version: &str) -> (&str, &str) {
    if api_version.is_empty() || api_version == "/" {
        return ("", "");
    }
    match api_version.matches('/').count() {
        0 => ("", api_version),
        1 => api_version.split_once('/').unwrap_or(("", "")),
        _ => ("", ""),
    }
}

/// client-go's `IsValidPathSegmentName` check on a namespace or name.
fn check_segment(what: &str, s: &str) -> Result<()> {
    let problems: Vec<String> = if s == "." || s == ".." {
        vec![format!("may not be '{s}'")]
    } else {
        ["/", "%"]
            .iter()
            .filter(|c| s.contains(*c))
            .map(|c| format!("may not contain '{c}'"))
            .collect()
    };
    if problems.is_empty() {
        return Ok(());
    }
    Err(Error::LookupFailed(format!(
        "invalid {what} {s:?}: [{}]",
        problems.join(" ")
    )))
}

/// The dynamic client's URL: `/api/v1` or `/apis/<group>/<version>`, then
/// `namespaces/<ns>`, the plural and the name; empty parts left out.
fn path(e: &Endpoint, namespace: &str, name: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if e.group.is_empty() {
        parts.push("api".into());
    } else {
        parts.push("apis".into());
        parts.push(escape(&e.group));
    }
    parts.push(escape(&e.version));
    if !namespace.is_empty() {
        parts.push("namespaces".into());
        parts.push(escape(namespace));
    }
    parts.push(escape(&e.plural));
    parts.push(escape(name));
    let parts: Vec<String> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

/// Percent-encodes a path segment (letters, digits and `-._~` kept).
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// apimachinery's `IsNotFound`: reason NotFound, or a 404 with no known reason.
fn is_not_found(code: u16, reason: &str) -> bool {
    reason == "NotFound" || (code == 404 && !KNOWN_REASONS.contains(&reason))
}

/// apimachinery's `StatusReason` values other than NotFound.
const KNOWN_REASONS: &[&str] = &[
    "Unauthorized",
    "Forbidden",
    "AlreadyExists",
    "Conflict",
    "Gone",
    "Invalid",
    "ServerTimeout",
    "StoreReadError",
    "Timeout",
    "TooManyRequests",
    "BadRequest",
    "MethodNotAllowed",
    "NotAcceptable",
    "RequestEntityTooLarge",
    "UnsupportedMediaType",
    "InternalError",
    "Expired",
    "ServiceUnavailable",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_parse_like_go() {
        assert_eq!(parse_group_version("v1"), ("", "v1"));
        assert_eq!(parse_group_version("apps/v1"), ("apps", "v1"));
        assert_eq!(parse_group_version(""), ("", ""));
        assert_eq!(parse_group_version("/"), ("", ""));
        assert_eq!(parse_group_version("a/b/c"), ("", ""));
    }

    #[test]
    fn paths_are_the_dynamic_clients() {
        let cm = Endpoint {
            group: String::new(),
            version: "v1".into(),
            plural: "configmaps".into(),
            namespaced: true,
        };
        assert_eq!(path(&cm, "ns", "a"), "/api/v1/namespaces/ns/configmaps/a");
        assert_eq!(path(&cm, "", ""), "/api/v1/configmaps");
        let dep = Endpoint {
            group: "apps".into(),
            version: "v1".into(),
            plural: "deployments".into(),
            namespaced: true,
        };
        assert_eq!(
            path(&dep, "ns", ""),
            "/apis/apps/v1/namespaces/ns/deployments"
        );
        assert_eq!(path(&Endpoint::default(), "", "x"), "/api/x");
        assert_eq!(
            path(&cm, "ns", "a b?"),
            "/api/v1/namespaces/ns/configmaps/a%20b%3F"
        );
    }

    #[test]
    fn names_that_leave_their_segment_are_refused_like_client_go() {
        let msg = |r: Result<()>| r.err().map(|e| e.to_string());
        assert_eq!(
            msg(check_segment("resource name", "a/%b")),
            Some(
                "invalid resource name \"a/%b\": [may not contain '/' may not contain '%']".into()
            )
        );
        assert_eq!(
            msg(check_segment("namespace", "..")),
            Some("invalid namespace \"..\": [may not be '..']".into())
        );
        assert!(check_segment("namespace", "").is_ok());
    }

    #[test]
    fn not_found_is_the_reason_or_a_bare_404() {
        assert!(is_not_found(404, "NotFound"));
        assert!(is_not_found(404, "Failed to parse error data"));
        assert!(!is_not_found(404, "Forbidden"));
        assert!(!is_not_found(403, "Forbidden"));
    }
}
