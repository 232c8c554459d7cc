//! Crash safety: `ch` killed (aborted, as `kill -9` would) at every write
//! step of `switch on`, `switch off` and `config add`, via the
//! `CODEX_HELPER_CRASH_AT=<file>:<step>` hook in `fsutil::write_atomic`.
//! Afterwards the user's files are the old or the new version (never torn),
//! `switch off` puts the client file back byte for byte (links kept), and
//! the next start leaves no key-bearing temp file.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use codex_helper_tests::{ReservedPort, TestHome};

use crate::util::{ch, serve, Running};

const CODEX_CONFIG: &str = "# mine\nmodel = \"gpt-5\" # keep\n\n[analytics]\nenabled = false\n";
const KEY: &str = "sk-crash-test-0123456789abcdef";
const STEPS: [&str; 2] = ["before-rename", "after-rename"];

/// A home whose Codex config.toml is a symlink into a dotfiles folder.
fn linked_home() -> (TestHome, PathBuf) {
    let home = TestHome::new();
    let real = home.dir.path().join("dotfiles/config.toml");
    fs::create_dir_all(real.parent().unwrap()).unwrap();
    fs::create_dir_all(home.paths.codex_dir()).unwrap();
    fs::write(&real, CODEX_CONFIG).unwrap();
    symlink(&real, home.paths.codex_dir().join("config.toml")).unwrap();
    (home, real)
}

fn run(home: &TestHome, args: &[&str], crash_at: Option<&str>) -> bool {
    let mut cmd: Command = ch(home.dir.path());
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(at) = crash_at {
        cmd.env("CODEX_HELPER_CRASH_AT", at);
    }
    cmd.status().unwrap().success()
}

fn assert_link_kept(home: &TestHome, real: &Path) {
    let link = home.paths.codex_dir().join("config.toml");
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
    assert_eq!(fs::read_link(&link).unwrap(), real);
}

/// Every file under `dir` whose name looks like one of our temp files.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(temp_files(&path));
        } else if entry.file_name().to_string_lossy().contains(".tmp.") {
            out.push(path);
        }
    }
    out
}

/// The next start (a `ch serve`) removes what the crash left behind.
fn start_once(home: &TestHome) {
    assert!(serve(home.dir.path(), &[]).terminate().success());
    let left = temp_files(home.dir.path());
    assert!(left.is_empty(), "leftovers after the next start: {left:?}");
}

#[test]
fn a_crash_at_any_step_of_switch_on_or_off_is_undone_by_switch_off() {
    let files = ["config.toml.codex-helper.bak", "codex.json", "config.toml"];
    let reserved = ReservedPort::new();
    let port = reserved.port().to_string();
    for file in files {
        for step in STEPS {
            let at = format!("{file}:{step}");
            // Crash during `switch on`.
            let (home, real) = linked_home();
            assert!(!run(&home, &["switch", "on", "--port", &port], Some(&at)), "{at}: the hook fired");
            let now = fs::read_to_string(&real).unwrap();
            assert!(now == CODEX_CONFIG || now.contains(&format!("127.0.0.1:{port}")), "{at}: torn file: {now}");
            assert!(run(&home, &["switch", "off"], None), "{at}: switch off after the crash");
            assert_eq!(fs::read_to_string(&real).unwrap(), CODEX_CONFIG, "{at}: back exactly as it was");
            assert_link_kept(&home, &real);
            start_once(&home);

            // Crash during `switch off`; a second `switch off` finishes it.
            let (home, real) = linked_home();
            assert!(run(&home, &["switch", "on", "--port", &port], None));
            assert!(!run(&home, &["switch", "off"], Some(&format!("config.toml:{step}"))), "{step}: the hook fired");
            assert!(run(&home, &["switch", "off"], None), "{step}: switch off again");
            assert_eq!(fs::read_to_string(&real).unwrap(), CODEX_CONFIG, "{step}: back exactly as it was");
            assert_link_kept(&home, &real);
            start_once(&home);
        }
    }
}

#[test]
fn a_crash_during_config_add_leaves_the_old_or_new_file_and_no_key_behind() {
    for step in STEPS {
        let (home, _) = linked_home();
        let add = ["config", "add", "main", "--base-url", "https://relay.example/v1", "--api-key", KEY];
        assert!(!run(&home, &add, Some(&format!("config.json:{step}"))), "{step}: the hook fired");
        match fs::read_to_string(home.paths.config_file()) {
            Err(_) => assert_eq!(step, "before-rename", "the new file is in place after the rename"),
            Ok(text) => {
                let parsed: serde_json::Value = serde_json::from_str(&text).expect("never torn");
                assert!(parsed.to_string().contains("https://relay.example/v1"), "{step}: {text}");
            }
        }
        start_once(&home);
        let leftovers: Vec<_> = temp_files(home.dir.path())
            .into_iter()
            .filter(|p| fs::read_to_string(p).unwrap_or_default().contains(KEY))
            .collect();
        assert!(leftovers.is_empty(), "{step}: key-bearing leftovers {leftovers:?}");
    }
}

/// Bare `ch` aborted while switching the client: the next bare `ch` adopts
/// the leftover switch and, on SIGTERM, puts the file back byte for byte.
#[test]
fn a_crash_of_bare_ch_while_switching_is_undone_by_the_next_run() {
    for at in
        ["codex.json:before-rename", "codex.json:after-rename", "config.toml:before-rename", "config.toml:after-rename"]
    {
        let (home, real) = linked_home();
        home.write_config(&codex_helper_tests::config_with(
            codex_helper_core::Service::Codex,
            "main",
            &[("https://relay.example/v1", KEY)],
        ));
        // Both runs serve the configured port: held for them to bind.
        let reserved = ReservedPort::new();
        home.write_settings(
            &serde_json::json!({ "codex": { "port": reserved.port() }, "claude": { "enabled": false } }),
        );
        let mut child = ch(home.dir.path())
            .env("CODEX_HELPER_CRASH_AT", at)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{at}: the crash hook never fired");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(!status.success(), "{at}: aborted");

        let next = Running::spawn(ch(home.dir.path()));
        assert!(next.terminate().success());
        assert_eq!(fs::read_to_string(&real).unwrap(), CODEX_CONFIG, "{at}: back exactly as it was");
        assert_link_kept(&home, &real);
        let left = temp_files(home.dir.path());
        assert!(left.is_empty(), "{at}: leftovers {left:?}");
    }
}
