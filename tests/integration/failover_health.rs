//! Health across requests: failure threshold and cooldown, Retry-After,
//! quota exhaustion, every upstream failing, and session affinity.

use std::time::Duration;

use codex_helper_core::lb::LbEvent;
use codex_helper_core::Service;
use codex_helper_tests::{canned, read_sse_events, Reply};
use serde_json::json;

use crate::lb_support::{ok_stream, skip_time, Pair};

/// Sends one request and checks it was answered with `text`'s stream.
async fn expect_served(pair: &Pair, session: Option<&str>, text: &str) {
    let resp = pair.send(session).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    assert_eq!(read.events, ok_stream(pair.service, text));
}

#[tokio::test]
async fn threshold_starts_a_cooldown_then_traffic_returns_to_the_primary() {
    let pair = Pair::start(Service::Codex, json!({"lb": {"failure_threshold": 3, "cooldown_ms": 1500}})).await;
    let mut events = pair.proxy.runtime.lb(Service::Codex).subscribe();
    pair.primary.set_default(Reply::json(500, canned::openai_error_json("server_error", "boom")));

    for n in 1..=3 {
        expect_served(&pair, None, "from the backup").await;
        assert_eq!(pair.primary.request_count(), n, "the primary is still tried first below the threshold");
        let snap = pair.snapshot();
        assert_eq!(snap[0].consecutive_failures, n as u32);
        if n < 3 {
            assert_eq!(snap[0].state, "ok", "{snap:?}");
        }
    }
    let snap = pair.snapshot();
    assert_eq!(snap[0].state, "cooling_down", "{snap:?}");
    assert!(snap[0].cooldown_remaining_ms.is_some_and(|ms| ms <= 1500), "{snap:?}");
    assert_eq!(snap[0].last_status, Some(500));
    assert_eq!(snap[1].state, "ok");

    // Request 4 goes straight to the backup.
    expect_served(&pair, None, "from the backup").await;
    assert_eq!(pair.primary.request_count(), 3, "a cooling primary is skipped");
    assert_eq!(pair.backup.request_count(), 4);
    let line = pair.last_log_line();
    assert_eq!(line["attempts"].as_array().unwrap().len(), 1, "{line}");

    let mut cooldowns = vec![];
    while let Ok(ev) = events.try_recv() {
        if let LbEvent::CooldownStarted { upstream, cooldown_ms, .. } = ev {
            cooldowns.push((upstream.base_url.to_string(), cooldown_ms));
        }
    }
    assert_eq!(cooldowns, vec![(pair.primary_url.clone(), 1500)]);

    // The primary is healthy again; once the cooldown ends it gets traffic back.
    pair.primary.set_default(Reply::sse(ok_stream(Service::Codex, "from the primary")));
    skip_time(Duration::from_millis(1500)).await;
    assert_eq!(pair.snapshot()[0].state, "ok", "the cooldown ended");
    expect_served(&pair, None, "from the primary").await;
    assert_eq!(pair.primary.request_count(), 4);
    assert_eq!(pair.backup.request_count(), 4);
    let snap = pair.snapshot();
    assert_eq!(snap[0].consecutive_failures, 0, "a success closes the circuit");
    let mut recovered = false;
    while let Ok(ev) = events.try_recv() {
        recovered |= matches!(ev, LbEvent::Recovered { ref upstream, .. } if *upstream.base_url == *pair.primary_url);
    }
    assert!(recovered, "a Recovered event for the primary");
}

#[tokio::test]
async fn retry_after_puts_the_primary_in_cooldown_at_once() {
    let pair = Pair::start(Service::Codex, json!({"lb": {"cooldown_ms": 30000}})).await;
    pair.primary.push(Reply::json(429, canned::openai_error_json("rate_limit_exceeded", "slow down")).retry_after(1));
    expect_served(&pair, None, "from the backup").await;
    let snap = pair.snapshot();
    assert_eq!(snap[0].state, "cooling_down", "one 429 with Retry-After is enough: {snap:?}");
    assert!(snap[0].cooldown_remaining_ms.is_some_and(|ms| ms <= 1000), "Retry-After, not cooldown_ms: {snap:?}");

    expect_served(&pair, None, "from the backup").await;
    assert_eq!(pair.primary.request_count(), 1, "skipped while Retry-After runs");

    // The clock jumps (see `skip_time`): not back before Retry-After's
    // second has passed, back once it has.
    let left = Duration::from_millis(pair.snapshot()[0].cooldown_remaining_ms.expect("still cooling"));
    skip_time(left.saturating_sub(Duration::from_millis(50))).await;
    assert_eq!(pair.snapshot()[0].state, "cooling_down", "back too early");
    skip_time(Duration::from_millis(60)).await;
    assert_eq!(pair.snapshot()[0].state, "ok", "back once Retry-After has passed");
    expect_served(&pair, None, "from the primary").await;
    assert_eq!(pair.primary.request_count(), 2);
    assert_eq!(pair.backup.request_count(), 2);
}

