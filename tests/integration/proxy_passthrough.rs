//! What the proxy does with answers that are not a clean 200 stream:
//! upstream client errors, silent streams, clients that leave, and the
//! upstream's own connection headers.

use std::time::Duration;

use codex_helper_core::Service;
use codex_helper_tests::{
    canned, claude_body, codex_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, SseStream, TestHome,
};
use serde_json::json;

use crate::proxy_util::{json_of, log_lines_eventually};

async fn proxy_for(
    service: Service,
    upstreams: &[&MockUpstream],
    settings: Option<serde_json::Value>,
) -> (TestHome, Proxy) {
    let home = TestHome::new();
    let urls: Vec<String> = upstreams.iter().map(|m| format!("{}/v1", m.url())).collect();
    let pairs: Vec<(&str, &str)> = urls.iter().map(|u| (u.as_str(), "sk-up")).collect();
    home.write_config(&config_with(service, "main", &pairs));
    if let Some(s) = settings {
        home.write_settings(&s);
    }
    let proxy = Proxy::start(&home, service).await;
    (home, proxy)
}

#[tokio::test]
async fn an_upstream_400_reaches_the_client_as_is_and_is_not_retried() {
    let a = MockUpstream::start().await;
    let b = MockUpstream::start().await;
    let error = canned::openai_error_json("context_length_exceeded", "Your input exceeds the context window");
    a.set_default(Reply::json(400, error.clone()).header("x-request-id", "req-400"));
    b.set_default(Reply::sse(canned::codex_stream("should not be used", (1, 1, 0))));
    let (home, proxy) = proxy_for(Service::Codex, &[&a, &b], None).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers().get("x-request-id").unwrap(), "req-400");
    assert!(resp.headers().get("x-codex-helper-error").is_none(), "the upstream's own error, not ours");
    assert_eq!(json_of(resp).await, error);
    assert_eq!(b.request_count(), 0, "a request error is the same everywhere: no failover");

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert_eq!(lines[0]["status_code"], 400);
    assert!(lines[0].get("error").is_none(), "a delivered 400 is not a proxy error: {}", lines[0]);
}

#[tokio::test]
async fn a_silent_stream_ends_with_an_error_event_after_the_idle_timeout() {
    let mock = MockUpstream::start().await;
    let events = canned::claude_stream("one two three", 4, 3);
    mock.set_default(Reply::sse(events.clone()).stall_after_events(4));
    let settings = json!({ "proxy": { "stream_idle_timeout_ms": 400 } });
    let (home, proxy) = proxy_for(Service::Claude, &[&mock], Some(settings)).await;

    let resp = proxy.post("/v1/messages?beta=true", &claude_body()).await;
    assert_eq!(resp.status(), 200);
    let read = tokio::time::timeout(Duration::from_secs(20), read_sse_events(resp)).await.expect("the proxy gives up");
    assert_eq!(read.error, None);
    assert_eq!(read.events[..4], events[..4]);
    assert_eq!(read.events.len(), 5, "{:?}", read.names());
    let last = &read.events[4];
    assert_eq!(last.event.as_deref(), Some("error"));
    let msg = last.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("stream_idle_timeout_ms"), "{msg}");

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert!(lines[0]["error"].as_str().is_some_and(|e| e.contains("stream_idle_timeout_ms")), "{}", lines[0]);
    // Usage seen before the stall is still reported.
    assert_eq!(lines[0]["usage"]["input_tokens"], 4);
}

#[tokio::test]
async fn a_client_leaving_mid_stream_is_logged() {
    let mock = MockUpstream::start().await;
    let events = canned::codex_stream("a b c d e f g h", (3, 8, 0));
    mock.set_default(Reply::sse(events).event_delay(Duration::from_millis(200)));
    let (home, proxy) = proxy_for(Service::Codex, &[&mock], None).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    let mut stream = SseStream::new(resp);
    for _ in 0..5 {
        stream.next_event().await.unwrap().unwrap();
    }
    drop(stream);

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    let error = lines[0]["error"].as_str().unwrap_or_else(|| panic!("{}", lines[0]));
    assert!(error.contains("client closed"), "{error}");
    assert_eq!(lines[0]["status_code"], 200);
}

#[tokio::test]
async fn the_upstreams_connection_headers_stay_on_its_connection() {
    let mock = MockUpstream::start().await;
    mock.set_default(
        Reply::json(200, canned::codex_json("ok", (1, 1, 0)))
            .header("connection", "x-upstream-hop")
            .header("x-upstream-hop", "private")
            .header("keep-alive", "timeout=30")
            .header("x-request-id", "req-1"),
    );
    let (_home, proxy) = proxy_for(Service::Codex, &[&mock], None).await;
    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("x-upstream-hop").is_none(), "{:?}", resp.headers());
    assert!(resp.headers().get("keep-alive").is_none(), "{:?}", resp.headers());
    assert_eq!(resp.headers().get("x-request-id").unwrap(), "req-1");
    assert_eq!(json_of(resp).await, canned::codex_json("ok", (1, 1, 0)));
}

#[tokio::test]
async fn upstream_that_never_answers_gets_a_timeout_error() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::codex_stream("late", (1, 1, 0))).delay(Duration::from_secs(5)));
    let settings = json!({ "proxy": { "response_header_timeout_ms": 300 } });
    let (_home, proxy) = proxy_for(Service::Codex, &[&mock], Some(settings)).await;
    let started = std::time::Instant::now();
    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
    assert_eq!(resp.status(), 504);
    let v = json_of(resp).await;
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("response_header_timeout_ms") && msg.contains(&mock.url()), "{msg}");
}
