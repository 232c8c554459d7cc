//! The Claude Code → Chat Completions bridge over real sockets: a Claude
//! turn through the proxy to an upstream that serves only
//! `/v1/chat/completions` (`"protocol": "chat"`), streamed and not, with a
//! tool call, `count_tokens` answered locally, the upstream's errors in
//! Anthropic's shape, and a failover from a failing `anthropic` upstream to
//! a chat one.

use codex_helper_core::Service;
use codex_helper_tests::{canned, claude_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, TestHome};
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

/// A Claude config over `upstreams` (base URL, protocol or `None`).
fn config(upstreams: &[(&str, Option<&str>)]) -> Value {
    let pairs: Vec<(&str, &str)> = upstreams.iter().map(|(url, _)| (*url, "sk-claude-bridge-01")).collect();
    let mut cfg = config_with(Service::Claude, "main", &pairs);
    for (i, (_, protocol)) in upstreams.iter().enumerate() {
        if let Some(protocol) = protocol {
            cfg["claude"]["configs"]["main"]["upstreams"][i]["protocol"] = json!(protocol);
        }
    }
    cfg
}

fn data(events: &[codex_helper_tests::SseEvent]) -> Vec<Value> {
    events.iter().map(|e| serde_json::from_str(&e.data).unwrap()).collect()
}

fn text_of(events: &[Value]) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "content_block_delta" && e["delta"]["type"] == "text_delta")
        .map(|e| e["delta"]["text"].as_str().unwrap())
        .collect()
}

async fn proxy_over(upstreams: &[(&str, Option<&str>)]) -> (TestHome, Proxy) {
    let home = TestHome::new();
    home.write_config(&config(upstreams));
    let proxy = Proxy::start(&home, Service::Claude).await;
    (home, proxy)
}

#[tokio::test]
async fn a_claude_turn_streams_through_a_chat_only_upstream() {
    let upstream = chat_only(Reply::sse(canned::chat_stream("hello claude through the bridge", 21, 5))).await;
    let (home, proxy) = proxy_over(&[(&format!("{}/v1", upstream.url()), Some("chat"))]).await;

    let resp = proxy.post("/v1/messages?beta=true", &claude_body()).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    let names = read.names();
    assert_eq!(names.first(), Some(&"message_start"));
    assert_eq!(names.last(), Some(&"message_stop"));
    let events = data(&read.events);
    assert_eq!(text_of(&events), "hello claude through the bridge");
    let delta = events.iter().find(|e| e["type"] == "message_delta").unwrap();
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(delta["usage"]["input_tokens"], 21);
    assert_eq!(delta["usage"]["output_tokens"], 5);

    let got = upstream.requests();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/v1/chat/completions", "the bridge drops Claude's query too");
    assert_eq!(got[0].header("authorization"), Some("Bearer sk-claude-bridge-01"));
    let sent = got[0].json();
    assert_eq!(sent["messages"], json!([{"role": "user", "content": "say hi"}]));
    assert_eq!(sent["max_tokens"], 64);
    assert_eq!(sent["stream_options"], json!({"include_usage": true}));

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    let line = &lines[0];
    assert_eq!(line["status_code"], 200);
    assert_eq!(line["usage"]["input_tokens"], 21, "usage is counted from the translated stream: {line}");
    assert_eq!(line["usage"]["output_tokens"], 5);
    assert_eq!(line["attempts"][0]["protocol"], "chat", "{line}");
}

#[tokio::test]
async fn a_tool_call_from_a_chat_upstream_reaches_claude_as_tool_use() {
    let args = r#"{"command":"echo bridged"}"#;
    let upstream = chat_only(Reply::sse(canned::chat_tool_call_stream("call_77", "Bash", args))).await;
    let (_home, proxy) = proxy_over(&[(&upstream.url(), Some("chat"))]).await;

    let resp = proxy.post("/v1/messages", &claude_body()).await;
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    let events = data(&read.events);
    let start = events.iter().find(|e| e["type"] == "content_block_start").expect("a block");
    assert_eq!(start["content_block"], json!({"type": "tool_use", "id": "toolu_call_77", "name": "Bash", "input": {}}));
    let input: String = events
        .iter()
        .filter(|e| e["delta"]["type"] == "input_json_delta")
        .map(|e| e["delta"]["partial_json"].as_str().unwrap())
        .collect();
    assert_eq!(input, args);
    let delta = events.iter().find(|e| e["type"] == "message_delta").unwrap();
    assert_eq!(delta["delta"]["stop_reason"], "tool_use");
    assert_eq!(events.last().unwrap()["type"], "message_stop");
}

