//! Each request's cost in the log, through the real proxy: priced by the
//! model the answer names, at the shipped prices or settings.json's.

use codex_helper_core::Service;
use codex_helper_tests::read_sse_events;
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
