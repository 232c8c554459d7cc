//! Passive quota from upstreams' rate-limit headers (no provider, no
//! polling): OpenAI's `x-ratelimit-*`, Anthropic's `anthropic-ratelimit-*`
//! and the Codex backend's `x-codex-*` usage windows. Past the config's
//! threshold an upstream is skipped before it fails, traffic returns when
//! its window resets, and each change is announced once.

use codex_helper_core::lb::{LbEvent, UpstreamId};
use codex_helper_core::usage::{QuotaEvent, QuotaLevel, QuotaState};
use codex_helper_core::Service;
use codex_helper_tests::Reply;
use serde_json::json;
use tokio::sync::broadcast;

use crate::lb_support::{config_multi, eventually, ok_stream, Pair, BACKUP_KEY, PATIENCE, PRIMARY_KEY};

fn header_state(pair: &Pair) -> Option<QuotaState> {
    let primary = &pair.ids()[0];
    pair.proxy.runtime.quota().states().into_iter().find(|s| s.provider_id == "headers" && s.upstream() == *primary)
}

fn primary_skipped(pair: &Pair) -> bool {
    pair.snapshot()[0].exhausted
}

/// The quota announcements so far.
fn quota_events(rx: &mut broadcast::Receiver<LbEvent>, into: &mut Vec<QuotaEvent>) {
    while let Ok(e) = rx.try_recv() {
        if let LbEvent::QuotaChanged(q) = e {
            into.push(q);
        }
    }
}

fn at(secs_from_now: u64) -> String {
    let t = chrono::Utc::now() + chrono::Duration::seconds(secs_from_now as i64);
    t.to_rfc3339()
}

#[tokio::test(flavor = "multi_thread")]
async fn openai_headers_past_the_threshold_skip_the_upstream_until_the_window_resets() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let mut rx = pair.proxy.runtime.lb(Service::Codex).subscribe();
    // 98 of 100 requests used, the window resets in 1.5 s; later answers
    // are from a fresh window.
    pair.primary.push(
        Reply::sse(ok_stream(Service::Codex, "from the primary"))
            .header("x-ratelimit-limit-requests", "100")
            .header("x-ratelimit-remaining-requests", "2")
            .header("x-ratelimit-reset-requests", "1.5s")
            .header("x-ratelimit-limit-tokens", "40000")
            .header("x-ratelimit-remaining-tokens", "39000")
            .header("x-ratelimit-reset-tokens", "6m0s"),
    );
    pair.primary.set_default(
        Reply::sse(ok_stream(Service::Codex, "from the primary"))
            .header("x-ratelimit-limit-requests", "100")
            .header("x-ratelimit-remaining-requests", "99"),
    );
    assert_eq!(pair.served_by().await, "primary", "the answer that tells is still served");
    assert!(primary_skipped(&pair), "marked before it fails");
    let q = header_state(&pair).expect("the headers' state");
    assert_eq!((q.kind.as_str(), q.state), ("response_headers", QuotaLevel::Exhausted));
    let names: Vec<&str> = q.windows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["requests", "tokens"]);
    assert_eq!((q.windows[0].used, q.windows[0].limit), (Some(98.0), Some(100.0)));
    assert!(q.windows[1].resets_at_ms.unwrap() > q.windows[0].resets_at_ms.unwrap());
    assert_eq!(pair.served_by().await, "backup");

    // The window resets: traffic comes back without any new answer, and
    // the return is announced.
    eventually("the primary usable again", PATIENCE, || !primary_skipped(&pair)).await;
    assert_eq!(pair.served_by().await, "primary");
    let mut seen = Vec::new();
    eventually("the reset announced", PATIENCE, || {
        quota_events(&mut rx, &mut seen);
        seen.iter().any(|e| e.is_reset())
    })
    .await;
    let levels: Vec<(QuotaLevel, QuotaLevel)> = seen.iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(levels, [(QuotaLevel::Unknown, QuotaLevel::Exhausted), (QuotaLevel::Exhausted, QuotaLevel::Ok)]);
    assert_eq!(seen[0].upstream, pair.ids()[0]);
    assert_eq!(seen[0].window.as_deref(), Some("requests"));
}

