//! `ch status`: from config.json when nothing runs, live from a running
//! `ch serve` through the token-protected control endpoint.

use std::process::Output;

use codex_helper_core::Service;
use codex_helper_tests::{canned, config_with, read_sse_events, MockUpstream, Reply, ReservedPort, TestHome};
use serde_json::{json, Value};

use crate::util::{ch, post_codex, serve};

const KEY: &str = "sk-status-secret-0123456789abcd";

fn status(home: &TestHome, args: &[&str]) -> (Output, String) {
    let out = ch(home.dir.path()).arg("status").args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!text.contains(KEY), "key leaked: {text}");
    (out, text)
}

#[test]
fn without_a_proxy_status_shows_the_configured_state() {
    let home = TestHome::new();
    // Ports nothing listens on, held for the whole test.
    let reserved = (ReservedPort::new(), ReservedPort::new());
    let (codex_port, claude_port) = (reserved.0.port(), reserved.1.port());
    home.write_settings(&json!({ "codex": { "port": codex_port }, "claude": { "port": claude_port } }));
    home.write_config(&config_with(Service::Codex, "main", &[("https://a.example/v1", KEY)]));

    let (_, text) = status(&home, &["--json"]);
    let v: Value = serde_json::from_str(&text).unwrap();
    let services = v["services"].as_array().unwrap();
    assert_eq!(services.len(), 2);
    let codex = &services[0];
    assert_eq!(codex["service"], "codex");
    assert_eq!(codex["port"], codex_port);
    assert_eq!((codex["listening"].as_bool(), codex["port_taken_by_other"].as_bool()), (Some(false), Some(false)));
    assert_eq!(codex["active_config"], "main");
    assert!(codex["requests"].is_null() && codex["pid"].is_null());
    assert_eq!((&codex["level"], &v["level"]), (&json!("off"), &json!("off")), "nothing serves");
    assert_eq!(
        codex["upstreams"],
        json!([{
            "base_url": "https://a.example/v1", "label": "a.example", "name": "a.example", "key": "sk-…abcd", "alias": null, "state": "unknown", "live": null,
            "quota": null, "protocol": "responses", "max_concurrent": null
        }])
    );
    assert_eq!(codex["strategy"], "priority");
    assert_eq!(services[1]["service"], "claude");
    assert!(services[1]["active_config"].is_null());

    let (_, text) = status(&home, &[]);
    assert!(text.contains(&format!("Codex: not running (port {codex_port} is free)")), "{text}");
    assert!(text.contains("active config: main (from config.json)"), "{text}");
    assert!(text.contains("Claude: not running"), "{text}");
    assert!(text.contains("  level: off") && text.trim_end().ends_with("overall: off"), "{text}");
}

