//! Regression tests for issue 9's stream and failover bugs (#1–#4): each
//! failed on the code before its fix.
//!
//! - #1 a `Retry-After` of any form (huge, negative, garbage, HTTP date)
//!   never panics the request task; the backup answers.
//! - #2 a stream that ends cleanly before its terminal event is a failure:
//!   before content it fails over, after content it ends with one error.
//! - #3 Chat Completions streams through the Codex proxy are recognised
//!   (content, terminal, usage); unknown formats pass through unjudged.
//! - #4 an event without an end past the cap ends the stream with a clear
//!   error; 40 MB of well-formed SSE arrives intact.

use std::time::{Duration, SystemTime};

use codex_helper_core::Service;
use codex_helper_tests::{canned, client_with_timeout, read_sse_events, Reply, SseEvent, SseRead};
use serde_json::{json, Value};

use crate::lb_support::{ok_stream, Pair};

/// Long enough for a loaded machine, short enough that a hang fails.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

async fn post(pair: &Pair, path: &str, body: &Value) -> reqwest::Response {
    client_with_timeout(CLIENT_TIMEOUT)
        .post(pair.proxy.url(path))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .expect("the proxy answers")
}

fn chat_body() -> Value {
    json!({"model": "gpt-5", "stream": true, "messages": [{"role": "user", "content": "say hi"}]})
}

