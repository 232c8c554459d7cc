//! `ch bootstrap`: importing the client's own upstream, keys masked.

use std::fs;

use codex_helper_tests::TestHome;
use serde_json::Value;

use crate::util::ch;

#[test]
fn codex_bootstrap_imports_from_config_and_auth_masking_the_key() {
    let home = TestHome::new();
    fs::create_dir_all(home.paths.codex_dir()).unwrap();
    fs::write(
        home.paths.codex_dir().join("config.toml"),
        "model = \"gpt-5\"\nmodel_provider = \"packy\"\n[model_providers.packy]\nname = \"packy\"\nbase_url = \"https://codex-api.packycode.com/v1\"\nwire_api = \"responses\"\n",
    )
    .unwrap();
    fs::write(
        home.paths.codex_dir().join("auth.json"),
        r#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-proj-secretvalue4321"}"#,
    )
    .unwrap();
    let out = ch(home.dir.path()).arg("bootstrap").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("`packy`") && text.contains("https://codex-api.packycode.com/v1"), "{text}");
    assert!(text.contains("sk-…4321") && !text.contains("secretvalue"), "{text}");
    let config: Value = serde_json::from_str(&fs::read_to_string(home.paths.config_file()).unwrap()).unwrap();
    assert_eq!(config["codex"]["active"], "packy");
    let up = &config["codex"]["configs"]["packy"]["upstreams"][0];
    assert_eq!(up["auth"]["auth_token"], "sk-proj-secretvalue4321");
    assert_eq!(up["tags"], serde_json::json!({"source": "codex-config", "provider_id": "packy"}));

    // A second run imports nothing.
    let out = ch(home.dir.path()).args(["bootstrap", "--json"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"service": "codex", "imported": null}));
}

#[test]
fn claude_bootstrap_json_shape_and_no_key_error() {
    let home = TestHome::new();
    fs::create_dir_all(home.paths.claude_dir()).unwrap();
    fs::write(
        home.paths.claude_dir().join("settings.json"),
        r#"{"env": {"ANTHROPIC_BASE_URL": "https://relay.example", "ANTHROPIC_API_KEY": "sk-ant-secretkey-8765"}}"#,
    )
    .unwrap();
    let out = ch(home.dir.path())
        .args(["bootstrap", "--claude", "--json"])
        .env_remove("ANTHROPIC_AUTH_TOKEN")
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["imported"]["name"], "relay.example");
    assert_eq!(v["imported"]["base_url"], "https://relay.example");
    assert_eq!(v["imported"]["key_field"], "api_key");
    assert_eq!(v["imported"]["key"], "sk-…8765");

    let empty = TestHome::new();
    let out = ch(empty.dir.path())
        .args(["bootstrap", "--claude"])
        .env_remove("ANTHROPIC_AUTH_TOKEN")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no ANTHROPIC_AUTH_TOKEN or ANTHROPIC_API_KEY"), "{err}");
    assert!(!empty.paths.config_file().exists());
}

#[test]
fn claude_bootstrap_reads_the_shell_start_up_files_naming_file_and_line() {
    let home = TestHome::new();
    fs::write(home.dir.path().join(".zshrc"), "# relay\nexport ANTHROPIC_BASE_URL='https://relay.example/api'\n")
        .unwrap();
    fs::write(home.dir.path().join(".profile"), "ANTHROPIC_API_KEY=\"sk-ant-profilekey-4321\"\n").unwrap();
    let out = ch(home.dir.path())
        .args(["bootstrap", "--claude"])
        .env_remove("ANTHROPIC_AUTH_TOKEN")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(".zshrc:2") && text.contains(".profile:1"), "{text}");
    assert!(!text.contains("profilekey") && text.contains("sk-…4321"), "{text}");
    let config: Value = serde_json::from_str(&fs::read_to_string(home.paths.config_file()).unwrap()).unwrap();
    let u = &config["claude"]["configs"]["relay.example"]["upstreams"][0];
    assert_eq!(u["base_url"], "https://relay.example/api");
    assert_eq!(u["auth"]["api_key"], "sk-ant-profilekey-4321");
}
