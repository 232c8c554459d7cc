//! Which headers cross the proxy, in each direction.
//!
//! Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are
//! dropped, along with any header the `Connection` header names. The
//! client's credentials are replaced by the upstream's key; everything else
//! (session ids, `anthropic-version`, `anthropic-beta`, user agent…) passes.

use http::header::{self, HeaderMap, HeaderName, HeaderValue};

use super::decode::narrow_accept_encoding;
use crate::header_names::{CREDENTIALS, HOP_BY_HOP};

/// [`HOP_BY_HOP`] as header names: a standard name compares with another
/// as a tag, without spelling either out, and this runs for every header
/// both ways.
static HOP_BY_HOP_NAMES: [HeaderName; HOP_BY_HOP.len()] = [
    header::CONNECTION,
    HeaderName::from_static("proxy-connection"),
    HeaderName::from_static("keep-alive"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
];

fn is_hop_by_hop(name: &HeaderName, connection_listed: &[HeaderName]) -> bool {
    HOP_BY_HOP_NAMES.contains(name) || connection_listed.contains(name)
}

/// Header names the `Connection` header lists as hop-by-hop.
pub fn connection_listed(headers: &HeaderMap) -> Vec<HeaderName> {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect()
}

/// The headers to send upstream: the client's, minus hop-by-hop (`listed`:
/// [`connection_listed`] of them, found once per request) and credentials,
/// plus the upstream's `auth` headers, its `extra` ones (checked on load
/// never to name a header above) and our `Via`.
pub fn to_upstream(
    client: &HeaderMap,
    listed: &[HeaderName],
    auth: &[(HeaderName, HeaderValue)],
    extra: &[(HeaderName, HeaderValue)],
    via: &HeaderValue,
) -> HeaderMap {
    // Room for what is added here and on the way out (`Via`, and the
    // client's `Accept`, `User-Agent` and `Host` defaults): growing the map
    // rehashes every header.
    let mut out = HeaderMap::with_capacity(client.len() + auth.len() + extra.len() + 4);
    // When the upstream has no key of its own, the client's credentials are
    // the only ones there are (e.g. a ChatGPT login passed through).
    let keep_client_auth = auth.is_empty();
    for (name, value) in client {
        if is_hop_by_hop(name, listed) {
            continue;
        }
        let n = name.as_str();
        if n == "host" || n == "content-length" {
            continue;
        }
        if !keep_client_auth && CREDENTIALS.contains(&n) {
            continue;
        }
        if name == header::ACCEPT_ENCODING {
            if let Some(narrowed) = value.to_str().ok().and_then(narrow_accept_encoding) {
                if let Ok(v) = HeaderValue::from_str(&narrowed) {
                    out.append(name.clone(), v);
                }
            }
            continue;
        }
        out.append(name.clone(), value.clone());
    }
    for (name, value) in auth.iter().chain(extra) {
        out.insert(name.clone(), value.clone());
    }
    out.append(header::VIA, via.clone());
    out
}

/// Headers that describe one exact body: untrue once the proxy may change
/// the body (see [`to_client`]).
static BODY_EXACT: [HeaderName; 5] = [
    header::CONTENT_LENGTH,
    HeaderName::from_static("content-md5"),
    HeaderName::from_static("digest"),
    HeaderName::from_static("content-digest"),
    HeaderName::from_static("repr-digest"),
];

/// The headers to send back to the client. `framed` is set when the proxy
/// may end the body itself (an appended error event) or continue it with
/// another upstream's events (a failover after the headers went out), so
/// headers that describe the upstream's exact body (its length, digests)
/// would no longer be true.
pub fn to_client(upstream: HeaderMap, framed: bool) -> HeaderMap {
    let body_exact = |name: &HeaderName| framed && BODY_EXACT.contains(name);
    // Usually nothing is dropped (a JSON answer with its length): the map
    // goes back as it is, without building another one. `Connection` is
    // itself hop-by-hop, so without one there is no list to read first.
    if !upstream.keys().any(|name| is_hop_by_hop(name, &[]) || body_exact(name)) {
        return upstream;
    }
    let listed = connection_listed(&upstream);
    let dropped = |name: &HeaderName| is_hop_by_hop(name, &listed) || body_exact(name);
    // Copied rather than removed from, which would reorder the rest.
    let mut out = HeaderMap::with_capacity(upstream.len());
    for (name, value) in &upstream {
        if !dropped(name) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

/// The `Via` token that marks requests that already went through this proxy
/// (`1.1 codex-helper-3211`): seeing our own token again means a loop.
pub fn via_token(port: u16) -> String {
    format!("codex-helper-{port}")
}

/// True when the request already passed through the proxy on `port`.
pub fn looped(client: &HeaderMap, port: u16) -> bool {
    if !client.contains_key(header::VIA) {
        return false; // the usual case, without formatting the token
    }
    let token = via_token(port);
    client
        .get_all(header::VIA)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|hop| hop.split_whitespace().nth(1) == Some(token.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn replaces_credentials_and_drops_hop_by_hop() {
        let client = map(&[
            ("authorization", "Bearer client"),
            ("x-api-key", "client-key"),
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("keep-alive", "timeout=5"),
            ("host", "127.0.0.1:3211"),
            ("content-length", "10"),
            ("session_id", "abc"),
            ("anthropic-version", "2023-06-01"),
            ("user-agent", "codex/1"),
            ("accept-encoding", "gzip, br, zstd"),
        ]);
        let auth = vec![(header::AUTHORIZATION, HeaderValue::from_static("Bearer upstream"))];
        let out = to_upstream(
            &client,
            &connection_listed(&client),
            &auth,
            &[],
            &HeaderValue::from_static("1.1 codex-helper-3211"),
        );
        assert_eq!(out.get("authorization").unwrap(), "Bearer upstream");
        assert_eq!(out.get_all("authorization").iter().count(), 1);
        for gone in ["x-api-key", "connection", "x-private", "keep-alive", "host", "content-length"] {
            assert!(out.get(gone).is_none(), "{gone} should be dropped");
        }
        assert_eq!(out.get("session_id").unwrap(), "abc");
        assert_eq!(out.get("anthropic-version").unwrap(), "2023-06-01");
        assert_eq!(out.get("user-agent").unwrap(), "codex/1");
        assert_eq!(out.get("accept-encoding").unwrap(), "gzip, br");
        assert_eq!(out.get("via").unwrap(), "1.1 codex-helper-3211");
    }

    #[test]
    fn client_credentials_pass_when_the_upstream_has_none() {
        let client = map(&[("authorization", "Bearer mine")]);
        let out = to_upstream(
            &client,
            &connection_listed(&client),
            &[],
            &[],
            &HeaderValue::from_static("1.1 codex-helper-1"),
        );
        assert_eq!(out.get("authorization").unwrap(), "Bearer mine");
    }

    #[test]
    fn extra_headers_are_added_and_win_over_the_clients() {
        let client = map(&[("x-title", "client"), ("authorization", "Bearer mine")]);
        let extra = vec![
            (HeaderName::from_static("x-title"), HeaderValue::from_static("configured")),
            (HeaderName::from_static("x-portkey-provider"), HeaderValue::from_static("openai")),
        ];
        let out = to_upstream(
            &client,
            &connection_listed(&client),
            &[],
            &extra,
            &HeaderValue::from_static("1.1 codex-helper-1"),
        );
        assert_eq!(out.get_all("x-title").iter().collect::<Vec<_>>(), ["configured"]);
        assert_eq!(out.get("x-portkey-provider").unwrap(), "openai");
        // Extra headers are not a key: the client's credentials still pass.
        assert_eq!(out.get("authorization").unwrap(), "Bearer mine");
    }

    #[test]
    fn response_headers_lose_length_only_when_framed() {
        let up = map(&[
            ("content-length", "5"),
            ("transfer-encoding", "chunked"),
            ("x-request-id", "r1"),
            ("content-digest", "sha-256=:x:"),
        ]);
        assert!(to_client(up.clone(), true).get("content-length").is_none());
        assert!(to_client(up.clone(), true).get("content-digest").is_none());
        assert_eq!(to_client(up.clone(), false).get("content-length").unwrap(), "5");
        assert!(to_client(up.clone(), false).get("transfer-encoding").is_none());
        assert_eq!(to_client(up.clone(), true).get("x-request-id").unwrap(), "r1");
        // Nothing to drop: the same headers, in the same order.
        let plain = map(&[("content-type", "application/json"), ("content-length", "5"), ("x-request-id", "r1")]);
        assert_eq!(to_client(plain.clone(), false), plain);
        // Something dropped: the rest keep their order.
        let mixed = map(&[("x-a", "1"), ("connection", "x-b"), ("x-b", "2"), ("x-c", "3"), ("x-c", "4"), ("x-d", "5")]);
        let kept: Vec<_> =
            to_client(mixed, false).iter().map(|(n, v)| format!("{n}={}", v.to_str().unwrap())).collect();
        assert_eq!(kept, ["x-a=1", "x-c=3", "x-c=4", "x-d=5"]);
    }

    #[test]
    fn the_hop_by_hop_names_are_the_shared_list() {
        let names: Vec<&str> = HOP_BY_HOP_NAMES.iter().map(HeaderName::as_str).collect();
        assert_eq!(names, HOP_BY_HOP);
        // Standard or not, a name parsed from the wire matches its entry.
        for name in HOP_BY_HOP {
            assert!(is_hop_by_hop(&HeaderName::from_bytes(name.to_uppercase().as_bytes()).unwrap(), &[]), "{name}");
        }
        assert!(!is_hop_by_hop(&header::CONTENT_TYPE, &[]));
    }

    #[test]
    fn detects_our_own_via_token() {
        assert!(looped(&map(&[("via", "1.0 squid, 1.1 codex-helper-3211")]), 3211));
        assert!(!looped(&map(&[("via", "1.1 codex-helper-3210")]), 3211));
        assert!(!looped(&HeaderMap::new(), 3211));
    }
}
