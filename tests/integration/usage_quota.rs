//! Quota polling (`usage_providers.json`, `budget_http_json`) against a mock
//! provider endpoint: exhausted upstreams lose their traffic and get it back
//! when the budget frees up; failed lookups block nothing.
//!
//! The primary is addressed as `localhost` and the backup as `127.0.0.1`,
//! so a provider with `domains: ["localhost"]` covers only the primary.

use codex_helper_core::usage::{self, QuotaState};
use codex_helper_core::Service;
use codex_helper_tests::{MockUpstream, Reply};
use serde_json::{json, Value};

use crate::lb_support::{base_url_for, eventually, eventually_async, Pair, PATIENCE, PRIMARY_KEY};

const POLL_SECS: f64 = 0.3;

async fn pair_with_localhost_primary(service: Service) -> Pair {
    let pair = Pair::start(service, json!({})).await;
    let primary_url = base_url_for(service, &format!("http://localhost:{}", pair.primary.addr().port()));
    let config = crate::lb_support::config_multi(
        service,
        "main",
        &[("main", vec![(primary_url, PRIMARY_KEY.into()), (pair.backup_url.clone(), "tok-backup".into())])],
    );
    pair.home.write_config(&config);
    pair
}

/// Write `value` to `path` atomically (a polling reader never sees half).
fn write_json(path: &std::path::Path, value: &Value) {
    let tmp = path.with_extension("tmp-test");
    std::fs::write(&tmp, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn write_providers(pair: &Pair, provider: &MockUpstream, extra: Value) {
    let mut p = json!({
        "id": "relay-quota", "kind": "budget_http_json", "domains": ["localhost"],
        "endpoint": format!("{}/api/users/info", provider.url()), "token_env": null,
        "poll_interval_secs": POLL_SECS
    });
    for (k, v) in extra.as_object().unwrap() {
        p[k] = v.clone();
    }
    write_json(&pair.home.paths.usage_providers_file(), &json!({ "providers": [p] }));
}

fn primary_id(pair: &Pair) -> codex_helper_core::lb::UpstreamId {
    let url = base_url_for(pair.service, &format!("http://localhost:{}", pair.primary.addr().port()));
    codex_helper_core::lb::UpstreamId::with_key("main", &url, Some(super::lb_support::PRIMARY_KEY))
}

fn primary_exhausted(pair: &Pair) -> bool {
    pair.proxy.runtime.lb(pair.service).snapshot(&[primary_id(pair)])[0].exhausted
}

fn quota_of(pair: &Pair) -> Vec<QuotaState> {
    pair.proxy.runtime.quota().states()
}

#[tokio::test(flavor = "multi_thread")]
async fn exhausted_budget_moves_traffic_to_the_backup_until_it_frees_up() {
    let provider = MockUpstream::start().await;
    provider.set_default(Reply::json(
        200,
        json!({"code": 0, "data": {"user": {"monthly_budget_usd": 10, "monthly_spent_usd": 12}}}),
    ));
    let pair = pair_with_localhost_primary(Service::Codex).await;
    write_providers(&pair, &provider, json!({}));

    eventually("the primary marked exhausted", PATIENCE, || primary_exhausted(&pair)).await;
    let asked = provider.requests();
    assert_eq!(asked[0].method, "GET");
    assert_eq!(asked[0].path, "/api/users/info");
    assert_eq!(asked[0].header("authorization"), Some(format!("Bearer {PRIMARY_KEY}").as_str()));
    assert!(asked.iter().all(|r| r.header("authorization") != Some("Bearer tok-backup")), "the backup is not covered");
    assert_eq!(pair.served_by().await, "backup");

    let quota = quota_of(&pair);
    assert_eq!(quota.len(), 1, "{quota:?}");
    assert_eq!((quota[0].exhausted, quota[0].budget_usd, quota[0].spent_usd), (Some(true), Some(10.0), Some(12.0)));
    assert_eq!(
        (quota[0].service, quota[0].config.as_str(), quota[0].remaining_pct),
        (Service::Codex, "main", Some(0.0))
    );
    // A separate `ch usage` sees the same through usage_state.json, which
    // is written (off the poller's thread) just after the state changes.
    let file = usage::state_file(&pair.home.paths);
    let state = eventually_async("usage_state.json to hold the quota", PATIENCE, || async {
        usage::read_state(&file).unwrap().filter(|state| !state.quota.is_empty())
    })
    .await;
    assert_eq!(state.quota[0].exhausted, Some(true));
    assert_eq!(state.pid, std::process::id());

    provider
        .set_default(Reply::json(200, json!({"data": {"monthly_budget_usd": "10.00", "monthly_spent_usd": "3.50"}})));
    eventually("the primary back in use", PATIENCE, || !primary_exhausted(&pair)).await;
    assert_eq!(pair.served_by().await, "primary");
    assert_eq!(quota_of(&pair)[0].remaining_pct, Some(65.0));
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_lookups_are_unknown_not_exhausted() {
    let provider = MockUpstream::start().await;
    provider.set_default(Reply::json(200, json!({"data": {"monthly_budget_usd": 5, "monthly_spent_usd": 9}})));
    let pair = pair_with_localhost_primary(Service::Claude).await;
    write_providers(&pair, &provider, json!({}));
    eventually("the primary marked exhausted", PATIENCE, || primary_exhausted(&pair)).await;

    // A 500 clears the mark: we no longer know, so we don't block.
    provider.set_default(Reply::text(500, "oops"));
    eventually("the primary unmarked after a 500", PATIENCE, || !primary_exhausted(&pair)).await;
    let q = &quota_of(&pair)[0];
    assert_eq!(q.exhausted, None);
    assert!(q.error.as_deref().unwrap().contains("HTTP 500"), "{q:?}");
    assert_eq!(pair.served_by().await, "primary");

    provider.set_default(Reply::text(200, "<html>not json</html>"));
    let seen = provider.request_count();
    eventually("another lookup", PATIENCE, || provider.request_count() >= seen + 2).await;
    eventually("the error says why", PATIENCE, || {
        quota_of(&pair)[0].error.as_deref().is_some_and(|e| e.contains("not JSON"))
    })
    .await;
    assert!(!primary_exhausted(&pair));
}

#[tokio::test(flavor = "multi_thread")]
async fn token_env_that_is_unset_is_reported_and_nothing_is_asked() {
    let provider = MockUpstream::start().await;
    let pair = pair_with_localhost_primary(Service::Codex).await;
    write_providers(&pair, &provider, json!({"token_env": "CODEX_HELPER_TEST_SURELY_UNSET_TOKEN"}));
    eventually("a quota state", PATIENCE, || !quota_of(&pair).is_empty()).await;
    let q = &quota_of(&pair)[0];
    assert_eq!(q.exhausted, None);
    assert!(q.error.as_deref().unwrap().contains("CODEX_HELPER_TEST_SURELY_UNSET_TOKEN"), "{q:?}");
    assert_eq!(provider.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_providers_file_is_reported_and_the_last_good_one_kept() {
    let provider = MockUpstream::start().await;
    provider.set_default(Reply::json(200, json!({"monthly_budget_usd": 1, "monthly_spent_usd": 2})));
    let pair = pair_with_localhost_primary(Service::Codex).await;
    write_providers(&pair, &provider, json!({}));
    eventually("the primary marked exhausted", PATIENCE, || primary_exhausted(&pair)).await;

    let path = pair.home.paths.usage_providers_file();
    std::fs::write(&path, "{\"providers\": [\n  {\"id\": }\n]}").unwrap();
    eventually("the problem reported", PATIENCE, || pair.proxy.runtime.quota().problem().is_some()).await;
    let problem = pair.proxy.runtime.quota().problem().unwrap();
    assert!(problem.contains("usage_providers.json:2:"), "{problem}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"providers\": [\n  {\"id\": }\n]}", "never rewritten");
    // Still polling with the last good providers, still serving.
    let seen = provider.request_count();
    eventually("polling goes on", PATIENCE, || provider.request_count() > seen).await;
    assert!(primary_exhausted(&pair));
    assert_eq!(pair.served_by().await, "backup");

    // Removing the provider lifts its marks.
    write_json(&path, &json!({"providers": []}));
    eventually("the mark lifted", PATIENCE, || !primary_exhausted(&pair)).await;
    assert!(pair.proxy.runtime.quota().problem().is_none());
    assert!(quota_of(&pair).is_empty());
}
