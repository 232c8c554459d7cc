use super::*;
use crate::control::RequestCounts;
use crate::lb::{LoadBalancer, UpstreamId};
use crate::probe::Identity;

const A: &str = "https://a.example/v1";
const B: &str = "https://b.example:8443/v1/";

fn file() -> ConfigFile {
    serde_json::from_value(serde_json::json!({
        "codex": {"active": null, "configs": {
            "main": {"name": "main", "upstreams": [
                {"base_url": A, "auth": {"auth_token": "sk-report-secret-0123abcd"}},
                {"base_url": B, "auth": {"api_key": "sk-report-other-4567wxyz"}}]},
            "spare": {"name": "spare", "upstreams": []}}}
    }))
    .unwrap()
}

fn live(service: Service, upstreams: Vec<UpstreamStatus>) -> LiveState {
    LiveState {
        service,
        owner: "app".into(),
        pid: 7,
        port: 3211,
        version: "0.1.0".into(),
        started_at_ms: 1,
        config_problem: None,
        settings_problem: None,
        active_config: Some("main".into()),
        upstreams,
        requests: RequestCounts { total: 3, errors: 1 },
    }
}

/// Codex's two upstreams as a load balancer sees them, `exhausted` of them out of quota.
fn observed(exhausted: usize) -> Vec<UpstreamStatus> {
    let lb = LoadBalancer::new(Service::Codex, Default::default());
    let ids = vec![UpstreamId::new("main", A), UpstreamId::new("main", B.trim_end_matches('/'))];
    for id in ids.iter().take(exhausted) {
        lb.set_exhausted(id, true);
    }
    lb.snapshot(&ids)
}

fn helper(service: Service, port: u16) -> Serving {
    let identity =
        Identity { app: "codex-helper".into(), version: "0.1.0".into(), service, pid: 4242, port, owner: "cli".into() };
    Serving::TakenByHelper { port, identity }
}

fn served(service: Service, serving: Serving, upstreams: Vec<UpstreamStatus>, file: &ConfigFile) -> ServiceReport {
    let mut facts = Facts::new(service, 3211, true, serving, file);
    facts.live = Some(live(service, upstreams));
    build(facts)
}

/// Regression (issue 10): the tray left a service served by `ch serve` out
/// (grey icon) while the window's sidebar said "Serving". A client pointed
/// at that port is answered: it counts.
#[test]
fn a_service_taken_by_another_helper_counts_as_served() {
    let f = file();
    let r = served(Service::Codex, helper(Service::Codex, 3211), observed(0), &f);
    assert_eq!(r.level, Level::Serving);
    assert!(r.listening);
    assert_eq!((r.owner.as_deref(), r.pid), (Some("cli"), Some(4242)), "who runs it, not who reports it");
    assert_eq!(StatusReport::new(vec![r], None).level, Level::Serving);
    let tired = served(Service::Codex, helper(Service::Codex, 3211), observed(1), &f);
    assert_eq!(StatusReport::new(vec![tired], None).level, Level::Degraded);
}

/// Regression (issue 10): the sidebar said "Serving" for a proxy with no
/// config at all, the tray "Off". Nothing can be served from it: Off, and
/// it does not hide (or worsen) another service's state.
#[test]
fn a_served_service_without_configs_is_off_and_left_out() {
    let empty = ConfigFile::default();
    let mut facts = Facts::new(Service::Claude, 3210, true, Serving::Serving { port: 3210 }, &empty);
    facts.live = Some(LiveState { active_config: None, ..live(Service::Claude, vec![]) });
    let unconfigured = build(facts);
    assert_eq!(unconfigured.level, Level::Off);
    assert_eq!(unconfigured.active_config, None);
    assert_eq!(StatusReport::new(vec![unconfigured.clone()], None).level, Level::Off);
    let f = file();
    let codex = served(Service::Codex, Serving::Serving { port: 3211 }, observed(0), &f);
    assert_eq!(StatusReport::new(vec![codex, unconfigured], None).level, Level::Serving);
}

