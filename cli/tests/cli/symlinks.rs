//! Regression (issue 9 #7): symlinked dotfiles (`~/.codex/config.toml`,
//! `~/.claude/settings.json`, `~/.codex-helper/config.json` linked into a
//! dotfiles folder) are written through, and the links stay links.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::Stdio;

use codex_helper_tests::{ReservedPort, TestHome};

use crate::util::ch;

const CODEX_CONFIG: &str = "# dotfiles\nmodel = \"gpt-5\"\n";
const CLAUDE_SETTINGS: &str = "{\n  \"model\": \"opus\"\n}\n";

fn run_ok(home: &TestHome, args: &[&str]) -> String {
    let out = ch(home.dir.path()).args(args).stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "ch {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn assert_link(link: &Path, to: &Path) {
    let md = fs::symlink_metadata(link).unwrap();
    assert!(md.file_type().is_symlink(), "{} was replaced by a regular file", link.display());
    assert_eq!(fs::read_link(link).unwrap(), to);
}

#[test]
fn switch_on_off_and_config_add_write_through_symlinks_and_keep_them() {
    let home = TestHome::new();
    let dotfiles = home.dir.path().join("dotfiles");
    fs::create_dir_all(&dotfiles).unwrap();
    fs::create_dir_all(home.paths.codex_dir()).unwrap();
    fs::create_dir_all(home.paths.claude_dir()).unwrap();
    fs::create_dir_all(home.paths.helper_dir()).unwrap();
    let codex_real = dotfiles.join("codex.toml");
    let claude_real = dotfiles.join("claude.json");
    let config_real = dotfiles.join("codex-helper.json");
    fs::write(&codex_real, CODEX_CONFIG).unwrap();
    fs::write(&claude_real, CLAUDE_SETTINGS).unwrap();
    let codex_link = home.paths.codex_dir().join("config.toml");
    let claude_link = home.paths.claude_dir().join("settings.json");
    let config_link = home.paths.helper_dir().join("config.json");
    symlink(&codex_real, &codex_link).unwrap();
    symlink(&claude_real, &claude_link).unwrap();
    // A dangling link: `config add` creates the dotfiles copy.
    symlink(&config_real, &config_link).unwrap();

    let reserved = ReservedPort::new();
    let port = reserved.port().to_string();
    run_ok(&home, &["switch", "on", "--port", &port]);
    run_ok(&home, &["switch", "on", "--claude", "--port", &port]);
    assert_link(&codex_link, &codex_real);
    assert_link(&claude_link, &claude_real);
    assert!(fs::read_to_string(&codex_real).unwrap().contains(&format!("127.0.0.1:{port}")));
    assert!(fs::read_to_string(&claude_real).unwrap().contains(&format!("127.0.0.1:{port}")));

    run_ok(&home, &["switch", "off"]);
    run_ok(&home, &["switch", "off", "--claude"]);
    assert_link(&codex_link, &codex_real);
    assert_link(&claude_link, &claude_real);
    assert_eq!(fs::read_to_string(&codex_real).unwrap(), CODEX_CONFIG, "back exactly as it was");
    assert_eq!(fs::read_to_string(&claude_real).unwrap(), CLAUDE_SETTINGS, "back exactly as it was");

    run_ok(
        &home,
        &["config", "add", "main", "--base-url", "https://relay.example/v1", "--api-key", "sk-dotfiles-1234"],
    );
    assert_link(&config_link, &config_real);
    assert!(fs::read_to_string(&config_real).unwrap().contains("https://relay.example/v1"));
    run_ok(&home, &["config", "add", "second", "--base-url", "https://b.example/v1", "--api-key", "sk-dotfiles-5678"]);
    assert_link(&config_link, &config_real);
    assert!(fs::read_to_string(&config_real).unwrap().contains("https://b.example/v1"));
}