/// The attempts' outcomes of a log line, in order.
fn outcomes(line: &Value) -> Vec<String> {
    line["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap().to_string()).collect()
}

/// Each proxy-made stream error event, in whatever format the client reads.
fn error_events(read: &SseRead) -> Vec<&SseEvent> {
    read.events
        .iter()
        .filter(|e| {
            matches!(e.event.as_deref(), Some("response.failed") | Some("error"))
                || (e.event.is_none() && e.data.starts_with("{\"error\""))
        })
        .collect()
}

#[tokio::test]
async fn every_retry_after_form_fails_over_without_panicking() {
    // Far ahead (clamped to lb.max_cooldown_ms), so a slow machine never
    // sees a wait run out before the snapshot.
    let later = httpdate_in(Duration::from_secs(3600));
    // (header value, does it start a cooldown at once)
    let cases: [(&str, bool); 6] = [
        ("1e30", true),
        ("-5", false),
        ("soon-ish", false),
        ("30.5", true),
        (&later, true),
        ("99999999999999999999", true),
    ];
    for (value, cools) in cases {
        let pair = Pair::start(Service::Codex, json!({"lb": {"cooldown_ms": 30000, "max_cooldown_ms": 60000}})).await;
        pair.primary.push(
            Reply::json(429, canned::openai_error_json("rate_limit_exceeded", "slow down"))
                .header("retry-after", value),
        );
        let resp = pair.send(None).await;
        assert_eq!(resp.status(), 200, "Retry-After {value:?}");
        let read = read_sse_events(resp).await;
        assert_eq!(read.events, ok_stream(Service::Codex, "from the backup"), "Retry-After {value:?}");
        let snap = pair.snapshot();
        assert_eq!(snap[0].consecutive_failures, 1, "Retry-After {value:?}: {snap:?}");
        assert_eq!(snap[0].state == "cooling_down", cools, "Retry-After {value:?}: {snap:?}");
        if let Some(ms) = snap[0].cooldown_remaining_ms {
            assert!(ms <= 60_000, "clamped to lb.max_cooldown_ms: {snap:?}");
        }
        let line = pair.last_log_line();
        assert_eq!(line["status_code"], 200, "{line}");
        assert_eq!(outcomes(&line), ["failed", "ok"], "{line}");
    }
}

/// An HTTP date `ahead` from now (RFC 9110 IMF-fixdate).
fn httpdate_in(ahead: Duration) -> String {
    httpdate::fmt_http_date(SystemTime::now() + ahead)
}

/// The opening events of a stream in each format, before any content.
fn opening(service: Service) -> Vec<SseEvent> {
    let all = ok_stream(service, "from the primary");
    match service {
        Service::Codex => all[..2].to_vec(),  // response.created, response.in_progress
        Service::Claude => all[..1].to_vec(), // message_start
    }
}

#[tokio::test]
async fn a_stream_that_ends_before_content_and_its_terminal_event_fails_over() {
    for service in Service::ALL {
        let pair = Pair::start(service, json!({})).await;
        pair.primary.push(Reply::sse(opening(service)));
        let read = read_sse_events(pair.send(None).await).await;
        assert_eq!(read.error, None, "{service}");
        assert_eq!(read.events, ok_stream(service, "from the backup"), "{service}: the backup's answer, whole");
        assert_eq!((pair.primary.request_count(), pair.backup.request_count()), (1, 1));
        assert_eq!(pair.snapshot()[0].consecutive_failures, 1, "{service}: the primary's failure counts");
        let line = pair.last_log_line();
        assert_eq!(outcomes(&line), ["failed", "ok"], "{line}");
        assert!(line["attempts"][0]["error"].as_str().unwrap().contains("terminal event"), "{line}");
    }
}

#[tokio::test]
async fn a_stream_that_ends_after_content_without_its_terminal_event_ends_with_one_error() {
    for service in Service::ALL {
        let pair = Pair::start(service, json!({})).await;
        let all = ok_stream(service, "from the primary");
        let cut = all.len() - 2; // no completion, no terminal event
        pair.primary.push(Reply::sse(all[..cut].to_vec()));
        let read = read_sse_events(pair.send(None).await).await;
        assert_eq!(read.error, None, "{service}: a well-formed end");
        assert_eq!(read.events.len(), cut + 1, "{service}: every event once, then one error: {:?}", read.names());
        assert_eq!(read.events[..cut], all[..cut], "{service}");
        assert_eq!(error_events(&read).len(), 1, "{service}");
        assert!(read.events[cut].data.contains("terminal event"), "{:?}", read.events[cut]);
        assert_eq!(pair.backup.request_count(), 0, "after content nothing is retried");
        let line = pair.last_log_line();
        assert!(line["error"].as_str().is_some_and(|e| e.contains("terminal event")), "{line}");
        assert_eq!(outcomes(&line), ["ended_mid_stream"], "{line}");
        assert_eq!(pair.snapshot()[0].consecutive_failures, 1, "{service}");
    }
}

#[tokio::test]
async fn chat_completions_streams_pass_through_the_codex_proxy_with_usage() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let chat = canned::chat_stream("hello there", 5, 7);
    pair.primary.push(Reply::sse(chat.clone()));
    let resp = post(&pair, "/v1/chat/completions", &chat_body()).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    assert_eq!(read.events, chat, "the chat stream, untouched");
    assert_eq!(pair.backup.request_count(), 0);
    let snap = pair.snapshot();
    assert_eq!((snap[0].consecutive_failures, snap[0].successes), (0, 1), "{snap:?}");
    let line = pair.last_log_line();
    assert_eq!(line["error"], Value::Null, "{line}");
    assert_eq!((line["usage"]["input_tokens"].as_u64(), line["usage"]["output_tokens"].as_u64()), (Some(5), Some(7)));

    // Tool calls carry a nested "type" (that used to be taken for the
    // event's type); they are content too.
    let tool = json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": ""}}]}, "finish_reason": null}]});
    let finish = json!({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]});
    let events = vec![SseEvent::text(None, &tool.to_string()), SseEvent::text(None, &finish.to_string())];
    pair.primary.push(Reply::sse(events.clone()));
    let read = read_sse_events(post(&pair, "/v1/chat/completions", &chat_body()).await).await;
    assert_eq!(read.events, events, "a finish_reason ends a chat stream even without [DONE]");
    assert_eq!(pair.snapshot()[0].consecutive_failures, 0);
}

#[tokio::test]
async fn chat_streams_without_their_end_are_failures_in_chat_format() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let chat = canned::chat_stream("hello there", 5, 7);
    // Before content (only the role chunk): the backup answers.
    pair.primary.push(Reply::sse(chat[..1].to_vec()));
    pair.backup.push(Reply::sse(chat.clone()));
    let read = read_sse_events(post(&pair, "/v1/chat/completions", &chat_body()).await).await;
    assert_eq!(read.events, chat);
    // After content: the chunks, then one chat-shaped error.
    pair.primary.push(Reply::sse(chat[..3].to_vec()));
    let read = read_sse_events(post(&pair, "/v1/chat/completions", &chat_body()).await).await;
    assert_eq!(read.events.len(), 4, "{:?}", read.events);
    assert_eq!(read.events[..3], chat[..3]);
    let err = read.events[3].json();
    assert!(err["error"]["message"].as_str().unwrap().contains("terminal event"), "{err}");
    assert_eq!(read.events[3].event, None, "chat clients read data-only errors");
}

