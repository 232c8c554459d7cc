//! Who may use the proxy: local programs only.
//!
//! The proxy holds the user's keys, so a web page must not be able to reach
//! it. Browsers always send `Origin` on cross-site (and most same-site)
//! requests and can be tricked into a foreign `Host` by DNS rebinding;
//! command-line agents send neither. So: loopback `Host` or none, and no
//! `Origin` at all.

use http::request::Parts;
use http::HeaderMap;

/// Why a request was turned away, in words for the 403 body.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    ForeignHost(String),
    BrowserOrigin(String),
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::ForeignHost(host) => format!(
                "codex-helper only answers requests addressed to a loopback host (127.0.0.1, localhost, [::1]); this one was for `{host}`"
            ),
            Refusal::BrowserOrigin(origin) => format!(
                "codex-helper refuses requests from web pages (Origin `{origin}`) so that no website can use your keys; call it from a local program instead"
            ),
        }
    }
}

pub fn check(parts: &Parts) -> Result<(), Refusal> {
    if let Some(origin) = parts.headers.get(http::header::ORIGIN) {
        return Err(Refusal::BrowserOrigin(String::from_utf8_lossy(origin.as_bytes()).into_owned()));
    }
    let host = parts.uri.authority().map(|a| a.as_str().to_string()).or_else(|| host_header(&parts.headers));
    match host {
        Some(host) if !is_loopback_host(&host) => Err(Refusal::ForeignHost(host)),
        _ => Ok(()),
    }
}

fn host_header(headers: &HeaderMap) -> Option<String> {
    headers.get(http::header::HOST).map(|h| String::from_utf8_lossy(h.as_bytes()).into_owned())
}

/// `localhost`, `127.x.y.z`, `[::1]`, each with or without a port.
pub fn is_loopback_host(authority: &str) -> bool {
    let authority = authority.trim();
    let host = if let Some(rest) = authority.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, tail)) if tail.is_empty() || tail.starts_with(':') => h,
            _ => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            Some(_) => return false,
            None => authority,
        }
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    // `[::ffff:127.0.0.1]` is IPv4 loopback too; `Ipv6Addr::is_loopback`
    // says no, which refused local clients spelling it that way.
    host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut b = http::Request::builder().uri("/v1/responses");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn loopback_hosts_pass() {
        for h in [
            "127.0.0.1:3211",
            "localhost",
            "LOCALHOST:3210",
            "[::1]:3211",
            "127.1.2.3",
            "localhost.",
            "[::ffff:127.0.0.1]:3211",
        ] {
            assert!(check(&parts(&[("host", h)])).is_ok(), "{h}");
        }
        assert!(check(&parts(&[])).is_ok(), "no Host at all: a local tool");
    }

    #[test]
    fn foreign_hosts_and_origins_are_refused() {
        for h in ["evil.example", "evil.example:3211", "10.0.0.1:3211", "127.0.0.1.evil.example", "[::2]:3211"] {
            assert!(matches!(check(&parts(&[("host", h)])), Err(Refusal::ForeignHost(_))), "{h}");
        }
        let r = check(&parts(&[("host", "127.0.0.1:3211"), ("origin", "https://evil.example")]));
        assert!(matches!(r, Err(Refusal::BrowserOrigin(_))));
        assert!(check(&parts(&[("origin", "null")])).is_err());
    }
}