#[tokio::test(flavor = "multi_thread")]
async fn anthropic_headers_warn_then_exhaust_once_per_change() {
    let pair = Pair::start(Service::Claude, json!({})).await;
    let mut rx = pair.proxy.runtime.lb(Service::Claude).subscribe();
    let reply = |remaining: &str| {
        Reply::sse(ok_stream(Service::Claude, "from the primary"))
            .header("anthropic-ratelimit-tokens-limit", "100000")
            .header("anthropic-ratelimit-tokens-remaining", remaining)
            .header("anthropic-ratelimit-tokens-reset", &at(3600))
            .header("anthropic-ratelimit-requests-limit", "50")
            .header("anthropic-ratelimit-requests-remaining", "49")
            .header("anthropic-ratelimit-requests-reset", &at(60))
    };
    // 85% used: a warning, traffic stays; twice the same: one announcement.
    pair.primary.set_default(reply("15000"));
    assert_eq!(pair.served_by().await, "primary");
    assert_eq!(pair.served_by().await, "primary");
    let q = header_state(&pair).unwrap();
    assert_eq!(q.state, QuotaLevel::Warning);
    let tokens = q.windows.iter().find(|w| w.name == "tokens").unwrap();
    assert_eq!(tokens.remaining_pct, Some(15.0));
    let reset = tokens.resets_at_ms.unwrap() as i64 - codex_helper_core::logs::now_ms() as i64;
    assert!((3_500_000..=3_600_000).contains(&reset), "RFC 3339 reset read: {reset}");
    // 97% used: exhausted.
    pair.primary.set_default(reply("3000"));
    assert_eq!(pair.served_by().await, "primary");
    assert_eq!(pair.served_by().await, "backup");
    let mut seen = Vec::new();
    quota_events(&mut rx, &mut seen);
    let levels: Vec<QuotaLevel> = seen.iter().map(|e| e.to).collect();
    assert_eq!(levels, [QuotaLevel::Warning, QuotaLevel::Exhausted], "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn codex_usage_window_headers_and_a_per_config_threshold() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    // The config moves off an upstream at 60% instead of 95%.
    let mut config = config_multi(
        Service::Codex,
        "main",
        &[("main", vec![(pair.primary_url.clone(), PRIMARY_KEY.into()), (pair.backup_url.clone(), BACKUP_KEY.into())])],
    );
    config["codex"]["configs"]["main"]["quota_threshold_percent"] = json!(60);
    pair.home.write_config(&config);
    eventually("the threshold served", PATIENCE, || {
        pair.proxy.runtime.quota_tracker().thresholds(Service::Codex, "main").exhausted_pct == 60.0
    })
    .await;
    pair.primary.set_default(
        Reply::sse(ok_stream(Service::Codex, "from the primary"))
            .header("x-codex-primary-used-percent", "65.5")
            .header("x-codex-primary-window-minutes", "300")
            .header("x-codex-primary-reset-after-seconds", "1")
            .header("x-codex-secondary-used-percent", "20")
            .header("x-codex-secondary-window-minutes", "10080")
            .header("x-codex-secondary-reset-at", &(codex_helper_core::logs::now_ms() / 1000 + 86_400).to_string()),
    );
    assert_eq!(pair.served_by().await, "primary");
    let q = header_state(&pair).unwrap();
    let names: Vec<&str> = q.windows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["5h", "7d"]);
    assert_eq!(q.state, QuotaLevel::Exhausted, "65.5% ≥ the config's 60%");
    assert_eq!(pair.served_by().await, "backup");
    eventually("back after the 5-hour window's reset", PATIENCE, || !primary_skipped(&pair)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_key_of_a_pool_has_its_own_header_quota() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    let (a, b) = ("sk-hdr-aaaa-1111111111", "sk-hdr-bbbb-2222222222");
    let url = pair.primary_url.clone();
    pair.home.write_config(&config_multi(
        Service::Codex,
        "main",
        &[(
            "main",
            vec![(url.clone(), a.into()), (url.clone(), b.into()), (pair.backup_url.clone(), BACKUP_KEY.into())],
        )],
    ));
    let ida = UpstreamId::with_key("main", &url, Some(a));
    let idb = UpstreamId::with_key("main", &url, Some(b));
    let lb = pair.proxy.runtime.lb(Service::Codex);
    eventually("the pool served", PATIENCE, || {
        pair.proxy.runtime.config().snapshot().active(Service::Codex).is_some_and(|c| c.ids.len() == 3)
    })
    .await;
    // Key A's answers say it is spent; key B's say it is fine.
    pair.primary.set_router(move |r| {
        let spent = r.header("authorization") == Some(&format!("Bearer {a}"));
        Reply::sse(ok_stream(Service::Codex, "from the primary"))
            .header("x-ratelimit-limit-requests", "100")
            .header("x-ratelimit-remaining-requests", if spent { "0" } else { "70" })
            .header("x-ratelimit-reset-requests", "10m")
    });
    assert_eq!(pair.served_by().await, "primary");
    assert!(lb.snapshot(std::slice::from_ref(&ida))[0].exhausted);
    assert!(!lb.snapshot(std::slice::from_ref(&idb))[0].exhausted);
    pair.primary.clear_requests();
    assert_eq!(pair.served_by().await, "primary");
    assert_eq!(pair.primary.requests()[0].header("authorization"), Some(format!("Bearer {b}").as_str()));
    let states: Vec<QuotaState> =
        pair.proxy.runtime.quota().states().into_iter().filter(|s| s.provider_id == "headers").collect();
    assert_eq!(states.len(), 2, "{states:?}");
    let labels: Vec<&str> = states.iter().filter_map(|s| s.key_label.as_deref()).collect();
    assert_eq!(labels.len(), 2);
    assert_ne!(labels[0], labels[1], "told apart");
    assert!(labels.iter().all(|l| !l.contains(a) && !l.contains(b)), "masked: {labels:?}");
}

/// Anthropic's unified (subscription) windows, as a relay in front of a
/// Claude subscription passes them on: a share used of a 5-hour and a
/// 7-day window, resets in Unix seconds, and a refusal of the account.
#[tokio::test(flavor = "multi_thread")]
async fn anthropic_unified_windows_warn_exhaust_and_return_after_the_reset() {
    let pair = Pair::start(Service::Claude, json!({})).await;
    let mut rx = pair.proxy.runtime.lb(Service::Claude).subscribe();
    let now_s = codex_helper_core::logs::now_ms() / 1000;
    let reply = |status: &str, five_hour: &str, reset_5h: u64| {
        Reply::sse(ok_stream(Service::Claude, "from the primary"))
            .header("anthropic-ratelimit-unified-status", status)
            .header("anthropic-ratelimit-unified-representative-claim", "five_hour")
            .header("anthropic-ratelimit-unified-5h-utilization", five_hour)
            .header("anthropic-ratelimit-unified-5h-reset", &reset_5h.to_string())
            .header("anthropic-ratelimit-unified-7d-utilization", "0.30")
            .header("anthropic-ratelimit-unified-7d-reset", &(now_s + 5 * 86_400).to_string())
            .header("anthropic-ratelimit-unified-reset", &reset_5h.to_string())
            .header("anthropic-ratelimit-unified-fallback-percentage", "0.5")
    };
    // 85% of the 5-hour window: a warning, traffic stays; twice: one announcement.
    pair.primary.set_default(reply("allowed_warning", "0.85", now_s + 3600));
    assert_eq!(pair.served_by().await, "primary");
    assert_eq!(pair.served_by().await, "primary");
    let q = header_state(&pair).expect("the unified headers read");
    assert_eq!((q.kind.as_str(), q.state), ("response_headers", QuotaLevel::Warning));
    let names: Vec<&str> = q.windows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["5h", "7d"]);
    let five = &q.windows[0];
    assert!((five.remaining_pct.unwrap() - 15.0).abs() < 1e-6, "{five:?}");
    assert_eq!(five.resets_at_ms, Some((now_s + 3600) * 1000), "Unix seconds");
    assert!((q.windows[1].remaining_pct.unwrap() - 70.0).abs() < 1e-6);

    // Refused at 60% (the account's status wins over the share), resetting
    // within 3 s: skipped before it fails, back after the reset.
    pair.primary.set_default(reply("rejected", "0.60", now_s + 3));
    assert_eq!(pair.served_by().await, "primary", "the answer that tells is still served");
    assert!(primary_skipped(&pair));
    assert_eq!(header_state(&pair).unwrap().state, QuotaLevel::Exhausted);
    assert_eq!(pair.served_by().await, "backup");
    pair.primary.set_default(reply("allowed", "0.01", now_s + 5 * 3600));
    eventually("the primary usable after the 5-hour reset", PATIENCE, || !primary_skipped(&pair)).await;
    assert_eq!(pair.served_by().await, "primary");
    let mut seen = Vec::new();
    eventually("the reset announced", PATIENCE, || {
        quota_events(&mut rx, &mut seen);
        seen.iter().any(|e| e.is_reset())
    })
    .await;
    let levels: Vec<QuotaLevel> = seen.iter().map(|e| e.to).collect();
    assert_eq!(levels, [QuotaLevel::Warning, QuotaLevel::Exhausted, QuotaLevel::Ok], "{seen:?}");
    assert_eq!(seen[1].window.as_deref(), Some("5h"));
}
