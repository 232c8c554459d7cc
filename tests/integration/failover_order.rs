//! Failover before the first byte: every kind of primary failure is retried
//! on the backup, the client sees exactly the backup's stream, each upstream
//! is tried at most once; client errors pass through untouched; nothing is
//! retried once content reached the client.

use std::time::Duration;

use codex_helper_core::Service;
use codex_helper_tests::{canned, read_sse_events, Reply};
use serde_json::{json, Value};

use crate::lb_support::{closed_port_url, eventually, ok_stream, Pair, BACKUP_KEY, PATIENCE, PRIMARY_KEY};

/// What goes wrong at the primary.
enum Primary {
    Replies(Reply),
    ClosedPort,
}

/// Sets up `primary` failing once, sends one request and checks the client
/// got exactly the backup's stream, each upstream was contacted once, and
/// the log line tells the story.
async fn assert_fails_over(service: Service, primary: Primary, settings: Value) -> Pair {
    let pair = match primary {
        Primary::Replies(reply) => {
            let pair = Pair::start(service, settings).await;
            pair.primary.set_default(reply);
            pair
        }
        Primary::ClosedPort => Pair::start_with_primary_url(service, settings, closed_port_url(service)).await,
    };
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    assert_eq!(
        read.events,
        ok_stream(service, "from the backup"),
        "exactly the backup's stream, nothing of the primary"
    );

    if pair.primary_url.contains(&pair.primary.url()) {
        let got = pair.primary.requests();
        assert_eq!(got.len(), 1, "primary tried once");
        assert_eq!(got[0].header("authorization"), Some(format!("Bearer {PRIMARY_KEY}").as_str()));
    }
    let got = pair.backup.requests();
    assert_eq!(got.len(), 1, "backup tried once");
    assert_eq!(got[0].header("authorization"), Some(format!("Bearer {BACKUP_KEY}").as_str()));

    let line = pair.last_log_line();
    assert_eq!(line["status_code"], 200);
    assert_eq!(line["upstream_base_url"], pair.backup_url.as_str());
    let attempts = line["attempts"].as_array().expect("attempts logged");
    assert_eq!(attempts.len(), 2, "{line}");
    assert_eq!(attempts[0]["upstream_base_url"], pair.primary_url.as_str());
    assert_eq!(attempts[0]["outcome"], "failed");
    assert!(attempts[0]["error"].as_str().is_some_and(|e| !e.is_empty()), "{line}");
    assert_eq!(attempts[1]["upstream_base_url"], pair.backup_url.as_str());
    assert_eq!(attempts[1]["outcome"], "ok");

    let snap = pair.snapshot();
    assert_eq!(snap[0].consecutive_failures, 1, "{snap:?}");
    assert_eq!(snap[1].failures, 0, "{snap:?}");
    pair
}

fn codex_http(status: u16) -> Primary {
    Primary::Replies(Reply::json(status, canned::openai_error_json("upstream_error", "nope")))
}

#[tokio::test]
async fn codex_connect_error_fails_over() {
    let pair = assert_fails_over(Service::Codex, Primary::ClosedPort, json!({})).await;
    let line = pair.last_log_line();
    let err = line["attempts"][0]["error"].as_str().unwrap();
    assert!(err.contains("connect"), "{err}");
}

#[tokio::test]
async fn codex_response_header_timeout_fails_over() {
    let slow = Reply::sse(ok_stream(Service::Codex, "too late")).delay(Duration::from_secs(3));
    let pair = assert_fails_over(
        Service::Codex,
        Primary::Replies(slow),
        json!({"proxy": {"response_header_timeout_ms": 500}}),
    )
    .await;
    let line = pair.last_log_line();
    assert!(line["attempts"][0]["duration_ms"].as_u64().unwrap() < 2500, "did not wait for the slow primary: {line}");
    assert!(line["attempts"][0]["error"].as_str().unwrap().contains("response_header_timeout_ms"), "{line}");
}

#[tokio::test]
async fn codex_5xx_fails_over() {
    for status in [500, 502, 503] {
        let pair = assert_fails_over(Service::Codex, codex_http(status), json!({})).await;
        assert_eq!(pair.last_log_line()["attempts"][0]["status_code"], status);
    }
}

#[tokio::test]
async fn codex_429_fails_over() {
    assert_fails_over(Service::Codex, codex_http(429), json!({})).await;
}

