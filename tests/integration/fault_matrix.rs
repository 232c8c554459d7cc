//! The fault matrix: every kind of upstream fault, through both services'
//! proxies, in all three stream formats (Responses, Chat Completions,
//! Anthropic Messages). Each request goes to a proxy in front of a faulty
//! primary and a good backup, and must end in exactly one of two ways:
//!
//! - a complete answer: the backup's stream, every event once, in order; or
//! - after content already reached the client: those events, then exactly
//!   one well-formed error event in the stream's own format.
//!
//! Never a hang (every read has a client timeout), never a lost or
//! duplicated event. For each request it also checks that the upstreams
//! were tried in order (the log's attempts and the mocks' request counts),
//! that health moved as specified (one failure for the primary, a cooldown
//! exactly when a usable `Retry-After` asked for one, nothing against the
//! backup), and that requests.jsonl got exactly one correct line.
//!
//! Size: one pass over the matrix by default (about a hundred requests, a
//! few seconds). `CH_FAULT_REQUESTS=1000` repeats the matrix until that many
//! faulted requests have run (issue 9's full run), e.g.
//! `CH_FAULT_REQUESTS=1000 cargo test -p codex-helper-tests --test integration fault_matrix`.

use std::time::{Duration, SystemTime};

use codex_helper_core::Service;
use codex_helper_tests::{canned, client_with_timeout, read_sse_events, Reply, SseEvent};
use serde_json::{json, Value};

use crate::lb_support::{closed_port_url, Pair};

/// The idle timeout of the stall cases: short so they are quick; the
/// client's timeout is far above.
const STALL_IDLE_MS: u64 = 400;
/// Every other case's: long enough that a loaded machine's pauses in a big
/// body never look like a stall.
const IDLE_MS: u64 = 20_000;
const CLIENT_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Responses,
    Chat,
    Anthropic,
}

impl Format {
    const ALL: [Format; 3] = [Format::Responses, Format::Chat, Format::Anthropic];

    fn path(self) -> &'static str {
        match self {
            Format::Responses => "/v1/responses",
            Format::Chat => "/v1/chat/completions",
            Format::Anthropic => "/v1/messages",
        }
    }

    fn stream(self, text: &str) -> Vec<SseEvent> {
        match self {
            Format::Responses => canned::codex_stream(text, (10, 3, 0)),
            Format::Chat => canned::chat_stream(text, 10, 3),
            Format::Anthropic => canned::claude_stream(text, 10, 3),
        }
    }

    /// How many leading events are still "opening" (no content yet).
    fn opening(self) -> usize {
        match self {
            Format::Responses => 2, // created, in_progress
            Format::Chat => 1,      // the role chunk
            Format::Anthropic => 1, // message_start
        }
    }

    /// A 200 stream whose first event is an error.
    fn error_first(self) -> Vec<SseEvent> {
        match self {
            Format::Responses => vec![SseEvent::new(
                "error",
                json!({"type": "error", "code": "server_error", "message": "upstream overloaded"}),
            )],
            Format::Chat => {
                vec![SseEvent::text(None, &canned::openai_error_json("server_error", "overloaded").to_string())]
            }
            Format::Anthropic => canned::claude_error_event("overloaded_error", "Overloaded"),
        }
    }

    /// Whether `event` is the proxy's error event in this format.
    fn is_error_event(self, event: &SseEvent) -> bool {
        let json: Option<Value> = serde_json::from_str(&event.data).ok();
        let Some(v) = json else { return false };
        match self {
            Format::Responses => {
                event.event.as_deref() == Some("response.failed") && v["response"]["error"]["message"].is_string()
            }
            Format::Chat => event.event.is_none() && v["error"]["message"].is_string(),
            Format::Anthropic => event.event.as_deref() == Some("error") && v["error"]["message"].is_string(),
        }
    }
}

#[derive(Clone, Debug)]
enum Fault {
    Refused,
    ResetBeforeHeaders,
    /// Reset after this many events.
    ResetAfter(usize),
    /// A clean end after this many events, before the terminal one.
    EofAfter(usize),
    /// Silence after this many events, past the idle timeout.
    StallAfter(usize),
    /// Opening events, then lines that are not SSE fields, then EOF.
    Malformed,
    /// An event past the cap (no boundary), after this many events.
    Oversized(usize),
    ErrorFirst,
    Status5xx,
    /// 429 with this `Retry-After`; whether it should start a cooldown.
    RateLimited(String, bool),
    HtmlPage,
}

