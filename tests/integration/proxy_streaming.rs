//! Streams pass through as they arrive, usage is read from every kind of
//! answer, and a stream that breaks mid-way ends with a well-formed error.

use std::time::{Duration, Instant};

use codex_helper_core::Service;
use codex_helper_tests::{
    canned, claude_body, codex_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, SseStream, TestHome,
};
use serde_json::Value;

use crate::proxy_util::{log_lines_eventually, raw_log};

const KEY: &str = "sk-secret-upstream-key-0123456789";

async fn proxy_for(service: Service, mock: &MockUpstream) -> (TestHome, Proxy) {
    let home = TestHome::new();
    let base = match service {
        Service::Codex => format!("{}/v1", mock.url()),
        Service::Claude => mock.url(),
    };
    home.write_config(&config_with(service, "main", &[(&base, KEY)]));
    let proxy = Proxy::start(&home, service).await;
    (home, proxy)
}

/// Every contract field of a log line exists with the right JSON type.
fn assert_contract(line: &Value, service: &str, path: &str, status: u64) {
    assert!(line["timestamp_ms"].is_u64(), "timestamp_ms: {line}");
    assert!(line["timestamp_ms"].as_u64().unwrap() > 1_600_000_000_000, "timestamp_ms is in ms: {line}");
    assert_eq!(line["service"], service, "{line}");
    assert_eq!(line["method"], "POST", "{line}");
    assert_eq!(line["path"], path, "path without query string: {line}");
    assert_eq!(line["status_code"].as_u64(), Some(status), "{line}");
    assert!(line["duration_ms"].is_u64(), "duration_ms: {line}");
    assert!(line["config_name"].is_string(), "config_name: {line}");
    assert!(line["upstream_base_url"].is_string(), "upstream_base_url: {line}");
    for field in ["input_tokens", "output_tokens", "reasoning_tokens", "total_tokens"] {
        assert!(line["usage"][field].is_u64(), "usage.{field}: {line}");
    }
}

fn usage_of(line: &Value) -> (u64, u64, u64, u64) {
    let u = &line["usage"];
    let n = |k: &str| u[k].as_u64().unwrap();
    (n("input_tokens"), n("output_tokens"), n("reasoning_tokens"), n("total_tokens"))
}

#[tokio::test]
async fn streamed_events_reach_the_client_before_the_upstream_finishes() {
    let mock = MockUpstream::start().await;
    let events = canned::codex_stream("one two three four five six", (5, 6, 0));
    let gap = Duration::from_millis(300);
    mock.set_default(Reply::sse(events.clone()).event_delay(gap));
    let (_home, proxy) = proxy_for(Service::Codex, &mock).await;

    let started = Instant::now();
    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    let mut stream = SseStream::new(resp);
    let mut first_content = None;
    let mut received = Vec::new();
    while let Some(ev) = stream.next_event().await {
        let ev = ev.expect("clean stream");
        if first_content.is_none() && ev.event.as_deref() == Some("response.output_text.delta") {
            first_content = Some(started.elapsed());
        }
        received.push(ev);
    }
    let total = started.elapsed();
    assert_eq!(received, events);
    let first_content = first_content.expect("a delta arrived");
    // The first delta is the 5th event (4 gaps ≈ 1.2 s upstream); the whole
    // stream has 14 events (13 gaps ≈ 3.9 s). A buffering proxy would
    // deliver the delta only at the very end.
    let whole_upstream = gap * (events.len() as u32 - 1);
    assert!(total >= whole_upstream, "stream took {total:?}");
    assert!(
        first_content + Duration::from_millis(1500) < total,
        "first delta at {first_content:?}, stream ended at {total:?}: the proxy buffered"
    );
    assert!(first_content < Duration::from_millis(2500), "first delta at {first_content:?}");
}

#[tokio::test]
async fn codex_sse_usage_is_logged_with_every_contract_field() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::codex_stream("hi there", (120, 30, 12))));
    let (home, proxy) = proxy_for(Service::Codex, &mock).await;

    let resp = proxy.post("/v1/responses?client=x", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.events, canned::codex_stream("hi there", (120, 30, 12)));

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert_contract(&lines[0], "codex", "/v1/responses", 200);
    assert_eq!(usage_of(&lines[0]), (120, 30, 12, 150));
    assert_eq!(lines[0]["config_name"], "main");
    assert_eq!(lines[0]["upstream_base_url"], format!("{}/v1", mock.url()));
    assert!(!raw_log(&home).contains(KEY), "the key leaked into the log");
}

#[tokio::test]
async fn claude_sse_usage_combines_message_start_and_message_delta() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::claude_stream("hello world", 42, 17)));
    let (home, proxy) = proxy_for(Service::Claude, &mock).await;

    let resp = proxy.post("/v1/messages?beta=true", &claude_body()).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.events, canned::claude_stream("hello world", 42, 17));

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert_contract(&lines[0], "claude", "/v1/messages", 200);
    // message_start says output 1; message_delta's cumulative 17 wins.
    assert_eq!(usage_of(&lines[0]), (42, 17, 0, 59));
    assert!(!raw_log(&home).contains(KEY), "the key leaked into the log");
}

