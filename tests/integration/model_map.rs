//! Per-upstream model maps over real sockets: a native upstream gets the
//! mapped `model` (and nothing else changed), a failover sends each
//! upstream its own name, a bridged upstream gets it in the translated
//! request, and the log's attempt records the name sent.

use codex_helper_core::Service;
use codex_helper_tests::{canned, codex_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, TestHome};
use serde_json::{json, Value};

use crate::proxy_util::log_lines_eventually;

/// A Codex config over `upstreams`: (base URL, model map, protocol).
fn config(upstreams: &[(&str, Value, Option<&str>)]) -> Value {
    let pairs: Vec<(&str, &str)> = upstreams.iter().map(|(url, _, _)| (*url, "sk-model-map-0001")).collect();
    let mut cfg = config_with(Service::Codex, "main", &pairs);
    for (i, (_, map, protocol)) in upstreams.iter().enumerate() {
        let up = &mut cfg["codex"]["configs"]["main"]["upstreams"][i];
        up["model_map"] = map.clone();
        if let Some(protocol) = protocol {
            up["protocol"] = json!(protocol);
        }
    }
    cfg
}

#[tokio::test]
async fn a_native_upstream_gets_the_mapped_model_and_nothing_else_changes() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("hi", (3, 1, 0))));
    let home = TestHome::new();
    home.write_config(&config(&[(&upstream.url(), json!({"gpt-5": "deepseek-chat"}), None)]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(read_sse_events(resp).await.error, None);

    let got = upstream.requests();
    let mut expected = codex_body();
    expected["model"] = json!("deepseek-chat");
    assert_eq!(got[0].json(), expected);
    let sent = serde_json::to_string(&codex_body()).unwrap();
    assert_eq!(
        got[0].text(),
        sent.replace(r#""model":"gpt-5""#, r#""model":"deepseek-chat""#),
        "only the model's bytes differ"
    );

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert_eq!(lines[0]["attempts"][0]["upstream_model"], "deepseek-chat", "{}", lines[0]);
}

#[tokio::test]
async fn a_model_without_an_entry_goes_byte_for_byte() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("hi", (3, 1, 0))));
    let home = TestHome::new();
    home.write_config(&config(&[(&upstream.url(), json!({"o3": "kimi-k2"}), None)]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(read_sse_events(resp).await.error, None);
    assert_eq!(upstream.requests()[0].text(), serde_json::to_string(&codex_body()).unwrap());
    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert!(lines[0]["attempts"][0].get("upstream_model").is_none(), "{}", lines[0]);
}

#[tokio::test]
async fn a_failover_sends_each_upstream_its_own_model_name() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::json(503, canned::openai_error_json("overloaded", "try later")));
    let backup = MockUpstream::start().await;
    backup.set_default(Reply::sse(canned::codex_stream("from the backup", (3, 1, 0))));
    let home = TestHome::new();
    home.write_config(&config(&[
        (&primary.url(), json!({"gpt-5": "relay-a-gpt5"}), None),
        (&backup.url(), json!({"*": "relay-b-model"}), None),
    ]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(read_sse_events(resp).await.error, None);
    assert_eq!(primary.requests()[0].json()["model"], "relay-a-gpt5");
    assert_eq!(backup.requests()[0].json()["model"], "relay-b-model");

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    let attempts = &lines[0]["attempts"];
    assert_eq!(attempts[0]["outcome"], "failed");
    assert_eq!(attempts[0]["upstream_model"], "relay-a-gpt5", "{}", lines[0]);
    assert_eq!(attempts[1]["upstream_model"], "relay-b-model", "{}", lines[0]);
}

#[tokio::test]
async fn a_bridged_chat_upstream_gets_the_mapped_model() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::chat_stream("bridged", 5, 2)));
    let home = TestHome::new();
    home.write_config(&config(&[(&upstream.url(), json!({"*": "deepseek-chat"}), Some("chat"))]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(read_sse_events(resp).await.error, None);
    let got = upstream.requests();
    assert_eq!(got[0].path, "/v1/chat/completions");
    assert_eq!(got[0].json()["model"], "deepseek-chat");
    assert!(got[0].json()["messages"].is_array());
    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert_eq!(lines[0]["attempts"][0]["upstream_model"], "deepseek-chat", "{}", lines[0]);
    assert_eq!(lines[0]["attempts"][0]["protocol"], "chat");
}
