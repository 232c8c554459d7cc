//! Small helpers shared by the `proxy_*` test modules.

use std::time::{Duration, Instant};

use codex_helper_core::Service;
use codex_helper_tests::{config_with, Proxy, TestHome};
use serde_json::Value;

/// Log lines once at least `n` are on disk. A response body can be fully
/// read by the client a moment before the proxy notices its end and queues
/// the line, so this polls (generously) instead of flushing once.
pub async fn log_lines_eventually(proxy: &Proxy, home: &TestHome, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        proxy.flush_log();
        let lines = home.log_lines();
        if lines.len() >= n || Instant::now() > deadline {
            assert_eq!(lines.len(), n, "log lines: {lines:?}");
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The raw text of `requests.jsonl` (for grepping key material).
pub fn raw_log(home: &TestHome) -> String {
    std::fs::read_to_string(home.paths.request_log()).unwrap_or_default()
}

/// A config whose single upstream has `auth` written by hand (e.g.
/// `{"api_key": "k"}` or `{}`), so keys other than `auth_token` can be used.
pub fn config_with_auth(service: Service, base_url: &str, auth: Value) -> Value {
    let mut cfg = config_with(service, "main", &[(base_url, "unused")]);
    let section = match service {
        Service::Codex => "codex",
        Service::Claude => "claude",
    };
    cfg[section]["configs"]["main"]["upstreams"][0]["auth"] = auth;
    cfg
}

/// The body as JSON, panicking with the text when it is not.
pub async fn json_of(resp: reqwest::Response) -> Value {
    let text = resp.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts `v` is a proxy-made error in `service`'s native format and
/// returns its message.
pub fn native_error_message(service: Service, v: &Value) -> String {
    match service {
        Service::Codex => {
            assert!(v["error"].is_object(), "OpenAI-style error expected: {v}");
            assert!(v["error"]["type"].is_string(), "{v}");
            v["error"]["message"].as_str().unwrap_or_else(|| panic!("error.message: {v}")).to_string()
        }
        Service::Claude => {
            assert_eq!(v["type"], "error", "Anthropic-style error expected: {v}");
            assert!(v["error"]["type"].is_string(), "{v}");
            v["error"]["message"].as_str().unwrap_or_else(|| panic!("error.message: {v}")).to_string()
        }
    }
}

/// The usual request path of each service.
pub fn path_of(service: Service) -> &'static str {
    match service {
        Service::Codex => "/v1/responses",
        Service::Claude => "/v1/messages?beta=true",
    }
}

/// The usual request body of each service.
pub fn body_of(service: Service) -> Value {
    match service {
        Service::Codex => codex_helper_tests::codex_body(),
        Service::Claude => codex_helper_tests::claude_body(),
    }
}
