//! A `200 text/event-stream` answer's status and headers go out at once; a
//! failover before content then continues the same client stream (issue 11,
//! "Time to first byte"). Every primary here holds its stream at a
//! [`Gate`] after its opening events: the test first receives the headers
//! (so the early path is the one taken), then opens the gate to let the
//! primary fail.

use codex_helper_core::Service;
use codex_helper_tests::{canned, read_sse_events, Gate, Reply, SseEvent, SseRead};
use serde_json::{json, Value};

use crate::lb_support::{ok_stream, Pair, PATIENCE};

/// How many leading events of [`ok_stream`] are opening ones.
pub fn opening_count(service: Service) -> usize {
    match service {
        Service::Codex => 2,  // response.created, response.in_progress
        Service::Claude => 1, // message_start
    }
}

/// The request's response, which must arrive while the primary still holds
/// its stream at its gate (a hang here is the bug; the timeout only turns
/// it into a failure).
pub async fn headers_while_held(pair: &Pair) -> reqwest::Response {
    let resp = tokio::time::timeout(PATIENCE, pair.send(None))
        .await
        .expect("status and headers arrive while the upstream still holds back its content");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    assert!(resp.headers().get("content-length").is_none(), "{:?}", resp.headers());
    resp
}

/// The primary: its opening events, then (once the gate opens) `rest`.
fn gated_primary(pair: &Pair, gate: &Gate, rest: impl FnOnce(Reply) -> Reply) {
    let service = pair.service;
    let events = ok_stream(service, "from the primary");
    pair.primary.push(rest(Reply::sse(events).gate_after_events(opening_count(service), gate.clone())));
}

fn outcomes(line: &Value) -> Vec<&str> {
    line["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect()
}

/// The one event a failed stream ends with, checked to be the service's
/// native error event; returns its message.
fn native_error(service: Service, read: &SseRead) -> (String, String) {
    assert_eq!(read.error, None, "{service}: a well-formed end");
    assert_eq!(read.events.len(), 1, "{service}: exactly one event: {:?}", read.names());
    let event = &read.events[0];
    let v = event.json();
    match service {
        Service::Codex => {
            assert_eq!(event.event.as_deref(), Some("response.failed"), "{event:?}");
            assert_eq!(v["type"], "response.failed");
            assert_eq!(v["response"]["status"], "failed");
            let e = &v["response"]["error"];
            (e["code"].as_str().unwrap().into(), e["message"].as_str().unwrap().into())
        }
        Service::Claude => {
            assert_eq!(event.event.as_deref(), Some("error"), "{event:?}");
            assert_eq!(v["type"], "error");
            let e = &v["error"];
            (e["type"].as_str().unwrap().into(), e["message"].as_str().unwrap().into())
        }
    }
}

#[tokio::test]
async fn all_upstreams_failing_after_the_headers_end_the_stream_with_one_native_error_event() {
    for service in Service::ALL {
        let pair = Pair::start(service, json!({})).await;
        let gate = Gate::new();
        gated_primary(&pair, &gate, |r| r.reset_after_events(opening_count(service)));
        pair.backup.push(Reply::sse(ok_stream(service, "from the backup")[..opening_count(service)].to_vec()));
        let resp = headers_while_held(&pair).await;
        gate.open();
        let read = read_sse_events(resp).await;
        let (code, message) = native_error(service, &read);
        let expected_code = if service == Service::Codex { "all_upstreams_failed" } else { "api_error" };
        assert_eq!(code, expected_code, "{service}");
        assert!(message.contains("every upstream of config `main` failed (2 tried)"), "{message}");
        let line = pair.last_log_line();
        assert_eq!(line["status_code"], 200, "the status the client got: {line}");
        assert_eq!(outcomes(&line), ["failed", "failed"], "{line}");
        assert!(line["error"].as_str().unwrap().contains("every upstream"), "{line}");
        let snap = pair.snapshot();
        assert_eq!((snap[0].consecutive_failures, snap[1].consecutive_failures), (1, 1), "{snap:?}");
    }
}

#[tokio::test]
async fn a_client_error_event_from_the_first_upstream_reaches_the_client_unchanged() {
    for service in Service::ALL {
        let pair = Pair::start(service, json!({})).await;
        let events = match service {
            Service::Codex => canned::codex_failed("context_length_exceeded", "Your input exceeds the context window"),
            Service::Claude => {
                let mut events = ok_stream(service, "x")[..1].to_vec();
                events.extend(canned::claude_error_event("invalid_request_error", "prompt is too long"));
                events
            }
        };
        let gate = Gate::new();
        pair.primary.push(Reply::sse(events.clone()).gate_after_events(1, gate.clone()));
        let resp = headers_while_held(&pair).await;
        gate.open();
        let read = read_sse_events(resp).await;
        assert_eq!(read.error, None);
        assert_eq!(read.events, events, "{service}: the upstream's own events, untouched");
        assert_eq!(pair.backup.request_count(), 0, "{service}: every upstream would say the same");
    }
}

#[tokio::test]
async fn a_backups_client_error_after_the_headers_reaches_the_client_as_an_error_event() {
    for service in Service::ALL {
        let pair = Pair::start(service, json!({})).await;
        let gate = Gate::new();
        gated_primary(&pair, &gate, |r| r.reset_after_events(opening_count(service)));
        let (body, code) = match service {
            Service::Codex => (
                canned::openai_error_json("context_length_exceeded", "Your input exceeds the context window"),
                "context_length_exceeded",
            ),
            Service::Claude => {
                (canned::claude_error_json("invalid_request_error", "prompt is too long"), "invalid_request_error")
            }
        };
        pair.backup.push(Reply::json(400, body));
        let resp = headers_while_held(&pair).await;
        gate.open();
        let read = read_sse_events(resp).await;
        let (got_code, message) = native_error(service, &read);
        assert_eq!(got_code, code, "{service}");
        let text =
            if service == Service::Codex { "Your input exceeds the context window" } else { "prompt is too long" };
        assert!(message.contains(text), "{service}: the upstream's message: {message}");
        let line = pair.last_log_line();
        assert_eq!(line["status_code"], 200, "{line}");
        assert_eq!(outcomes(&line), ["failed", "ok"], "{line}");
        assert_eq!(line["attempts"][1]["status_code"], 400, "{line}");
        assert_eq!(pair.snapshot()[1].consecutive_failures, 0, "a client error says nothing about the backup");
    }
}

#[tokio::test]
async fn a_backup_that_does_not_stream_after_the_headers_ends_the_stream_with_an_error_event() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let gate = Gate::new();
    gated_primary(&pair, &gate, |r| r.reset_after_events(2));
    pair.backup.push(Reply::json(200, canned::codex_json("not streamed", (1, 1, 0))));
    let resp = headers_while_held(&pair).await;
    gate.open();
    let (code, message) = native_error(Service::Codex, &read_sse_events(resp).await);
    assert_eq!(code, "upstream_not_streaming");
    assert!(message.contains("application/json instead of an event stream"), "{message}");
}

