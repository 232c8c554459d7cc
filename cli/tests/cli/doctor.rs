//! `ch doctor`: verdicts, fixes, exit codes.

use std::os::unix::fs::PermissionsExt;
use std::process::Output;

use codex_helper_core::Service;
use codex_helper_tests::{config_with, MockUpstream, Reply, ReservedPort, TestHome};
use serde_json::{json, Value};

use crate::util::ch;

const KEY: &str = "sk-doctor-secret-0123456789abcd";

fn doctor(home: &TestHome, args: &[&str]) -> (Output, Value) {
    let out = ch(home.dir.path()).arg("doctor").arg("--json").args(args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!text.contains(KEY), "key leaked: {text}");
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (out, v)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no {id}: {report}"))
}

/// A home where everything is in order, on ports nothing listens on (held
/// for the whole test, so no other test's server takes them meanwhile).
struct Healthy {
    home: TestHome,
    _codex_port: ReservedPort,
    claude_port: ReservedPort,
}

impl std::ops::Deref for Healthy {
    type Target = TestHome;
    fn deref(&self) -> &TestHome {
        &self.home
    }
}

fn healthy_home(upstream: &str) -> Healthy {
    let home = TestHome::new();
    let (codex_port, claude_port) = (ReservedPort::new(), ReservedPort::new());
    home.write_settings(&json!({ "codex": { "port": codex_port.port() }, "claude": { "port": claude_port.port() } }));
    home.write_config(&config_with(Service::Codex, "main", &[(upstream, KEY)]));
    std::fs::create_dir_all(home.paths.codex_dir()).unwrap();
    std::fs::write(home.paths.codex_dir().join("auth.json"), r#"{"OPENAI_API_KEY": null}"#).unwrap();
    for p in [home.paths.config_file(), home.paths.settings_file()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::set_permissions(home.paths.helper_dir(), std::fs::Permissions::from_mode(0o700)).unwrap();
    Healthy { home, _codex_port: codex_port, claude_port }
}

#[test]
fn a_healthy_setup_passes_with_exit_0() {
    let home = healthy_home("https://relay.example/v1");
    let (out, v) = doctor(&home, &[]);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["summary"]["fail"], 0);
    assert_eq!(v["summary"]["warn"], 0, "{v}");
    for id in [
        "config",
        "settings",
        "filter",
        "usage_providers",
        "permissions",
        "port.codex",
        "port.claude",
        "codex_auth",
        "keys.codex",
        "keys.claude",
        "log_clock",
    ] {
        let c = check(&v, id);
        assert_eq!(c["status"], "pass", "{c}");
        assert!(c["fix"].is_null(), "{c}");
    }
    assert!(check(&v, "keys.codex")["message"].as_str().unwrap().contains("1 of 1 upstreams have a key"));

    let out = ch(home.dir.path()).arg("doctor").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PASS  ~/.codex-helper/config.json is valid (1 codex, 0 claude configs)"), "{text}");
    assert!(text.contains("passed, 0 warnings, 0 failed"), "{text}");
}

#[test]
fn broken_files_and_a_busy_port_fail_with_exit_1() {
    let home = healthy_home("https://relay.example/v1");
    std::fs::write(home.paths.config_file(), "{\n  \"codex\": [\n").unwrap();
    std::fs::write(home.paths.filter_file(), "not json").unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    home.write_settings(&json!({ "codex": { "port": port }, "claude": { "port": home.claude_port.port() } }));
    let (out, v) = doctor(&home, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(v["ok"], false);
    let config = check(&v, "config");
    assert_eq!(config["status"], "fail");
    assert!(config["message"].as_str().unwrap().contains("config.json:"), "{config}");
    assert_eq!(check(&v, "filter")["status"], "fail");
    let port_check = check(&v, "port.codex");
    assert_eq!(port_check["status"], "fail");
    assert!(port_check["fix"].as_str().unwrap().contains(&format!("lsof -i :{port}")), "{port_check}");
    assert_eq!(check(&v, "port.claude")["status"], "pass");

    let out = ch(home.dir.path()).arg("doctor").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("FAIL  port {port} (codex) is held by another program")), "{text}");
    assert!(text.contains("      fix: stop that program"), "{text}");
}