#[tokio::test]
async fn exhausted_primary_is_skipped() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let ids = pair.ids();
    let lb = pair.proxy.runtime.lb(Service::Codex);
    lb.set_exhausted(&ids[0], true);
    assert_eq!(pair.proxy.runtime.upstream_status(Service::Codex)[0].state, "exhausted");
    for _ in 0..2 {
        expect_served(&pair, None, "from the backup").await;
    }
    assert_eq!(pair.primary.request_count(), 0, "an exhausted upstream is not contacted");
    lb.set_exhausted(&ids[0], false);
    expect_served(&pair, None, "from the primary").await;
}

#[tokio::test]
async fn all_unavailable_are_still_tried() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let ids = pair.ids();
    let lb = pair.proxy.runtime.lb(Service::Codex);
    lb.set_exhausted(&ids[0], true);
    lb.set_exhausted(&ids[1], true);
    expect_served(&pair, None, "from the primary").await;
    assert_eq!((pair.primary.request_count(), pair.backup.request_count()), (1, 0));

    // Backup back in quota but failing with Retry-After: the exhausted
    // primary is still tried rather than failing the request.
    lb.set_exhausted(&ids[1], false);
    pair.backup.push(Reply::json(503, json!({})).retry_after(60));
    expect_served(&pair, None, "from the primary").await;
    assert_eq!((pair.primary.request_count(), pair.backup.request_count()), (2, 1));
    let states: Vec<_> = pair.snapshot().iter().map(|s| s.state).collect();
    assert_eq!(states, ["exhausted", "cooling_down"]);

    // Nothing available: the cooling upstream comes before the exhausted one.
    expect_served(&pair, None, "from the backup").await;
    assert_eq!((pair.primary.request_count(), pair.backup.request_count()), (2, 2));
}

#[tokio::test]
async fn all_failing_lists_every_upstream_in_codex_format() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    pair.primary.set_default(Reply::json(500, canned::openai_error_json("server_error", "primary down")));
    pair.backup.set_default(Reply::json(503, canned::openai_error_json("overloaded", "backup busy")));
    let resp = pair.send(Some("sess-all")).await;
    assert_eq!(resp.status(), 503, "the last upstream's status");
    assert_eq!(resp.headers()["x-codex-helper-error"], "1");
    let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    let err = &body["error"];
    assert_eq!(err["code"], "all_upstreams_failed");
    let msg = err["message"].as_str().unwrap();
    for needle in [pair.primary_url.as_str(), "500", "primary down", pair.backup_url.as_str(), "503", "backup busy"] {
        assert!(msg.contains(needle), "{needle:?} missing from {msg}");
    }
    assert!(msg.find(&pair.primary_url).unwrap() < msg.find(&pair.backup_url).unwrap(), "in the order tried: {msg}");
    assert_eq!((pair.primary.request_count(), pair.backup.request_count()), (1, 1), "each upstream once");

    let line = pair.last_log_line();
    assert_eq!(line["status_code"], 503);
    assert_eq!(line["session_id"], "sess-all");
    let attempts = line["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{line}");
    for (attempt, (url, status)) in attempts.iter().zip([(&pair.primary_url, 500), (&pair.backup_url, 503)]) {
        assert_eq!(attempt["upstream_base_url"], url.as_str());
        assert_eq!(attempt["status_code"], status);
        assert_eq!(attempt["outcome"], "failed");
    }
}

#[tokio::test]
async fn all_failing_in_claude_format_keeps_retry_after() {
    let pair = Pair::start(Service::Claude, json!({})).await;
    pair.primary.set_default(Reply::json(529, canned::claude_error_json("overloaded_error", "Overloaded")));
    pair.backup.set_default(Reply::json(429, canned::claude_error_json("rate_limit_error", "slow")).retry_after(7));
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "7");
    let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "rate_limit_error");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&pair.primary_url) && msg.contains("overloaded_error"), "{msg}");
    assert!(msg.contains(&pair.backup_url) && msg.contains("429"), "{msg}");
    let line = pair.last_log_line();
    let outcomes: Vec<_> = line["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].clone()).collect();
    assert_eq!(outcomes, vec![json!("failed"), json!("failed")]);
}

/// The primary's `200` stream went out before its error event, so the
/// backup's 429 can no longer be a status: the stream ends with one Claude
/// `error` event of the same type, naming both.
#[tokio::test]
async fn all_failing_in_claude_format_after_the_stream_began_ends_with_one_error_event() {
    let pair = Pair::start(Service::Claude, json!({})).await;
    let overloaded = canned::claude_error_event("overloaded_error", "Overloaded");
    pair.primary.set_default(Reply::sse(overloaded));
    pair.backup.set_default(Reply::json(429, canned::claude_error_json("rate_limit_error", "slow")).retry_after(7));
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 200);
    let read = codex_helper_tests::read_sse_events(resp).await;
    assert_eq!(read.names(), ["error"], "{read:?}");
    let body = read.events[0].json();
    assert_eq!(body["error"]["type"], "rate_limit_error");
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains(&pair.primary_url) && msg.contains("overloaded_error"), "{msg}");
    assert!(msg.contains(&pair.backup_url) && msg.contains("429"), "{msg}");
    let line = pair.last_log_line();
    assert_eq!(line["status_code"], 200, "{line}");
    let outcomes: Vec<_> = line["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].clone()).collect();
    assert_eq!(outcomes, vec![json!("failed"), json!("failed")]);
}

