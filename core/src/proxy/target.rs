//! Where a request goes upstream: base URL + client path, without doubling
//! the `/v1` that both sides tend to carry.
//!
//! Codex clients call `/v1/responses` (their base URL is
//! `http://127.0.0.1:3211/v1`); Claude clients call `/v1/messages`. Relays
//! are written as `https://relay/v1`, `https://relay` or `https://relay/api`.

use url::Url;

/// The upstream URL for a client's `path_and_query`.
pub fn upstream_url(base: &Url, path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let base_path = base.path().trim_end_matches('/');
    let v1_rest = path.strip_prefix("/v1").filter(|r| r.is_empty() || r.starts_with('/'));
    let joined = if base_path.is_empty() || path == base_path || path.starts_with(&format!("{base_path}/")) {
        // No base path, or the client already spells it (`/v1/x` on `…/v1`).
        path.to_string()
    } else if let Some(rest) = v1_rest.filter(|_| base_path.ends_with("/v1")) {
        // `/v1/x` on `…/openai/v1` → `…/openai/v1/x`.
        format!("{base_path}{rest}")
    } else {
        // `/responses` on `…/v1`, `/v1/messages` on `…/api`.
        format!("{base_path}{path}")
    };
    let mut out = String::with_capacity(base.as_str().len() + path_and_query.len());
    out.push_str(&base[..url::Position::BeforePath]);
    out.push_str(&joined);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(base: &str, path: &str) -> String {
        upstream_url(&Url::parse(base).unwrap(), path)
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
}
