//! Who may use the proxy: local programs only.
//!
//! The proxy holds the user's keys, so a web page must not be able to reach
//! it. Browsers always send `Origin` on cross-site (and most same-site)
//! requests and can be tricked into a foreign `Host` by DNS rebinding;
//! command-line agents send neither. So: loopback `Host` or none, and no
//! `Origin` at all. A no-cors `<img>`/`<script>` GET carries no `Origin`
//! but does carry `Sec-Fetch-Site`; anything but `none` (typed by the user)
//! means a page asked for it. Two `Host` headers are malformed (RFC 9112
//! §3.2) and could let a rebinding page pass one check and steer another.

use http::request::Parts;

use super::client_facts::ClientFacts;

/// Why a request was turned away, in words for the 403 body.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    ForeignHost(String),
    BrowserOrigin(String),
    /// `Sec-Fetch-Site` other than `none`: sent by a browser for a page.
    CrossSiteFetch(String),
    DuplicateHost,
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
            Refusal::CrossSiteFetch(site) => format!(
                "codex-helper refuses requests made by web pages (Sec-Fetch-Site `{site}`) so that no website can use your keys; call it from a local program instead"
            ),
            Refusal::DuplicateHost => {
                "this request has more than one Host header (RFC 9112 allows exactly one); send a single Host".to_string()
            }
        }
    }

    /// 400 for a malformed request, 403 for one we will not serve.
    pub fn status(&self) -> http::StatusCode {
        match self {
            Refusal::DuplicateHost => http::StatusCode::BAD_REQUEST,
            _ => http::StatusCode::FORBIDDEN,
        }
    }

    /// The error type named in the client's native error body.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::DuplicateHost => "invalid_request_error",
            _ => "forbidden",
        }
    }
}

pub fn check(parts: &Parts) -> Result<(), Refusal> {
    check_facts(&ClientFacts::scan(&parts.headers), &parts.uri)
}

/// [`check`] from a scan of the request's headers the caller has anyway.
pub(super) fn check_facts(facts: &ClientFacts<'_>, uri: &http::Uri) -> Result<(), Refusal> {
    if facts.duplicate_host {
        return Err(Refusal::DuplicateHost);
    }
    if let Some(site) = facts.sec_fetch_site {
        // Case-insensitive and trimmed: a browser sends `none` exactly, but
        // being lenient here can only let a local tool through, not a page.
        let site = String::from_utf8_lossy(site.as_bytes()).into_owned();
        if !site.trim().eq_ignore_ascii_case("none") {
            return Err(Refusal::CrossSiteFetch(site));
        }
    }
    if let Some(origin) = facts.origin {
        return Err(Refusal::BrowserOrigin(String::from_utf8_lossy(origin.as_bytes()).into_owned()));
    }
    let host = match uri.authority() {
        Some(authority) => Some(authority.as_str().as_bytes()),
        None => facts.host.map(|h| h.as_bytes()),
    };
    // Checked as text first: the refusal is the only place that needs an
    // owned copy.
    match host {
        Some(host) if !std::str::from_utf8(host).is_ok_and(crate::loopback::is_loopback_authority) => {
            Err(Refusal::ForeignHost(String::from_utf8_lossy(host).into_owned()))
        }
        _ => Ok(()),
    }
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

    #[test]
    fn page_initiated_fetches_are_refused_and_typed_ones_pass() {
        for site in ["cross-site", "same-site", "same-origin", "garbage"] {
            let r = check(&parts(&[("host", "127.0.0.1:3211"), ("sec-fetch-site", site)]));
            assert_eq!(r, Err(Refusal::CrossSiteFetch(site.to_string())), "{site}");
            assert_eq!(r.unwrap_err().status(), http::StatusCode::FORBIDDEN);
        }
        assert!(check(&parts(&[("host", "127.0.0.1:3211"), ("sec-fetch-site", "none")])).is_ok());
    }

    #[test]
    fn two_host_headers_are_a_bad_request() {
        let r = check(&parts(&[("host", "127.0.0.1:3211"), ("host", "evil.example")]));
        assert_eq!(r, Err(Refusal::DuplicateHost));
        assert_eq!(r.unwrap_err().status(), http::StatusCode::BAD_REQUEST);
    }
}