#[tokio::test]
async fn non_streaming_failover_is_held_and_invisible_as_before() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let answer = canned::codex_json("hello", (1, 2, 0));
    pair.primary.push(Reply::json(503, canned::openai_error_json("server_error", "down")));
    pair.backup.push(Reply::json(200, answer.clone()));
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 200);
    let length = answer.to_string().len().to_string();
    assert_eq!(resp.headers()["content-length"], length.as_str(), "the backup's own length");
    assert_eq!(resp.json::<Value>().await.unwrap(), answer);

    // Every upstream failing without a stream: the proxy's JSON error, with
    // the last upstream's status, as before.
    pair.primary.push(Reply::json(503, canned::openai_error_json("server_error", "down")));
    pair.backup.push(Reply::json(503, canned::openai_error_json("server_error", "down too")));
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 503);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["code"], "all_upstreams_failed", "{v}");
}

/// The backup's events arrive in the primary's place: the same stream,
/// one `response.created` / `message_start`, one terminal event.
pub fn assert_backups_stream(service: Service, read: &SseRead) {
    assert_eq!(read.error, None, "{service}");
    assert_eq!(read.events, ok_stream(service, "from the backup"), "{service}: {:?}", read.names());
    let opening = if service == Service::Codex { "response.created" } else { "message_start" };
    let count = |name: &str| read.events.iter().filter(|e: &&SseEvent| e.event.as_deref() == Some(name)).count();
    assert_eq!(count(opening), 1, "{service}: no opening event of the dead stream");
    let terminal = if service == Service::Codex { "response.completed" } else { "message_stop" };
    assert_eq!(count(terminal), 1, "{service}");
}
