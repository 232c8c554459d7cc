//! Where a request goes upstream: base URL + client path, without doubling
//! the `/v1` that both sides tend to carry.
//!
//! Codex clients call `/v1/responses` (their base URL is
//! `http://127.0.0.1:3211/v1`); Claude clients call `/v1/messages`. Relays
//! are written as `https://relay/v1`, `https://relay` or `https://relay/api`.

use url::Url;

/// The upstream URL for a client's `path_and_query`.
///
/// Built from the already parsed base by setting its path and query: the
/// HTTP client would otherwise parse a string again on every request, host
/// and all (a tenth of the proxy's work per small request).
pub fn upstream_url(base: &Url, path_and_query: &str) -> Url {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let base_path = base.path().trim_end_matches('/');
    let v1_rest = path.strip_prefix("/v1").filter(|r| r.is_empty() || r.starts_with('/'));
    let spelled = path.strip_prefix(base_path).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let mut url = base.clone();
    if base_path.is_empty() || spelled {
        // No base path, or the client already spells it (`/v1/x` on `…/v1`).
        url.set_path(path);
    } else if let Some(rest) = v1_rest.filter(|_| base_path.ends_with("/v1")) {
        // `/v1/x` on `…/openai/v1` → `…/openai/v1/x`.
        url.set_path(&[base_path, rest].concat());
    } else {
        // `/responses` on `…/v1`, `/v1/messages` on `…/api`.
        url.set_path(&[base_path, path].concat());
    }
    url.set_query(query);
    url.set_fragment(None);
    url
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
}
