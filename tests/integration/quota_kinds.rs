//! The usage-provider kinds beyond `budget_http_json` against mock relays:
//! `openai_billing` (asked per key of a pool, from the upstream's own
//! base_url), `new_api_user` (access token + `New-Api-User`), `json_fields`
//! (user-named paths, several windows with reset times) — and for every
//! kind, garbage, HTML, 401 and a timeout are "unknown", never "exhausted".

use std::time::Duration;

use codex_helper_core::config::ConfigFile;
use codex_helper_core::lb::UpstreamId;
use codex_helper_core::usage::poller::check_now;
use codex_helper_core::usage::{Provider, QuotaLevel, QuotaState};
use codex_helper_core::Service;
use codex_helper_tests::{MockUpstream, Reply};
use serde_json::{json, Value};

use crate::lb_support::{base_url_for, config_multi, eventually, ok_stream, Pair, PATIENCE};

const KEY_A: &str = "sk-pool-aaaa-1111111111";
const KEY_B: &str = "sk-pool-bbbb-2222222222";

fn write_json(path: &std::path::Path, value: &Value) {
    let tmp = path.with_extension("tmp-test");
    std::fs::write(&tmp, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn provider(value: Value) -> Provider {
    serde_json::from_value(value).unwrap()
}

/// A codex config whose active config `main` is a pool of two keys for
/// `url` (as `localhost`, so `domains: ["localhost"]` covers it) plus a
/// backup on 127.0.0.1.
fn pool_config(url: &str, backup: &str) -> Value {
    config_multi(
        Service::Codex,
        "main",
        &[("main", vec![(url.into(), KEY_A.into()), (url.into(), KEY_B.into()), (backup.into(), "tok-backup".into())])],
    )
}

fn localhost(mock: &MockUpstream) -> String {
    base_url_for(Service::Codex, &format!("http://localhost:{}", mock.addr().port()))
}

fn states(pair: &Pair, provider_id: &str) -> Vec<QuotaState> {
    pair.proxy.runtime.quota().states().into_iter().filter(|s| s.provider_id == provider_id).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn openai_billing_asks_each_key_of_a_pool_and_skips_the_spent_one() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    // The relay answers its billing endpoints per key (new-api's shapes:
    // a limit in dollars, usage in cents).
    pair.primary.set_router(|r| {
        let key_a = r.header("authorization") == Some(&format!("Bearer {KEY_A}"));
        match r.path.split('?').next().unwrap() {
            "/v1/dashboard/billing/subscription" => Reply::json(
                200,
                json!({"object": "billing_subscription", "has_payment_method": true,
                       "soft_limit_usd": 10.0, "hard_limit_usd": 10.0, "system_hard_limit_usd": 10.0, "access_until": 0}),
            ),
            "/v1/dashboard/billing/usage" => {
                Reply::json(200, json!({"object": "list", "total_usage": if key_a { 980.0 } else { 250.0 }}))
            }
            _ => Reply::sse(ok_stream(Service::Codex, "from the primary")),
        }
    });
    let url = localhost(&pair.primary);
    pair.home.write_config(&pool_config(&url, &pair.backup_url));
    write_json(
        &pair.home.paths.usage_providers_file(),
        &json!({"providers": [{"id": "relay", "kind": "openai_billing", "domains": ["localhost"], "poll_interval_secs": 0.3}]}),
    );
    let a = UpstreamId::with_key("main", &url, Some(KEY_A));
    let b = UpstreamId::with_key("main", &url, Some(KEY_B));
    let lb = pair.proxy.runtime.lb(Service::Codex);
    eventually("key A skipped", PATIENCE, || lb.snapshot(std::slice::from_ref(&a))[0].exhausted).await;
    assert!(!lb.snapshot(std::slice::from_ref(&b))[0].exhausted, "key B has quota");

    let got = states(&pair, "relay");
    assert_eq!(got.len(), 2, "one state per key: {got:?}");
    let (sa, sb) = (&got.iter().find(|s| s.upstream() == a).unwrap(), &got.iter().find(|s| s.upstream() == b).unwrap());
    assert_eq!((sa.state, sa.windows[0].used, sa.windows[0].limit), (QuotaLevel::Exhausted, Some(9.8), Some(10.0)));
    assert_eq!((sb.state, sb.windows[0].used, sb.budget_usd), (QuotaLevel::Ok, Some(2.5), Some(10.0)));
    assert_ne!(sa.key_label, sb.key_label, "told apart by their masked keys");
    assert!(!serde_json::to_string(&got).unwrap().contains(KEY_A), "never the key itself");
    // Asked once per key, with that key, at the upstream's own base_url.
    let asked: Vec<_> =
        pair.primary.requests().into_iter().filter(|r| r.path.contains("/dashboard/billing/")).collect();
    for key in [KEY_A, KEY_B] {
        assert!(asked.iter().any(|r| r.header("authorization") == Some(&format!("Bearer {key}"))), "{key} asked");
    }
    // 98% ≥ the default threshold of 95%: traffic goes to key B.
    pair.primary.clear_requests();
    let resp = pair.send(None).await;
    assert_eq!(resp.status(), 200);
    let _ = resp.bytes().await;
    let served = pair.primary.requests().into_iter().find(|r| r.path == "/v1/responses").expect("served by the pool");
    assert_eq!(served.header("authorization"), Some(format!("Bearer {KEY_B}").as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn new_api_user_sends_the_access_token_and_user_header() {
    let relay = MockUpstream::start().await;
    relay.set_router(|r| {
        if r.path != "/api/user/self" {
            return Reply::text(404, "no");
        }
        if r.header("authorization") != Some("Bearer at-123") || r.header("new-api-user") != Some("42") {
            return Reply::json(401, json!({"success": false, "message": "unauthorized"}));
        }
        // $10 in all, $5 used (QuotaPerUnit 500000).
        Reply::json(
            200,
            json!({"success": true, "message": "", "data": {"id": 42, "quota": 2_500_000, "used_quota": 2_500_000}}),
        )
    });
    let p = provider(
        json!({"id": "na", "kind": "new_api_user", "domains": ["localhost"], "user_id": 42, "access_token": "at-123"}),
    );
    let file = codex_file(&format!("http://localhost:{}/v1", relay.addr().port()));
    let got = check_now(&client(), &p, file.clone()).await;
    assert_eq!(got.len(), 1);
    let w = &got[0].windows[0];
    assert_eq!((w.name.as_str(), w.used, w.limit, w.remaining_pct), ("balance", Some(5.0), Some(10.0), Some(50.0)));
    assert_eq!((got[0].state, got[0].error.as_deref()), (QuotaLevel::Ok, None));
    assert_eq!(relay.requests()[0].path, "/api/user/self", "the origin of the upstream's base_url");

    // A relay with another QuotaPerUnit, and nearly spent: a warning.
    let p = Provider { quota_per_unit: Some(250_000.0), ..p };
    relay.set_router(|_| {
        Reply::json(200, json!({"success": true, "data": {"quota": 400_000, "used_quota": 1_600_000}}))
    });
    let got = check_now(&client(), &p, file.clone()).await;
    assert_eq!((got[0].windows[0].limit, got[0].state), (Some(8.0), QuotaLevel::Warning));
    // new-api's refusal is an error, not a number.
    relay.set_router(|_| Reply::json(200, json!({"success": false, "message": "access token expired"})));
    let got = check_now(&client(), &p, file).await;
    assert_eq!(got[0].state, QuotaLevel::Unknown);
    assert!(got[0].error.as_deref().unwrap().contains("access token expired"), "{got:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_fields_reads_named_paths_and_several_windows() {
    let relay = MockUpstream::start().await;
    let now_s = codex_helper_core::logs::now_ms() / 1000;
    relay.set_default(Reply::json(
        200,
        json!({"data": {"limits": [
            {"used": 96, "max": 100, "reset_at": now_s + 3600},
            {"left": 60, "max": 100, "reset_at": "2099-01-05T00:00:00Z"}]}}),
    ));
    let p = provider(json!({
        "id": "jf", "kind": "json_fields", "domains": ["localhost"], "endpoint": format!("{}/quota", relay.url()),
        "windows": [
            {"name": "5h", "used": "data.limits.0.used", "limit": "data.limits.0.max", "resets_at": "data.limits.0.reset_at"},
            {"name": "weekly", "remaining": "data.limits.1.left", "limit": "data.limits.1.max", "resets_at": "data.limits.1.reset_at"}]
    }));
    let file = codex_file(&format!("http://localhost:{}/v1", relay.addr().port()));
    let got = check_now(&client(), &p, file.clone()).await;
    let s = &got[0];
    assert_eq!(s.error, None);
    assert_eq!(s.windows.len(), 2);
    assert_eq!((s.windows[0].name.as_str(), s.windows[0].resets_at_ms), ("5h", Some((now_s + 3600) * 1000)));
    assert_eq!((s.windows[1].name.as_str(), s.windows[1].used), ("weekly", Some(40.0)));
    assert_eq!(s.state, QuotaLevel::Exhausted, "96% of the 5-hour window");
    // The config's own threshold decides.
    let mut relaxed = file.clone();
    relaxed.codex.configs.get_mut("main").unwrap().quota_threshold_percent = Some(99.0);
    assert_eq!(check_now(&client(), &p, relaxed).await[0].state, QuotaLevel::Warning);
    // A path the answer does not have is named in the error.
    let broken = Provider {
        windows: vec![serde_json::from_value(json!({"used": "data.nope", "limit": "data.max"})).unwrap()],
        ..p
    };
    let got = check_now(&client(), &broken, file).await;
    assert_eq!(got[0].state, QuotaLevel::Unknown);
    assert!(got[0].error.as_deref().unwrap().ends_with("has no `data.nope`"), "{got:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn garbage_html_401_and_timeouts_are_unknown_for_every_kind() {
    let relay = MockUpstream::start().await;
    let base = format!("http://localhost:{}/v1", relay.addr().port());
    let file = codex_file(&base);
    let kinds = [
        json!({"kind": "budget_http_json", "endpoint": format!("{}/info", relay.url())}),
        json!({"kind": "openai_billing"}),
        json!({"kind": "new_api_user", "user_id": 1, "access_token": "at"}),
        json!({"kind": "json_fields", "endpoint": format!("{}/q", relay.url()), "windows": [{"used": "u", "limit": "l"}]}),
    ];
    let answers: [(Reply, &str); 4] = [
        (Reply::bytes(200, "application/json", "{not json at all"), "not JSON"),
        (Reply::bytes(200, "text/html", "<!doctype html><html><body>Login</body></html>"), "HTML page"),
        (Reply::json(401, json!({"error": "bad key"})), "HTTP 401"),
        (Reply::json(200, json!({})).delay(Duration::from_secs(3)), "no answer within 0.3 s"),
    ];
    for kind in &kinds {
        for (reply, expected) in &answers {
            relay.set_default(reply.clone());
            let mut p = kind.clone();
            p["id"] = json!("k");
            p["domains"] = json!(["localhost"]);
            p["timeout_secs"] = json!(0.3);
            let got = check_now(&client(), &provider(p), file.clone()).await;
            let s = &got[0];
            assert_eq!((s.state, s.exhausted), (QuotaLevel::Unknown, None), "{kind} / {expected}: {s:?}");
            let error = s.error.as_deref().unwrap_or_default();
            assert!(error.contains(expected), "{kind}: `{error}` should say {expected}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_provider_never_blocks_a_running_proxy() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let url = localhost(&pair.primary);
    pair.home.write_config(&pool_config(&url, &pair.backup_url));
    pair.primary.set_router(|r| match r.path.contains("/dashboard/") {
        true => Reply::bytes(200, "text/html", "<html>please log in</html>"),
        false => Reply::sse(ok_stream(Service::Codex, "from the primary")),
    });
    write_json(
        &pair.home.paths.usage_providers_file(),
        &json!({"providers": [{"id": "relay", "kind": "openai_billing", "domains": ["localhost"], "poll_interval_secs": 0.3}]}),
    );
    eventually("both keys unknown", PATIENCE, || {
        let got = states(&pair, "relay");
        got.len() == 2 && got.iter().all(|s| s.state == QuotaLevel::Unknown && s.error.is_some())
    })
    .await;
    let a = UpstreamId::with_key("main", &url, Some(KEY_A));
    assert!(!pair.proxy.runtime.lb(Service::Codex).snapshot(&[a])[0].exhausted);
}

fn codex_file(url: &str) -> ConfigFile {
    serde_json::from_value(config_multi(Service::Codex, "main", &[("main", vec![(url.into(), KEY_A.into())])])).unwrap()
}

fn client() -> reqwest::Client {
    codex_helper_core::usage::poller::http_client().unwrap()
}
