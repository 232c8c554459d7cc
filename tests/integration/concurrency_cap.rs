//! Per-upstream concurrency caps (`max_concurrent`, issue 13): a request
//! beyond an upstream's cap goes to the next upstream; when every one is
//! full it waits (bounded by `lb.max_concurrent_wait_ms`) and then gets a
//! native 503 naming the caps; a slot is freed when the answer's body ends
//! and when the client goes away mid-stream.

use std::time::Duration;

use codex_helper_core::lb::UpstreamId;
use codex_helper_core::Service;
use codex_helper_tests::{read_sse_events, Gate, MockUpstream, Proxy, Reply, TestHome};
use serde_json::{json, Value};
use tokio::time::Instant;

use crate::lb_support::{base_url_for, eventually, ok_stream, send};
use crate::proxy_util::native_error_message;
use crate::stream_splice::opening_count;

const KEY_A: &str = "sk-cap-key-aaaa-000000001";
const KEY_B: &str = "sk-cap-key-bbbb-000000002";

/// A config `main` of `service` with `upstreams` (each `(url, key, cap,
/// alias)`), under `strategy`, and settings.json's `lb` section `lb`.
fn write_home(
    service: Service,
    strategy: &str,
    upstreams: &[(&str, &str, Option<u32>, Option<&str>)],
    lb: Value,
) -> TestHome {
    let ups: Vec<Value> = upstreams
        .iter()
        .map(|(url, key, cap, alias)| {
            let mut up = json!({ "base_url": url, "auth": { "auth_token": key, "api_key": null }, "tags": {} });
            if let Some(cap) = cap {
                up["max_concurrent"] = json!(cap);
            }
            if let Some(alias) = alias {
                up["alias"] = json!(alias);
            }
            up
        })
        .collect();
    let section = json!({ "active": "main", "configs": { "main": { "name": "main", "alias": null, "strategy": strategy, "upstreams": ups } } });
    let empty = json!({ "active": null, "configs": {} });
    let (codex, claude) = match service {
        Service::Codex => (section, empty),
        Service::Claude => (empty, section),
    };
    let home = TestHome::new();
    home.write_config(&json!({ "version": 1, "codex": codex, "claude": claude, "default_service": null }));
    home.write_settings(&json!({ "lb": lb }));
    home
}

/// A good stream held after its opening and first content event until
/// `gate` opens: the proxy has committed to it, so it stays in flight.
fn held(service: Service, text: &str, gate: &Gate) -> Reply {
    Reply::sse(ok_stream(service, text)).gate_after_events(opening_count(service) + 1, gate.clone())
}

fn in_flight(proxy: &Proxy, service: Service, id: &UpstreamId) -> u32 {
    proxy.runtime.lb(service).snapshot(std::slice::from_ref(id))[0].in_flight
}

#[tokio::test]
async fn a_request_beyond_the_cap_goes_to_the_next_upstream_and_the_slot_frees_at_the_streams_end() {
    for service in Service::ALL {
        let (a, b) = (MockUpstream::start().await, MockUpstream::start().await);
        let (a_url, b_url) = (base_url_for(service, &a.url()), base_url_for(service, &b.url()));
        let home =
            write_home(service, "priority", &[(&a_url, KEY_A, Some(1), None), (&b_url, KEY_B, None, None)], json!({}));
        let proxy = Proxy::start(&home, service).await;
        a.set_default(Reply::sse(ok_stream(service, "from a")));
        b.set_default(Reply::sse(ok_stream(service, "from b")));
        let gate = Gate::new();
        a.push(held(service, "held at a", &gate));
        let id_a = UpstreamId::with_key("main", &a_url, Some(KEY_A));

        let first = send(&proxy, service, None).await;
        assert_eq!(first.status(), 200, "{service}");
        assert_eq!(in_flight(&proxy, service, &id_a), 1, "{service}: counted while its body is read");

        // A is full: the next request goes to B, at once, without waiting.
        let started = Instant::now();
        let second = read_sse_events(send(&proxy, service, None).await).await;
        assert_eq!(second.events, ok_stream(service, "from b"), "{service}");
        assert!(started.elapsed() < Duration::from_secs(2), "{service}: no wait when another upstream is free");
        assert_eq!((a.request_count(), b.request_count()), (1, 1), "{service}");

        gate.open();
        let first = read_sse_events(first).await;
        assert_eq!(first.events, ok_stream(service, "held at a"), "{service}");
        eventually("A's slot to be freed", Duration::from_secs(5), || in_flight(&proxy, service, &id_a) == 0).await;
        let third = read_sse_events(send(&proxy, service, None).await).await;
        assert_eq!(third.events, ok_stream(service, "from a"), "{service}: back on the primary once it has room");
    }
}

