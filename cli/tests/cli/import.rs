//! `ch import cc-switch` against stores built here with cc-switch's own
//! schema (src-tauri/src/database/schema.rs) and its older JSON format, and
//! `ch config undo` after it.

use std::fs;
use std::process::Stdio;

use codex_helper_tests::TestHome;
use serde_json::{json, Value};

use crate::util::ch;

/// cc-switch's `providers` table as its schema creates it, with Claude,
/// Codex and Gemini providers (the GUI test builds its store from the same file).
const CC_SWITCH_SQL: &str = include_str!("../../../tests/fixtures/cc-switch.sql");

fn make_db(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(CC_SWITCH_SQL).unwrap();
}

#[test]
fn cc_switch_database_is_imported_in_order_without_touching_it_and_undone() {
    let home = TestHome::new();
    let dir = home.dir.path().join(".cc-switch");
    fs::create_dir_all(&dir).unwrap();
    let db = dir.join("cc-switch.db");
    make_db(&db);
    let before = (fs::read(&db).unwrap(), fs::metadata(&db).unwrap().modified().unwrap());
    let listing = || {
        let mut names: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        names
    };
    let files_before = listing();

    // Without --yes and without a terminal: refused, nothing written.
    let out = ch(home.dir.path()).args(["import", "cc-switch"]).stdin(Stdio::null()).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--yes") && err.contains("not a terminal"), "{err}");
    assert!(!home.paths.config_file().exists());
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("sk-…1234") && !plan.contains("packysecret"), "keys masked in the plan: {plan}");
    assert!(plan.contains("Claude Official") && plan.contains("gemini"), "what is not mapped is said: {plan}");

    let out = ch(home.dir.path()).args(["import", "cc-switch", "--yes", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["plan"]["format"], "sqlite");
    assert_eq!(v["applied"]["added"], json!(["claude/Packy", "claude/Backup-Relay", "codex/Yes-Relay"]));
    assert_eq!(v["plan"]["skipped"].as_array().unwrap().len(), 2);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("packysecret"));

    let config: Value = serde_json::from_str(&fs::read_to_string(home.paths.config_file()).unwrap()).unwrap();
    assert_eq!(config["claude"]["active"], "Packy");
    assert_eq!(config["codex"]["active"], "Yes-Relay");
    let packy = &config["claude"]["configs"]["Packy"]["upstreams"][0];
    assert_eq!(packy["base_url"], "https://api.packy.example");
    assert_eq!(packy["auth"]["auth_token"], "sk-packysecret1234");
    assert_eq!(config["claude"]["configs"]["Backup-Relay"]["upstreams"][0]["auth"]["api_key"], "sk-ant-backupkey9999");
    let yes = &config["codex"]["configs"]["Yes-Relay"]["upstreams"][0];
    assert_eq!(
        (yes["base_url"].as_str(), yes["auth"]["auth_token"].as_str()),
        (Some("https://co.yes.example/v1"), Some("cr-yessecret5678"))
    );

    // cc-switch's files: same bytes, same mtime, nothing added beside them.
    assert_eq!(fs::read(&db).unwrap(), before.0);
    assert_eq!(fs::metadata(&db).unwrap().modified().unwrap(), before.1);
    assert_eq!(listing(), files_before);

    // A second import adds under new names, then undo takes it back.
    let first = fs::read(home.paths.config_file()).unwrap();
    let out = ch(home.dir.path()).args(["import", "cc-switch", "--yes"]).output().unwrap();
    assert!(out.status.success());
    assert!(fs::read_to_string(home.paths.config_file()).unwrap().contains("Packy-2"));
    let out = ch(home.dir.path()).args(["config", "undo"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("restored"));
    assert_eq!(fs::read(home.paths.config_file()).unwrap(), first);
}

