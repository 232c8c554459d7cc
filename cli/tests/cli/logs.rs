//! `ch logs`: tail across rotated files, readable and raw lines, service
//! filter, and `--follow` across rotation.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use codex_helper_tests::TestHome;
use serde_json::json;

use crate::util::ch;

fn line(i: u64, service: &str) -> String {
    json!({
        "timestamp_ms": 1_764_000_000_000u64 + i * 1000, "service": service, "method": "POST",
        "path": if service == "codex" { "/v1/responses" } else { "/v1/messages" },
        "status_code": if i % 4 == 3 { 502 } else { 200 }, "duration_ms": 1200 + i, "config_name": "main",
        "upstream_base_url": "https://relay.example/v1",
        "usage": {"input_tokens": 100 + i, "output_tokens": 7, "reasoning_tokens": 0, "total_tokens": 107 + i}
    })
    .to_string()
}

fn append(path: &Path, lines: &[String]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

fn rotated(home: &TestHome, n: u32) -> std::path::PathBuf {
    let mut p = home.paths.request_log().into_os_string();
    p.push(format!(".{n}"));
    p.into()
}

fn stdout_lines(out: &std::process::Output) -> Vec<String> {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).unwrap().lines().map(str::to_string).collect()
}

#[test]
fn tail_spans_rotation_and_filters_by_service() {
    let home = TestHome::new();
    let all: Vec<String> = (0..8).map(|i| line(i, if i % 2 == 0 { "codex" } else { "claude" })).collect();
    append(&rotated(&home, 1), &all[..5]);
    append(&home.paths.request_log(), &all[5..]);

    let raw = stdout_lines(&ch(home.dir.path()).args(["logs", "--tail", "4", "--json"]).output().unwrap());
    assert_eq!(raw, all[4..].to_vec(), "raw lines, unchanged, oldest first");

    let claude = stdout_lines(&ch(home.dir.path()).args(["logs", "--json", "--service", "claude"]).output().unwrap());
    assert_eq!(claude, vec![all[1].clone(), all[3].clone(), all[5].clone(), all[7].clone()]);

    let readable = stdout_lines(&ch(home.dir.path()).args(["logs", "--tail", "2"]).output().unwrap());
    assert_eq!(readable.len(), 2);
    assert!(
        readable[0]
            .contains("  codex  POST /v1/responses  200  1.2s  main → https://relay.example/v1  in 106 / out 7 tok"),
        "{readable:?}"
    );
    assert!(readable[1].contains("  claude  POST /v1/messages  502  "), "{readable:?}");

    let bad = ch(home.dir.path()).args(["logs", "--service", "gemini"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown service `gemini`"));
}

#[test]
fn no_log_yet_is_said_not_an_error() {
    let home = TestHome::new();
    let out = ch(home.dir.path()).arg("logs").output().unwrap();
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no requests logged yet"), "{out:?}");
}

#[test]
fn follow_prints_every_line_exactly_once_across_rotation() {
    let home = TestHome::new();
    let log = home.paths.request_log();
    let lines: Vec<String> = (0..9).map(|i| line(i, "codex")).collect();
    append(&log, &lines[..2]);
    let mut child = ch(home.dir.path())
        .args(["logs", "--follow", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines() {
            if tx.send(l.unwrap()).is_err() {
                return;
            }
        }
    });
    let mut got = Vec::new();
    let mut take = |n: usize| {
        while got.len() < n {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(l) => got.push(l),
                Err(_) => panic!("only {} lines arrived: {got:?}", got.len()),
            }
        }
    };
    take(2); // the tail
    append(&log, &lines[2..4]);
    take(4);
    // Written just before the rename: must not be lost or doubled.
    append(&log, &lines[4..5]);
    std::fs::rename(&log, rotated(&home, 1)).unwrap();
    append(&log, &lines[5..7]);
    take(7);
    append(&log, &lines[7..]);
    take(9);
    // Nothing more comes out (no duplicates after the last line).
    assert!(rx.recv_timeout(Duration::from_millis(700)).is_err(), "an extra line was printed");
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(got, lines);
}

/// Issue 9 #11: a line written before the scrubber existed (an upstream's
/// echo of the key in `attempts[].error`) is shown with the key masked.
#[test]
fn keys_in_old_log_lines_are_masked_when_shown() {
    const KEY: &str = "zq-old-log-secret-0123456789";
    let home = TestHome::new();
    home.write_config(&codex_helper_tests::config_with(
        codex_helper_core::Service::Codex,
        "main",
        &[("https://relay.example/v1", KEY)],
    ));
    let mut old: serde_json::Value = serde_json::from_str(&line(1, "codex")).unwrap();
    old["status_code"] = json!(401);
    old["error"] = json!(format!("401: Incorrect API key provided: {KEY}"));
    old["attempts"] = json!([{ "upstream_base_url": "https://relay.example/v1", "status_code": 401,
        "outcome": "failed", "duration_ms": 3, "error": format!("invalid key {KEY}") }]);
    append(&home.paths.request_log(), &[old.to_string()]);
    for args in [&["logs"][..], &["logs", "--json"]] {
        let out = ch(home.dir.path()).args(args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        assert!(text.contains("Incorrect API key provided"), "{args:?}: {text}");
        assert!(!text.contains(KEY), "{args:?} shows the key: {text}");
    }
    let json_line = ch(home.dir.path()).args(["logs", "--json"]).output().unwrap().stdout;
    let v: serde_json::Value = serde_json::from_slice(&json_line).expect("still one JSON line");
    assert_eq!(v["status_code"], 401);
}

/// A bad line (torn, wrong types, not UTF-8, huge) is skipped with a short
/// note naming the file, the lines around it still show, and the readable
/// view never dumps megabytes of garbage onto the terminal.
#[test]
fn bad_lines_are_skipped_with_a_note_and_the_rest_still_shows() {
    let home = TestHome::new();
    let log = home.paths.request_log();
    append(&log, &[line(0, "codex")]);
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    f.write_all(b"{\"timestamp_ms\":\n").unwrap();
    f.write_all(b"{\"timestamp_ms\":\"soon\",\"service\":\"codex\"}\n").unwrap();
    // Invalid UTF-8 inside a value still leaves a record: shown with U+FFFD.
    f.write_all(b"{\"service\":\"\xff\xfe\"}\n").unwrap();
    f.write_all(b"\xff\x00\x1b[2J\n").unwrap();
    f.write_all(&[b'x'; 1 << 20]).unwrap();
    f.write_all(b"\n").unwrap();
    drop(f);
    append(&log, &[line(1, "codex")]);

    let out = ch(home.dir.path()).args(["logs", "--tail", "10"]).output().unwrap();
    let stdout = stdout_lines(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stdout.len(), 3, "only the records show: {:.300}", stdout.join("\n"));
    assert!(stdout[0].contains("in 100 / out 7 tok") && stdout[2].contains("in 101 / out 7 tok"), "{stdout:?}");
    assert!(stdout[1].contains("\u{fffd}\u{fffd}"), "{stdout:?}");
    assert!(!stderr.contains('\x1b'), "a bad line cannot drive the terminal: {stderr:.300}");
    assert_eq!(stderr.matches("requests.jsonl").count(), 4, "one note per bad line: {stderr:.2000}");
    // Each note says where: file, line, column (issue 9: bad input names its line).
    for at in ["requests.jsonl:2:16:", "requests.jsonl:3:", "requests.jsonl:5:", "requests.jsonl:6:"] {
        assert!(stderr.contains(at), "a note at {at}: {stderr:.2000}");
    }
    assert!(stderr.len() < 4000, "the notes stay short ({} bytes)", stderr.len());
}