#[tokio::test]
async fn litellm_data_only_responses_streams_ending_in_done_are_complete() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let mut events: Vec<SseEvent> =
        ok_stream(Service::Codex, "from the primary").into_iter().map(|e| SseEvent::text(None, &e.data)).collect();
    events.push(SseEvent::text(None, "[DONE]"));
    pair.primary.push(Reply::sse(events.clone()));
    let read = read_sse_events(pair.send(None).await).await;
    assert_eq!(read.events, events);
    assert_eq!(pair.snapshot()[0].consecutive_failures, 0);
    assert_eq!(pair.last_log_line()["usage"]["output_tokens"], 3);
}

#[tokio::test]
async fn unknown_stream_formats_pass_through_unjudged() {
    for service in Service::ALL {
        let pair = Pair::start(service, json!({})).await;
        let events = vec![SseEvent::text(Some("tick"), "1"), SseEvent::text(None, "plain text, no JSON")];
        pair.primary.push(Reply::sse(events.clone()));
        let read = read_sse_events(pair.send(None).await).await;
        assert_eq!(read.error, None, "{service}");
        assert_eq!(read.events, events, "{service}: untouched, no error added");
        assert_eq!(pair.backup.request_count(), 0, "{service}");
        let snap = pair.snapshot();
        assert_eq!(snap[0].consecutive_failures, 0, "{service}: never counted against the upstream: {snap:?}");
        assert_eq!(pair.last_log_line()["error"], Value::Null);
    }
}

/// 40 MB of data with no event boundary.
fn boundless(mb: usize) -> SseEvent {
    SseEvent::raw(&format!("data: {}", "x".repeat(mb << 20)))
}

#[tokio::test]
async fn an_event_past_the_cap_before_content_fails_over_with_a_clear_error() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    pair.primary.push(Reply::sse(vec![boundless(40)]));
    let read = read_sse_events(post(&pair, "/v1/responses", &crate::lb_support::body_for(Service::Codex)).await).await;
    assert_eq!(read.events, ok_stream(Service::Codex, "from the backup"));
    let line = pair.last_log_line();
    let err = line["attempts"][0]["error"].as_str().unwrap();
    assert!(err.contains("larger than") && err.contains("MiB"), "{line}");
}

#[tokio::test]
async fn an_event_past_the_cap_after_content_ends_with_one_error() {
    let pair = Pair::start(Service::Claude, json!({})).await;
    let all = ok_stream(Service::Claude, "from the primary");
    let mut events = all[..3].to_vec();
    events.push(boundless(40));
    pair.primary.push(Reply::sse(events));
    let read = read_sse_events(pair.send(None).await).await;
    assert_eq!(read.error, None);
    assert_eq!(read.events.len(), 4, "{:?}", read.names());
    assert_eq!(read.events[..3], all[..3]);
    assert_eq!(read.events[3].event.as_deref(), Some("error"));
    assert!(read.events[3].data.contains("larger than"), "{:?}", read.events[3]);
    let line = pair.last_log_line();
    assert_eq!(outcomes(&line), ["event_too_large"], "{line}");
}

#[tokio::test]
async fn forty_megabytes_of_well_formed_sse_arrive_intact() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let mut events = ok_stream(Service::Codex, "from the primary");
    let done = events.pop().unwrap();
    let filler = "y".repeat(4000);
    for i in 0..10_000 {
        let delta = json!({"type": "response.output_text.delta", "delta": format!("{i}:{filler}")});
        events.push(SseEvent::new("response.output_text.delta", delta));
    }
    events.push(done);
    pair.primary.push(Reply::sse(events.clone()));
    let read = read_sse_events(pair.send(None).await).await;
    assert_eq!(read.error, None);
    assert_eq!(read.events.len(), events.len());
    assert!(read.events == events, "every event intact and in order");
    assert_eq!(pair.last_log_line()["error"], Value::Null);
}