#[test]
fn cc_switch_old_json_config_is_read() {
    let home = TestHome::new();
    let dir = home.dir.path().join(".cc-switch");
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.json");
    let text = json!({
        "version": 2,
        "claude": {"current": "a", "providers": {
            "a": {"id": "a", "name": "Relay A", "settingsConfig": {"env": {"ANTHROPIC_BASE_URL": "https://a.example", "ANTHROPIC_AUTH_TOKEN": "sk-aaaaaaaaaaaa"}}}
        }},
        "codex": {"current": "", "providers": {
            "o": {"id": "o", "name": "OpenAI", "settingsConfig": {"auth": {"OPENAI_API_KEY": "sk-openaikey0000"}, "config": ""}}
        }}
    })
    .to_string();
    fs::write(&file, &text).unwrap();
    let out = ch(home.dir.path()).args(["import", "cc-switch", "--yes", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["plan"]["format"], "json");
    assert_eq!(v["applied"]["added"], json!(["claude/Relay-A", "codex/OpenAI"]));
    let config: Value = serde_json::from_str(&fs::read_to_string(home.paths.config_file()).unwrap()).unwrap();
    assert_eq!(config["codex"]["configs"]["OpenAI"]["upstreams"][0]["base_url"], "https://api.openai.com/v1");
    assert_eq!(fs::read_to_string(&file).unwrap(), text);
}

#[test]
fn original_codex_helper_config_toml_is_planned_asked_and_imported() {
    let home = TestHome::new();
    fs::create_dir_all(home.paths.helper_dir()).unwrap();
    let toml = "version = 5\n[codex.providers.relay]\nbase_url = \"https://relay.example/v1\"\nauth_token = \"sk-relaysecret4321\"\n[codex.providers.envkey]\nbase_url = \"https://env.example/v1\"\nauth_token_env = \"CH_TEST_UNSET_KEY\"\n[codex.routing]\nentry = \"main\"\n[codex.routing.routes.main]\nchildren = [\"relay\", \"envkey\"]\n";
    let toml_path = home.paths.helper_dir().join("config.toml");
    fs::write(&toml_path, toml).unwrap();

    let out = ch(home.dir.path()).args(["import", "codex-helper"]).stdin(Stdio::null()).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
    assert!(!home.paths.config_file().exists());
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(plan.contains("toml v5") && plan.contains("codex/main-route") && plan.contains("sk-…4321"), "{plan}");
    assert!(plan.contains("$CH_TEST_UNSET_KEY") && !plan.contains("relaysecret"), "{plan}");

    let out = ch(home.dir.path())
        .args(["import", "codex-helper", "--yes", "--json"])
        .env_remove("CH_TEST_UNSET_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["applied"]["added"], json!(["codex/relay", "codex/envkey", "codex/main-route"]));
    assert_eq!(v["applied"]["activated"], json!(["codex/main-route"]));
    let config: Value = serde_json::from_str(&fs::read_to_string(home.paths.config_file()).unwrap()).unwrap();
    let ups = &config["codex"]["configs"]["main-route"]["upstreams"];
    assert_eq!(ups[0]["auth"]["auth_token"], "sk-relaysecret4321");
    assert_eq!(ups[1]["base_url"], "https://env.example/v1");
    assert_eq!(fs::read_to_string(&toml_path).unwrap(), toml, "the original's file is only read");
}

#[test]
fn config_undo_for_one_service_keeps_the_other_services_later_changes() {
    let home = TestHome::new();
    let dir = home.dir.path().join(".cc-switch");
    fs::create_dir_all(&dir).unwrap();
    make_db(&dir.join("cc-switch.db"));
    // Something there before, so the import is a kept change.
    let out = ch(home.dir.path())
        .args([
            "config",
            "add",
            "mine",
            "--base-url",
            "https://mine.example.com",
            "--auth-token",
            "sk-mine-0000",
            "--codex",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(ch(home.dir.path()).args(["import", "cc-switch", "--yes"]).output().unwrap().status.success());
    let out = ch(home.dir.path())
        .args([
            "config",
            "add",
            "later",
            "--base-url",
            "https://later.example.com",
            "--auth-token",
            "sk-later-1111",
            "--codex",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());

    let out = ch(home.dir.path()).args(["config", "undo", "--claude"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Claude's part of") && text.contains("- claude/Packy"), "{text}");
    let config: Value = serde_json::from_str(&fs::read_to_string(home.paths.config_file()).unwrap()).unwrap();
    assert_eq!(config["claude"]["configs"], json!({}), "the import's Claude configs are gone");
    let codex: Vec<&String> = config["codex"]["configs"].as_object().unwrap().keys().collect();
    assert_eq!(codex, ["mine", "Yes-Relay", "later"], "Codex's changes, the import's and the later one, stay");

    let out = ch(home.dir.path()).args(["config", "undo", "--claude"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to undo"));
    // Codex still walks back, one change at a time.
    assert!(ch(home.dir.path()).args(["config", "undo", "--codex"]).output().unwrap().status.success());
    let config: Value = serde_json::from_str(&fs::read_to_string(home.paths.config_file()).unwrap()).unwrap();
    let codex: Vec<&String> = config["codex"]["configs"].as_object().unwrap().keys().collect();
    assert_eq!(codex, ["mine", "Yes-Relay"]);
}
