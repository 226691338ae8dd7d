//! The URL and e-mail checks Helm's Chart.yaml rules use (govalidator's
//! `IsRequestURL`, `IsURL`, `IsEmail`), approximated: the common shapes agree.

/// `url.ParseRequestURI` succeeds and the URL has a scheme.
pub fn is_request_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || s.chars().any(|c| c.is_control()) {
        return false;
    }
    match rest.strip_prefix("//") {
        Some(after) => {
            let host = after.split(['/', '?', '#']).next().unwrap_or_default();
            !host.contains(' ')
        }
        None => true,
    }
}

/// A URL with an optional scheme and a host name with a dot, `localhost` or an IP.
pub fn is_url(s: &str) -> bool {
    if s.is_empty() || s.len() >= 2083 || s.starts_with('.') || s.contains(' ') {
        return false;
    }
    let rest = match s.split_once("://") {
        Some((scheme, rest)) => {
            let known = [
                "http", "https", "ftp", "tcp", "udp", "ws", "wss", "irc", "rtmp",
            ];
            if !known.contains(&scheme.to_ascii_lowercase().as_str()) {
                return false;
            }
            rest
        }
        None => s,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host_port,
    };
    if host == "localhost" || host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        })
}

/// `local@domain.tld`.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let labels: Vec<&str> = domain.split('.').collect();
    local_ok
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_urls_and_addresses_are_told_apart() {
        assert!(is_request_url("https://example.com/icon.png"));
        assert!(!is_request_url("notaurl"));
        assert!(!is_request_url("/x.png"));
        assert!(is_url("https://example.com"));
        assert!(is_url("example.com/x"));
        assert!(!is_url("nope"));
        assert!(is_email("bob@example.com"));
        assert!(!is_email("nope"));
        assert!(!is_email("a@b"));
    }
}
