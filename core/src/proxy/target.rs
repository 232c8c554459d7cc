//! Where a request goes upstream: base URL + client path, without doubling
//! the `/v1` that both sides tend to carry.
//!
//! Codex clients call `/v1/responses` (their base URL is
//! `http://127.0.0.1:3211/v1`); Claude clients call `/v1/messages`. Relays
//! are written as `https://relay/v1`, `https://relay` or `https://relay/api`.

use std::borrow::Cow;

use bytes::Bytes;
use http::uri::{Authority, PathAndQuery, Scheme};
use http::Uri;
use url::Url;

/// The upstream URL for a client's `path_and_query` (for the tools that
/// call an upstream with `reqwest`: connection tests, detection, speed
/// tests). The proxy itself builds an [`http::Uri`] with [`UpstreamTarget`].
pub fn upstream_url(base: &Url, path_and_query: &str) -> Url {
    let (path, query) = split_query(path_and_query);
    let mut url = base.clone();
    url.set_path(&joined_path(base.path(), path));
    url.set_query(query);
    url.set_fragment(None);
    url
}

/// An upstream's base URL, taken apart once per config so that a request's
/// target is its path glued on: no URL is parsed or serialised per request
/// (that was a twentieth of the proxy's instructions per small request).
#[derive(Debug, Clone)]
pub struct UpstreamTarget {
    scheme: Scheme,
    authority: Authority,
    /// The base URL's path without its trailing `/` (`""` for none).
    base_path: Box<str>,
}

impl UpstreamTarget {
    /// `None` when `base` is not an absolute `http(s)` URL with a host,
    /// which [`crate::config::validate_base_url`] has already refused.
    pub fn of(base: &Url) -> Option<UpstreamTarget> {
        let uri = Uri::try_from(base.as_str()).ok()?;
        let parts = uri.into_parts();
        Some(UpstreamTarget {
            scheme: parts.scheme?,
            authority: parts.authority?,
            base_path: base.path().trim_end_matches('/').into(),
        })
    }

    /// The upstream request's URI for the client's `path_and_query`, the
    /// path joined as [`upstream_url`] joins it. The client's own
    /// request target is reused when the base path adds nothing.
    pub fn uri(&self, path_and_query: &PathAndQuery) -> Result<Uri, http::Error> {
        let (path, query) = (path_and_query.path(), path_and_query.query());
        let path_and_query = match joined_path(&self.base_path, path) {
            Cow::Borrowed(_) => path_and_query.clone(),
            Cow::Owned(mut joined) => {
                if let Some(query) = query {
                    joined.push('?');
                    joined.push_str(query);
                }
                PathAndQuery::from_maybe_shared(Bytes::from(joined))?
            }
        };
        let mut parts = http::uri::Parts::default();
        parts.scheme = Some(self.scheme.clone());
        parts.authority = Some(self.authority.clone());
        parts.path_and_query = Some(path_and_query);
        Ok(Uri::from_parts(parts)?)
    }
}

fn split_query(path_and_query: &str) -> (&str, Option<&str>) {
    match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    }
}

