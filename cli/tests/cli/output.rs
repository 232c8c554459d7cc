//! How `ch` prints: a closed stdout (`ch config list | head -1`) ends the
//! command quietly with exit 0, as ripgrep does, never a panic (101).

use std::process::Stdio;

use codex_helper_core::Service;
use codex_helper_tests::{config_with, TestHome};
use serde_json::{json, Value};

use crate::util::ch;

/// A config file with `n` codex configs, so the listing is long.
fn many_configs(n: usize) -> Value {
    let mut config = config_with(Service::Codex, "c0", &[("https://relay.example/v1", "sk-one-0123456789abcd")]);
    let configs = config["codex"]["configs"].as_object_mut().unwrap();
    for i in 1..n {
        let name = format!("c{i}");
        configs.insert(
            name.clone(),
            json!({ "name": name, "alias": null, "upstreams": [
                { "base_url": format!("https://relay{i}.example/v1"), "auth": { "auth_token": "sk-x-0123456789abcd", "api_key": null }, "tags": {} }
            ] }),
        );
    }
    config
}

/// Issue 9 #15: the reader of our stdout is gone before we write.
#[test]
fn a_closed_stdout_ends_the_command_quietly_with_exit_0() {
    let home = TestHome::new();
    home.write_config(&many_configs(300));
    for args in [&["config", "list"][..], &["config", "list", "--json"], &["status"], &["doctor"]] {
        // The pipe's reader is closed before `ch` starts: its first write
        // gets EPIPE, deterministically.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = ch(home.dir.path()).args(args).stdin(Stdio::null()).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
