//! `ch export FILE` and `ch import FILE` through the binary: keys left out
//! (and 0600 when not), refusal without a terminal, merge, undo.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Output, Stdio};

use codex_helper_tests::TestHome;
use serde_json::Value;

use crate::util::ch;

fn run(home: &Path, args: &[&str]) -> Output {
    let out = ch(home).args(args).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn setup(home: &Path) {
    run(
        home,
        &["config", "add", "packy", "--base-url", "https://api.packy.example/v1", "--auth-token", "sk-packysecret1234"],
    );
    run(
        home,
        &["config", "add", "relay", "--claude", "--base-url", "https://relay.example", "--api-key", "sk-ant-relay5678"],
    );
}

#[test]
fn export_without_keys_then_import_asks_merges_says_what_has_no_key_and_undoes() {
    let src = TestHome::new();
    setup(src.dir.path());
    let file = src.dir.path().join("backup.json");
    let out = run(src.dir.path(), &["export", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("keys left out"));
    let text = fs::read_to_string(&file).unwrap();
    assert!(!text.contains("packysecret") && !text.contains("relay5678"), "{text}");
    assert_eq!(fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o644);

    let dst = TestHome::new();
    let out = ch(dst.dir.path()).args(["import", file.to_str().unwrap()]).stdin(Stdio::null()).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a terminal") && err.contains("--yes"), "{err}");
    assert!(!dst.paths.config_file().exists(), "nothing written without --yes");
    let plan = String::from_utf8_lossy(&out.stdout);
    assert!(
        plan.contains("+ config codex/packy") && plan.contains("no key: claude/relay https://relay.example"),
        "{plan}"
    );

    let out = run(dst.dir.path(), &["import", file.to_str().unwrap(), "--yes", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["written"], serde_json::json!(["config.json"]));
    assert_eq!(v["plan"]["diff"]["configs"]["added"], serde_json::json!(["codex/packy", "claude/relay"]));
    assert_eq!(v["plan"]["without_key"].as_array().unwrap().len(), 2);

    // The keys backup fills the keys in place (same URL), not beside.
    let keys = src.dir.path().join("keys.json");
    let out = run(src.dir.path(), &["export", keys.to_str().unwrap(), "--with-keys"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0600"));
    assert_eq!(fs::metadata(&keys).unwrap().permissions().mode() & 0o777, 0o600);
    run(dst.dir.path(), &["import", keys.to_str().unwrap(), "--yes"]);
    assert_eq!(fs::read(dst.paths.config_file()).unwrap(), fs::read(src.paths.config_file()).unwrap());

    run(dst.dir.path(), &["config", "undo"]);
    let config: Value = serde_json::from_slice(&fs::read(dst.paths.config_file()).unwrap()).unwrap();
    assert!(
        config["codex"]["configs"]["packy"]["upstreams"][0]["auth"]["auth_token"].is_null(),
        "undo is back to keyless"
    );
}

#[test]
fn a_wrong_version_file_is_refused_with_nothing_written() {
    let home = TestHome::new();
    let file = home.dir.path().join("backup.json");
    fs::write(&file, r#"{"format":"codex-helper-backup","version":7,"config":{}}"#).unwrap();
    let out = ch(home.dir.path()).args(["import", file.to_str().unwrap(), "--yes"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("upgrade codex-helper"));
    assert!(!home.paths.helper_dir().exists(), "nothing written");
}