#[tokio::test]
async fn when_every_upstream_is_full_a_request_waits_for_the_first_free_slot() {
    let service = Service::Codex;
    let a = MockUpstream::start().await;
    let url = base_url_for(service, &a.url());
    let home =
        write_home(service, "priority", &[(&url, KEY_A, Some(1), None)], json!({ "max_concurrent_wait_ms": 10_000 }));
    let proxy = Proxy::start(&home, service).await;
    a.set_default(Reply::sse(ok_stream(service, "second")));
    let gate = Gate::new();
    a.push(held(service, "first", &gate));

    let first = send(&proxy, service, None).await;
    let target = proxy.url("/v1/responses");
    let waiting = tokio::spawn(async move {
        let resp = codex_helper_tests::client()
            .post(target)
            .header("content-type", "application/json")
            .body(codex_helper_tests::codex_body().to_string())
            .send()
            .await
            .unwrap();
        (resp.status(), read_sse_events(resp).await)
    });
    // The second request must not reach the upstream while the first holds
    // its only slot. (An absence has no signal to wait for: a short look.)
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(a.request_count(), 1, "the second request waits for the slot");
    assert!(!waiting.is_finished(), "and is not refused meanwhile");

    gate.open();
    assert_eq!(read_sse_events(first).await.events, ok_stream(service, "first"));
    let (status, second) = waiting.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(second.events, ok_stream(service, "second"), "it took the freed slot");
    assert_eq!(a.request_count(), 2);
}

#[tokio::test]
async fn a_bounded_wait_ends_in_a_native_503_naming_the_caps() {
    for service in Service::ALL {
        let a = MockUpstream::start().await;
        let url = base_url_for(service, &a.url());
        let home = write_home(
            service,
            "priority",
            &[(&url, KEY_A, Some(1), Some("work"))],
            json!({ "max_concurrent_wait_ms": 300 }),
        );
        let proxy = Proxy::start(&home, service).await;
        let gate = Gate::new();
        a.push(held(service, "busy", &gate));
        let first = send(&proxy, service, None).await;

        let started = Instant::now();
        let refused = send(&proxy, service, None).await;
        let waited = started.elapsed();
        assert_eq!(refused.status(), 503, "{service}");
        assert_eq!(refused.headers()["retry-after"], "1", "{service}");
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
            "{service}: waited {waited:?}"
        );
        let body: Value = refused.json().await.unwrap();
        let message = native_error_message(service, &body);
        assert!(message.contains("max_concurrent cap"), "{service}: {message}");
        assert!(message.contains("[work] at 1/1"), "{service}: the upstream by its key's name: {message}");
        assert!(message.contains("lb.max_concurrent_wait_ms"), "{service}: {message}");
        if service == Service::Codex {
            assert_eq!(body["error"]["code"], "all_upstreams_at_capacity");
        }
        assert_eq!(a.request_count(), 1, "{service}: never sent beyond the cap");
        proxy.flush_log();
        let line = home.log_lines().pop().unwrap();
        assert_eq!(line["status_code"], 503, "{service}: logged, not silent: {line}");
        gate.open();
        assert_eq!(read_sse_events(first).await.error, None, "{service}");
    }
}

#[tokio::test]
async fn a_client_leaving_mid_stream_frees_the_slot() {
    for service in Service::ALL {
        let a = MockUpstream::start().await;
        let url = base_url_for(service, &a.url());
        let home =
            write_home(service, "priority", &[(&url, KEY_A, Some(1), None)], json!({ "max_concurrent_wait_ms": 0 }));
        let proxy = Proxy::start(&home, service).await;
        a.set_default(Reply::sse(ok_stream(service, "after")));
        let never = Gate::new();
        a.push(held(service, "abandoned", &never));
        let id = UpstreamId::with_key("main", &url, Some(KEY_A));

        let mut abandoned = send(&proxy, service, None).await;
        // The opening and first content arrive, then the client hangs up.
        assert!(abandoned.chunk().await.unwrap().is_some(), "{service}");
        assert_eq!(in_flight(&proxy, service, &id), 1, "{service}");
        drop(abandoned);
        eventually("the abandoned stream's slot to be freed", Duration::from_secs(5), || {
            in_flight(&proxy, service, &id) == 0
        })
        .await;
        let next = read_sse_events(send(&proxy, service, None).await).await;
        assert_eq!(next.events, ok_stream(service, "after"), "{service}: the freed slot serves the next request");
        never.open();
    }
}

/// A session pinned to a full upstream moves to a free one (the cap is the
/// relay's limit; a warm prompt cache is not worth a refused or delayed
/// request), under round-robin over a key pool with a cap on each key.
#[tokio::test]
async fn a_pinned_session_over_the_cap_moves_to_a_free_key() {
    let service = Service::Claude;
    let a = MockUpstream::start().await;
    let url = base_url_for(service, &a.url());
    let home = write_home(
        service,
        "round-robin",
        &[(&url, KEY_A, Some(1), Some("one")), (&url, KEY_B, Some(1), Some("two"))],
        json!({ "max_concurrent_wait_ms": 0 }),
    );
    let proxy = Proxy::start(&home, service).await;
    a.set_default(Reply::sse(ok_stream(service, "ok")));
    let auth = |i: usize| a.requests()[i].header("authorization").unwrap_or_default().to_string();

    // The session is pinned to whichever key served it first.
    assert_eq!(read_sse_events(send(&proxy, service, Some("s-1")).await).await.error, None);
    let pinned = auth(0);
    // Another request holds that key's only slot…
    let gate = Gate::new();
    a.push(held(service, "holding", &gate));
    let holder = send(&proxy, service, Some("s-1")).await;
    assert_eq!(auth(1), pinned, "the pin holds while its key has room");
    // …so the session's next request goes to the other key.
    assert_eq!(read_sse_events(send(&proxy, service, Some("s-1")).await).await.error, None);
    assert_ne!(auth(2), pinned, "over the cap, the session moves on");
    gate.open();
    assert_eq!(read_sse_events(holder).await.error, None);
}