#[tokio::test]
async fn non_streaming_json_usage_is_logged_for_both_services() {
    for service in [Service::Codex, Service::Claude] {
        let mock = MockUpstream::start().await;
        let (body, request, path, expected) = match service {
            Service::Codex => (canned::codex_json("fine", (9, 4, 2)), codex_body(), "/v1/responses", (9, 4, 2, 13)),
            Service::Claude => {
                (canned::claude_json("fine", 8, 5), claude_body(), "/v1/messages?beta=true", (8, 5, 0, 13))
            }
        };
        mock.set_default(Reply::json(200, body.clone()));
        let (home, proxy) = proxy_for(service, &mock).await;
        let mut request = request;
        request["stream"] = Value::Bool(false);

        let resp = proxy.post(path, &request).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers().get("content-type").unwrap(), "application/json");
        let got = crate::proxy_util::json_of(resp).await;
        assert_eq!(got, body, "{service:?}: body passed through");

        let lines = log_lines_eventually(&proxy, &home, 1).await;
        assert_contract(&lines[0], service.as_str(), path.split('?').next().unwrap(), 200);
        assert_eq!(usage_of(&lines[0]), expected, "{service:?}: {}", lines[0]);
        assert!(!raw_log(&home).contains(KEY), "the key leaked into the log");
    }
}

#[tokio::test]
async fn gzip_sse_reaches_the_client_intact_and_usage_is_still_read() {
    for service in [Service::Codex, Service::Claude] {
        let mock = MockUpstream::start().await;
        let (events, request, path, expected) = match service {
            Service::Codex => {
                (canned::codex_stream("zipped words here", (70, 8, 3)), codex_body(), "/v1/responses", (70, 8, 3, 78))
            }
            Service::Claude => (
                canned::claude_stream("zipped words here", 61, 9),
                claude_body(),
                "/v1/messages?beta=true",
                (61, 9, 0, 70),
            ),
        };
        mock.set_default(Reply::sse(events.clone()).gzip());
        let (home, proxy) = proxy_for(service, &mock).await;

        let resp = codex_helper_tests::client()
            .post(proxy.url(path))
            .header("content-type", "application/json")
            .header("accept-encoding", "gzip, br, zstd")
            .body(request.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers().get("content-encoding").unwrap(), "gzip", "{service:?}");
        // SseStream inflates gzip itself: the events must be exactly the
        // upstream's, so the compressed bytes went through untouched.
        let read = read_sse_events(resp).await;
        assert_eq!(read.error, None, "{service:?}");
        assert_eq!(read.events, events, "{service:?}");

        let lines = log_lines_eventually(&proxy, &home, 1).await;
        assert_contract(&lines[0], service.as_str(), path.split('?').next().unwrap(), 200);
        assert_eq!(usage_of(&lines[0]), expected, "{service:?}");
    }
}

#[tokio::test]
async fn a_stream_cut_after_content_ends_with_a_native_error_event() {
    for service in [Service::Codex, Service::Claude] {
        let mock = MockUpstream::start().await;
        let (events, request, path) = match service {
            Service::Codex => (canned::codex_stream("a b c d e f", (1, 1, 0)), codex_body(), "/v1/responses"),
            Service::Claude => (canned::claude_stream("a b c d e f", 1, 1), claude_body(), "/v1/messages?beta=true"),
        };
        mock.set_default(Reply::sse(events.clone()).reset_after_events(5));
        let (home, proxy) = proxy_for(service, &mock).await;

        let resp = proxy.post(path, &request).await;
        assert_eq!(resp.status(), 200);
        let read = tokio::time::timeout(Duration::from_secs(20), read_sse_events(resp)).await.expect("stream ends");
        assert_eq!(read.error, None, "{service:?}: the proxy should end the body cleanly with an event");
        assert_eq!(read.events.len(), 6, "{service:?}: {:?}", read.names());
        assert_eq!(read.events[..5], events[..5], "{service:?}: the delivered events are untouched");
        let last = &read.events[5];
        let data = last.json();
        match service {
            Service::Codex => {
                assert_eq!(last.event.as_deref(), Some("response.failed"));
                assert_eq!(data["type"], "response.failed");
                assert_eq!(data["response"]["status"], "failed");
                assert!(data["response"]["error"]["message"].as_str().unwrap().contains("cut off"), "{data}");
            }
            Service::Claude => {
                assert_eq!(last.event.as_deref(), Some("error"));
                assert_eq!(data["type"], "error");
                assert!(data["error"]["type"].is_string(), "{data}");
                assert!(data["error"]["message"].as_str().unwrap().contains("cut off"), "{data}");
            }
        }
        // Not retried: the client already had output.
        assert_eq!(mock.request_count(), 1, "{service:?}");

        let lines = log_lines_eventually(&proxy, &home, 1).await;
        assert_eq!(lines[0]["status_code"], 200);
        let error = lines[0]["error"].as_str().unwrap_or_else(|| panic!("error field: {}", lines[0]));
        assert!(!error.is_empty());
    }
}

#[tokio::test]
async fn gzip_json_passes_compressed_and_its_usage_is_read() {
    let mock = MockUpstream::start().await;
    let body = canned::claude_json("packed", 13, 21);
    mock.set_default(Reply::json(200, body.clone()).gzip());
    let (home, proxy) = proxy_for(Service::Claude, &mock).await;
    let mut request = claude_body();
    request["stream"] = Value::Bool(false);

    let resp = proxy.post("/v1/messages", &request).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("content-encoding").unwrap(), "gzip");
    let raw = resp.bytes().await.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&raw[..]), &mut text).expect("valid gzip");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), body);

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert_eq!(usage_of(&lines[0]), (13, 21, 0, 34), "{}", lines[0]);
    assert!(lines[0].get("error").is_none(), "{}", lines[0]);
}