/// Regression (issue 10): the sidebar pooled the upstreams of all services,
/// so one service with every upstream down next to a healthy one read
/// "Degraded"; the tray said Down. A service that cannot serve is Down.
#[test]
fn one_service_with_no_usable_upstream_makes_the_whole_down() {
    let f = file();
    let codex = served(Service::Codex, Serving::Serving { port: 3211 }, observed(2), &f);
    assert_eq!(codex.level, Level::Down);
    let claude = served(Service::Claude, Serving::Serving { port: 3210 }, observed(0), &f);
    assert_eq!(claude.level, Level::Serving);
    assert_eq!(StatusReport::new(vec![codex, claude], None).level, Level::Down);
}

#[test]
fn not_served_is_off_whatever_the_upstreams_say() {
    let f = file();
    for serving in [Serving::Disabled, Serving::Failed { port: 3211, message: "busy".into() }] {
        assert_eq!(served(Service::Codex, serving, observed(2), &f).level, Level::Off);
    }
    assert_eq!(StatusReport::new(vec![], None).level, Level::Off);
}

#[test]
fn without_live_state_the_active_else_first_config_is_shown_unobserved() {
    let f = file();
    let r = build(Facts::new(Service::Codex, 3211, true, Serving::Disabled, &f));
    assert_eq!(r.active_config.as_deref(), Some("main"), "none named: the first");
    assert_eq!((r.listening, r.requests, r.level), (false, None, Level::Off));
    let ups: Vec<_> = r.upstreams.iter().map(|u| (u.label.as_str(), u.key.as_deref(), u.state)).collect();
    assert_eq!(
        ups,
        [
            ("a.example", Some("sk-…abcd"), UpstreamHealth::Unknown),
            ("b.example:8443", Some("sk-…wxyz"), UpstreamHealth::Unknown)
        ]
    );
    let broken = build(Facts {
        file: Err("config.json: line 1".into()),
        ..Facts::new(Service::Codex, 1, true, Serving::Disabled, &f)
    });
    assert_eq!(broken.config_problem.as_deref(), Some("config.json: line 1"));
    assert!(broken.upstreams.is_empty());
}

#[test]
fn live_upstreams_get_keys_labels_and_their_quota() {
    let f = file();
    let quota = |service, base_url: &str| QuotaState {
        provider_id: "p".into(),
        service,
        config: "main".into(),
        base_url: base_url.into(),
        budget_usd: Some(100.0),
        spent_usd: Some(58.0),
        remaining_pct: Some(42.0),
        exhausted: Some(false),
        checked_at_ms: 0,
        error: None,
        ..QuotaState::unknown(Service::Codex)
    };
    let quotas = [quota(Service::Codex, B), quota(Service::Claude, A)];
    let mut facts = Facts::new(Service::Codex, 3211, true, Serving::Serving { port: 3211 }, &f);
    facts.live = Some(live(Service::Codex, observed(1)));
    facts.quota = &quotas;
    let r = build(facts);
    assert_eq!(
        (r.owner.as_deref(), r.pid, r.requests),
        (Some("app"), Some(7), Some(RequestCounts { total: 3, errors: 1 }))
    );
    assert_eq!(r.upstreams[0].key.as_deref(), Some("sk-…abcd"));
    assert_eq!(r.upstreams[0].state, UpstreamHealth::Exhausted);
    assert!(r.upstreams[0].exhausted());
    assert_eq!(r.upstreams[0].quota, None, "Claude's quota for the same URL is not Codex's");
    assert_eq!(r.upstreams[1].label, "b.example:8443");
    assert_eq!(
        r.upstreams[1].quota.as_ref().map(|q| q.remaining_pct),
        Some(Some(42.0)),
        "a trailing slash is the same URL"
    );
    assert_eq!(r.quota.len(), 1, "the report keeps its own service's quota");
}