#[tokio::test]
async fn codex_auth_errors_fail_over() {
    for status in [401, 403] {
        assert_fails_over(Service::Codex, codex_http(status), json!({})).await;
    }
}

#[tokio::test]
async fn codex_reset_before_headers_fails_over() {
    assert_fails_over(Service::Codex, Primary::Replies(Reply::reset()), json!({})).await;
}

#[tokio::test]
async fn codex_stream_reset_before_content_fails_over() {
    // response.created + response.in_progress, then RST.
    let reply = Reply::sse(ok_stream(Service::Codex, "from the primary")).reset_after_events(2);
    assert_fails_over(Service::Codex, Primary::Replies(reply), json!({})).await;
}

#[tokio::test]
async fn codex_stream_with_only_created_fails_over() {
    let created = ok_stream(Service::Codex, "from the primary").remove(0);
    assert_eq!(created.event.as_deref(), Some("response.created"));
    let pair = assert_fails_over(Service::Codex, Primary::Replies(Reply::sse(vec![created])), json!({})).await;
    let line = pair.last_log_line();
    assert!(line["attempts"][0]["error"].as_str().unwrap().contains("ended"), "{line}");
}

#[tokio::test]
async fn codex_response_failed_first_fails_over() {
    for code in ["server_error", "insufficient_quota", "rate_limit_exceeded"] {
        let reply = Reply::sse(canned::codex_failed(code, "try again later"));
        let pair = assert_fails_over(Service::Codex, Primary::Replies(reply), json!({})).await;
        let line = pair.last_log_line();
        assert!(line["attempts"][0]["error"].as_str().unwrap().contains(code), "{line}");
    }
}

#[tokio::test]
async fn codex_stream_stalling_before_content_fails_over() {
    // Headers and response.created, then silence: the idle timeout ends the
    // wait and the backup answers.
    let reply = Reply::sse(ok_stream(Service::Codex, "from the primary")).stall_after_events(1);
    let pair =
        assert_fails_over(Service::Codex, Primary::Replies(reply), json!({"proxy": {"stream_idle_timeout_ms": 500}}))
            .await;
    let line = pair.last_log_line();
    assert!(line["attempts"][0]["error"].as_str().unwrap().contains("stream_idle_timeout_ms"), "{line}");
}

#[tokio::test]
async fn claude_error_after_message_start_fails_over() {
    // The shape real overloads often take: message_start, ping, then error.
    let mut events = ok_stream(Service::Claude, "from the primary");
    events.truncate(1);
    events.push(codex_helper_tests::SseEvent::new("ping", json!({"type": "ping"})));
    events.extend(canned::claude_error_event("overloaded_error", "Overloaded"));
    assert_fails_over(Service::Claude, Primary::Replies(Reply::sse(events)), json!({})).await;
}

#[tokio::test]
async fn gzipped_early_error_is_still_seen_and_fails_over() {
    let reply = Reply::sse(canned::codex_failed("server_error", "gzip")).gzip();
    assert_fails_over(Service::Codex, Primary::Replies(reply), json!({})).await;
}

#[tokio::test]
async fn claude_overloaded_error_event_fails_over() {
    let reply = Reply::sse(canned::claude_error_event("overloaded_error", "Overloaded"));
    let pair = assert_fails_over(Service::Claude, Primary::Replies(reply), json!({})).await;
    let line = pair.last_log_line();
    assert!(line["attempts"][0]["error"].as_str().unwrap().contains("overloaded_error"), "{line}");
}

/// Regression: whether an in-stream error was the client's fault used to be
/// a substring search of its text (`"not_found"`, `"invalid_request"` …), so
/// an overload whose message merely mentioned one of those words was passed
/// to the client instead of failing over. The kind (`overloaded_error`)
/// decides now, not the wording.
#[tokio::test]
async fn overload_whose_message_mentions_not_found_still_fails_over() {
    let message = "Overloaded: replica pool for this model not_found in region, retry later";
    let reply = Reply::sse(canned::claude_error_event("overloaded_error", message));
    let pair = assert_fails_over(Service::Claude, Primary::Replies(reply), json!({})).await;
    let line = pair.last_log_line();
    assert!(line["attempts"][0]["error"].as_str().unwrap().contains("overloaded_error"), "{line}");
    let codex = Reply::sse(canned::codex_failed("server_error", "invalid_request_id cache miss; try again"));
    assert_fails_over(Service::Codex, Primary::Replies(codex), json!({})).await;
}