/// What the client must see.
#[derive(Debug, PartialEq)]
enum Expect {
    /// The backup's whole answer.
    Backup,
    /// This many of the primary's events, then one error event.
    CutAfter(usize),
}

fn faults(format: Format) -> Vec<Fault> {
    let before = format.opening();
    let after = before + 2; // some content went out
                            // Far ahead (clamped to lb.max_cooldown_ms): the column may take a while.
    let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    vec![
        Fault::Refused,
        Fault::ResetBeforeHeaders,
        Fault::ResetAfter(before),
        Fault::ResetAfter(after),
        Fault::EofAfter(before),
        Fault::EofAfter(after),
        Fault::StallAfter(before),
        Fault::StallAfter(after),
        Fault::Malformed,
        Fault::Oversized(before),
        Fault::Oversized(after),
        Fault::ErrorFirst,
        Fault::Status5xx,
        Fault::RateLimited("7".into(), true),
        Fault::RateLimited(date, true),
        Fault::RateLimited("-3".into(), false),
        Fault::RateLimited("1e30".into(), true),
        Fault::RateLimited("in a while".into(), false),
        Fault::HtmlPage,
    ]
}

impl Fault {
    fn expect(&self, format: Format) -> Expect {
        match *self {
            Fault::ResetAfter(n) | Fault::EofAfter(n) | Fault::StallAfter(n) | Fault::Oversized(n)
                if n > format.opening() =>
            {
                Expect::CutAfter(n)
            }
            _ => Expect::Backup,
        }
    }

    /// The primary's reply (None: its port is closed).
    fn reply(&self, format: Format) -> Option<Reply> {
        let all = format.stream("from the primary");
        let first = |n: usize| all[..n].to_vec();
        Some(match self {
            Fault::Refused => return None,
            Fault::ResetBeforeHeaders => Reply::reset(),
            Fault::ResetAfter(n) => Reply::sse(all.clone()).reset_after_events(*n),
            Fault::EofAfter(n) => Reply::sse(first(*n)),
            Fault::StallAfter(n) => Reply::sse(all.clone()).stall_after_events(*n),
            Fault::Malformed => {
                let mut events = first(format.opening());
                events.push(SseEvent::raw("this line is not an SSE field\n\n{\"half\": "));
                Reply::sse(events)
            }
            Fault::Oversized(n) => {
                let mut events = first(*n);
                events.push(SseEvent::raw(&format!("data: {}", "z".repeat(9 << 20))));
                Reply::sse(events)
            }
            Fault::ErrorFirst => Reply::sse(format.error_first()),
            Fault::Status5xx => Reply::json(503, canned::openai_error_json("server_error", "down")),
            Fault::RateLimited(value, _) => {
                Reply::json(429, canned::openai_error_json("rate_limit_exceeded", "slow")).header("retry-after", value)
            }
            Fault::HtmlPage => Reply::bytes(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        })
    }

    /// The log outcome of the primary's attempt.
    fn outcome(&self, format: Format) -> &'static str {
        match (self, self.expect(format)) {
            (_, Expect::Backup) => "failed",
            (Fault::EofAfter(_), _) => "ended_mid_stream",
            (Fault::Oversized(_), _) => "event_too_large",
            _ => "broke_mid_stream",
        }
    }
}