#[test]
fn risky_but_working_setups_warn_with_exit_0() {
    let home = healthy_home("https://relay.example/v1");
    std::fs::remove_file(home.paths.codex_dir().join("auth.json")).unwrap();
    std::fs::set_permissions(home.paths.config_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut cfg = config_with(Service::Codex, "main", &[("https://relay.example/v1", "")]);
    cfg["codex"]["configs"]["main"]["upstreams"][0]["auth"]["auth_token"] = Value::Null;
    home.write_config(&cfg);
    std::fs::set_permissions(home.paths.config_file(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let future = codex_helper_core::logs::now_ms() + 60 * 60 * 1000;
    std::fs::create_dir_all(home.paths.logs_dir()).unwrap();
    std::fs::write(home.paths.request_log(), format!("{{\"timestamp_ms\": 1}}\n{{\"timestamp_ms\": {future}}}\n"))
        .unwrap();

    let (out, v) = doctor(&home, &[]);
    assert_eq!(out.status.code(), Some(0), "warnings don't fail: {v}");
    assert_eq!(v["ok"], true);
    let perms = check(&v, "permissions");
    assert_eq!(perms["status"], "warn");
    assert!(perms["fix"].as_str().unwrap().contains("chmod 600 ~/.codex-helper/config.json"), "{perms}");
    let auth = check(&v, "codex_auth");
    assert_eq!(auth["status"], "warn");
    assert!(auth["fix"].as_str().unwrap().contains("codex login"), "{auth}");
    assert_eq!(check(&v, "keys.codex")["status"], "warn");
    let clock = check(&v, "log_clock");
    assert_eq!(clock["status"], "warn");
    assert!(clock["message"].as_str().unwrap().contains("in the future"), "{clock}");
}

#[tokio::test(flavor = "multi_thread")]
async fn online_checks_reach_the_upstreams() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::text(404, "no such path"));
    let home = healthy_home(&format!("{}/v1", upstream.url()));
    let (out, v) = tokio::task::block_in_place(|| doctor(&home, &["--online"]));
    assert_eq!(out.status.code(), Some(0), "{v}");
    let c = check(&v, "online.codex.main.0");
    assert_eq!(c["status"], "pass");
    assert!(c["message"].as_str().unwrap().contains("reachable (HTTP 404)"), "{c}");
    assert!(upstream.request_count() >= 1);

    let nobody = ReservedPort::new();
    let dead = format!("http://127.0.0.1:{}/v1", nobody.port());
    home.write_config(&config_with(Service::Codex, "main", &[(&dead, KEY)]));
    let (out, v) = tokio::task::block_in_place(|| doctor(&home, &["--online"]));
    assert_eq!(out.status.code(), Some(1));
    let c = check(&v, "online.codex.main.0");
    assert_eq!(c["status"], "fail");
    assert!(c["message"].as_str().unwrap().contains("unreachable"), "{c}");

    let (_, v) = tokio::task::block_in_place(|| doctor(&home, &[]));
    assert!(v["checks"].as_array().unwrap().iter().all(|c| !c["id"].as_str().unwrap().starts_with("online")));
}

#[test]
fn a_client_pointing_at_a_dead_proxy_fails_and_says_how_to_fix_it() {
    let home = healthy_home("https://relay.example/v1");
    let nobody = ReservedPort::new();
    let dead_port = nobody.port().to_string();
    let on = ch(home.dir.path()).args(["switch", "on", "--port", &dead_port]).output().unwrap();
    assert!(on.status.success(), "{}", String::from_utf8_lossy(&on.stderr));

    let (out, report) = doctor(&home, &[]);
    assert_eq!(out.status.code(), Some(1), "{report}");
    let client = check(&report, "client.codex");
    assert_eq!(client["status"], "fail", "{client}");
    assert!(client["message"].as_str().unwrap().contains(&format!("127.0.0.1:{dead_port}")), "{client}");
    assert!(client["fix"].as_str().unwrap().contains("ch switch off"), "{client}");
    assert_eq!(check(&report, "backup.codex")["status"], "pass");
    // Claude Code is not set up in this home: nothing to complain about.
    assert_eq!(check(&report, "client.claude")["status"], "pass");
}

/// Issue 9 #14: the proxy and `ch usage` reject this file (an `id` that is
/// not a string); `ch doctor` used to call it valid. One validation now.
#[test]
fn doctor_rejects_the_usage_providers_file_that_usage_rejects() {
    let home = healthy_home("https://relay.example/v1");
    std::fs::write(home.paths.usage_providers_file(), r#"{"providers":[{"id":5}]}"#).unwrap();
    let usage = ch(home.dir.path()).args(["usage", "--json"]).output().unwrap();
    let usage: Value = serde_json::from_slice(&usage.stdout).unwrap();
    let problem = usage["providers_problem"].as_str().expect("ch usage rejects the file").to_string();
    assert!(problem.contains("providers[0].id"), "{problem}");

    let (out, v) = doctor(&home, &[]);
    assert_eq!(out.status.code(), Some(1), "{v}");
    let c = check(&v, "usage_providers");
    assert_eq!(c["status"], "fail", "{c}");
    let message = c["message"].as_str().unwrap();
    assert!(message.contains("providers[0].id") && message.contains(":1:"), "names key and line: {message}");
}

/// Regression (issue 9 #10): a killed write's temp file (a full copy of
/// config.json, keys included) went unmentioned and stayed forever.
#[test]
fn doctor_names_leftover_temp_files_and_the_next_start_removes_them() {
    let home = healthy_home("https://relay.example/v1");
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let leftover = home.paths.helper_dir().join(format!(".config.json.tmp.{dead}.0.123"));
    std::fs::write(&leftover, format!("{{\"api_key\": \"{KEY}\"}}")).unwrap();

    let (out, v) = doctor(&home, &[]);
    let c = check(&v, "leftovers");
    assert_eq!(c["status"], "warn", "{c}");
    assert!(c["message"].as_str().unwrap().contains(&format!(".codex-helper/.config.json.tmp.{dead}.0.123")), "{c}");
    assert_eq!(out.status.code(), Some(0), "a warning, not a failure");
    assert!(leftover.exists(), "doctor only reads");

    let running = crate::util::serve(home.dir.path(), &[]);
    assert!(!leftover.exists(), "start-up removes a dead writer's temp file");
    assert!(running.terminate().success());
    let (_, v) = doctor(&home, &[]);
    assert_eq!(check(&v, "leftovers")["status"], "pass");
}
