//! settings.json edited while the proxy runs: timeouts, load-balancer
//! thresholds and log rotation apply to the next request, failure or
//! rotation without a restart; a broken edit keeps the last good settings,
//! says where (file:line:column and key) and is never rewritten.

use std::time::{Duration, Instant};

use codex_helper_core::watch::Serving;
use codex_helper_core::Service;
use codex_helper_tests::{canned, config_with, MockUpstream, Proxy, Reply, TestHome};
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::lb_support::{eventually, send, Pair, PATIENCE};

/// Replace a file the way editors do, with arbitrary (possibly broken) text.
fn write_raw(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp-raw");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// Write settings.json and wait until the running proxy has applied it.
async fn apply_settings(home: &TestHome, proxy: &Proxy, settings: serde_json::Value) {
    let live = proxy.runtime.live_settings().clone();
    let before = live.version();
    home.write_settings(&settings);
    eventually("the new settings to be applied", PATIENCE, || live.version() > before && live.problem().is_none())
        .await;
}

async fn codex_proxy(reply: Reply) -> (TestHome, MockUpstream, Proxy) {
    let mock = MockUpstream::start().await;
    mock.set_default(reply);
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[(&format!("{}/v1", mock.url()), "sk-up")]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    (home, mock, proxy)
}

#[tokio::test]
async fn a_new_response_header_timeout_applies_to_the_next_request() {
    let slow = Reply::sse(canned::codex_stream("slow", (1, 1, 0))).delay(Duration::from_millis(800));
    let (home, _mock, proxy) = codex_proxy(slow).await;
    let resp = send(&proxy, Service::Codex, None).await;
    assert_eq!(resp.status(), 200, "the default 120 s waits for a slow upstream");
    resp.bytes().await.unwrap();

    apply_settings(&home, &proxy, json!({ "proxy": { "response_header_timeout_ms": 200 } })).await;
    let resp = send(&proxy, Service::Codex, None).await;
    assert!(resp.status().is_server_error(), "the next request uses the new timeout: {}", resp.status());
    resp.bytes().await.unwrap();
    proxy.flush_log();
    let line = home.log_lines().pop().unwrap();
    let error = line["error"].as_str().unwrap_or_default().to_string();
    assert!(error.contains("no response within 0.2 s"), "{line}");
}

/// The client-side header timeout follows settings.json too: a connection
/// opened after the edit is closed at the new deadline, not the old 60 s.
#[tokio::test]
async fn a_new_request_header_timeout_applies_to_the_next_connection() {
    let (home, _mock, proxy) = codex_proxy(Reply::sse(canned::codex_stream("ok", (1, 1, 0)))).await;
    apply_settings(&home, &proxy, json!({ "proxy": { "request_header_timeout_ms": 60_000 } })).await;
    apply_settings(&home, &proxy, json!({ "proxy": { "request_header_timeout_ms": 300 } })).await;
    let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
    stream.write_all(b"POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-ty").await.unwrap();
    let started = Instant::now();
    let took = crate::proxy_listener::closed_within(&mut stream, PATIENCE).await.expect("a half-sent head is closed");
    assert!(took < Duration::from_secs(5), "closed at the new 0.3 s deadline, not 60 s: {took:?}");
    assert!(started.elapsed() >= Duration::from_millis(200), "not before it");
}

#[tokio::test]
async fn a_new_failure_threshold_applies_to_the_next_failure() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    pair.primary.set_default(Reply::json(500, canned::openai_error_json("server_error", "down")));
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 200, "failed over to the backup");
    resp.bytes().await.unwrap();
    assert_eq!(pair.snapshot()[0].state, "ok", "one failure of three is no cooldown yet");

    let settings = json!({ "lb": { "failure_threshold": 1, "cooldown_ms": 45_000, "max_cooldown_ms": 90_000 } });
    apply_settings(&pair.home, &pair.proxy, settings).await;
    assert_eq!(pair.proxy.runtime.lb(Service::Codex).policy().failure_threshold, 1);
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 200);
    resp.bytes().await.unwrap();
    let primary = &pair.snapshot()[0];
    assert_eq!(primary.state, "cooling_down", "the next failure trips at the new threshold: {primary:?}");
    let left = primary.cooldown_remaining_ms.unwrap();
    assert!(left > 30_000 && left <= 45_000, "with the new cooldown: {left} ms");
}

