//! Network hygiene for every source request: which addresses a source may reach (checked
//! after DNS resolution and on every redirect hop), bounded body reads, and short
//! sanitised excerpts of what a peer sent, so no error ever echoes a whole response.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use futures::StreamExt;

use crate::error::{Error, Result};
use crate::retry::Failure;

/// Longest excerpt of peer-supplied text an error quotes.
pub const EXCERPT_CHARS: usize = 160;

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `::1/128`, or a bare address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` lies in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                prefix_eq(&net.octets(), &ip.octets(), self.prefix)
            }
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], prefix: u8) -> bool {
    let full = usize::from(prefix / 8);
    let rest = prefix % 8;
    if a[..full] != b[..full] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (a[full] & mask) == (b[full] & mask)
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let addr: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(Cidr {
            addr: canonical(addr),
            prefix: if canonical(addr).is_ipv4() && !addr.is_ipv4() {
                prefix.saturating_sub(96)
            } else {
                prefix
            },
        })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Which addresses chart sources may reach: everything not denied, or denied but
/// explicitly allowed. The default allows everything (a local CLI); the server sets
/// its own from `--source-deny-cidr` / `--source-allow-cidr`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Networks sources may not reach.
    pub deny: Vec<Cidr>,
    /// Exceptions to `deny`.
    pub allow: Vec<Cidr>,
}

impl AddressPolicy {
    /// Link-local (cloud metadata endpoints live there) and unspecified addresses.
    pub fn link_local() -> Vec<Cidr> {
        ["169.254.0.0/16", "fe80::/10", "0.0.0.0/8", "::/128"]
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect()
    }

    /// Loopback addresses.
    pub fn loopback() -> Vec<Cidr> {
        ["127.0.0.0/8", "::1/128"]
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect()
    }

    /// The deny entry that refuses `ip`, if any.
    pub fn refusal(&self, ip: IpAddr) -> Option<Cidr> {
        let denied = self.deny.iter().find(|c| c.contains(ip))?;
        (!self.allow.iter().any(|c| c.contains(ip))).then_some(*denied)
    }

    /// Whether the policy refuses nothing.
    pub fn is_open(&self) -> bool {
        self.deny.is_empty()
    }

    /// Checks a URL whose host is an IP literal (host names are checked when resolved).
    pub fn check_url(&self, url: &url::Url) -> Result<()> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            _ => return Ok(()),
        };
        match self.refusal(ip) {
            Some(rule) => Err(denied(url.host_str().unwrap_or_default(), ip, rule)),
            None => Ok(()),
        }
    }

    /// Resolves `host` and checks every address (for clients we cannot give a resolver).
    pub async fn check_host(&self, host: &str) -> Result<()> {
        if self.is_open() {
            return Ok(());
        }
        let name = host_name(host);
        if let Ok(ip) = name.trim_matches(['[', ']']).parse::<IpAddr>() {
            return match self.refusal(ip) {
                Some(rule) => Err(denied(name, ip, rule)),
                None => Ok(()),
            };
        }
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, 0))
            .await
            .map_err(|e| Error::Unavailable {
                host: name.to_owned(),
                attempts: 1,
                elapsed: std::time::Duration::ZERO,
                reason: format!("resolving: {e}"),
            })?
            .collect();
        for addr in addrs {
            if let Some(rule) = self.refusal(addr.ip()) {
                return Err(denied(name, addr.ip(), rule));
            }
        }
        Ok(())
    }
}

/// `host` without a `:port` suffix.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map_or(host, |(h, _)| &h[1..]);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !h.contains(':') => h,
        _ => host,
    }
}

fn denied(host: &str, address: IpAddr, rule: Cidr) -> Error {
    Error::AddressDenied {
        host: host.to_owned(),
        address,
        rule: rule.to_string(),
    }
}

/// The refusal carried through reqwest's error chain from the resolver or redirect policy.
#[derive(Debug)]
pub(crate) struct Refused {
    host: String,
    address: IpAddr,
    rule: Cidr,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "address {} of {} is denied to chart sources ({})",
            self.address, self.host, self.rule
        )
    }
}

impl std::error::Error for Refused {}

/// The source-address refusal inside a reqwest error, if that is what it is.
pub(crate) fn refusal_in(e: &reqwest::Error) -> Option<Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(cause) = source {
        if let Some(r) = cause.downcast_ref::<Refused>() {
            return Some(denied(&r.host, r.address, r.rule));
        }
        source = cause.source();
    }
    None
}

/// A DNS resolver that drops the addresses the policy refuses (none left: refused).
pub(crate) struct PolicyResolver(pub(crate) Arc<AddressPolicy>);

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match policy.refusal(a.ip()) {
                    Some(rule) => {
                        refused.get_or_insert((a.ip(), rule));
                        false
                    }
                    None => true,
                })
                .collect();
            match (allowed.is_empty(), refused) {
                (true, Some((address, rule))) => Err(Box::new(Refused {
                    host,
                    address,
                    rule,
                })
                    as Box<dyn std::error::Error + Send + Sync>),
                _ => Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs),
            }
        })
    }
}

/// Redirects: at most 10 hops, each hop's IP-literal host checked against the policy
/// (host names are checked by the resolver when the hop connects). reqwest itself
/// drops `Authorization` when a hop changes scheme, host or port.
pub(crate) fn redirect_policy(policy: Arc<AddressPolicy>) -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 10 {
            return attempt.error("more than 10 redirects");
        }
        let refusal = match attempt.url().host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        }
        .and_then(|ip| policy.refusal(ip).map(|rule| (ip, rule)));
        match refusal {
            Some((address, rule)) => {
                let host = attempt.url().host_str().unwrap_or_default().to_owned();
                attempt.error(Refused {
                    host,
                    address,
                    rule,
                })
            }
            None => attempt.follow(),
        }
    })
}

/// Reads a response body of at most `limit` bytes; more is [`Error::TooLarge`] naming
/// `what` (a declared `Content-Length` over the limit fails before reading).
pub(crate) async fn read_body(
    response: reqwest::Response,
    limit: u64,
    what: &'static str,
) -> std::result::Result<bytes::Bytes, Failure> {
    if let Some(size) = response.content_length()
        && size > limit
    {
        return Err(Error::TooLarge { what, size, limit }.into());
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Failure::Transient(crate::retry::error_chain(&e)))?;
        body.extend_from_slice(&chunk);
        if body.len() as u64 > limit {
            return Err(Error::TooLarge {
                what,
                size: body.len() as u64,
                limit,
            }
            .into());
        }
    }
    Ok(bytes::Bytes::from(body))
}

/// At most [`EXCERPT_CHARS`] characters of `text`, control characters replaced by `?`,
/// with a note of how much was cut.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut kept = 0usize;
    let mut cut = 0usize;
    for c in text.chars() {
        if kept < EXCERPT_CHARS {
            out.push(if c.is_control() { '?' } else { c });
            kept += 1;
        } else {
            cut += c.len_utf8();
        }
    }
    if cut > 0 {
        out.push_str(&format!("… ({cut} more bytes not shown)"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(deny: &[&str], allow: &[&str]) -> AddressPolicy {
        AddressPolicy {
            deny: deny.iter().map(|c| c.parse().expect("cidr")).collect(),
            allow: allow.iter().map(|c| c.parse().expect("cidr")).collect(),
        }
    }

    #[test]
    fn networks_match_by_prefix_and_mapped_addresses_count_as_ipv4() {
        let p = policy(
            &["127.0.0.0/8", "169.254.0.0/16", "fe80::/10"],
            &["127.0.0.7"],
        );
        for denied in [
            "127.0.0.1",
            "169.254.169.254",
            "::ffff:127.0.0.1",
            "fe80::1",
        ] {
            assert!(p.refusal(denied.parse().expect("ip")).is_some(), "{denied}");
        }
        for allowed in ["127.0.0.7", "10.0.0.1", "::1", "2001:db8::1"] {
            assert!(
                p.refusal(allowed.parse().expect("ip")).is_none(),
                "{allowed}"
            );
        }
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nope".parse::<Cidr>().is_err());
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("a\nb"), "a?b");
        let long = "x".repeat(1000);
        let short = excerpt(&long);
        assert!(short.starts_with(&"x".repeat(EXCERPT_CHARS)));
        assert!(short.ends_with("(840 more bytes not shown)"), "{short}");
    }

    #[test]
    fn host_names_lose_their_port() {
        assert_eq!(
            host_name("registry.example.com:5000"),
            "registry.example.com"
        );
        assert_eq!(host_name("[::1]:5000"), "::1");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
    }
}
