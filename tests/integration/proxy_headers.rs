//! Which headers cross the proxy: credentials replaced by the upstream's
//! key, hop-by-hop headers dropped, the rest passed both ways.

use codex_helper_core::Service;
use codex_helper_tests::{
    canned, client, config_with, read_sse_events, MockUpstream, Proxy, Recorded, Reply, TestHome,
};
use serde_json::json;

use crate::proxy_util::{body_of, config_with_auth, path_of};

/// One request from a client that sends its own credentials, through a
/// proxy serving `config`; returns what the mock received.
async fn forwarded_with_client_auth(service: Service, config: serde_json::Value, mock: &MockUpstream) -> Recorded {
    let home = TestHome::new();
    home.write_config(&config);
    let proxy = Proxy::start(&home, service).await;
    let resp = client()
        .post(proxy.url(path_of(service)))
        .header("content-type", "application/json")
        .header("authorization", "Bearer client-placeholder")
        .header("x-api-key", "client-key-placeholder")
        .body(body_of(service).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let _ = resp.bytes().await.unwrap();
    let got = mock.requests();
    assert_eq!(got.len(), 1);
    mock.clear_requests();
    got.into_iter().next().unwrap()
}

fn count(r: &Recorded, name: &str) -> usize {
    r.headers.iter().filter(|(n, _)| n == name).count()
}

#[tokio::test]
async fn codex_client_credentials_are_replaced_by_a_bearer_key() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::codex_stream("ok", (1, 1, 0))));
    let base = format!("{}/v1", mock.url());

    let r =
        forwarded_with_client_auth(Service::Codex, config_with(Service::Codex, "main", &[(&base, "sk-token")]), &mock)
            .await;
    assert_eq!(r.header("authorization"), Some("Bearer sk-token"));
    assert_eq!(count(&r, "authorization"), 1);
    assert_eq!(r.header("x-api-key"), None, "the client's x-api-key must not leak upstream");

    // api_key only: Codex still sends it as a Bearer token.
    let cfg = config_with_auth(Service::Codex, &base, json!({ "auth_token": null, "api_key": "sk-apikey" }));
    let r = forwarded_with_client_auth(Service::Codex, cfg, &mock).await;
    assert_eq!(r.header("authorization"), Some("Bearer sk-apikey"));
    assert_eq!(count(&r, "authorization"), 1);
    assert_eq!(r.header("x-api-key"), None);
}

#[tokio::test]
async fn claude_token_goes_as_bearer_and_api_key_as_x_api_key() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::claude_stream("ok", 1, 1)));
    let base = mock.url();

    let r =
        forwarded_with_client_auth(Service::Claude, config_with(Service::Claude, "main", &[(&base, "tok-up")]), &mock)
            .await;
    assert_eq!(r.header("authorization"), Some("Bearer tok-up"));
    assert_eq!(count(&r, "authorization"), 1);
    assert_eq!(r.header("x-api-key"), None, "the client's placeholder x-api-key must be dropped");

    let cfg = config_with_auth(Service::Claude, &base, json!({ "auth_token": null, "api_key": "sk-ant-up" }));
    let r = forwarded_with_client_auth(Service::Claude, cfg, &mock).await;
    assert_eq!(r.header("x-api-key"), Some("sk-ant-up"));
    assert_eq!(count(&r, "x-api-key"), 1);
    assert_eq!(r.header("authorization"), None, "the client's placeholder token must be dropped");
}

#[tokio::test]
async fn client_credentials_pass_through_when_the_upstream_has_no_key() {
    for service in [Service::Codex, Service::Claude] {
        let mock = MockUpstream::start().await;
        mock.set_default(match service {
            Service::Codex => Reply::sse(canned::codex_stream("ok", (1, 1, 0))),
            Service::Claude => Reply::sse(canned::claude_stream("ok", 1, 1)),
        });
        let cfg = config_with_auth(service, &mock.url(), json!({}));
        let r = forwarded_with_client_auth(service, cfg, &mock).await;
        assert_eq!(r.header("authorization"), Some("Bearer client-placeholder"), "{service:?}");
        assert_eq!(r.header("x-api-key"), Some("client-key-placeholder"), "{service:?}");
    }
}