#[tokio::test]
async fn new_log_rotation_settings_apply_at_the_next_rotation() {
    let (home, _mock, proxy) = codex_proxy(Reply::sse(canned::codex_stream("ok", (1, 1, 0)))).await;
    let rotated = |n: u32| {
        let mut p = home.paths.request_log().into_os_string();
        p.push(format!(".{n}"));
        std::path::PathBuf::from(p)
    };
    for _ in 0..2 {
        send(&proxy, Service::Codex, None).await.bytes().await.unwrap();
    }
    proxy.flush_log();
    assert!(!rotated(1).exists(), "50 MiB by default: no rotation");

    // Every line now over max_bytes: each goes into a fresh file; keep 2.
    apply_settings(&home, &proxy, json!({ "logs": { "max_bytes": 10, "max_files": 2 } })).await;
    for _ in 0..3 {
        send(&proxy, Service::Codex, None).await.bytes().await.unwrap();
    }
    proxy.flush_log();
    assert!(rotated(1).exists(), "rotated at the new size");
    assert!(!rotated(2).exists(), "and the new file count");
    assert_eq!(home.log_lines().len(), 1, "one line per file now");
}

#[tokio::test]
async fn a_broken_settings_edit_keeps_the_last_good_settings() {
    let pair = Pair::start(Service::Codex, json!({ "lb": { "failure_threshold": 7 } })).await;
    let path = pair.home.paths.settings_file();
    let live = pair.proxy.runtime.live_settings().clone();
    let broken = "{\n  \"lb\": { \"failure_threshold\": \"one\" }\n}\n";
    for (text, line, key) in [
        (broken, Some(2), "lb.failure_threshold"),
        // Out of range: placed at its key too (line 1, column 11).
        ("{ \"lb\": { \"failure_threshold\": 0 } }", Some(1), "lb.failure_threshold"),
        // Empty is an interrupted edit under a running proxy, not "defaults".
        ("", None, ""),
    ] {
        let before = live.version();
        write_raw(&path, text);
        eventually("the broken edit to be noticed", PATIENCE, || live.version() > before).await;
        let problem = live.problem().expect("a problem");
        assert_eq!(problem.line, line, "{problem}");
        assert_eq!(problem.key.as_deref().unwrap_or(""), key, "{problem}");
        assert_eq!(problem.serving, Serving::LastGood);
        let shown = problem.to_string();
        assert!(shown.contains("settings.json"), "names the file: {shown}");
        assert!(shown.contains("still using the last good settings"), "{shown}");
        if let Some(line) = line {
            assert!(shown.contains(&format!("settings.json:{line}:")), "names line and column: {shown}");
            assert!(problem.column.is_some(), "{problem:?}");
        }
        assert_eq!(pair.proxy.runtime.settings().lb.failure_threshold, 7, "last good settings kept");
        assert_eq!(pair.proxy.runtime.lb(Service::Codex).policy().failure_threshold, 7);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "the file is never rewritten");
        // Reported where config.json's problem is: the status endpoint.
        let state = pair.proxy.runtime.proxy_state(Service::Codex, pair.proxy.addr);
        let status = codex_helper_core::control::live_status(&state, pair.proxy.runtime.control());
        assert!(status.settings_problem.as_deref().is_some_and(|p| p.contains("settings.json")), "{status:?}");
        assert!(pair.proxy.runtime.file_problems().iter().any(|p| p.path == path));
    }
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 200, "still serving");
    resp.bytes().await.unwrap();

    apply_settings(&pair.home, &pair.proxy, json!({ "lb": { "failure_threshold": 2 } })).await;
    assert!(live.problem().is_none(), "fixed");
    assert_eq!(pair.proxy.runtime.lb(Service::Codex).policy().failure_threshold, 2);
}
