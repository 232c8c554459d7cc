//! The Codex → Chat Completions bridge over real sockets: a Codex turn
//! through the proxy to an upstream that serves only
//! `/v1/chat/completions` (`"protocol": "chat"`), streamed and not, with a
//! tool call, and a failover from a failing `responses` upstream to a chat
//! one.

use codex_helper_core::Service;
use codex_helper_tests::{canned, codex_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, TestHome};
use serde_json::{json, Value};

use crate::proxy_util::log_lines_eventually;

/// A relay that only knows Chat Completions: anything else is a 404.
async fn chat_only(answer: Reply) -> MockUpstream {
    let upstream = MockUpstream::start().await;
    upstream.set_router(move |req| {
        if req.method == "POST" && req.path == "/v1/chat/completions" {
            answer.clone()
        } else {
            Reply::json(404, canned::openai_error_json("not_found", "no such route"))
        }
    });
    upstream
}

/// A Codex config over `upstreams` (base URL, protocol or `None`).
fn config(upstreams: &[(&str, Option<&str>)]) -> Value {
    let pairs: Vec<(&str, &str)> = upstreams.iter().map(|(url, _)| (*url, "sk-chat-bridge-0001")).collect();
    let mut cfg = config_with(Service::Codex, "main", &pairs);
    for (i, (_, protocol)) in upstreams.iter().enumerate() {
        if let Some(protocol) = protocol {
            cfg["codex"]["configs"]["main"]["upstreams"][i]["protocol"] = json!(protocol);
        }
    }
    cfg
}

fn data(events: &[codex_helper_tests::SseEvent]) -> Vec<Value> {
    events.iter().map(|e| serde_json::from_str(&e.data).unwrap()).collect()
}

#[tokio::test]
async fn a_codex_turn_streams_through_a_chat_only_upstream() {
    let upstream = chat_only(Reply::sse(canned::chat_stream("hello through the bridge", 12, 4))).await;
    let home = TestHome::new();
    home.write_config(&config(&[(&format!("{}/v1", upstream.url()), Some("chat"))]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    let events = data(&read.events);
    let names = read.names();
    assert_eq!(names.first(), Some(&"response.created"));
    assert_eq!(names.last(), Some(&"response.completed"));
    let text: String = events
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    assert_eq!(text, "hello through the bridge");
    let done = &events.last().unwrap()["response"];
    assert_eq!(done["usage"]["input_tokens"], 12);
    assert_eq!(done["usage"]["output_tokens"], 4);

    let got = upstream.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/v1/chat/completions");
    assert_eq!(got[0].header("authorization"), Some("Bearer sk-chat-bridge-0001"));
    let sent = got[0].json();
    assert_eq!(sent["messages"], json!([{"role": "user", "content": "say hi"}]));
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));
    assert!(sent.get("input").is_none() && sent.get("prompt_cache_key").is_none(), "{sent}");

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    let line = &lines[0];
    assert_eq!(line["status_code"], 200);
    assert_eq!(line["usage"]["input_tokens"], 12, "usage is counted from the translated stream: {line}");
    assert_eq!(line["usage"]["output_tokens"], 4);
    assert_eq!(line["attempts"][0]["protocol"], "chat", "{line}");
}

#[tokio::test]
async fn a_tool_call_from_a_chat_upstream_reaches_codex_as_a_function_call() {
    let args = r#"{"cmd":"echo bridged"}"#;
    let upstream = chat_only(Reply::sse(canned::chat_tool_call_stream("call_77", "exec_command", args))).await;
    let home = TestHome::new();
    home.write_config(&config(&[(&upstream.url(), Some("chat"))]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    let events = data(&read.events);
    let item = &events.iter().find(|e| e["type"] == "response.output_item.done").expect("an item")["item"];
    assert_eq!(item["type"], "function_call");
    assert_eq!(item["call_id"], "call_77");
    assert_eq!(item["name"], "exec_command");
    assert_eq!(item["arguments"], args);
    assert_eq!(events.last().unwrap()["type"], "response.completed");
}

#[tokio::test]
async fn a_non_streaming_turn_gets_a_response_object() {
    let answer = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-5",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "whole answer"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    });
    let upstream = chat_only(Reply::json(200, answer)).await;
    let home = TestHome::new();
    home.write_config(&config(&[(&upstream.url(), Some("chat"))]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let mut body = codex_body();
    body["stream"] = json!(false);
    let resp = proxy.post("/v1/responses", &body).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["object"], "response");
    assert_eq!(v["output"][0]["content"][0]["text"], "whole answer");
    assert_eq!(upstream.requests()[0].json()["stream"], false);
    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert_eq!(lines[0]["usage"]["total_tokens"], 7, "{}", lines[0]);
}

#[tokio::test]
async fn a_chat_upstreams_client_error_reaches_codex_as_it_said() {
    let upstream = chat_only(Reply::json(400, canned::openai_error_json("invalid_request_error", "bad tools"))).await;
    let home = TestHome::new();
    home.write_config(&config(&[(&upstream.url(), Some("chat"))]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["error"]["message"], "bad tools");
}

#[tokio::test]
async fn a_failing_responses_primary_fails_over_to_a_chat_backup() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::json(503, canned::openai_error_json("overloaded", "try later")));
    let backup = chat_only(Reply::sse(canned::chat_stream("served by the chat backup", 8, 3))).await;
    let home = TestHome::new();
    let (p, b) = (format!("{}/v1", primary.url()), format!("{}/v1", backup.url()));
    home.write_config(&config(&[(&p, None), (&b, Some("chat"))]));
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    let events = data(&read.events);
    let text: String = events
        .iter()
        .filter(|e| e["type"] == "response.output_text.delta")
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    assert_eq!(text, "served by the chat backup");
    assert_eq!(events.last().unwrap()["type"], "response.completed");
    assert_eq!(primary.requests()[0].path, "/v1/responses", "the primary got the request as it came");
    assert_eq!(backup.requests()[0].path, "/v1/chat/completions");

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    let attempts = lines[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{}", lines[0]);
    assert_eq!(attempts[0]["outcome"], "failed");
    assert!(attempts[0].get("protocol").is_none(), "a native attempt has no protocol: {}", lines[0]);
    assert_eq!(attempts[1]["outcome"], "ok");
    assert_eq!(attempts[1]["protocol"], "chat");
}