/// The upstream path for a client's `path` on a base URL with `base_path`,
/// without doubling the `/v1` both tend to carry. Borrowed when it is the
/// client's path as it is.
fn joined_path<'a>(base_path: &str, path: &'a str) -> Cow<'a, str> {
    let base_path = base_path.trim_end_matches('/');
    let spelled = path.strip_prefix(base_path).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    if base_path.is_empty() || spelled {
        // No base path, or the client already spells it (`/v1/x` on `…/v1`).
        return Cow::Borrowed(path);
    }
    let v1_rest = path.strip_prefix("/v1").filter(|r| r.is_empty() || r.starts_with('/'));
    match v1_rest.filter(|_| base_path.ends_with("/v1")) {
        // `/v1/x` on `…/openai/v1` → `…/openai/v1/x`.
        Some(rest) => Cow::Owned([base_path, rest].concat()),
        // `/responses` on `…/v1`, `/v1/messages` on `…/api`.
        None => Cow::Owned([base_path, path].concat()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(base: &str, path: &str) -> String {
        let url = upstream_url(&Url::parse(base).unwrap(), path);
        // Exactly what parsing the joined text gives.
        assert_eq!(url, Url::parse(url.as_str()).unwrap());
        url.into()
    }

    #[test]
    fn codex_paths_with_and_without_v1() {
        assert_eq!(join("https://relay.example/v1", "/v1/responses"), "https://relay.example/v1/responses");
        assert_eq!(join("https://relay.example/v1/", "/v1/responses"), "https://relay.example/v1/responses");
        assert_eq!(join("https://relay.example", "/v1/responses"), "https://relay.example/v1/responses");
        assert_eq!(join("https://relay.example/v1", "/responses"), "https://relay.example/v1/responses");
        assert_eq!(
            join("https://relay.example/openai/v1", "/v1/responses"),
            "https://relay.example/openai/v1/responses"
        );
    }

    #[test]
    fn claude_paths_and_query_strings() {
        assert_eq!(
            join("https://api.anthropic.com", "/v1/messages?beta=true"),
            "https://api.anthropic.com/v1/messages?beta=true"
        );
        assert_eq!(
            join("https://relay.example/api", "/v1/messages?beta=true"),
            "https://relay.example/api/v1/messages?beta=true"
        );
        assert_eq!(
            join("http://127.0.0.1:9000/v1", "/v1/messages?a=1&b=2"),
            "http://127.0.0.1:9000/v1/messages?a=1&b=2"
        );
    }

    #[test]
    fn other_paths_are_forwarded_too() {
        assert_eq!(join("https://relay.example/v1", "/v1/models"), "https://relay.example/v1/models");
        assert_eq!(join("https://relay.example/v1", "/health"), "https://relay.example/v1/health");
    }

    #[test]
    fn odd_paths_and_queries_are_encoded_as_a_parsed_url_would_be() {
        assert_eq!(join("https://relay.example/v1?key=1", "/v1/models"), "https://relay.example/v1/models");
        assert_eq!(join("https://relay.example/v1", "/v1/a b?q=x y"), "https://relay.example/v1/a%20b?q=x%20y");
        assert_eq!(join("https://relay.example/v1", "/v1/x?"), "https://relay.example/v1/x?");
        assert_eq!(join("https://relay.example/v1x", "/v1x2"), "https://relay.example/v1x/v1x2");
    }

    /// The proxy's URI for `path` on `base`: what parsing [`upstream_url`]'s
    /// answer gives, for every base and path the other tests join.
    fn uri(base: &str, path: &str) -> String {
        let base = Url::parse(base).unwrap();
        let target = UpstreamTarget::of(&base).unwrap();
        let uri = target.uri(&PathAndQuery::try_from(path).unwrap()).unwrap();
        assert_eq!(uri, Uri::try_from(upstream_url(&base, path).as_str()).unwrap(), "{base} + {path}");
        uri.to_string()
    }

    #[test]
    fn the_proxys_uri_is_the_joined_url() {
        for base in [
            "https://relay.example/v1",
            "https://relay.example/v1/",
            "https://relay.example",
            "https://relay.example/openai/v1",
            "https://relay.example/api",
            "http://127.0.0.1:9000/v1",
            "https://relay.example/v1?key=1",
            "https://relay.example/v1x",
            "https://user:secret@relay.example:8443/v1",
        ] {
            for path in
                ["/v1/responses", "/responses", "/v1/messages?beta=true", "/v1/x?", "/v1x2", "/health", "/", "/v1"]
            {
                uri(base, path);
            }
        }
        assert_eq!(
            uri("https://relay.example/api", "/v1/messages?beta=true"),
            "https://relay.example/api/v1/messages?beta=true"
        );
        assert_eq!(
            uri("https://relay.example/openai/v1", "/v1/responses?a=1"),
            "https://relay.example/openai/v1/responses?a=1"
        );
    }

    #[test]
    fn a_base_without_a_host_has_no_target() {
        assert!(UpstreamTarget::of(&Url::parse("file:///tmp/x").unwrap()).is_none());
    }
}
