//! Sprig's `getHostByName`: with Helm's `--enable-dns`, one of the addresses
//! the system resolver gives for the name (Sprig picks one at random, as here);
//! without it Helm's override returns an empty string. A name that resolves
//! to nothing fails as Sprig's does (its `rand.Intn(0)` panics). Each lookup
//! waits at most [`DNS_TIMEOUT`], and stops when the render is interrupted.

use std::net::{IpAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use helmd_gotmpl::{CallContext, FuncError, FuncResult};
use helmd_yaml::Value;

use crate::Interrupt;
use crate::host::RenderHost;

/// How long one `getHostByName` waits for the resolver (Go's resolver gives
/// up after two 5 s attempts).
pub const DNS_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a waiting lookup checks the render's interrupt.
const POLL: Duration = Duration::from_millis(50);

/// `getHostByName name`.
pub(crate) fn get_host_by_name(cx: &mut CallContext<'_>, a: &[Value]) -> FuncResult {
    let Some(host) = cx.host::<RenderHost>().filter(|h| h.enable_dns) else {
        return Ok(Value::str(""));
    };
    let name = a.first().and_then(Value::as_str).unwrap_or_default();
    let addrs = resolve(name, &host.interrupt, DNS_TIMEOUT)?;
    if addrs.is_empty() {
        // Sprig: `addrs[rand.Intn(len(addrs))]` with no addresses.
        return Err(FuncError::Message("invalid argument to Intn".into()));
    }
    let pick = random_below(addrs.len());
    Ok(Value::from(addrs.into_iter().nth(pick).unwrap_or_default()))
}

/// Go's `net.LookupHost`: an IP literal as given, else the resolver's
/// addresses (none when the name does not resolve).
fn resolve(name: &str, interrupt: &Interrupt, timeout: Duration) -> Result<Vec<String>, FuncError> {
    if name.parse::<IpAddr>().is_ok() {
        return Ok(vec![name.to_owned()]);
    }
    if name.is_empty() {
        return Ok(Vec::new());
    }
    // The system resolver blocks with no deadline of ours: ask on a helper
    // thread and stop waiting at the limit (the thread ends with the resolver).
    let (tx, rx) = mpsc::sync_channel(1);
    let owned = name.to_owned();
    std::thread::Builder::new()
        .name("getHostByName".into())
        .spawn(move || {
            let found = (owned.as_str(), 0)
                .to_socket_addrs()
                .map(|addrs| addrs.map(|a| a.ip().to_string()).collect::<Vec<_>>())
                .unwrap_or_default();
            let _ = tx.send(found);
        })
        .map_err(|e| FuncError::Message(format!("starting a DNS lookup: {e}")))?;
    let deadline = Instant::now() + timeout;
    loop {
        if interrupt.stopped().is_some() {
            return Err(FuncError::Limit("render stopped".into()));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(FuncError::Limit(format!(
                "getHostByName {name:?}: no answer from DNS within {}s (limit dns-timeout)",
                timeout.as_secs()
            )));
        }
        match rx.recv_timeout(left.min(POLL)) {
            Ok(addrs) => return Ok(addrs),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(Vec::new()),
        }
    }
}

/// A random index below `n` (> 0).
fn random_below(n: usize) -> usize {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return 0;
    }
    let r = u64::from_le_bytes(bytes);
    usize::try_from(r % u64::try_from(n).unwrap_or(1)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ip_literal_resolves_to_itself() {
        let got = resolve("10.1.2.3", &Interrupt::new(), DNS_TIMEOUT);
        assert_eq!(got, Ok(vec!["10.1.2.3".to_owned()]));
    }

    #[test]
    fn localhost_resolves_to_a_loopback_address() {
        let got = resolve("localhost", &Interrupt::new(), DNS_TIMEOUT).unwrap_or_default();
        assert!(!got.is_empty());
        for addr in got {
            let ip: IpAddr = addr.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            assert!(ip.is_loopback(), "{addr}");
        }
    }

    #[test]
    fn an_empty_name_resolves_to_nothing() {
        assert_eq!(resolve("", &Interrupt::new(), DNS_TIMEOUT), Ok(Vec::new()));
    }

    #[test]
    fn an_interrupted_render_stops_waiting() {
        let interrupt = Interrupt::new();
        interrupt.cancel();
        let got = resolve("localhost", &interrupt, DNS_TIMEOUT);
        assert_eq!(got, Err(FuncError::Limit("render stopped".into())));
    }

    #[test]
    fn random_indexes_stay_below_the_bound() {
        for n in 1..20 {
            assert!(random_below(n) < n);
        }
    }
}
