//! Every request gets a log line, even one whose client gave up before the
//! response started.

use std::time::Duration;

use codex_helper_core::Service;
use codex_helper_tests::{canned, codex_body, config_with, MockUpstream, Proxy, Reply, TestHome};

#[tokio::test]
async fn a_client_leaving_before_the_response_starts_is_logged_as_499() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("late", (1, 1, 0))).delay(Duration::from_secs(3)));
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[(&format!("{}/v1", upstream.url()), "sk-x")]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let client = codex_helper_tests::client_with_timeout(Duration::from_millis(300));
    let result = client
        .post(proxy.url("/v1/responses"))
        .header("content-type", "application/json")
        .body(codex_body().to_string())
        .send()
        .await;
    assert!(result.is_err(), "the client timed out");

    // The proxy notices the closed connection; give it a moment.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let line = loop {
        proxy.flush_log();
        if let Some(line) = home.log_lines().pop() {
            break line;
        }
        assert!(std::time::Instant::now() < deadline, "no log line for the abandoned request");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(line["status_code"], 499);
    assert_eq!(line["path"], "/v1/responses");
    assert_eq!(line["config_name"], "main");
    assert!(line["error"].as_str().unwrap().contains("before the response started"), "{line}");
}
