//! `ch switch on|off|status` for Codex and Claude Code, on a temp home.

use std::fs;

use codex_helper_tests::{ReservedPort, TestHome};
use serde_json::Value;

use crate::util::ch;

const CODEX_CONFIG: &str = "# mine\nmodel = \"gpt-5\" # keep\n\n[analytics]\nenabled = false\n";
const CLAUDE_SETTINGS: &str = "{\n  \"model\": \"opus\",\n  \"env\": {\n    \"DISABLE_AUTOUPDATER\": \"1\"\n  }\n}\n";

fn home() -> TestHome {
    let home = TestHome::new();
    fs::create_dir_all(home.paths.codex_dir()).unwrap();
    fs::create_dir_all(home.paths.claude_dir()).unwrap();
    fs::write(home.paths.codex_dir().join("config.toml"), CODEX_CONFIG).unwrap();
    fs::write(home.paths.claude_dir().join("settings.json"), CLAUDE_SETTINGS).unwrap();
    home
}

fn run_ok(home: &TestHome, args: &[&str]) -> String {
    let out = ch(home.dir.path()).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ch {args:?} failed: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn status(home: &TestHome) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(&run_ok(home, &["switch", "status", "--json"])).unwrap()
}

#[test]
fn codex_on_status_off_round_trip() {
    let home = home();
    // A port nothing listens on (and nobody takes while the test runs).
    let reserved = ReservedPort::new();
    let port = reserved.port();
    let out = run_ok(&home, &["switch", "on", "--port", &port.to_string()]);
    assert!(out.contains(&format!("127.0.0.1:{port}")), "{out}");
    assert!(out.contains("no proxy answers"), "{out}");
    let text = fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap();
    assert!(text.contains("model_provider = \"codex-helper\""), "{text}");
    assert!(text.contains(&format!("base_url = \"http://127.0.0.1:{port}/v1\"")), "{text}");
    assert!(text.starts_with("# mine\nmodel = \"gpt-5\" # keep\n"), "{text}");

    let lines = status(&home);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["service"], "codex");
    assert_eq!(lines[0]["client_points_at_proxy"], true);
    assert_eq!(lines[0]["port"], port);
    assert_eq!(lines[0]["proxy_answering"], false);
    assert_eq!(lines[0]["switched_by_codex_helper"], true);
    assert!(lines[0]["backup"].as_str().unwrap().ends_with(".codex/config.toml.codex-helper.bak"));
    assert_eq!(lines[1]["service"], "claude");
    assert_eq!(lines[1]["client_points_at_proxy"], false);

    let off: Value = serde_json::from_str(&run_ok(&home, &["switch", "off", "--json"])).unwrap();
    assert_eq!(off["restored"], "backup");
    assert_eq!(fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap(), CODEX_CONFIG);
    let again = run_ok(&home, &["switch", "off"]);
    assert!(again.contains("nothing to do"), "{again}");
}

#[test]
fn claude_on_sets_env_and_off_restores_byte_for_byte() {
    let home = home();
    let on: Value = serde_json::from_str(&run_ok(&home, &["switch", "on", "--claude", "--json"])).unwrap();
    assert_eq!(on["port"], 3210);
    assert_eq!(on["keys"], serde_json::json!(["env.ANTHROPIC_BASE_URL", "env.ANTHROPIC_AUTH_TOKEN"]));
    let v: Value =
        serde_json::from_str(&fs::read_to_string(home.paths.claude_dir().join("settings.json")).unwrap()).unwrap();
    assert_eq!(v["env"]["ANTHROPIC_BASE_URL"], "http://127.0.0.1:3210");
    assert_eq!(v["env"]["DISABLE_AUTOUPDATER"], "1");
    assert_eq!(v["model"], "opus");
    let out = ch(home.dir.path()).args(["switch", "status", "--claude", "--json"]).output().unwrap();
    let lines: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["port"], 3210);
    run_ok(&home, &["switch", "off", "--claude"]);
    assert_eq!(fs::read_to_string(home.paths.claude_dir().join("settings.json")).unwrap(), CLAUDE_SETTINGS);
}

#[test]
fn a_malformed_file_is_an_error_with_its_line_and_stays_untouched() {
    let home = home();
    let broken = "model = \"gpt-5\"\n[analytics\n";
    fs::write(home.paths.codex_dir().join("config.toml"), broken).unwrap();
    let out = ch(home.dir.path()).args(["switch", "on", "--codex"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.toml:2:"), "{err}");
    assert_eq!(fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap(), broken);
    // status reports it per service and fails.
    let out = ch(home.dir.path()).args(["switch", "status", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(lines[0]["error"].as_str().unwrap().contains("config.toml:2:"));
    assert!(lines[1]["error"].is_null());
}

#[test]
fn a_missing_client_dir_is_a_clear_error() {
    let home = TestHome::new();
    let out = ch(home.dir.path()).args(["switch", "on", "--claude"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".claude does not exist") && err.contains("run `claude` once"), "{err}");
    assert!(!home.paths.claude_dir().exists());
}