#[tokio::test]
async fn hop_by_hop_headers_stop_and_end_to_end_headers_pass() {
    let mock = MockUpstream::start().await;
    mock.set_default(
        Reply::sse(canned::claude_stream("ok", 1, 1))
            .header("x-request-id", "req-from-upstream")
            .header("anthropic-ratelimit-requests-remaining", "41"),
    );
    let home = TestHome::new();
    home.write_config(&config_with(Service::Claude, "main", &[(&mock.url(), "tok-up")]));
    let proxy = Proxy::start(&home, Service::Claude).await;

    let resp = client()
        .post(proxy.url("/v1/messages?beta=true"))
        .header("content-type", "application/json")
        .header("authorization", "Bearer placeholder")
        .header("connection", "keep-alive, x-hop-private, upgrade")
        .header("upgrade", "h2c")
        .header("x-hop-private", "secret-to-this-hop")
        .header("keep-alive", "timeout=5")
        .header("te", "trailers")
        .header("proxy-authorization", "Basic cHJveHk6cGFzcw==")
        .header("proxy-connection", "keep-alive")
        .header("session_id", "sess-123")
        .header("anthropic-version", "2023-06-01")
        .header("anthropic-beta", "claude-code-20250219,interleaved-thinking-2025-05-14")
        .header("user-agent", "claude-cli/2.1.197 (external, cli)")
        .header("accept-encoding", "gzip, br, zstd")
        .header("x-custom-end-to-end", "kept")
        .body(body_of(Service::Claude).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers().get("x-request-id").map(|v| v.to_str().unwrap()),
        Some("req-from-upstream"),
        "upstream response headers reach the client"
    );
    assert_eq!(resp.headers().get("anthropic-ratelimit-requests-remaining").map(|v| v.to_str().unwrap()), Some("41"));
    assert_eq!(resp.headers().get("content-type").unwrap(), "text/event-stream");
    let read = read_sse_events(resp).await;
    assert_eq!(read.events, canned::claude_stream("ok", 1, 1));

    let got = mock.requests();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    for gone in ["x-hop-private", "keep-alive", "te", "proxy-authorization", "proxy-connection", "upgrade"] {
        assert_eq!(r.header(gone), None, "hop-by-hop `{gone}` was forwarded: {:?}", r.headers);
    }
    // The client's Connection options must not be forwarded (the proxy's own
    // client may say keep-alive/close about its own connection, nothing else).
    if let Some(conn) = r.header("connection") {
        assert!(!conn.to_ascii_lowercase().contains("x-hop-private"), "connection: {conn}");
    }
    assert_eq!(r.header("host"), Some(mock.addr().to_string().as_str()), "Host must be the upstream's");
    assert_eq!(r.header("session_id"), Some("sess-123"));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(r.header("anthropic-beta"), Some("claude-code-20250219,interleaved-thinking-2025-05-14"));
    assert_eq!(r.header("user-agent"), Some("claude-cli/2.1.197 (external, cli)"));
    assert_eq!(r.header("accept-encoding"), Some("gzip, br"), "zstd is not decodable by the proxy");
    assert_eq!(r.header("x-custom-end-to-end"), Some("kept"));
    assert_eq!(r.header("authorization"), Some("Bearer tok-up"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json(), body_of(Service::Claude), "body forwarded unchanged");
}

#[tokio::test]
async fn codex_session_headers_pass_and_host_is_rewritten() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::codex_stream("ok", (1, 1, 0))).header("x-request-id", "req-codex"));
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[(&format!("{}/v1", mock.url()), "sk-up")]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = client()
        .post(proxy.url("/v1/responses"))
        .header("content-type", "application/json")
        .header("host", format!("localhost:{}", proxy.addr.port()))
        .header("session_id", "thread-uuid")
        .header("session-id", "thread-uuid")
        .header("thread-id", "thread-uuid")
        .header("originator", "codex_exec")
        .header("user-agent", "codex_exec/0.169.0")
        .body(body_of(Service::Codex).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("x-request-id").unwrap(), "req-codex");
    let _ = resp.bytes().await.unwrap();
    let r = &mock.requests()[0];
    assert_eq!(r.header("host"), Some(mock.addr().to_string().as_str()));
    for (name, value) in [
        ("session_id", "thread-uuid"),
        ("session-id", "thread-uuid"),
        ("thread-id", "thread-uuid"),
        ("originator", "codex_exec"),
        ("user-agent", "codex_exec/0.169.0"),
    ] {
        assert_eq!(r.header(name), Some(value), "{name}");
    }
}