#[test]
fn every_text_is_scrubbed() {
    let key = "sk-report-echoed-9Zq81mT4pRw";
    crate::redact::remember([key]);
    let f = file();
    let mut ups = observed(0);
    ups[0].last_error = Some(format!("HTTP 401: bad key {key}"));
    let mut facts = Facts::new(Service::Codex, 3211, true, Serving::Serving { port: 3211 }, &f);
    facts.live = Some(LiveState { config_problem: Some(format!("echo {key}")), ..live(Service::Codex, ups) });
    facts.switch = Some(Err(format!("cannot read: {key}").into()));
    let text = serde_json::to_string(&build(facts)).unwrap();
    assert!(!text.contains(key), "{text}");
}

#[test]
fn the_printed_level_word_is_the_json_one() {
    for level in [Level::Off, Level::Serving, Level::Degraded, Level::Down] {
        assert_eq!(serde_json::to_value(level).unwrap(), serde_json::json!(level.word()));
        assert_eq!(level.to_string(), level.word());
    }
}

/// Two keys of one relay are told apart by name (alias, else masked key),
/// and carry their cap; an upstream alone at its URL is just its host.
#[test]
fn pooled_upstreams_are_named_by_their_key_and_show_their_cap() {
    let f: ConfigFile = serde_json::from_value(serde_json::json!({
        "codex": {"active": "pool", "configs": {
            "pool": {"name": "pool", "upstreams": [
                {"base_url": A, "auth": {"auth_token": "sk-pool-first-0000aaaa"}, "alias": "work", "max_concurrent": 2},
                {"base_url": A, "auth": {"auth_token": "sk-pool-second-1111bbbb"}},
                {"base_url": B, "auth": {"auth_token": "sk-pool-third-2222cccc"}}]}}}
    }))
    .unwrap();
    let r = build(Facts::new(Service::Codex, 3211, true, Serving::Serving { port: 3211 }, &f));
    let names: Vec<&str> = r.upstreams.iter().map(|u| u.display_name()).collect();
    assert_eq!(names, ["a.example [work]", "a.example [sk-…bbbb]", "b.example:8443"]);
    assert_eq!(r.upstreams[0].max_concurrent, Some(2));
    assert_eq!(r.upstreams[1].max_concurrent, None);
    assert_eq!(r.upstreams[0].label_with_protocol(Service::Codex), "a.example [work]");
}

/// Regression: the quota line of a pooled relay used to be the URL's first
/// answer for every key; each key now shows its own (a state from an older
/// proxy, without a key, still counts for the whole URL).
#[test]
fn two_keys_of_one_relay_each_get_their_own_quota() {
    let f: ConfigFile = serde_json::from_value(serde_json::json!({
        "codex": {"active": "pool", "configs": {
            "pool": {"name": "pool", "upstreams": [
                {"base_url": A, "auth": {"auth_token": "sk-pool-first-0000aaaa"}},
                {"base_url": A, "auth": {"auth_token": "sk-pool-second-1111bbbb"}}]}}}
    }))
    .unwrap();
    let quota = |key: Option<&str>, spent: f64| QuotaState {
        provider_id: "p".into(),
        service: Service::Codex,
        config: "pool".into(),
        base_url: A.into(),
        budget_usd: Some(100.0),
        spent_usd: Some(spent),
        remaining_pct: Some(100.0 - spent),
        exhausted: Some(spent >= 100.0),
        checked_at_ms: 0,
        error: None,
        key_label: key.map(str::to_string),
        ..QuotaState::unknown(Service::Codex)
    };
    let spent = |quotas: &[QuotaState]| -> Vec<Option<f64>> {
        let mut facts = Facts::new(Service::Codex, 3211, true, Serving::Serving { port: 3211 }, &f);
        facts.quota = quotas;
        build(facts).upstreams.iter().map(|u| u.quota.as_ref().and_then(|q| q.spent_usd)).collect()
    };
    let per_key = [quota(Some("sk-…bbbb"), 100.0), quota(Some("sk-…aaaa"), 10.0)];
    assert_eq!(spent(&per_key), [Some(10.0), Some(100.0)]);
    assert_eq!(spent(&[quota(None, 40.0)]), [Some(40.0), Some(40.0)], "a state without a key is the URL's");
    assert_eq!(spent(&[quota(Some("sk-…cccc"), 40.0)]), [None, None], "another key's state is not theirs");
}
