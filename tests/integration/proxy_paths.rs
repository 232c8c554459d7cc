//! Where a client's request lands upstream: base URLs with `/v1`, without,
//! with a trailing slash or another prefix; query strings kept as sent.

use codex_helper_core::Service;
use codex_helper_tests::{
    canned, claude_body, codex_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, TestHome,
};

use crate::proxy_util::log_lines_eventually;

/// Runs one request through a fresh proxy whose only upstream is
/// `mock + base_suffix`, and returns the path (with query) the mock saw.
async fn landed(service: Service, mock: &MockUpstream, base_suffix: &str, client_path: &str) -> String {
    mock.clear_requests();
    let home = TestHome::new();
    let base = format!("{}{}", mock.url(), base_suffix);
    home.write_config(&config_with(service, "main", &[(&base, "sk-up")]));
    let proxy = Proxy::start(&home, service).await;
    let body = match service {
        Service::Codex => codex_body(),
        Service::Claude => claude_body(),
    };
    let resp = proxy.post(client_path, &body).await;
    assert_eq!(resp.status(), 200, "{base} + {client_path}");
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    let got = mock.requests();
    assert_eq!(got.len(), 1, "{base} + {client_path}: {got:?}");
    assert_eq!(got[0].method, "POST");
    // The log's path is the client's, without the query string.
    let lines = log_lines_eventually(&proxy, &home, 1).await;
    let client_path_only = client_path.split('?').next().unwrap();
    assert_eq!(lines[0]["path"], client_path_only);
    assert_eq!(lines[0]["upstream_base_url"], base.as_str());
    got[0].path.clone()
}

#[tokio::test]
async fn codex_paths_map_onto_every_base_url_spelling() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::codex_stream("ok", (1, 1, 0))));
    let cases = [
        ("/v1", "/v1/responses", "/v1/responses"),
        ("/v1/", "/v1/responses", "/v1/responses"),
        ("", "/v1/responses", "/v1/responses"),
        ("/api", "/v1/responses", "/api/v1/responses"),
        ("/openai/v1", "/v1/responses", "/openai/v1/responses"),
        // Codex pointed at `http://127.0.0.1:3211` (no /v1) sends `/responses`.
        ("/v1", "/responses", "/v1/responses"),
        ("/v1", "/v1/responses?trace=1&x=a%20b", "/v1/responses?trace=1&x=a%20b"),
    ];
    for (suffix, client, expected) in cases {
        let path = landed(Service::Codex, &mock, suffix, client).await;
        assert_eq!(path, expected, "base `{suffix}`, client `{client}`");
    }
}

#[tokio::test]
async fn claude_paths_keep_the_beta_query() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::claude_stream("ok", 3, 1)));
    let cases = [
        ("/v1", "/v1/messages?beta=true", "/v1/messages?beta=true"),
        ("", "/v1/messages?beta=true", "/v1/messages?beta=true"),
        ("/", "/v1/messages?beta=true", "/v1/messages?beta=true"),
        ("/api", "/v1/messages?beta=true", "/api/v1/messages?beta=true"),
        ("", "/v1/messages", "/v1/messages"),
    ];
    for (suffix, client, expected) in cases {
        let path = landed(Service::Claude, &mock, suffix, client).await;
        assert_eq!(path, expected, "base `{suffix}`, client `{client}`");
    }
}
