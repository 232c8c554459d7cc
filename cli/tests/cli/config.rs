//! `ch config …` and `ch default`: edits, views, masked keys, errors.

use std::io::Write;
use std::process::{Output, Stdio};

use codex_helper_core::Service;
use codex_helper_tests::{config_with, TestHome};
use serde_json::{json, Value};

use crate::util::ch;

const KEY: &str = "sk-proj-secretvalue-0123456789abcd";
const KEY2: &str = "cr-another-secret-zz9999";

fn run(home: &TestHome, args: &[&str]) -> Output {
    ch(home.dir.path()).args(args).stdin(Stdio::null()).output().unwrap()
}

/// Runs and asserts success; returns stdout. No key ever appears in full.
fn ok(home: &TestHome, args: &[&str]) -> String {
    let out = run(home, args);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    stdout
}

fn texts(out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for secret in [KEY, KEY2] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "a key leaked:\n{stdout}\n{stderr}");
    }
    (stdout, stderr)
}

fn with_stdin(home: &TestHome, args: &[&str], input: &str) -> Output {
    let mut child = ch(home.dir.path())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn config_json(home: &TestHome) -> Value {
    serde_json::from_slice(&std::fs::read(home.paths.config_file()).unwrap()).unwrap()
}

#[test]
fn add_creates_the_config_makes_it_active_and_masks_the_key() {
    let home = TestHome::new();
    let out = ok(&home, &["config", "add", "main", "--base-url", "https://relay.example/v1", "--auth-token", KEY]);
    assert!(
        out.contains("Added upstream [0] to codex config `main`: https://relay.example/v1 (key sk-…abcd)"),
        "{out}"
    );
    assert!(out.contains("Created config `main`") && out.contains("`main` is now the active codex config"), "{out}");

    let args =
        ["config", "add", "main", "--base-url", "https://b.example:8443/v1", "--api-key", KEY2, "--alias", "Main"];
    let out = ok(&home, &[&args[..], &["--tag", "provider_id=b", "--tag", "note=x=y", "--json"]].concat());
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["action"], "added");
    assert_eq!(
        (v["created"].as_bool(), v["became_active"].as_bool(), v["index"].as_u64()),
        (Some(false), Some(false), Some(1))
    );
    assert_eq!(
        v["upstream"],
        json!({ "base_url": "https://b.example:8443/v1", "auth_token": null, "api_key": "cr-…9999", "alias": null, "key_label": "cr-…9999", "tags": { "provider_id": "b", "note": "x=y" }, "protocol": "responses", "model_map": {}, "headers": {}, "max_concurrent": null })
    );

    let file = config_json(&home);
    assert_eq!(file["codex"]["active"], "main");
    assert_eq!(file["codex"]["configs"]["main"]["alias"], "Main");
    assert_eq!(file["codex"]["configs"]["main"]["upstreams"][0]["auth"]["auth_token"], KEY);
    assert_eq!(file["codex"]["configs"]["main"]["upstreams"][1]["auth"]["api_key"], KEY2);
    assert_eq!(file["claude"]["configs"], json!({}));
}

