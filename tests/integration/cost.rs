//! Each request's cost in the log, through the real proxy: priced by the
//! model the answer names (or, when it names none, the one the request
//! asked for), at the shipped prices or settings.json's.

use codex_helper_core::usage::summary::summarize;
use codex_helper_core::usage::Window;
use codex_helper_core::Service;
use codex_helper_tests::{canned, codex_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, TestHome};
use serde_json::json;

use crate::lb_support::Pair;

#[tokio::test]
async fn a_request_is_logged_with_its_model_and_cost_at_shipped_prices() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let resp = pair.send(Some("sess-cost")).await;
    assert_eq!(resp.status(), 200);
    read_sse_events(resp).await;
    let line = pair.last_log_line();
    // The mock answers gpt-5 with 10 input and 3 output tokens:
    // 10 × $1.25 + 3 × $10 per million.
    assert_eq!(line["model"], "gpt-5", "{line}");
    assert_eq!(line["cost_usd"], 0.0000425, "{line}");
}

#[tokio::test]
async fn a_price_in_settings_replaces_the_shipped_one() {
    let pair = Pair::start(Service::Codex, json!({"prices": {"gpt-5": {"input": 100000, "output": 0}}})).await;
    let resp = pair.send(Some("sess-override")).await;
    read_sse_events(resp).await;
    assert_eq!(pair.last_log_line()["cost_usd"], 1.0, "10 input tokens at $100,000 per million");
}

/// `events` with the first event carrying `model` replaced by `model`.
fn with_model(mut events: Vec<codex_helper_tests::SseEvent>, model: &str) -> Vec<codex_helper_tests::SseEvent> {
    for ev in &mut events {
        let mut data = ev.json();
        for at in ["/response/model", "/message/model"] {
            if let Some(m) = data.pointer_mut(at) {
                *m = json!(model);
            }
        }
        *ev = codex_helper_tests::SseEvent::new(ev.event.clone().unwrap_or_default(), data);
    }
    events
}

/// `events` with every `model` of the answer taken out (relays that
/// rewrite answers sometimes drop it).
fn without_model(mut events: Vec<codex_helper_tests::SseEvent>) -> Vec<codex_helper_tests::SseEvent> {
    for ev in &mut events {
        let mut data = ev.json();
        for at in ["response", "message"] {
            if let Some(inner) = data.get_mut(at).and_then(|v| v.as_object_mut()) {
                inner.remove("model");
            }
        }
        if let Some(obj) = data.as_object_mut() {
            obj.remove("model");
        }
        *ev = codex_helper_tests::SseEvent::new(ev.event.clone().unwrap_or_default(), data);
    }
    events
}

#[tokio::test]
async fn an_answer_naming_no_model_is_priced_by_the_requested_model() {
    let home = TestHome::new();
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(without_model(canned::codex_stream("hi", (1_000, 100, 0)))));
    home.write_config(&config_with(Service::Codex, "main", &[(&upstream.url(), "sk-cost-nomodel-01")]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    let mut body = codex_body();
    body["model"] = json!("gpt-5-mini");
    read_sse_events(proxy.post("/v1/responses", &body).await).await;
    proxy.flush_log();
    let line = home.log_lines().pop().unwrap();
    assert_eq!(line["model"], "gpt-5-mini", "the answer names no model; the request asked for gpt-5-mini: {line}");
    // 1000 × $0.25 + 100 × $2 per million.
    assert_eq!(line["cost_usd"], 0.00045, "{line}");
}

#[tokio::test]
async fn anthropic_cache_writes_are_priced_at_the_cache_write_rate() {
    let pair = Pair::start(Service::Claude, json!({})).await;
    let mut events = canned::claude_stream("cached", 10, 3);
    let mut start = events[0].json();
    start["message"]["usage"]["cache_read_input_tokens"] = json!(1000);
    start["message"]["usage"]["cache_creation_input_tokens"] = json!(2000);
    events[0] = codex_helper_tests::SseEvent::new("message_start", start);
    pair.primary.set_default(Reply::sse(events));
    read_sse_events(pair.send(None).await).await;
    let line = pair.last_log_line();
    assert_eq!(line["model"], "claude-sonnet-4-5", "{line}");
    assert_eq!(line["usage"]["input_tokens"], 3010, "input counts reads and writes, as OpenAI's does: {line}");
    assert_eq!(line["usage"]["cached_input_tokens"], 1000, "{line}");
    assert_eq!(line["usage"]["cache_creation_input_tokens"], 2000, "{line}");
    // 10 × $3 + 1000 read × $0.30 + 2000 written × $3.75 + 3 × $15 per million.
    assert_eq!(line["cost_usd"], 0.007875, "{line}");
}

#[tokio::test]
async fn cached_input_is_priced_at_the_cache_rate() {
    let pair = Pair::start(Service::Claude, json!({})).await;
    let mut events = canned::claude_stream("cached", 10, 3);
    let mut start = events[0].json();
    start["message"]["usage"]["cache_read_input_tokens"] = json!(1000);
    events[0] = codex_helper_tests::SseEvent::new("message_start", start);
    pair.primary.set_default(Reply::sse(events));
    read_sse_events(pair.send(None).await).await;
    let line = pair.last_log_line();
    assert_eq!(line["model"], "claude-sonnet-4-5", "{line}");
    assert_eq!(line["usage"]["cached_input_tokens"], 1000, "{line}");
    // 10 × $3 + 1000 cached × $0.30 + 3 × $15 per million.
    assert_eq!(line["cost_usd"], 0.000375, "{line}");
}

#[tokio::test]
async fn a_model_without_a_price_is_logged_without_cost_usd() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    pair.primary.set_default(Reply::sse(with_model(canned::codex_stream("hi", (10, 3, 0)), "mystery-model-9")));
    read_sse_events(pair.send(None).await).await;
    let line = pair.last_log_line();
    assert_eq!(line["model"], "mystery-model-9", "{line}");
    assert_eq!(line["usage"]["input_tokens"], 10, "{line}");
    assert!(line.get("cost_usd").is_none(), "no price, no cost: {line}");
}

