//! `ch test`: a real small streaming request to each upstream, against
//! mock upstreams speaking each protocol; ranking, failures, exit codes.

use std::time::Duration;

use codex_helper_core::Service;
use codex_helper_tests::{canned, MockUpstream, Reply, TestHome};
use serde_json::{json, Value};

use crate::util::ch;

/// A config.json for `service`: configs of upstreams given as JSON.
fn write_config(home: &TestHome, service: Service, active: &str, configs: &[(&str, Vec<Value>)]) {
    let mut named = serde_json::Map::new();
    for (name, ups) in configs {
        named.insert(name.to_string(), json!({"name": name, "upstreams": ups}));
    }
    let section = json!({"active": active, "configs": named});
    let empty = json!({"active": null, "configs": {}});
    let (codex, claude) = match service {
        Service::Codex => (section, empty),
        Service::Claude => (empty, section),
    };
    home.write_config(&json!({"version": 1, "codex": codex, "claude": claude}));
}

/// A URL nothing listens on (a port just bound and released).
fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}/v1")
}

fn upstream(url: &str, key: &str) -> Value {
    json!({"base_url": url, "auth": {"auth_token": key}, "tags": {}})
}

/// `ch test ARGS --json`, run off the runtime so the mocks keep answering.
async fn ch_test(home: &TestHome, args: &[&str]) -> (i32, Value) {
    let mut cmd = ch(home.dir.path());
    cmd.arg("test").args(args).arg("--json");
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    (out.status.code().unwrap(), doc)
}