/// One faulted request, checked end to end.
async fn check(service: Service, format: Format, fault: &Fault) {
    let what = format!("{service} / {format:?} / {fault:?}");
    let idle = if matches!(fault, Fault::StallAfter(_)) { STALL_IDLE_MS } else { IDLE_MS };
    let settings =
        json!({"proxy": {"stream_idle_timeout_ms": idle}, "lb": {"cooldown_ms": 30000, "max_cooldown_ms": 60000}});
    let pair = match fault.reply(format) {
        Some(reply) => {
            let pair = Pair::start(service, settings).await;
            pair.primary.push(reply);
            pair
        }
        None => Pair::start_with_primary_url(service, settings, closed_port_url(service)).await,
    };
    let good = format.stream("from the backup");
    pair.backup.set_default(Reply::sse(good.clone()));
    let body = json!({"model": "m", "stream": true, "messages": [{"role": "user", "content": "hi"}]});
    let resp = client_with_timeout(CLIENT_TIMEOUT)
        .post(pair.proxy.url(format.path()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: no answer: {e}"));
    assert_eq!(resp.status(), 200, "{what}");
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None, "{what}: the stream ends well-formed, never aborted or hung");

    let expect = fault.expect(format);
    let primary_events = format.stream("from the primary");
    match expect {
        Expect::Backup => {
            assert_eq!(read.events, good, "{what}: the backup's answer, whole, once");
            assert_eq!(pair.backup.request_count(), 1, "{what}");
        }
        Expect::CutAfter(n) => {
            assert_eq!(read.events.len(), n + 1, "{what}: {:?}", read.names());
            assert_eq!(read.events[..n], primary_events[..n], "{what}: nothing lost or doubled");
            assert!(format.is_error_event(&read.events[n]), "{what}: one error event: {:?}", read.events[n]);
            assert_eq!(pair.backup.request_count(), 0, "{what}: nothing retried after content");
        }
    }
    if !matches!(fault, Fault::Refused) {
        assert_eq!(pair.primary.request_count(), 1, "{what}: the primary first, once");
    }

    let snap = pair.snapshot();
    assert_eq!(snap[0].consecutive_failures, 1, "{what}: {snap:?}");
    let cools = matches!(fault, Fault::RateLimited(_, true));
    assert_eq!(snap[0].state == "cooling_down", cools, "{what}: {snap:?}");
    if cools {
        assert!(snap[0].cooldown_remaining_ms.is_some_and(|ms| ms <= 60_000), "{what}: clamped: {snap:?}");
    }
    assert_eq!(snap[1].failures, 0, "{what}: the backup is healthy: {snap:?}");

    pair.proxy.flush_log();
    let lines = pair.home.log_lines();
    assert_eq!(lines.len(), 1, "{what}: exactly one log line: {lines:?}");
    let line = &lines[0];
    assert_eq!(line["status_code"], 200, "{what}: {line}");
    assert_eq!(line["path"], format.path(), "{what}: {line}");
    let attempts = line["attempts"].as_array().unwrap();
    let tried: Vec<&str> = attempts.iter().map(|a| a["upstream_base_url"].as_str().unwrap()).collect();
    let outcomes: Vec<&str> = attempts.iter().map(|a| a["outcome"].as_str().unwrap()).collect();
    match expect {
        Expect::Backup => {
            assert_eq!(tried, [pair.primary_url.as_str(), pair.backup_url.as_str()], "{what}: in order: {line}");
            assert_eq!(outcomes, ["failed", "ok"], "{what}: {line}");
            assert!(attempts[0]["error"].is_string(), "{what}: {line}");
            assert_eq!(line["error"], Value::Null, "{what}: {line}");
            assert_eq!(line["usage"]["output_tokens"], 3, "{what}: the backup's usage: {line}");
        }
        Expect::CutAfter(_) => {
            assert_eq!(tried, [pair.primary_url.as_str()], "{what}: {line}");
            assert_eq!(outcomes, [fault.outcome(format)], "{what}: {line}");
            assert!(line["error"].is_string(), "{what}: logged as an error: {line}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let target: usize = std::env::var("CH_FAULT_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut done = 0;
    loop {
        // The six service × format columns run side by side (the stalls
        // overlap); each column's faults run one after another.
        let mut columns = tokio::task::JoinSet::new();
        for service in Service::ALL {
            for format in Format::ALL {
                columns.spawn(async move {
                    let faults = faults(format);
                    for fault in &faults {
                        check(service, format, fault).await;
                    }
                    faults.len()
                });
            }
        }
        while let Some(column) = columns.join_next().await {
            done += column.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        }
        if done >= target {
            break;
        }
    }
    eprintln!("fault matrix: {done} faulted requests, no losses");
}
