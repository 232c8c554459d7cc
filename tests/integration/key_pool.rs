//! Several keys for one relay URL (a key pool): each key is its own upstream
//! with its own health, and the config's strategy spreads requests over
//! them (issue 13, "Key pools and strategies").

use codex_helper_core::lb::{UpstreamId, UpstreamState};
use codex_helper_core::Service;
use codex_helper_tests::{read_sse_events, MockUpstream, Proxy, Reply, TestHome};
use serde_json::json;

use crate::lb_support::{base_url_for, ok_stream, send};

const KEY_A: &str = "sk-pool-key-aaaa-000000001";
const KEY_B: &str = "sk-pool-key-bbbb-000000002";

/// A proxy for `service` whose config `pool` has both keys for one mock.
async fn pool(service: Service, strategy: &str) -> (TestHome, Proxy, MockUpstream, String) {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(ok_stream(service, "pooled")));
    let url = base_url_for(service, &mock.url());
    let home = TestHome::new();
    let ups = json!([
        { "base_url": url, "auth": { "auth_token": KEY_A, "api_key": null }, "tags": {} },
        { "base_url": url, "auth": { "auth_token": KEY_B, "api_key": null }, "tags": {}, "alias": "spare" },
    ]);
    let section = json!({ "active": "pool", "configs": { "pool": { "name": "pool", "alias": null, "strategy": strategy, "upstreams": ups } } });
    let empty = json!({ "active": null, "configs": {} });
    let (codex, claude) = match service {
        Service::Codex => (section, empty),
        Service::Claude => (empty, section),
    };
    home.write_config(&json!({ "version": 1, "codex": codex, "claude": claude, "default_service": null }));
    let proxy = Proxy::start(&home, service).await;
    (home, proxy, mock, url)
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

fn auths(mock: &MockUpstream) -> Vec<String> {
    mock.requests().iter().map(|r| r.header("authorization").unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn round_robin_uses_both_keys_of_one_url_in_turn() {
    for service in Service::ALL {
        let (_home, proxy, mock, _url) = pool(service, "round-robin").await;
        for _ in 0..10 {
            let resp = send(&proxy, service, None).await;
            assert_eq!(resp.status(), 200);
            assert_eq!(read_sse_events(resp).await.error, None);
        }
        let seen = auths(&mock);
        let a = seen.iter().filter(|h| **h == bearer(KEY_A)).count();
        let b = seen.iter().filter(|h| **h == bearer(KEY_B)).count();
        assert_eq!((a, b), (5, 5), "{service}: {seen:?}");
        assert_ne!(seen[0], seen[1], "alternating");
    }
}

#[tokio::test]
async fn a_failing_key_cools_down_alone_while_the_other_serves() {
    let service = Service::Codex;
    let (_home, proxy, mock, url) = pool(service, "round-robin").await;
    mock.set_router(move |req| match req.header("authorization") {
        Some(h) if h == bearer(KEY_A) => {
            Reply::json(401, json!({"error": {"message": "invalid key", "code": "invalid_api_key"}}))
        }
        _ => Reply::sse(ok_stream(Service::Codex, "from key b")),
    });
    for _ in 0..6 {
        let resp = send(&proxy, service, None).await;
        assert_eq!(resp.status(), 200, "the other key answers every request");
        assert_eq!(read_sse_events(resp).await.events, ok_stream(service, "from key b"));
    }
    let ids = [UpstreamId::with_key("pool", &url, Some(KEY_A)), UpstreamId::with_key("pool", &url, Some(KEY_B))];
    let snap = proxy.runtime.lb(service).snapshot(&ids);
    assert_eq!(snap[0].state, UpstreamState::CoolingDown, "{snap:?}");
    assert_eq!(snap[1].state, UpstreamState::Ok);
    assert_eq!(snap[1].failures, 0);
    // Once cooling, key A is no longer tried first: only B is asked.
    mock.clear_requests();
    for _ in 0..4 {
        assert_eq!(send(&proxy, service, None).await.status(), 200);
    }
    assert!(auths(&mock).iter().all(|h| *h == bearer(KEY_B)), "{:?}", auths(&mock));
    let shown = serde_json::to_string(&snap).unwrap();
    assert!(!shown.contains(KEY_A) && !shown.contains(KEY_B), "{shown}");
}

#[tokio::test]
async fn sessions_keep_their_key_under_round_robin() {
    let service = Service::Claude;
    let (_home, proxy, mock, _url) = pool(service, "round-robin").await;
    for _ in 0..3 {
        for session in ["s-one", "s-two"] {
            assert_eq!(send(&proxy, service, Some(session)).await.status(), 200);
        }
    }
    let seen = auths(&mock);
    assert_eq!(seen[0], seen[2]);
    assert_eq!(seen[0], seen[4]);
    assert_eq!(seen[1], seen[3]);
    assert_ne!(seen[0], seen[1], "the two sessions got different keys: {seen:?}");
}

#[tokio::test]
async fn priority_keeps_to_the_first_key_and_the_report_tells_keys_apart() {
    let service = Service::Codex;
    let (home, proxy, mock, _url) = pool(service, "priority").await;
    for _ in 0..3 {
        assert_eq!(send(&proxy, service, None).await.status(), 200);
    }
    assert!(auths(&mock).iter().all(|h| *h == bearer(KEY_A)));
    // What `ch status` builds: the live view fetched from the proxy's
    // status endpoint, matched with the file by position.
    let status = codex_helper_core::status::status(&home.paths, &[service], Some(proxy.addr.port())).await.unwrap();
    let report = status.services.into_iter().next().unwrap();
    assert_eq!(report.strategy, Some(codex_helper_core::config::Strategy::Priority));
    let text = serde_json::to_string(&report).unwrap();
    assert!(!text.contains(KEY_A) && !text.contains(KEY_B), "{text}");
    assert_eq!(report.upstreams.len(), 2);
    assert_eq!(report.upstreams[0].key.as_deref(), Some("sk-…0001"));
    assert_eq!(report.upstreams[1].alias.as_deref(), Some("spare"));
    assert_eq!(report.upstreams[0].live.as_ref().unwrap().requests, 3);
    assert_eq!(report.upstreams[1].live.as_ref().unwrap().requests, 0);
}
