//! Sprig's `urlParse` and `urlJoin` with Go's net/url parsing, escaping and
//! `URL.String` rules (not WHATWG's).

use std::collections::BTreeMap;

use helmd_gotmpl::{ArgType, Arity, FuncMap, go_quote};
use helmd_yaml::{Str, Value};

use super::{str_arg, strval};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if mode == Mode::Host
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => {
            return match mode {
                Mode::Path => c == b'?',
                Mode::UserPassword => matches!(c, b'@' | b'/' | b'?' | b':'),
                Mode::Fragment => false,
                Mode::Host => true,
            };
        }
        _ => {}
    }
    !(mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*'))
}

fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if should_escape(b, mode) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()));
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(v) => {
                    out.push(v);
                    i += 3;
                }
                None => {
                    let end = (i + 3).min(s.len());
                    let bad = s.get(i..end).unwrap_or(&s[i..]);
                    return Err(format!("invalid URL escape {}", go_quote(bad)));
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[derive(Default)]
struct Url {
    scheme: String,
    opaque: String,
    user: Option<UserInfo>,
    host: String,
    path: String,
    raw_query: String,
    fragment: String,
}

fn get_scheme(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.bytes().enumerate() {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' => {}
            b'0'..=b'9' | b'+' | b'-' | b'.' if i > 0 => {}
            b':' if i == 0 => return Err("missing protocol scheme".into()),
            b':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

/// A user name and optional password.
type UserInfo = (String, Option<String>);

fn parse_authority(auth: &str) -> Result<(Option<UserInfo>, String), String> {
    let (user, host) = match auth.rfind('@') {
        Some(i) => (Some(&auth[..i]), &auth[i + 1..]),
        None => (None, auth),
    };
    let port_part = if host.starts_with('[') {
        let Some(close) = host.rfind(']') else {
            return Err("missing ']' in host".into());
        };
        &host[close + 1..]
    } else {
        host.rfind(':').map_or("", |i| &host[i..])
    };
    let valid_port = port_part.is_empty()
        || (port_part.starts_with(':') && port_part[1..].bytes().all(|b| b.is_ascii_digit()));
    if !valid_port {
        return Err(format!("invalid port {} after host", go_quote(port_part)));
    }
    let host = unescape(host)?;
    let user = match user {
        None => None,
        Some(u) => match u.split_once(':') {
            Some((n, p)) => Some((unescape(n)?, Some(unescape(p)?))),
            None => Some((unescape(u)?, None)),
        },
    };
    Ok((user, host))
}

/// Go's `url.Parse`.
fn parse(raw: &str) -> Result<Url, String> {
    let (u, frag) = raw.split_once('#').unwrap_or((raw, ""));
    let wrap = |e: String| format!("parse {}: {e}", go_quote(u));
    if u.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(wrap("net/url: invalid control character in URL".into()));
    }
    let mut url = Url::default();
    if u == "*" {
        url.path = "*".into();
    } else {
        let (scheme, rest) = get_scheme(u).map_err(wrap)?;
        url.scheme = scheme.to_ascii_lowercase();
        let mut rest = rest.to_string();
        if rest.ends_with('?') && rest.matches('?').count() == 1 {
            rest.pop();
        } else if let Some((r, q)) = rest.clone().split_once('?') {
            url.raw_query = q.to_string();
            rest = r.to_string();
        }
        if !rest.starts_with('/') {
            if !url.scheme.is_empty() {
                url.opaque = rest;
                return finish(url, frag, &wrap);
            }
            if rest.split('/').next().is_some_and(|s| s.contains(':')) {
                return Err(wrap(
                    "first path segment in URL cannot contain colon".into(),
                ));
            }
        }
        if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
            let auth_rest = &rest[2..];
            let (auth, path) = match auth_rest.find('/') {
                Some(i) => (&auth_rest[..i], &auth_rest[i..]),
                None => (auth_rest, ""),
            };
            let (user, host) = parse_authority(auth).map_err(wrap)?;
            url.user = user;
            url.host = host;
            rest = path.to_string();
        }
        url.path = unescape(&rest).map_err(wrap)?;
    }
    finish(url, frag, &wrap)
}

fn finish(mut url: Url, frag: &str, wrap: &dyn Fn(String) -> String) -> Result<Url, String> {
    url.fragment = unescape(frag).map_err(wrap)?;
    Ok(url)
}

fn hostname(host: &str) -> String {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    match host.rfind(':') {
        Some(i) => host[..i].to_string(),
        None => host.to_string(),
    }
}

fn user_string(user: &UserInfo) -> String {
    let mut s = escape(&user.0, Mode::UserPassword);
    if let Some(p) = &user.1 {
        s.push(':');
        s.push_str(&escape(p, Mode::UserPassword));
    }
    s
}

/// Go's `URL.String`.
fn to_string(u: &Url) -> String {
    let mut out = String::new();
    if !u.scheme.is_empty() {
        out.push_str(&u.scheme);
        out.push(':');
    }
    if !u.opaque.is_empty() {
        out.push_str(&u.opaque);
    } else {
        if !u.scheme.is_empty() || !u.host.is_empty() || u.user.is_some() {
            if !u.host.is_empty() || !u.path.is_empty() || u.user.is_some() {
                out.push_str("//");
            }
            if let Some(user) = &u.user {
                out.push_str(&user_string(user));
                out.push('@');
            }
            out.push_str(&escape(&u.host, Mode::Host));
        }
        let path = if u.path == "*" {
            "*".to_string()
        } else {
            escape(&u.path, Mode::Path)
        };
        if !path.is_empty() && !path.starts_with('/') && !u.host.is_empty() {
            out.push('/');
        }
        if out.is_empty() && path.split('/').next().is_some_and(|s| s.contains(':')) {
            out.push_str("./");
        }
        out.push_str(&path);
    }
    if !u.raw_query.is_empty() {
        out.push('?');
        out.push_str(&u.raw_query);
    }
    if !u.fragment.is_empty() {
        out.push('#');
        out.push_str(&escape(&u.fragment, Mode::Fragment));
    }
    out
}

pub(crate) fn register(f: &mut FuncMap) {
    f.insert_typed("urlParse", Arity::Exact(1), &[ArgType::String], |_, a| {
        let u = parse(str_arg(&a[0])).map_err(|e| format!("unable to parse url: {e}"))?;
        let mut m: BTreeMap<Str, Value> = BTreeMap::new();
        m.insert("scheme".into(), Value::from(u.scheme.clone()));
        m.insert("host".into(), Value::from(u.host.clone()));
        m.insert("hostname".into(), Value::from(hostname(&u.host)));
        m.insert("path".into(), Value::from(u.path.clone()));
        m.insert("query".into(), Value::from(u.raw_query.clone()));
        m.insert("opaque".into(), Value::from(u.opaque.clone()));
        m.insert("fragment".into(), Value::from(u.fragment.clone()));
        m.insert(
            "userinfo".into(),
            Value::from(u.user.as_ref().map(user_string).unwrap_or_default()),
        );
        Ok(Value::map(m))
    });
    f.insert_typed("urlJoin", Arity::Exact(1), &[ArgType::Map], |_, a| {
        let get = |k: &str| -> String {
            a[0].as_map()
                .and_then(|m| m.get(k))
                .map(|v| strval(&v))
                .unwrap_or_default()
        };
        let mut u = Url {
            scheme: get("scheme"),
            host: get("host"),
            path: get("path"),
            raw_query: get("query"),
            opaque: get("opaque"),
            fragment: get("fragment"),
            user: None,
        };
        let userinfo = get("userinfo");
        if !userinfo.is_empty() {
            let t = parse(&format!("proto://{userinfo}@host"))
                .map_err(|e| format!("unable to parse userinfo in dict: {e}"))?;
            u.user = t.user;
        }
        Ok(Value::from(to_string(&u)))
    });
}
