//! What the forwarding path needs to know from the client's headers, found
//! in one pass over them.
//!
//! The guard, the loop check, the upgrade check, the body's declared length
//! and encoding, the session headers and the `Connection` list each asked
//! the header map by name: a dozen lookups per request, each hashing the
//! name and probing the map (about 1.5k instructions of the ~24k between
//! reading a request and writing it upstream). A request carries few
//! headers, so walking them once and comparing names is cheaper.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

use super::session::{SESSION_HEADERS, SESSION_HEADER_COUNT};

/// Named once, so that it compares as a name (see [`ClientFacts::scan`]).
static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The client's headers the forwarding path reads; a value is the first
/// one the client sent under that name, as `HeaderMap::get` would give.
#[derive(Debug, Default)]
pub struct ClientFacts<'a> {
    pub host: Option<&'a HeaderValue>,
    /// More than one `Host` (malformed, see [`super::guard`]).
    pub duplicate_host: bool,
    pub sec_fetch_site: Option<&'a HeaderValue>,
    pub origin: Option<&'a HeaderValue>,
    /// A `Via` is there (it may name this proxy: a loop).
    pub via: bool,
    pub upgrade: Option<&'a HeaderValue>,
    pub content_length: Option<&'a HeaderValue>,
    /// A `Content-Encoding` is there: the body is not filtered literally.
    pub content_encoding: bool,
    /// A `Connection` is there (it may list more hop-by-hop headers).
    pub connection: bool,
    /// The session headers, in [`SESSION_HEADERS`]' order.
    pub session: [Option<&'a HeaderValue>; SESSION_HEADER_COUNT],
}

impl<'a> ClientFacts<'a> {
    pub fn scan(headers: &'a HeaderMap) -> ClientFacts<'a> {
        let mut facts = ClientFacts::default();
        for (name, value) in headers {
            // A standard name compares with another as a tag, and with a
            // custom one not at all: no name is spelt out.
            if name == header::HOST {
                facts.duplicate_host |= facts.host.is_some();
                facts.host.get_or_insert(value);
            } else if name == header::CONTENT_LENGTH {
                facts.content_length.get_or_insert(value);
            } else if name == header::ORIGIN {
                facts.origin.get_or_insert(value);
            } else if name == header::VIA {
                facts.via = true;
            } else if name == header::UPGRADE {
                facts.upgrade.get_or_insert(value);
            } else if name == header::CONTENT_ENCODING {
                facts.content_encoding = true;
            } else if name == header::CONNECTION {
                facts.connection = true;
            } else if name == SEC_FETCH_SITE {
                facts.sec_fetch_site.get_or_insert(value);
            } else if let Some(at) = SESSION_HEADERS.iter().position(|session| session == name) {
                facts.session[at].get_or_insert(value);
            }
        }
        facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn each_fact_is_what_a_lookup_by_name_gives() {
        let headers = map(&[
            ("Host", "127.0.0.1:3211"),
            ("content-length", "12"),
            ("content-length", "13"),
            ("Origin", "https://a.example"),
            ("via", "1.1 squid"),
            ("upgrade", "websocket"),
            ("content-encoding", "gzip"),
            ("connection", "x-private"),
            ("Sec-Fetch-Site", "none"),
            ("session-id", "s-2"),
            ("session_id", "s-1"),
            ("x-other", "1"),
        ]);
        let facts = ClientFacts::scan(&headers);
        assert_eq!(facts.host, headers.get(header::HOST));
        assert!(!facts.duplicate_host);
        assert_eq!(facts.content_length, headers.get(header::CONTENT_LENGTH));
        assert_eq!(facts.content_length.unwrap(), "12", "the first value, as get gives");
        assert_eq!(facts.origin, headers.get(header::ORIGIN));
        assert!(facts.via && facts.content_encoding && facts.connection);
        assert_eq!(facts.upgrade.unwrap(), "websocket");
        assert_eq!(facts.sec_fetch_site.unwrap(), "none");
        for (at, name) in SESSION_HEADERS.iter().enumerate() {
            assert_eq!(facts.session[at], headers.get(name), "{name}");
        }
    }

    #[test]
    fn absent_headers_are_absent_and_two_hosts_are_seen() {
        let none = HeaderMap::new();
        let facts = ClientFacts::scan(&none);
        assert!(facts.host.is_none() && facts.origin.is_none() && facts.sec_fetch_site.is_none());
        assert!(!facts.via && !facts.content_encoding && !facts.connection && !facts.duplicate_host);
        assert!(facts.session.iter().all(Option::is_none));
        let two = map(&[("host", "127.0.0.1"), ("host", "evil.example")]);
        let facts = ClientFacts::scan(&two);
        assert!(facts.duplicate_host);
        assert_eq!(facts.host.unwrap(), "127.0.0.1");
    }
}