#[tokio::test]
async fn a_non_streaming_turn_gets_a_message_object() {
    let answer = json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "kimi-k2",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "whole answer"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    });
    let upstream = chat_only(Reply::json(200, answer)).await;
    let (home, proxy) = proxy_over(&[(&upstream.url(), Some("chat"))]).await;

    let mut body = claude_body();
    body["stream"] = json!(false);
    let resp = proxy.post("/v1/messages", &body).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["type"], "message");
    assert_eq!(v["content"], json!([{"type": "text", "text": "whole answer"}]));
    assert_eq!(v["stop_reason"], "max_tokens");
    assert_eq!(upstream.requests()[0].json()["stream"], false);
    let lines = log_lines_eventually(&proxy, &home, 1).await;
    assert_eq!(lines[0]["usage"]["input_tokens"], 5, "{}", lines[0]);
    assert_eq!(lines[0]["usage"]["output_tokens"], 2, "{}", lines[0]);
}

#[tokio::test]
async fn count_tokens_is_answered_without_the_chat_upstream() {
    let upstream = chat_only(Reply::json(500, json!({"never": "asked"}))).await;
    let (_home, proxy) = proxy_over(&[(&upstream.url(), Some("chat"))]).await;
    let body = json!({"model": "claude-sonnet-4", "system": "x".repeat(4000), "messages": [{"role": "user", "content": "hi"}]});
    let resp = proxy.post("/v1/messages/count_tokens?beta=true", &body).await;
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    let n = v["input_tokens"].as_u64().unwrap();
    assert!((1000..1100).contains(&n), "about 4 bytes per token: {n}");
    assert!(upstream.requests().is_empty(), "the upstream was not asked");
}

#[tokio::test]
async fn a_chat_upstreams_client_error_reaches_claude_in_anthropics_shape() {
    let upstream =
        chat_only(Reply::json(400, canned::openai_error_json("invalid_request_error", "bad tools here"))).await;
    let (_home, proxy) = proxy_over(&[(&upstream.url(), Some("chat"))]).await;
    let resp = proxy.post("/v1/messages", &claude_body()).await;
    assert_eq!(resp.status(), 400);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, json!({"type": "error", "error": {"type": "invalid_request_error", "message": "bad tools here"}}));
}

#[tokio::test]
async fn a_failing_anthropic_primary_fails_over_to_a_chat_backup() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::json(529, canned::claude_error_json("overloaded_error", "Overloaded")));
    let backup = chat_only(Reply::sse(canned::chat_stream("served by the chat backup", 8, 3))).await;
    let (p, b) = (primary.url(), format!("{}/v1", backup.url()));
    let (home, proxy) = proxy_over(&[(&p, None), (&b, Some("chat"))]).await;

    let resp = proxy.post("/v1/messages?beta=true", &claude_body()).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.error, None);
    let events = data(&read.events);
    assert_eq!(text_of(&events), "served by the chat backup");
    assert_eq!(events.last().unwrap()["type"], "message_stop");
    assert_eq!(primary.requests()[0].path, "/v1/messages?beta=true", "the primary got the request as it came");
    assert_eq!(backup.requests()[0].path, "/v1/chat/completions");

    let lines = log_lines_eventually(&proxy, &home, 1).await;
    let attempts = lines[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{}", lines[0]);
    assert_eq!(attempts[0]["outcome"], "failed");
    assert!(attempts[0].get("protocol").is_none(), "a native attempt has no protocol: {}", lines[0]);
    assert_eq!(attempts[1]["outcome"], "ok");
    assert_eq!(attempts[1]["protocol"], "chat");
}
