//! `ch usage`: per-day summary of the request log, the default providers
//! file, and the quota state a proxy left in usage_state.json.

use std::io::Write;

use codex_helper_core::logs::now_ms;
use codex_helper_tests::TestHome;
use serde_json::{json, Value};

use crate::util::ch;

const DAY_MS: u64 = 86_400_000;

fn record(ts: u64, service: &str, status: u16, upstream: &str, tokens: (u64, u64, u64)) -> String {
    json!({
        "timestamp_ms": ts, "service": service, "method": "POST", "path": "/v1/responses", "status_code": status,
        "duration_ms": 10, "config_name": "main", "upstream_base_url": upstream,
        "usage": {"input_tokens": tokens.0, "output_tokens": tokens.1, "reasoning_tokens": tokens.2,
                  "total_tokens": tokens.0 + tokens.1}
    })
    .to_string()
}

fn write_log(home: &TestHome, lines: &[String]) {
    let path = home.paths.request_log();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::fs::File::create(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

fn usage_json(home: &TestHome, args: &[&str]) -> Value {
    let out = ch(home.dir.path()).arg("usage").args(args).arg("--json").output().unwrap();
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn summary_groups_todays_requests_and_skips_old_and_broken_lines() {
    let home = TestHome::new();
    let now = now_ms();
    write_log(
        &home,
        &[
            record(now - 1000, "codex", 200, "https://a/v1", (10, 5, 2)),
            record(now - 900, "codex", 503, "https://a/v1", (0, 0, 0)),
            record(now - 800, "claude", 200, "https://c", (7, 1, 0)),
            record(now - 30 * DAY_MS, "codex", 200, "https://a/v1", (999, 999, 0)),
            "{ torn".to_string(),
        ],
    );
    let v = usage_json(&home, &["--days", "3"]);
    assert_eq!(v["days"], 3);
    assert_eq!(v["skipped_lines"], 1);
    assert!(v["first_skipped"].as_str().unwrap().ends_with("requests.jsonl:5"), "{v}");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    assert_eq!(rows[1]["service"], "codex");
    assert_eq!(rows[1]["upstream"], "https://a/v1");
    assert_eq!(rows[1]["day"], v["to"]);
    assert_eq!((rows[1]["requests"].as_u64(), rows[1]["errors"].as_u64()), (Some(2), Some(1)));
    assert_eq!(rows[1]["reasoning_tokens"], 2);
    assert_eq!(v["totals"]["codex"]["total_tokens"], 15);
    assert_eq!(v["totals"]["claude"]["input_tokens"], 7);
    assert_eq!(v["quota"], json!([]));
    assert!(v["quota_written_at_ms"].is_null());
    assert!(v["providers_problem"].is_null());
    // The default providers file was written, with the spec's content.
    let providers: Value = serde_json::from_slice(&std::fs::read(home.paths.usage_providers_file()).unwrap()).unwrap();
    assert_eq!(providers["providers"][0]["id"], "packycode");
    assert_eq!(providers["providers"][0]["poll_interval_secs"], 60.0);

    let text = ch(home.dir.path()).arg("usage").output().unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("codex   2 requests, 1 errors, 15 tokens"), "{text}");
    assert!(text.contains("no proxy has polled a usage provider yet"), "{text}");
}

#[test]
fn quota_state_left_by_a_proxy_is_shown_with_its_age() {
    let home = TestHome::new();
    let written = now_ms() - 30_000;
    let state = json!({
        "written_at_ms": written, "pid": 4242, "providers_problem": null,
        "quota": [{"provider_id": "packycode", "service": "codex", "config": "main",
                   "base_url": "https://codex-api.packycode.com/v1", "budget_usd": 10.0, "spent_usd": 12.0,
                   "remaining_pct": 0.0, "exhausted": true, "checked_at_ms": written, "error": null},
                  {"provider_id": "packycode", "service": "claude", "config": "c",
                   "base_url": "https://packycode.com", "budget_usd": null, "spent_usd": null,
                   "remaining_pct": null, "exhausted": null, "checked_at_ms": written, "error": "HTTP 500"}]
    });
    std::fs::create_dir_all(home.paths.helper_dir()).unwrap();
    std::fs::write(codex_helper_core::usage::state_file(&home.paths), state.to_string()).unwrap();
    let v = usage_json(&home, &[]);
    assert_eq!(v["quota"][0]["exhausted"], true);
    assert!(v["quota"][1]["exhausted"].is_null());
    assert_eq!(v["quota_written_at_ms"], written);
    let out = ch(home.dir.path()).arg("usage").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("no requests in this period"), "{text}");
    assert!(text.contains("Quota (as of 30 s ago)") || text.contains("Quota (as of 31 s ago)"), "{text}");
    // A state file from before windows existed still reads.
    assert!(text.contains("EXHAUSTED  $12.00 of $10.00 spent"), "{text}");
    assert!(text.contains("unknown    HTTP 500"), "{text}");
}

#[test]
fn broken_providers_file_and_bad_days_are_reported() {
    let home = TestHome::new();
    std::fs::create_dir_all(home.paths.helper_dir()).unwrap();
    std::fs::write(home.paths.usage_providers_file(), "{\"providers\": [\n  {\"id\": 1}]}").unwrap();
    let v = usage_json(&home, &[]);
    let problem = v["providers_problem"].as_str().unwrap();
    assert!(problem.contains("usage_providers.json:2:") && problem.contains("providers[0].id"), "{problem}");
    assert_eq!(
        std::fs::read_to_string(home.paths.usage_providers_file()).unwrap(),
        "{\"providers\": [\n  {\"id\": 1}]}",
        "a broken file is never rewritten"
    );

    let out = ch(home.dir.path()).args(["usage", "--days", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--days must be at least 1"));
}

#[test]
fn quota_windows_of_each_key_are_shown_and_in_json() {
    let home = TestHome::new();
    let written = now_ms() - 5_000;
    let state = json!({
        "written_at_ms": written, "pid": 4242, "providers_problem": null,
        "quota": [{"provider_id": "headers", "kind": "response_headers", "service": "codex", "config": "main",
                   "base_url": "https://relay.example/v1", "key_label": "work", "key_id": "0123456789ab",
                   "budget_usd": null, "spent_usd": null, "remaining_pct": 4.0, "exhausted": true,
                   "state": "exhausted", "checked_at_ms": written, "error": null,
                   "windows": [
                     {"name": "5h", "used": 96.0, "limit": 100.0, "remaining_pct": 4.0,
                      "resets_at_ms": now_ms() + 2 * 3_600_000 + 60_000, "unit": "percent"},
                     {"name": "7d", "used": 30.0, "limit": 100.0, "remaining_pct": 70.0, "resets_at_ms": null, "unit": "percent"}]},
                  {"provider_id": "relay", "kind": "openai_billing", "service": "codex", "config": "main",
                   "base_url": "https://relay.example/v1", "key_label": "home", "key_id": "ba9876543210",
                   "budget_usd": 10.0, "spent_usd": 2.5, "remaining_pct": 75.0, "exhausted": false,
                   "state": "ok", "checked_at_ms": written, "error": null,
                   "windows": [{"name": "total", "used": 2.5, "limit": 10.0, "remaining_pct": 75.0, "resets_at_ms": null, "unit": "usd"}]}]
    });
    std::fs::create_dir_all(home.paths.helper_dir()).unwrap();
    std::fs::write(codex_helper_core::usage::state_file(&home.paths), state.to_string()).unwrap();
    let v = usage_json(&home, &[]);
    assert_eq!(v["quota"][0]["windows"][0]["name"], "5h");
    assert_eq!(v["quota"][0]["state"], "exhausted");
    assert_eq!(v["quota"][1]["key_label"], "home");
    let out = ch(home.dir.path()).arg("usage").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("work") && text.contains("home"), "one row per key: {text}");
    assert!(text.contains("5h 96% used, resets in 2 h 0 min; 7d 30% used"), "{text}");
    assert!(text.contains("total $2.50 of $10.00 used (75% left)"), "{text}");
}