#[test]
fn the_key_can_come_from_stdin() {
    let home = TestHome::new();
    let out = with_stdin(
        &home,
        &["config", "add", "c", "--claude", "--base-url", "https://r.example", "--api-key", "-"],
        &format!("{KEY}\n"),
    );
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("claude config `c`") && stdout.contains("(key sk-…abcd)"), "{stdout}");
    assert_eq!(config_json(&home)["claude"]["configs"]["c"]["upstreams"][0]["auth"]["api_key"], KEY, "trimmed");

    let out = with_stdin(
        &home,
        &["config", "add", "c", "--claude", "--base-url", "https://s.example", "--auth-token", "-"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(texts(&out).1.contains("stdin gave no key"), "{:?}", texts(&out));
}

#[test]
fn adding_the_same_upstream_twice_changes_nothing_and_replace_puts_a_new_key_in_place() {
    let home = TestHome::new();
    let add = |key: &str| {
        let args = ["config", "add", "m", "--base-url", "https://r.example/v1", "--auth-token", key];
        ok(&home, &[&args[..], if key == KEY2 { &["--replace"][..] } else { &[][..] }].concat())
    };
    add(KEY);
    let before = std::fs::read(home.paths.config_file()).unwrap();
    let out = add(KEY);
    assert!(out.contains("already has this upstream [0]"), "{out}");
    assert_eq!(std::fs::read(home.paths.config_file()).unwrap(), before);
    let out = add(KEY2);
    assert!(out.contains("Updated the key of upstream [0]") && out.contains("cr-…9999"), "{out}");
    let ups = &config_json(&home)["codex"]["configs"]["m"]["upstreams"];
    assert_eq!(ups.as_array().unwrap().len(), 1);
    assert_eq!(ups[0]["auth"]["auth_token"], KEY2);
}

#[test]
fn add_refuses_bad_urls_proxy_loops_and_bad_tags_without_writing() {
    let home = TestHome::new();
    home.write_settings(&json!({ "claude": { "port": 4555 } }));
    let cases: [(&[&str], &str); 4] = [
        (&["--base-url", "relay.example/v1"], "--base-url `relay.example/v1` is not a valid URL"),
        (&["--base-url", "http://localhost:4555/v1"], "points at codex-helper's own claude proxy (127.0.0.1:4555)"),
        (&["--base-url", "http://127.0.0.1:3211"], "requests would loop back"),
        (&["--base-url", "https://ok.example", "--tag", "provider"], "--tag `provider` is not KEY=VALUE"),
    ];
    for (extra, want) in cases {
        let out = run(&home, &[&["config", "add", "m", "--auth-token", KEY][..], extra].concat());
        assert_eq!(out.status.code(), Some(1), "{extra:?}");
        let (_, err) = texts(&out);
        assert!(err.contains(want), "{extra:?}: {err}");
    }
    assert!(!home.paths.config_file().exists());
}

#[test]
fn list_and_show_in_text_and_json() {
    let home = TestHome::new();
    ok(
        &home,
        &["config", "add", "main", "--base-url", "https://a.example/v1", "--auth-token", KEY, "--alias", "Primary"],
    );
    ok(&home, &["config", "add", "main", "--base-url", "https://b.example:8443/v1", "--api-key", KEY2]);
    ok(&home, &["config", "add", "spare", "--base-url", "https://c.example"]);

    let out = ok(&home, &["config", "list"]);
    assert_eq!(out, "* main (Primary) — 2 upstreams: a.example, b.example:8443\n  spare — 1 upstream: c.example\n");
    let v: Value = serde_json::from_str(&ok(&home, &["config", "list", "--json"])).unwrap();
    assert_eq!(v["service"], "codex");
    assert_eq!(v["active"], "main");
    assert_eq!(v["configs"][0]["active"], true);
    assert_eq!(
        v["configs"][1],
        json!({ "name": "spare", "alias": null, "active": false, "strategy": "priority", "upstreams": [{ "base_url": "https://c.example", "auth_token": null, "api_key": null, "alias": null, "key_label": "no key", "tags": {}, "protocol": "responses", "model_map": {}, "headers": {}, "max_concurrent": null }] })
    );
    assert_eq!(v["configs"][0]["upstreams"][0]["auth_token"], "sk-…abcd");

    let out = ok(&home, &["config", "show", "main"]);
    assert!(out.starts_with("main (Primary) — codex, active, strategy priority\n"), "{out}");
    assert!(out.contains("[1] https://b.example:8443/v1  api_key cr-…9999"), "{out}");
    let v: Value = serde_json::from_str(&ok(&home, &["config", "show", "spare", "--json"])).unwrap();
    assert_eq!(v["configs"].as_array().unwrap().len(), 1);
    assert_eq!(v["configs"][0]["name"], "spare");

    let out = ok(&home, &["config", "list", "--claude"]);
    assert!(out.contains("No claude configs yet"), "{out}");
}

#[test]
fn set_active_and_remove_report_what_changed() {
    let home = TestHome::new();
    for name in ["a", "b"] {
        ok(&home, &["config", "add", name, "--base-url", &format!("https://{name}.example"), "--auth-token", KEY]);
    }
    let out = run(&home, &["config", "set-active", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(texts(&out).1.contains("codex has no config named `nope`; existing configs: a, b"), "{:?}", texts(&out));

    let out = ok(&home, &["config", "set-active", "b"]);
    assert!(out.contains("Active codex config is now `b` (was `a`)"), "{out}");
    assert_eq!(config_json(&home)["codex"]["active"], "b");

    let v: Value = serde_json::from_str(&ok(&home, &["config", "remove", "b", "--json"])).unwrap();
    assert_eq!((v["was_active"].as_bool(), v["active"].as_str()), (Some(true), Some("a")));
    assert_eq!(v["removed"]["upstreams"][0]["auth_token"], "sk-…abcd");
    let out = ok(&home, &["config", "remove", "a"]);
    assert!(out.contains("It was active; no codex config is left"), "{out}");
    assert_eq!(config_json(&home)["codex"], json!({ "active": null, "configs": {} }));
    let out = run(&home, &["config", "remove", "a"]);
    assert!(texts(&out).1.contains("there are no configs yet"), "{:?}", texts(&out));
}

#[test]
fn commands_follow_the_default_service() {
    let home = TestHome::new();
    assert_eq!(ok(&home, &["default"]), "codex (not set; Codex is the default)\n");
    let v: Value = serde_json::from_str(&ok(&home, &["default", "--json"])).unwrap();
    assert_eq!(v, json!({ "default_service": null, "effective": "codex" }));

    assert_eq!(ok(&home, &["default", "--claude"]), "claude\n");
    assert_eq!(config_json(&home)["default_service"], "claude");
    ok(&home, &["config", "add", "c", "--base-url", "https://r.example", "--auth-token", KEY]);
    let file = config_json(&home);
    assert_eq!(file["claude"]["active"], "c");
    assert_eq!(file["codex"]["configs"], json!({}));
    let v: Value = serde_json::from_str(&ok(&home, &["default", "--codex", "--json"])).unwrap();
    assert_eq!(v, json!({ "default_service": "codex", "effective": "codex" }));
}

#[test]
fn a_running_proxy_follows_set_active() {
    // The proxy reloads config.json on change; set-active must be enough.
    let home = TestHome::new();
    let mut cfg = config_with(Service::Codex, "a", &[("https://a.example", KEY)]);
    cfg["codex"]["configs"]["b"] = json!({ "name": "b", "alias": null, "upstreams": [{ "base_url": "https://b.example", "auth": { "auth_token": KEY2 }, "tags": {} }] });
    home.write_config(&cfg);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let proxy = codex_helper_tests::Proxy::start(&home, Service::Codex).await;
        assert_eq!(&*proxy.runtime.config().snapshot().active(Service::Codex).unwrap().name, "a");
        ok(&home, &["config", "set-active", "b"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            if &*proxy.runtime.config().snapshot().active(Service::Codex).unwrap().name == "b" {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the proxy did not follow");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    });
}

/// Issue 9 #16: control characters are refused at input, naming the field.
#[test]
fn control_characters_are_refused_at_input() {
    let home = TestHome::new();
    let cases: [(&[&str], &str); 4] = [
        (
            &["config", "add", "main", "--base-url", "https://relay.example/v1\x1b[2J", "--auth-token", KEY],
            "--base-url",
        ),
        (&["config", "add", "main", "--base-url", "https://relay.example/v1\r\n", "--auth-token", KEY], "--base-url"),
        (
            &[
                "config",
                "add",
                "main",
                "--base-url",
                "https://relay.example/v1",
                "--auth-token",
                KEY,
                "--alias",
                "x\x1b]0;pwned\x07",
            ],
            "--alias",
        ),
        (
            &[
                "config",
                "add",
                "main",
                "--base-url",
                "https://relay.example/v1",
                "--auth-token",
                KEY,
                "--tag",
                "k=v\u{9b}31m",
            ],
            "--tag",
        ),
    ];
    for (args, field) in cases {
        let out = run(&home, args);
        let (stdout, stderr) = texts(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(field) && stderr.contains("control character"), "{args:?}: {stderr}");
        assert!(!stderr.contains('\x1b') && !stderr.contains('\u{9b}'), "the error itself is escaped: {stderr:?}");
    }
    assert!(!home.paths.config_file().exists(), "nothing was written");
}

/// Issue 9 #16: a hand-edited file's names and aliases are printed escaped.
#[test]
fn control_characters_from_a_hand_edited_file_are_printed_escaped() {
    let home = TestHome::new();
    let mut config = config_with(Service::Codex, "main", &[("https://relay.example/v1", KEY)]);
    config["codex"]["configs"]["main"]["alias"] = json!("red\x1b[31m\rfake line\nnext");
    config["codex"]["configs"]["main"]["upstreams"][0]["tags"] = json!({ "note": "a\x07b" });
    home.write_config(&config);
    for args in [&["config", "list"][..], &["config", "show", "main"], &["status"]] {
        let out = ok(&home, args);
        assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "{args:?} printed raw control characters: {out:?}");
        if args[0] == "config" {
            assert!(out.contains(r"red\u{1b}[31m\rfake line\nnext"), "{args:?}: shown escaped: {out}");
        }
    }
}

#[test]
fn add_with_model_map_stores_it_and_shows_it() {
    let home = TestHome::new();
    let args = ["config", "add", "ds", "--base-url", "https://api.deepseek.com/v1", "--auth-token", KEY];
    let maps = ["--protocol", "chat", "--model-map", "gpt-5-codex=deepseek-chat", "--model-map", "*=deepseek-chat"];
    ok(&home, &[&args[..], &maps[..]].concat());
    let file = config_json(&home);
    assert_eq!(
        file["codex"]["configs"]["ds"]["upstreams"][0]["model_map"],
        json!({ "gpt-5-codex": "deepseek-chat", "*": "deepseek-chat" })
    );
    let out = ok(&home, &["config", "list"]);
    assert_eq!(
        out,
        "* ds — 1 upstream: api.deepseek.com (protocol chat; models gpt-5-codex→deepseek-chat, *→deepseek-chat)\n"
    );
    let out = ok(&home, &["config", "show", "ds"]);
    assert!(out.contains("  protocol chat  models gpt-5-codex→deepseek-chat, *→deepseek-chat"), "{out}");
    let v: Value = serde_json::from_str(&ok(&home, &["config", "show", "ds", "--json"])).unwrap();
    assert_eq!(v["configs"][0]["upstreams"][0]["model_map"]["*"], "deepseek-chat");

    // Given again, an entry is replaced and the others are kept.
    ok(&home, &[&args[..], &["--model-map", "gpt-5-codex=deepseek-reasoner"]].concat());
    assert_eq!(
        config_json(&home)["codex"]["configs"]["ds"]["upstreams"][0]["model_map"],
        json!({ "gpt-5-codex": "deepseek-reasoner", "*": "deepseek-chat" })
    );
}

#[test]
fn a_malformed_model_map_is_refused_with_the_fix() {
    let home = TestHome::new();
    for (value, want) in
        [("gpt-5", "has no `=`"), ("=x", "names no client model"), ("gpt-5=", "names no upstream model")]
    {
        let out = run(&home, &["config", "add", "m", "--base-url", "https://ok.example", "--model-map", value]);
        assert_eq!(out.status.code(), Some(2), "{value}");
        let (_, err) = texts(&out);
        assert!(
            err.contains(want) && err.contains("use FROM=TO, e.g. --model-map gpt-5-codex=deepseek-chat"),
            "{value}: {err}"
        );
    }
    assert!(!home.paths.config_file().exists());
}

#[test]
fn a_second_key_for_a_url_is_added_removed_by_alias_and_the_strategy_is_set() {
    let home = TestHome::new();
    let url = "https://relay.example/v1";
    ok(&home, &["config", "add", "pool", "--base-url", url, "--auth-token", KEY]);
    let out = ok(&home, &["config", "add", "pool", "--base-url", url, "--auth-token", KEY2, "--key-alias", "spare"]);
    assert!(out.contains("Added key 2 of this URL as upstream [1]") && out.contains("(key spare)"), "{out}");
    assert!(out.contains("--replace"), "says how to replace instead: {out}");
    let file = config_json(&home);
    let ups = &file["codex"]["configs"]["pool"]["upstreams"];
    assert_eq!((ups[0]["auth"]["auth_token"].as_str(), ups[1]["auth"]["auth_token"].as_str()), (Some(KEY), Some(KEY2)));
    assert_eq!(ups[1]["alias"], "spare");

    let list = ok(&home, &["config", "list"]);
    assert!(list.contains("relay.example [sk-…abcd], relay.example [spare]"), "{list}");

    // A bare --replace with two keys there must say which one.
    let out = run(
        &home,
        &["config", "add", "pool", "--base-url", url, "--auth-token", "sk-third-key-000011112222", "--replace"],
    );
    let (_, stderr) = texts(&out);
    assert!(!out.status.success() && stderr.contains("--key-alias A or --index N"), "{stderr}");

    let out = ok(&home, &["config", "strategy", "pool", "round-robin"]);
    assert!(out.contains("now uses round-robin (was priority)"), "{out}");
    let v: Value = serde_json::from_str(&ok(&home, &["config", "show", "pool", "--json"])).unwrap();
    assert_eq!(v["configs"][0]["strategy"], "round-robin");
    assert_eq!(v["configs"][0]["upstreams"][1]["key_label"], "spare");
    assert!(ok(&home, &["config", "show", "pool"]).contains("strategy round-robin"));
    assert_eq!(config_json(&home)["codex"]["configs"]["pool"]["strategy"], "round-robin");
    let out = run(&home, &["config", "set-strategy", "pool", "random"]);
    assert!(!out.status.success() && texts(&out).1.contains("fill-first"));

    let out = run(&home, &["config", "remove-upstream", "pool", "--base-url", url]);
    assert!(!out.status.success() && texts(&out).1.contains("[1] spare"));
    let out = ok(&home, &["config", "remove-upstream", "pool", "--base-url", url, "--key-alias", "spare"]);
    assert!(
        out.contains("Removed upstream [1] https://relay.example/v1 (key spare)") && out.contains("1 upstream left"),
        "{out}"
    );
    let out = ok(&home, &["config", "remove-upstream", "pool", "--base-url", url, "--index", "0", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["index"].as_u64(), v["removed"]["key_label"].as_str()), (Some(0), Some("sk-…abcd")));
    assert_eq!(config_json(&home)["codex"]["configs"]["pool"]["upstreams"], json!([]));
}

#[test]
fn max_concurrent_is_stored_shown_changed_and_zero_refused() {
    let home = TestHome::new();
    let url = "https://relay.example/v1";
    ok(
        &home,
        &[
            "config",
            "add",
            "capped",
            "--base-url",
            url,
            "--auth-token",
            KEY,
            "--key-alias",
            "one",
            "--max-concurrent",
            "2",
        ],
    );
    let ups = &config_json(&home)["codex"]["configs"]["capped"]["upstreams"];
    assert_eq!(ups[0]["max_concurrent"], 2);
    assert!(ok(&home, &["config", "list"]).contains("relay.example (max_concurrent 2)"));
    assert!(ok(&home, &["config", "show", "capped"]).contains("max_concurrent 2"));
    let v: Value = serde_json::from_str(&ok(&home, &["config", "show", "capped", "--json"])).unwrap();
    assert_eq!(v["configs"][0]["upstreams"][0]["max_concurrent"], 2);
    // The same URL and key again: the cap changes, no second upstream.
    ok(&home, &["config", "add", "capped", "--base-url", url, "--auth-token", KEY, "--max-concurrent", "5"]);
    let ups = &config_json(&home)["codex"]["configs"]["capped"]["upstreams"];
    assert_eq!((ups.as_array().unwrap().len(), ups[0]["max_concurrent"].as_u64()), (1, Some(5)));
    // Without the flag the cap stays.
    ok(&home, &["config", "add", "capped", "--base-url", url, "--auth-token", KEY, "--tag", "x=y"]);
    assert_eq!(config_json(&home)["codex"]["configs"]["capped"]["upstreams"][0]["max_concurrent"], 5);
    let before = std::fs::read(home.paths.config_file()).unwrap();
    let out = run(&home, &["config", "add", "capped", "--base-url", url, "--auth-token", KEY, "--max-concurrent", "0"]);
    let (_, stderr) = texts(&out);
    assert!(!out.status.success() && stderr.contains("--max-concurrent must be at least 1"), "{stderr}");
    assert_eq!(std::fs::read(home.paths.config_file()).unwrap(), before, "nothing written");
    // `ch status` (no proxy running) shows the cap too.
    let status = ok(&home, &["status", "--codex"]);
    assert!(status.contains("max_concurrent 5"), "{status}");
}

#[test]
fn replace_replaces_the_key_of_the_url() {
    let home = TestHome::new();
    let url = "https://relay.example/v1";
    ok(&home, &["config", "add", "m", "--base-url", url, "--auth-token", KEY]);
    let out = ok(&home, &["config", "add", "m", "--base-url", url, "--auth-token", KEY2, "--replace-key"]);
    assert!(out.contains("Updated the key of upstream [0]"), "{out}");
    let ups = &config_json(&home)["codex"]["configs"]["m"]["upstreams"];
    assert_eq!((ups.as_array().unwrap().len(), ups[0]["auth"]["auth_token"].as_str()), (1, Some(KEY2)));
}

#[test]
fn extra_headers_are_stored_shown_masked_and_owned_ones_refused() {
    let home = TestHome::new();
    let url = "https://api.portkey.example/v1";
    let secret = "pk-portkey-secret-0000ffff";
    let out = ok(
        &home,
        &[
            "config",
            "add",
            "gw",
            "--base-url",
            url,
            "--auth-token",
            KEY,
            "--header",
            "x-portkey-provider: openai",
            "--header",
            &format!("x-portkey-api-key: {secret}"),
        ],
    );
    assert!(!out.contains(secret), "{out}");
    let up = &config_json(&home)["codex"]["configs"]["gw"]["upstreams"][0];
    assert_eq!(up["headers"], json!({ "x-portkey-provider": "openai", "x-portkey-api-key": secret }));

    for args in [&["config", "list"][..], &["config", "show", "gw"], &["config", "show", "gw", "--json"], &["status"]] {
        let shown = ok(&home, args);
        assert!(shown.contains("openai") && shown.contains("…ffff"), "{args:?}: {shown}");
        assert!(!shown.contains(secret), "{args:?} shows the secret header: {shown}");
    }

    for (bad, want) in [
        ("Authorization: Bearer x", "--auth-token"),
        ("Host: evil.example", "the proxy sets it"),
        ("Transfer-Encoding: chunked", "hop-by-hop"),
        ("X-Title", "Name: value"),
    ] {
        let out = run(&home, &["config", "add", "gw", "--base-url", url, "--header", bad]);
        let (_, stderr) = texts(&out);
        assert!(!out.status.success() && stderr.contains("--header") && stderr.contains(want), "{bad}: {stderr}");
    }
    // The refused adds wrote nothing.
    assert_eq!(config_json(&home)["codex"]["configs"]["gw"]["upstreams"].as_array().unwrap().len(), 1);
}

#[test]
fn an_upstream_without_headers_writes_no_headers_field() {
    let home = TestHome::new();
    ok(&home, &["config", "add", "plain", "--base-url", "https://relay.example/v1", "--auth-token", KEY]);
    let up = &config_json(&home)["codex"]["configs"]["plain"]["upstreams"][0];
    assert!(up.get("headers").is_none(), "{up}");
}