#[tokio::test]
async fn a_session_served_by_the_backup_stays_there() {
    let pair = Pair::start(Service::Codex, json!({"lb": {"failure_threshold": 3, "cooldown_ms": 1500}})).await;
    pair.primary.push(Reply::json(502, json!({})));
    expect_served(&pair, Some("S"), "from the backup").await;
    assert_eq!(pair.snapshot()[0].state, "ok", "one failure is below the threshold");

    for _ in 0..2 {
        expect_served(&pair, Some("S"), "from the backup").await;
        expect_served(&pair, None, "from the primary").await;
        expect_served(&pair, Some("other"), "from the primary").await;
    }
    assert_eq!(pair.primary.request_count(), 1 + 4, "session S never went back to the primary");
    assert_eq!(pair.backup.request_count(), 3);
    let line = pair.last_log_line();
    assert_eq!(line["session_id"], "other");
}

#[tokio::test]
async fn a_session_returns_to_the_primary_once_it_recovers() {
    let pair = Pair::start(Service::Codex, json!({"lb": {"failure_threshold": 1, "cooldown_ms": 1500}})).await;
    pair.primary.push(Reply::json(500, json!({})));
    expect_served(&pair, Some("S"), "from the backup").await;
    assert_eq!(pair.snapshot()[0].state, "cooling_down");
    expect_served(&pair, Some("S"), "from the backup").await;
    assert_eq!(pair.primary.request_count(), 1);

    skip_time(Duration::from_millis(1500)).await;
    assert_eq!(pair.snapshot()[0].state, "ok", "the cooldown ended");
    expect_served(&pair, Some("S"), "from the primary").await;
    expect_served(&pair, Some("S"), "from the primary").await;
    assert_eq!((pair.primary.request_count(), pair.backup.request_count()), (3, 2));
}

#[tokio::test]
async fn a_non_streaming_success_counts_as_a_success() {
    let pair = Pair::start(Service::Codex, json!({"lb": {"failure_threshold": 2, "cooldown_ms": 1500}})).await;
    pair.primary.push(Reply::json(500, json!({})));
    expect_served(&pair, None, "from the backup").await;
    assert_eq!(pair.snapshot()[0].consecutive_failures, 1);

    pair.primary.push(Reply::json(200, canned::codex_json("plain", (4, 2, 0))));
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(body, canned::codex_json("plain", (4, 2, 0)));
    let line = pair.last_log_line();
    assert!(line.get("error").is_none(), "a complete answer is not an abandoned one: {line}");
    assert_eq!(line["usage"]["input_tokens"], 4, "{line}");
    let snap = pair.snapshot();
    assert_eq!(
        (snap[0].successes, snap[0].consecutive_failures),
        (1, 0),
        "the success resets the failure count: {snap:?}"
    );

    // So one more failure does not trip the threshold of 2.
    pair.primary.push(Reply::json(500, json!({})));
    expect_served(&pair, None, "from the backup").await;
    assert_eq!(pair.snapshot()[0].state, "ok");
}

#[tokio::test]
async fn concurrent_failures_trip_the_cooldown_once() {
    let pair = Pair::start(Service::Codex, json!({"lb": {"failure_threshold": 3, "cooldown_ms": 1500}})).await;
    let mut events = pair.proxy.runtime.lb(Service::Codex).subscribe();
    // Slow failures, so every request is in flight before any of them fails.
    pair.primary.set_default(Reply::json(500, json!({})).delay(Duration::from_millis(300)));
    let sends = (0..6).map(|_| expect_served(&pair, None, "from the backup"));
    futures_util::future::join_all(sends).await;
    assert_eq!(pair.backup.request_count(), 6);
    // Normally all six are planned before the trip; a very slow machine may
    // plan a late one after it, which then skips the primary.
    let tried = pair.primary.request_count();
    assert!((3..=6).contains(&tried), "{tried}");
    let snap = pair.snapshot();
    assert_eq!(snap[0].state, "cooling_down");
    assert_eq!(snap[0].failures, tried as u64);
    assert!(snap[0].cooldown_remaining_ms.is_some_and(|ms| ms <= 1500), "late failures don't extend it: {snap:?}");
    let mut trips = 0;
    while let Ok(ev) = events.try_recv() {
        trips += matches!(ev, LbEvent::CooldownStarted { .. }) as usize;
    }
    assert_eq!(trips, 1, "one cooldown, not one per in-flight failure");
}