#[test]
fn a_port_held_by_another_program_is_named() {
    let home = TestHome::new();
    let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = other.local_addr().unwrap().port().to_string();
    let (_, text) = status(&home, &["--claude", "--port", &port, "--json"]);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["services"].as_array().unwrap().len(), 1);
    assert_eq!(v["services"][0]["service"], "claude");
    assert_eq!(v["services"][0]["port_taken_by_other"], true);
    assert_eq!(v["services"][0]["listening"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_running_proxy_reports_owner_health_and_counters() {
    let failing = MockUpstream::start().await;
    failing.set_default(Reply::text(502, "bad gateway from relay"));
    let good = MockUpstream::start().await;
    good.set_default(Reply::sse(canned::codex_stream("hi", (3, 1, 0))));
    let home = TestHome::new();
    // One failure is enough to start a cooldown, so the state is visible.
    home.write_settings(&json!({ "lb": { "failure_threshold": 1 } }));
    let (bad_url, good_url) = (format!("{}/v1", failing.url()), format!("{}/v1", good.url()));
    home.write_config(&config_with(Service::Codex, "relays", &[(&bad_url, KEY), (&good_url, KEY)]));
    let running = serve(home.dir.path(), &["--codex"]);
    let port = running.port();

    let resp = post_codex(port).await;
    assert_eq!(resp.status(), 200, "failed over to the good upstream");
    read_sse_events(resp).await;

    let home_ref = &home;
    let port_s = port.to_string();
    let (_, text) = tokio::task::block_in_place(|| status(home_ref, &["--codex", "--port", &port_s, "--json"]));
    let v: Value = serde_json::from_str(&text).unwrap();
    let s = &v["services"][0];
    assert_eq!(s["listening"], true, "{s}");
    assert_eq!(s["owner"], "cli");
    assert_eq!(s["pid"], running.child.id());
    assert_eq!(s["active_config"], "relays");
    assert!(s["live_error"].is_null(), "{s}");
    assert_eq!(s["requests"], json!({ "total": 1, "errors": 0 }));
    let ups = s["upstreams"].as_array().unwrap();
    assert_eq!(ups.len(), 2);
    assert_eq!(ups[0]["state"], "cooling_down");
    assert_eq!(ups[0]["key"], "sk-…abcd");
    assert_eq!(ups[0]["live"]["failures"], 1);
    assert_eq!(ups[0]["live"]["last_status"], 502);
    assert!(ups[0]["live"]["cooldown_remaining_ms"].as_u64().unwrap() > 0);
    assert_eq!(ups[1]["state"], "ok");
    assert_eq!(ups[1]["live"]["successes"], 1);
    assert_eq!(s["serving"]["kind"], "taken_by_helper", "seen from ch status, the proxy is another process");
    assert_eq!((&s["level"], &v["level"]), (&json!("degraded"), &json!("degraded")), "one upstream cooling down");

    let (_, text) = tokio::task::block_in_place(|| status(home_ref, &["--codex", "--port", &port_s]));
    assert!(
        text.contains(&format!("Codex: listening on 127.0.0.1:{port} (CLI, pid {})", running.child.id())),
        "{text}"
    );
    assert!(text.contains("requests: 1 (0 errors)"), "{text}");
    assert!(text.contains("\n  level: degraded\n"), "{text}");
    assert!(text.trim_end().ends_with("overall: degraded"), "the overall level, as in --json: {text}");
    assert!(text.contains(&format!("[0] {bad_url}  cooling down (")), "{text}");
    assert!(running.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proxy_under_another_token_is_shown_without_live_state() {
    let home = TestHome::new();
    let running = serve(home.dir.path(), &["--codex"]);
    let port = running.port();
    // Another HOME's token (what a second user would hold).
    std::fs::write(codex_helper_core::control::token_path(&home.paths), format!("{}\n", "0".repeat(64))).unwrap();
    let port_s = port.to_string();
    let (_, text) = tokio::task::block_in_place(|| status(&home, &["--codex", "--port", &port_s, "--json"]));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["services"][0]["listening"], true);
    let err = v["services"][0]["live_error"].as_str().unwrap();
    assert!(err.contains("refused the control token (HTTP 401)"), "{err}");
    assert!(running.terminate().success());
}

#[test]
fn status_shows_where_the_client_points_and_the_last_quota_state() {
    let home = TestHome::new();
    let reserved = [ReservedPort::new(), ReservedPort::new(), ReservedPort::new()];
    home.write_settings(
        &serde_json::json!({ "codex": { "port": reserved[0].port() }, "claude": { "port": reserved[1].port() } }),
    );
    std::fs::create_dir_all(home.paths.codex_dir()).unwrap();
    // The client points at a port nobody answers on.
    let port = reserved[2].port().to_string();
    assert!(ch(home.dir.path()).args(["switch", "on", "--port", &port]).output().unwrap().status.success());
    // What a running proxy's usage poller leaves behind.
    let state = serde_json::json!({
        "written_at_ms": 1, "pid": 1, "providers_problem": null,
        "quota": [{ "provider_id": "packycode", "service": "codex", "config": "main", "base_url": "https://codex-api.packycode.com/v1",
                    "budget_usd": 10.0, "spent_usd": 12.5, "remaining_pct": 0.0, "exhausted": true, "checked_at_ms": 1, "error": null }]
    });
    std::fs::write(home.paths.helper_dir().join("usage_state.json"), state.to_string()).unwrap();

    let (out, text) = status(&home, &["--codex", "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let codex = &v["services"][0];
    assert_eq!(codex["switch"]["points_at_proxy"], true, "{codex}");
    assert_eq!(codex["switch"]["port"].as_u64().unwrap().to_string(), port);
    assert_eq!(codex["quota"][0]["exhausted"], true);

    let (_, readable) = status(&home, &["--codex"]);
    assert!(readable.contains(&format!("Codex points at 127.0.0.1:{port}")), "{readable}");
    assert!(readable.contains("no codex-helper answers there"), "{readable}");
    assert!(readable.contains("EXHAUSTED: $12.50 of $10.00 spent"), "{readable}");
}

/// Two keys of one relay: each upstream gets its own key's quota (not the
/// URL's first answer), and the quota lines name the key.
#[test]
fn two_keys_of_one_relay_each_show_their_own_quota() {
    let home = TestHome::new();
    let reserved = [ReservedPort::new(), ReservedPort::new()];
    home.write_settings(
        &serde_json::json!({ "codex": { "port": reserved[0].port() }, "claude": { "port": reserved[1].port() } }),
    );
    let url = "https://codex-api.packycode.com/v1";
    home.write_config(
        &serde_json::json!({ "codex": { "active": "pool", "configs": { "pool": { "name": "pool", "upstreams": [
        { "base_url": url, "auth": { "auth_token": "sk-pool-first-0000aaaa" }, "alias": "first" },
        { "base_url": url, "auth": { "auth_token": "sk-pool-second-1111bbbb" } }] } } } }),
    );
    let quota = |key: &str, spent: f64| {
        serde_json::json!({ "provider_id": "packycode", "service": "codex", "config": "pool", "base_url": url, "key_label": key,
            "budget_usd": 10.0, "spent_usd": spent, "remaining_pct": null, "exhausted": spent >= 10.0, "checked_at_ms": 1, "error": null })
    };
    let state =
        serde_json::json!({ "written_at_ms": 1, "pid": 1, "quota": [quota("sk-…bbbb", 12.5), quota("first", 2.0)] });
    std::fs::write(home.paths.helper_dir().join("usage_state.json"), state.to_string()).unwrap();

    let (_, text) = status(&home, &["--codex", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ups = v["services"][0]["upstreams"].as_array().unwrap();
    let shown: Vec<(&str, f64)> =
        ups.iter().map(|u| (u["name"].as_str().unwrap(), u["quota"]["spent_usd"].as_f64().unwrap())).collect();
    assert_eq!(shown, [("codex-api.packycode.com [first]", 2.0), ("codex-api.packycode.com [sk-…bbbb]", 12.5)]);

    let (_, readable) = status(&home, &["--codex"]);
    assert!(
        readable.contains(&format!("quota {url} key first via packycode: ok: $2.00 of $10.00 spent")),
        "{readable}"
    );
    assert!(
        readable.contains(&format!("quota {url} key sk-…bbbb via packycode: EXHAUSTED: $12.50 of $10.00 spent")),
        "{readable}"
    );
}
