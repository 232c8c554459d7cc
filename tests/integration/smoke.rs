//! The shortest path through the proxy: one Codex turn, streamed.

use codex_helper_core::Service;
use codex_helper_tests::{canned, codex_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, TestHome};

#[tokio::test]
async fn codex_turn_streams_through_and_is_logged() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("hello there", (11, 2, 1))));
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[(&format!("{}/v1", upstream.url()), "sk-up")]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    assert_eq!(read.events, canned::codex_stream("hello there", (11, 2, 1)));

    let got = upstream.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/v1/responses");
    assert_eq!(got[0].header("authorization"), Some("Bearer sk-up"));

    proxy.flush_log();
    let lines = home.log_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["status_code"], 200);
    assert_eq!(lines[0]["usage"]["input_tokens"], 11);
    assert_eq!(lines[0]["usage"]["reasoning_tokens"], 1);
    assert_eq!(lines[0]["config_name"], "main");
}
