//! Per-upstream extra headers (`"headers"` in config.json) over real
//! sockets: each upstream gets its own, and a failover never carries one
//! upstream's headers to the next (issue 13).

use codex_helper_core::Service;
use codex_helper_tests::{canned, codex_body, config_with, read_sse_events, MockUpstream, Proxy, Reply, TestHome};
use serde_json::json;

#[tokio::test]
async fn each_upstream_gets_its_own_headers_and_a_failover_does_not_carry_them() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::json(503, canned::openai_error_json("overloaded", "try later")));
    let backup = MockUpstream::start().await;
    backup.set_default(Reply::sse(canned::codex_stream("from the backup", (3, 1, 0))));
    let home = TestHome::new();
    let mut cfg = config_with(
        Service::Codex,
        "main",
        &[(&primary.url(), "sk-extra-headers-0001"), (&backup.url(), "sk-extra-headers-0002")],
    );
    let ups = &mut cfg["codex"]["configs"]["main"]["upstreams"];
    ups[0]["headers"] = json!({ "x-portkey-provider": "openai", "X-Title": "primary app" });
    ups[1]["headers"] = json!({ "HTTP-Referer": "https://backup.example" });
    home.write_config(&cfg);
    let proxy = Proxy::start(&home, Service::Codex).await;

    let resp = proxy.post("/v1/responses", &codex_body()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(read_sse_events(resp).await.error, None);

    let first = &primary.requests()[0];
    assert_eq!(first.header("x-portkey-provider"), Some("openai"));
    assert_eq!(first.header("x-title"), Some("primary app"));
    assert_eq!(first.header("http-referer"), None);
    assert_eq!(first.header("authorization"), Some("Bearer sk-extra-headers-0001"));
    let second = &backup.requests()[0];
    assert_eq!(second.header("http-referer"), Some("https://backup.example"));
    assert_eq!(second.header("x-portkey-provider"), None, "the primary's header stays with the primary");
    assert_eq!(second.header("x-title"), None);
    assert_eq!(second.header("authorization"), Some("Bearer sk-extra-headers-0002"));
}
