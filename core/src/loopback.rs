//! "Does this host name this machine?", answered once.
//!
//! Four places used to ask it (the proxy's own-port loop check, the client
//! switch, the config validator and the `Host` guard) and gave four answers:
//! some missed `localhost.` and `*.localhost`, some `[::ffff:127.0.0.1]`,
//! some `0.0.0.0`. The answer here:
//!
//! - **Loopback** ([`is_loopback`]): `localhost` and every name under it
//!   (RFC 6761 §6.3 reserves them for loopback; browsers and
//!   systemd-resolved answer them without DNS), each with or without the
//!   trailing root dot; any address in 127.0.0.0/8; `::1`; and 127.0.0.0/8
//!   written IPv4-mapped (`::ffff:127.0.0.1`), which lands on the IPv4
//!   loopback listener too.
//! - **Reaches this machine** ([`reaches_this_machine`]): loopback, or the
//!   unspecified address (`0.0.0.0`, `::`, also IPv4-mapped): connecting
//!   to it reaches local listeners on Linux and macOS. This is the question
//!   "would a request to this URL come back to us?" (loop checks, "does the
//!   client point at a local proxy?"). It is never used to decide who may
//!   call us: the `Host` guard accepts loopback names only
//!   ([`is_loopback_authority`]), as a page could otherwise reach the proxy
//!   through `http://0.0.0.0:PORT`.

use std::net::IpAddr;

use url::{Host, Url};

/// Whether `host` names the loopback interface (see the module header).
pub fn is_loopback<S: AsRef<str>>(host: &Host<S>) -> bool {
    match host {
        Host::Domain(d) => {
            let d = d.as_ref();
            let d = d.strip_suffix('.').unwrap_or(d).to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).to_canonical().is_loopback(),
    }
}

/// Whether a connection to `host` lands on this machine: loopback or the
/// unspecified address.
pub fn reaches_this_machine<S: AsRef<str>>(host: &Host<S>) -> bool {
    is_loopback(host)
        || match host {
            Host::Domain(_) => false,
            Host::Ipv4(ip) => ip.is_unspecified(),
            Host::Ipv6(ip) => IpAddr::V6(*ip).to_canonical().is_unspecified(),
        }
}

/// The port (explicit or the scheme's default) a request to `url` uses
/// when it [reaches this machine](reaches_this_machine); `None` otherwise.
pub fn local_port(url: &Url) -> Option<u16> {
    url.host().filter(reaches_this_machine).and_then(|_| url.port_or_known_default())
}

/// [`is_loopback`] for a `Host` header value: a host (IPv6 in brackets)
/// with an optional `:port`. Anything malformed is not loopback.
pub fn is_loopback_authority(authority: &str) -> bool {
    let authority = authority.trim();
    // What every local client sends: answered without parsing (the
    // `Host` guard asks on every request).
    if let Some((host, port)) = authority.rsplit_once(':') {
        if matches!(host, "127.0.0.1" | "localhost" | "[::1]") && port.bytes().all(|b| b.is_ascii_digit()) {
            return true;
        }
    }
    let host = if authority.starts_with('[') {
        match authority.split_once(']') {
            Some((h, tail)) if tail.is_empty() || tail.starts_with(':') => &authority[..=h.len()],
            _ => return false,
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            Some(_) => return false,
            None => authority,
        }
    };
    // `url`'s host parser is the one URLs go through, so `Host: 127.1`
    // means what `http://127.1/` means.
    Host::parse(host).is_ok_and(|h| is_loopback(&h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(url: &str) -> Host<String> {
        Url::parse(url).unwrap().host().unwrap().to_owned()
    }

    /// Every case the four old answers disagreed on, and the plain ones.
    #[test]
    fn loopback_and_this_machine_cases() {
        // (URL, loopback, reaches this machine)
        let cases = [
            ("http://localhost/", true, true),
            ("http://LOCALHOST/", true, true),
            ("http://localhost./", true, true),
            ("http://app.localhost/", true, true),
            ("http://App.Localhost./", true, true),
            ("http://127.0.0.1/", true, true),
            ("http://127.1.2.3/", true, true),
            ("http://127.1/", true, true),
            ("http://[::1]/", true, true),
            ("http://[::ffff:127.0.0.1]/", true, true),
            ("http://[::ffff:127.9.9.9]/", true, true),
            ("http://0.0.0.0/", false, true),
            ("http://[::]/", false, true),
            ("http://[::ffff:0.0.0.0]/", false, true),
            ("http://localhost.example/", false, false),
            ("http://notlocalhost/", false, false),
            ("http://127.0.0.1.evil.example/", false, false),
            ("http://10.0.0.1/", false, false),
            ("http://128.0.0.1/", false, false),
            ("http://[::2]/", false, false),
            ("http://[::ffff:10.0.0.1]/", false, false),
            ("http://example.com/", false, false),
        ];
        for (url, loopback, local) in cases {
            let h = host(url);
            assert_eq!(is_loopback(&h), loopback, "{url} loopback");
            assert_eq!(reaches_this_machine(&h), local, "{url} reaches this machine");
        }
    }

    #[test]
    fn local_port_uses_the_scheme_default() {
        let port = |u: &str| local_port(&Url::parse(u).unwrap());
        assert_eq!(port("http://127.0.0.1:3211/v1"), Some(3211));
        assert_eq!(port("http://localhost/v1"), Some(80));
        assert_eq!(port("https://app.localhost./v1"), Some(443));
        assert_eq!(port("http://[::ffff:127.0.0.1]:3211"), Some(3211));
        assert_eq!(port("http://0.0.0.0:3211"), Some(3211));
        assert_eq!(port("https://relay.example/v1"), None);
    }

    #[test]
    fn host_headers() {
        for h in [
            "127.0.0.1:3211",
            "localhost",
            "LOCALHOST:3210",
            "localhost.",
            "app.localhost:3211",
            "[::1]:3211",
            "[::1]",
            "127.1.2.3",
            "[::ffff:127.0.0.1]:3211",
        ] {
            assert!(is_loopback_authority(h), "{h}");
        }
        for h in [
            "",
            "evil.example",
            "evil.example:3211",
            "10.0.0.1:3211",
            "127.0.0.1.evil.example",
            "[::2]:3211",
            "0.0.0.0:3211",
            "[::]:3211",
            "[::1]x",
            "localhost:port",
            "[::1",
        ] {
            assert!(!is_loopback_authority(h), "{h}");
        }
    }
}