#[tokio::test]
async fn a_mapped_request_is_priced_by_the_model_sent_upstream() {
    let home = TestHome::new();
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("hi", (1_000, 100, 0))));
    let mut cfg = config_with(Service::Codex, "main", &[(&upstream.url(), "sk-cost-map-0001")]);
    cfg["codex"]["configs"]["main"]["upstreams"][0]["model_map"] = json!({"gpt-5": "gpt-5-mini"});
    home.write_config(&cfg);
    let proxy = Proxy::start(&home, Service::Codex).await;
    read_sse_events(proxy.post("/v1/responses", &codex_body()).await).await;
    proxy.flush_log();
    let line = home.log_lines().pop().unwrap();
    assert_eq!(line["model"], "gpt-5-mini", "the answer says gpt-5, but gpt-5-mini was asked for: {line}");
    // 1000 × $0.25 + 100 × $2 per million.
    assert_eq!(line["cost_usd"], 0.00045, "{line}");
}

#[tokio::test]
async fn usage_sums_cost_per_day_config_upstream_and_model() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    read_sse_events(pair.send(None).await).await;
    // The primary fails now: the next request is the backup's.
    pair.primary.set_default(Reply::json(500, canned::openai_error_json("server_error", "down")));
    read_sse_events(pair.send(None).await).await;
    pair.primary.set_default(Reply::sse(with_model(canned::codex_stream("hi", (10, 3, 0)), "unpriced-x")));
    pair.backup.set_default(Reply::sse(with_model(canned::codex_stream("hi", (10, 3, 0)), "unpriced-x")));
    read_sse_events(pair.send(None).await).await;
    pair.proxy.flush_log();
    // A line from yesterday, as an earlier run wrote it.
    let yesterday =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64 - 86_400_000;
    let old = json!({"timestamp_ms": yesterday, "service": "codex", "config_name": "main",
        "upstream_base_url": pair.primary_url, "status_code": 200, "model": "gpt-5",
        "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}, "cost_usd": 0.5});
    let log = pair.home.paths.request_log();
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(&format!("{old}\n"));
    std::fs::write(&log, text).unwrap();

    let s = summarize(&log, &Window::last_days(2)).unwrap();
    let today = &s.to;
    let cost = |day: &str, upstream: &str| {
        s.rows.iter().filter(|r| r.day == day && r.upstream == upstream).map(|r| r.counts.cost_usd).sum::<f64>()
    };
    assert_eq!(cost(&s.from, &pair.primary_url), 0.5, "{s:#?}");
    assert_eq!(cost(today, &pair.primary_url), 0.0000425, "{s:#?}");
    assert_eq!(cost(today, &pair.backup_url), 0.0000425, "{s:#?}");
    assert!(s.rows.iter().all(|r| r.config == "main"));
    let model =
        |day: &str, model: &str| s.models.iter().find(|m| m.day == day && m.model == model).unwrap().counts.clone();
    let gpt5 = model(today, "gpt-5");
    assert_eq!((gpt5.requests, gpt5.cost_usd, gpt5.unpriced_requests), (2, 0.000085, 0), "{s:#?}");
    let unpriced = model(today, "unpriced-x");
    assert_eq!((unpriced.cost_usd, unpriced.unpriced_requests), (0.0, 1), "{s:#?}");
    assert_eq!(model(&s.from, "gpt-5").cost_usd, 0.5);
    let total = &s.totals["codex"];
    assert!((total.cost_usd - 0.500085).abs() < 1e-12, "{total:?}");
    assert_eq!(s.series.lines.iter().map(|l| l.cost_usd.iter().sum::<f64>()).sum::<f64>(), total.cost_usd);
}