#[tokio::test]
async fn claude_529_and_reset_before_content_fail_over() {
    let overloaded = Reply::json(529, canned::claude_error_json("overloaded_error", "Overloaded"));
    assert_fails_over(Service::Claude, Primary::Replies(overloaded), json!({})).await;
    // message_start, then RST before the first content block.
    let cut = Reply::sse(ok_stream(Service::Claude, "from the primary")).reset_after_events(1);
    assert_fails_over(Service::Claude, Primary::Replies(cut), json!({})).await;
    assert_fails_over(Service::Claude, Primary::ClosedPort, json!({})).await;
}

#[tokio::test]
async fn client_errors_pass_through_untouched_and_do_not_count() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let statuses = [400u16, 404, 413, 422];
    for (n, status) in statuses.iter().enumerate() {
        let body = format!(
            r#"{{"error":{{"message":"bad request #{n}","type":"invalid_request_error","code":"x{status}"}}}}"#
        );
        pair.primary.push(Reply::bytes(*status, "application/json", body.clone()));
        let resp = pair.send(None).await;
        assert_eq!(resp.status().as_u16(), *status);
        assert!(resp.headers().get("x-codex-helper-error").is_none(), "the upstream's own answer");
        assert_eq!(resp.text().await.unwrap(), body, "body passed through byte for byte");
    }
    assert_eq!(pair.primary.request_count(), statuses.len());
    assert_eq!(pair.backup.request_count(), 0, "a client error is not retried elsewhere");
    eventually("all four requests accounted", PATIENCE, || pair.snapshot()[0].requests == statuses.len() as u64).await;
    let snap = pair.snapshot();
    assert_eq!((snap[0].failures, snap[0].consecutive_failures, snap[0].state.as_str()), (0, 0, "ok"), "{snap:?}");
    assert_eq!(snap[0].successes, 0, "neutral: neither a failure nor a success");
    assert_eq!(snap[0].last_status, Some(422));
}

#[tokio::test]
async fn in_stream_client_fault_passes_through_without_failover() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let failed = canned::codex_failed("context_length_exceeded", "too long");
    pair.primary.set_default(Reply::sse(failed.clone()));
    let read = read_sse_events(pair.send(None).await).await;
    assert_eq!(read.events, failed);
    assert_eq!(pair.backup.request_count(), 0);
}

#[tokio::test]
async fn no_retry_once_content_reached_the_client() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let full = ok_stream(Service::Codex, "one two three four five six seven");
    pair.primary.set_default(Reply::sse(full.clone()).reset_after_events(6));
    let resp = pair.send(Some("sess-cut")).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None, "ended with an error event, not a broken body");
    let (last, first) = read.events.split_last().expect("events");
    assert_eq!(first, &full[..6], "the primary's events up to the cut");
    assert_eq!(last.event.as_deref(), Some("response.failed"));
    let data = last.json();
    assert_eq!(data["type"], "response.failed");
    assert_eq!(data["response"]["status"], "failed");
    assert!(data["response"]["error"]["message"].as_str().unwrap().contains("cut off"), "{data}");
    assert_eq!(pair.backup.request_count(), 0, "no retry after the first byte");
    assert_eq!(pair.primary.request_count(), 1);

    let line = pair.last_log_line();
    assert_eq!(line["attempts"].as_array().unwrap().len(), 1, "{line}");
    assert_eq!(line["attempts"][0]["outcome"], "broke_mid_stream");
    assert!(line["error"].is_string(), "{line}");
    assert_eq!(pair.snapshot()[0].consecutive_failures, 1, "a broken stream counts against the upstream");
}

#[tokio::test]
async fn claude_no_retry_once_content_reached_the_client() {
    let pair = Pair::start(Service::Claude, json!({})).await;
    let full = ok_stream(Service::Claude, "one two three four");
    pair.primary.set_default(Reply::sse(full.clone()).reset_after_events(4));
    let read = read_sse_events(pair.send(None).await).await;
    let (last, first) = read.events.split_last().expect("events");
    assert_eq!(first, &full[..4]);
    assert_eq!(last.event.as_deref(), Some("error"));
    assert_eq!(last.json()["type"], "error");
    assert_eq!(pair.backup.request_count(), 0);
}
