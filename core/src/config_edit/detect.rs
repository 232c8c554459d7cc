//! Which API a relay speaks: one cheap request to each of `/v1/responses`,
//! `/v1/chat/completions` and `/v1/messages`, and a suggestion when the
//! upstream's `protocol` names one it does not answer. Used by "Test
//! connection" and `ch doctor --online`.
//!
//! Each probe is a `POST` of an empty JSON object (`{}`): no model, no
//! input, no messages. Every one of these APIs refuses that as invalid
//! (400/422) before any model runs, so no tokens are spent, while a path
//! the relay does not serve answers 404/405. A minimal real request
//! (`max_tokens: 1`) would tell the same, but it runs a model and is
//! billed on every test. A relay that checks the key before routing
//! answers 401 everywhere: then every path "answers" and no suggestion
//! is made, which is the honest outcome.

use std::time::Duration;

use serde::Serialize;

use crate::config::{validate_base_url, Protocol, Upstream};
use crate::proxy::target::upstream_url;
use crate::Service;

/// The path each protocol is spoken at (as the clients and the bridge call them).
pub fn path_of(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Responses => "/v1/responses",
        Protocol::Chat => "/v1/chat/completions",
        Protocol::Anthropic => "/v1/messages",
    }
}

/// What the probes found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Detection {
    /// The protocols whose path answered (anything but 404/405/501).
    pub answers: Vec<Protocol>,
    /// Every probe gave an HTTP answer (none timed out or failed to connect).
    pub complete: bool,
    /// What to set, when the configured protocol is not among `answers`
    /// (`… answers /v1/chat/completions only: set "protocol": "chat" …`).
    pub suggestion: Option<String>,
}

/// The three probes against `upstream`, with the key the proxy would send,
/// judged against the protocol it is configured with. `config` names it in
/// the suggested command.
pub async fn detect(client: &reqwest::Client, service: Service, config: &str, upstream: &Upstream) -> Detection {
    let Ok(base) = validate_base_url(&upstream.base_url) else { return Detection::default() };
    let Ok(auth) = crate::live::auth_headers(service, upstream) else { return Detection::default() };
    let probes = Protocol::ALL.map(|protocol| {
        let mut request = client
            .post(upstream_url(&base, path_of(protocol)))
            .header("content-type", "application/json")
            .header("anthropic-version", "2023-06-01")
            .body("{}");
        for (name, value) in &auth {
            request = request.header(name, value.clone());
        }
        async move { (protocol, request.send().await.map(|r| r.status().as_u16())) }
    });
    let results = futures_util::future::join_all(probes).await;
    let complete = results.iter().all(|(_, r)| r.is_ok());
    let answers: Vec<Protocol> =
        results.into_iter().filter_map(|(p, r)| r.ok().filter(|s| answers_path(*s)).map(|_| p)).collect();
    let suggestion = suggest(service, config, upstream, &answers, complete);
    Detection { answers, complete, suggestion }
}

/// A status that says the path exists: anything but "no such route".
fn answers_path(status: u16) -> bool {
    !matches!(status, 404 | 405 | 501)
}

/// The setting to suggest, or `None` when the configured protocol answers
/// (or nothing can be told: a probe failed to get an answer).
fn suggest(
    service: Service,
    config: &str,
    upstream: &Upstream,
    answers: &[Protocol],
    complete: bool,
) -> Option<String> {
    let configured = upstream.protocol(service);
    if answers.contains(&configured) || !complete {
        return None;
    }
    let url = upstream.base_url.trim();
    let paths: Vec<&str> = answers.iter().map(|p| path_of(*p)).collect();
    // The client's own protocol first (no bridge), then what a bridge takes.
    let native = Protocol::native(service);
    let pick =
        answers
            .iter()
            .copied()
            .filter(|p| p.usable_by(service).is_ok())
            .min_by_key(|p| if *p == native { 0 } else { 1 });
    let flag = match service {
        Service::Codex => "",
        Service::Claude => " --claude",
    };
    Some(match (paths.is_empty(), pick) {
        (true, _) => format!(
            "{url} answers none of /v1/responses, /v1/chat/completions, /v1/messages (404 on each): check the base URL (many relays need a /v1 at the end)"
        ),
        (false, Some(p)) => format!(
            "{url} answers {} only, not {}: set \"protocol\": \"{p}\" (ch config add {config} --base-url {url} --protocol {p}{flag})",
            paths.join(" and "),
            path_of(configured),
        ),
        (false, None) => format!(
            "{url} answers {} only, which {service}'s clients cannot use through codex-helper yet",
            paths.join(" and ")
        ),
    })
}

/// A client for the probes: short timeouts, no redirects.
pub fn probe_client(timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

#[cfg(test)]
mod tests {
    use axum::routing::post;
    use axum::Router;
    use http::StatusCode;

    use super::*;

    /// A relay that serves only `path` (400 to the empty probe, as a real
    /// API refuses it), 404 elsewhere; returns its base URL.
    async fn relay_serving(path: &'static str) -> String {
        let app = Router::new()
            .route(path, post(|| async { (StatusCode::BAD_REQUEST, r#"{"error":{"message":"model is required"}}"#) }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/v1")
    }

    fn upstream(base_url: &str, protocol: Option<Protocol>) -> Upstream {
        Upstream { base_url: base_url.into(), protocol, ..Default::default() }
    }

    async fn probe(service: Service, up: &Upstream) -> Detection {
        detect(&probe_client(Duration::from_secs(5)).unwrap(), service, "main", up).await
    }

    #[tokio::test]
    async fn each_of_the_three_paths_is_told_apart() {
        for protocol in Protocol::ALL {
            let base = relay_serving(path_of(protocol)).await;
            let found = probe(Service::Codex, &upstream(&base, None)).await;
            assert_eq!(found.answers, vec![protocol], "{found:?}");
            assert!(found.complete);
        }
    }

    #[tokio::test]
    async fn a_chat_only_relay_configured_as_responses_gets_the_setting_suggested() {
        let base = relay_serving("/v1/chat/completions").await;
        let found = probe(Service::Codex, &upstream(&base, None)).await;
        let hint = found.suggestion.expect("a suggestion");
        assert!(hint.contains("answers /v1/chat/completions only"), "{hint}");
        assert!(hint.contains(r#"set "protocol": "chat""#) && hint.contains("--protocol chat"), "{hint}");
        assert!(hint.contains(&format!("ch config add main --base-url {base}")), "{hint}");
        // Configured right: nothing to suggest.
        assert_eq!(probe(Service::Codex, &upstream(&base, Some(Protocol::Chat))).await.suggestion, None);
    }

    #[tokio::test]
    async fn a_chat_upstream_that_speaks_responses_is_told_so() {
        let base = relay_serving("/v1/responses").await;
        let hint = probe(Service::Codex, &upstream(&base, Some(Protocol::Chat))).await.suggestion.unwrap();
        assert!(hint.contains(r#""protocol": "responses""#), "{hint}");
        let claude = probe(Service::Claude, &upstream(&relay_serving("/v1/messages").await, None)).await;
        assert_eq!((claude.answers, claude.suggestion), (vec![Protocol::Anthropic], None));
    }

    #[tokio::test]
    async fn a_wrong_base_path_answers_nothing() {
        let base = relay_serving("/elsewhere").await;
        let found = probe(Service::Codex, &upstream(&base, None)).await;
        assert!(found.answers.is_empty());
        assert!(found.suggestion.unwrap().contains("check the base URL"));
    }
}