fn urls(doc: &Value) -> Vec<String> {
    doc["results"].as_array().unwrap().iter().map(|r| r["base_url"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn codex_upstreams_are_ranked_with_a_failing_one_last_in_responses_and_chat() {
    let fast = MockUpstream::start().await;
    fast.set_default(Reply::sse(canned::codex_stream("ok", (12, 2, 0))));
    let slow = MockUpstream::start().await;
    slow.set_default(Reply::sse(canned::codex_stream("ok", (12, 2, 0))).delay(Duration::from_millis(400)));
    let chat = MockUpstream::start().await;
    chat.set_default(Reply::sse(canned::chat_stream("o k", 12, 5)).delay(Duration::from_millis(150)));
    let rejecting = MockUpstream::start().await;
    rejecting.set_default(Reply::json(401, canned::openai_error_json("invalid_api_key", "bad key")));

    let home = TestHome::new();
    let mut chat_up = upstream(&chat.url(), "sk-speed-chat-0003");
    chat_up["protocol"] = json!("chat");
    chat_up["model_map"] = json!({"gpt-5": "deepseek-chat"});
    chat_up["headers"] = json!({"X-Route": "eu"});
    write_config(
        &home,
        Service::Codex,
        "main",
        &[(
            "main",
            vec![
                upstream(&rejecting.url(), "sk-speed-bad-0004"),
                upstream(&slow.url(), "sk-speed-slow-0002"),
                chat_up,
                upstream(&fast.url(), "sk-speed-fast-0001"),
            ],
        )],
    );
    let (code, doc) = ch_test(&home, &["--codex"]).await;
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(urls(&doc), [fast.url(), chat.url(), slow.url(), rejecting.url()], "{doc:#}");
    let r = &doc["results"];
    assert_eq!(r[0]["status"], "ok");
    assert_eq!(r[0]["protocol"], "responses");
    assert_eq!(r[0]["output_tokens"], 2, "the reported usage");
    assert!(r[0]["connect_ms"].is_u64() && r[0]["ttft_ms"].is_u64(), "{:#}", r[0]);
    assert!(r[2]["ttft_ms"].as_u64().unwrap() >= 400, "the slow one's delay counts: {:#}", r[2]);
    assert_eq!(r[1]["protocol"], "chat");
    assert_eq!(r[1]["model"], "deepseek-chat");
    assert_eq!(r[1]["output_tokens"], 5);
    assert_eq!(r[3]["status"], "http_401");
    assert_eq!(r[3]["http_status"], 401);
    assert!(r[3]["ttft_ms"].is_null() && r[3]["tokens_per_s"].is_null());
    assert!(r[3]["error"].as_str().unwrap().contains("bad key"), "{:#}", r[3]);

    // What was sent: the upstream's key, headers, model map and protocol,
    // and the fixed prompt.
    let sent = &chat.requests()[0];
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.header("authorization"), Some("Bearer sk-speed-chat-0003"));
    assert_eq!(sent.header("x-route"), Some("eu"));
    assert_eq!(sent.json()["model"], "deepseek-chat");
    assert_eq!(sent.json()["stream"], true);
    assert_eq!(sent.json()["messages"][0]["content"], "Reply with the single word: ok");
    let sent = &fast.requests()[0];
    assert_eq!(sent.path, "/v1/responses");
    assert_eq!(sent.json()["model"], "gpt-5");
    assert_eq!(sent.header("authorization"), Some("Bearer sk-speed-fast-0001"));
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_upstreams_are_tested_in_anthropic_messages() {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::claude_stream("o k", 9, 4)));
    let home = TestHome::new();
    let mut up = upstream(&mock.url(), "sk-ant-speed-0001");
    up["auth"] = json!({"api_key": "sk-ant-speed-0001"});
    write_config(&home, Service::Claude, "c", &[("c", vec![up])]);
    let (code, doc) = ch_test(&home, &["--claude"]).await;
    assert_eq!(code, 0, "{doc:#}");
    let r = &doc["results"][0];
    assert_eq!(
        (r["status"].as_str(), r["protocol"].as_str(), r["output_tokens"].as_u64()),
        (Some("ok"), Some("anthropic"), Some(4)),
        "{r:#}"
    );
    let sent = &mock.requests()[0];
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!(sent.header("x-api-key"), Some("sk-ant-speed-0001"));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent.json()["model"], "claude-sonnet-4-5");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_all_only_the_active_config_and_no_answer_is_exit_1() {
    let broken = MockUpstream::start().await;
    broken.set_default(Reply::sse(canned::codex_failed("server_error", "melted")));
    let other = MockUpstream::start().await;
    other.set_default(Reply::sse(canned::codex_stream("ok", (1, 1, 0))));
    let home = TestHome::new();
    let dead = closed_port_url();
    write_config(
        &home,
        Service::Codex,
        "a",
        &[
            ("a", vec![upstream(&broken.url(), "sk-a-1"), upstream(&dead, "sk-a-2")]),
            ("b", vec![upstream(&other.url(), "sk-b-1")]),
        ],
    );
    let (code, doc) = ch_test(&home, &["--codex"]).await;
    assert_eq!(code, 1, "nothing answered: {doc:#}");
    assert_eq!(urls(&doc), [broken.url(), dead.clone()], "config order among failures");
    assert_eq!(doc["results"][0]["status"], "stream_error");
    assert!(doc["results"][0]["error"].as_str().unwrap().contains("melted"));
    assert_eq!(doc["results"][1]["status"], "unreachable");
    assert_eq!(other.request_count(), 0, "config b is not active");

    let (code, doc) = ch_test(&home, &["--codex", "--all"]).await;
    assert_eq!(code, 0, "config b answers: {doc:#}");
    assert_eq!(urls(&doc)[0], other.url());
    assert_eq!(doc["results"][0]["config"], "b");
    assert_eq!(doc["results"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_upstream_times_out_within_the_limit() {
    let stalled = MockUpstream::start().await;
    stalled.set_default(Reply::sse(canned::codex_stream("ok", (1, 1, 0))).delay(Duration::from_secs(30)));
    let home = TestHome::new();
    write_config(&home, Service::Codex, "a", &[("a", vec![upstream(&stalled.url(), "sk-stall-1")])]);
    let started = std::time::Instant::now();
    let (code, doc) = ch_test(&home, &["--codex", "--timeout", "1"]).await;
    assert_eq!(code, 1);
    assert_eq!(doc["results"][0]["status"], "timeout");
    assert!(started.elapsed() < Duration::from_secs(10), "bounded by --timeout");
}

#[test]
fn the_text_table_names_each_upstream_and_the_error() {
    let home = TestHome::new();
    let dead = closed_port_url();
    write_config(&home, Service::Codex, "a", &[("a", vec![upstream(&dead, "sk-text-1")])]);
    let out = ch(home.dir.path()).args(["test", "--codex"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("STATUS") && text.contains("TTFT") && text.contains("unreachable"), "{text}");
    assert!(text.contains("#1: cannot connect"), "{text}");
}
