//! filter.json never fails open (issue 9 #13, and #9's filter part): a
//! file that exists but cannot be used, with no good rules to fall back
//! on, refuses requests (503 naming file and line) until it is fixed; a
//! broken edit under a running proxy keeps the last good rules.

use codex_helper_core::Service;
use codex_helper_tests::{canned, config_with, read_sse_events, MockUpstream, Proxy, Reply, TestHome};
use serde_json::json;

use crate::proxy_util::{json_of, native_error_message, path_of};

/// Replace a file the way editors do, with arbitrary (possibly broken) text.
fn write_raw(path: &std::path::Path, text: &str) {
    let tmp = path.with_extension("tmp-raw");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn body_with_secret(service: Service) -> serde_json::Value {
    match service {
        Service::Codex => json!({ "model": "gpt-5", "stream": true, "input": "ask about secret-domain.com" }),
        Service::Claude => json!({ "model": "claude", "max_tokens": 8, "stream": true,
            "messages": [{ "role": "user", "content": "ask about secret-domain.com" }] }),
    }
}

#[tokio::test]
async fn a_broken_filter_file_blocks_until_fixed_and_a_later_break_keeps_the_good_rules() {
    for service in [Service::Codex, Service::Claude] {
        let mock = MockUpstream::start().await;
        mock.set_default(match service {
            Service::Codex => Reply::sse(canned::codex_stream("ok", (1, 1, 0))),
            Service::Claude => Reply::sse(canned::claude_stream("ok", 1, 1)),
        });
        let home = TestHome::new();
        home.write_config(&config_with(service, "main", &[(&format!("{}/v1", mock.url()), "sk-up")]));
        // Truncated mid-edit, the break on line 2.
        write_raw(&home.paths.filter_file(), "[{\"op\": \"replace\",\n \"source\": ");
        let proxy = Proxy::start(&home, service).await;

        let problems = proxy.runtime.startup_problems();
        assert!(
            problems.iter().any(|p| p.contains("filter.json:2:") && p.contains("refused")),
            "{service:?}: start-up says so: {problems:?}"
        );
        let resp = proxy.post(path_of(service), &body_with_secret(service)).await;
        assert_eq!(resp.status(), 503, "{service:?}: a broken filter blocks");
        let msg = native_error_message(service, &json_of(resp).await);
        assert!(msg.contains("filter.json:2:"), "{service:?}: names file and line: {msg}");
        assert_eq!(mock.request_count(), 0, "{service:?}: nothing went out unredacted");

        // Empty is a broken edit too.
        write_raw(&home.paths.filter_file(), "");
        // Edits are picked up by the poll task, off the request path; check now.
        proxy.runtime.reload_files();
        let resp = proxy.post(path_of(service), &body_with_secret(service)).await;
        assert_eq!(resp.status(), 503, "{service:?}: an empty filter.json blocks too");
        assert_eq!(mock.request_count(), 0);

        // Fixed: requests flow, redacted.
        home.write_filter(&json!([{ "op": "replace", "source": "secret-domain.com", "target": "[REDACTED]" }]));
        proxy.runtime.reload_files();
        let resp = proxy.post(path_of(service), &body_with_secret(service)).await;
        assert_eq!(resp.status(), 200, "{service:?}");
        read_sse_events(resp).await;
        let sent = String::from_utf8(mock.requests().last().unwrap().body.clone()).unwrap();
        assert!(sent.contains("[REDACTED]") && !sent.contains("secret-domain.com"), "{sent}");

        // Broken again under the running proxy: the last good rules still redact.
        for broken in ["", "[{\"op\": \"replace\", "] {
            write_raw(&home.paths.filter_file(), broken);
            proxy.runtime.reload_files();
            let resp = proxy.post(path_of(service), &body_with_secret(service)).await;
            assert_eq!(resp.status(), 200, "{service:?}: {broken:?} keeps the last good rules");
            read_sse_events(resp).await;
            let sent = String::from_utf8(mock.requests().last().unwrap().body.clone()).unwrap();
            assert!(sent.contains("[REDACTED]") && !sent.contains("secret-domain.com"), "{sent}");
        }
    }
}
