//! The request log through the real proxy: size rotation, and what a
//! failed-over request's line says.

use codex_helper_core::Service;
use codex_helper_tests::{read_sse_events, Reply};
use serde_json::{json, Value};

use crate::lb_support::{Pair, BACKUP_KEY};

fn parse_file(path: &std::path::Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: bad line ({e}): {l}", path.display())))
        .collect()
}

#[tokio::test]
async fn rotation_keeps_three_files_of_whole_json_lines() {
    let pair = Pair::start(Service::Codex, json!({"logs": {"max_bytes": 2048, "max_files": 3}})).await;
    for n in 0..40 {
        let resp = pair.send(Some(&format!("req-{n:02}"))).await;
        assert_eq!(resp.status(), 200);
        read_sse_events(resp).await;
    }
    pair.proxy.flush_log();

    let current = pair.home.paths.request_log();
    let numbered = |n: u32| std::path::PathBuf::from(format!("{}.{n}", current.display()));
    let files = [current.clone(), numbered(1), numbered(2)];
    for f in &files {
        assert!(f.exists(), "{} missing", f.display());
        let len = std::fs::metadata(f).unwrap().len();
        assert!(len <= 2048, "{} is {len} bytes", f.display());
    }
    assert!(!numbered(3).exists(), "at most max_files files");
    let others: Vec<_> = std::fs::read_dir(current.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !["requests.jsonl", "requests.jsonl.1", "requests.jsonl.2"].contains(&n.as_str()))
        .collect();
    assert!(others.is_empty(), "unexpected files in logs/: {others:?}");

    // Oldest file first: sessions must be strictly increasing and end with
    // the newest request in requests.jsonl.
    let sessions: Vec<String> = files
        .iter()
        .rev()
        .flat_map(|f| parse_file(f))
        .map(|l| l["session_id"].as_str().expect("session_id").to_string())
        .collect();
    assert!(sessions.windows(2).all(|w| w[0] < w[1]), "{sessions:?}");
    assert_eq!(sessions.last().map(String::as_str), Some("req-39"));
    assert_eq!(parse_file(&current).last().unwrap()["session_id"], "req-39");
    assert!(sessions.len() < 40, "old lines were rotated away");
    // The files are contiguous: nothing lost between them.
    let first: usize = sessions[0][4..].parse().unwrap();
    assert_eq!(sessions.len(), 40 - first);
}

#[tokio::test]
async fn a_failed_over_request_logs_both_attempts() {
    let pair = Pair::start(Service::Codex, json!({})).await;
    pair.primary.set_default(Reply::json(503, json!({"error": {"message": "primary is down"}})));
    let resp = pair.send(Some("sess-log")).await;
    assert_eq!(resp.status(), 200);
    read_sse_events(resp).await;
    assert_eq!(pair.backup.requests()[0].header("authorization"), Some(format!("Bearer {BACKUP_KEY}").as_str()));

    let line = pair.last_log_line();
    assert_eq!(line["status_code"], 200);
    assert_eq!(line["service"], "codex");
    assert_eq!(line["path"], "/v1/responses");
    assert_eq!(line["config_name"], "main");
    assert_eq!(line["upstream_base_url"], pair.backup_url.as_str());
    assert_eq!(line["session_id"], "sess-log");
    assert!(line["ttfb_ms"].is_u64(), "{line}");
    assert!(line["duration_ms"].as_u64().unwrap() >= line["ttfb_ms"].as_u64().unwrap(), "{line}");
    assert_eq!(line["usage"]["input_tokens"], 10);
    let attempts = line["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2, "{line}");
    assert_eq!(attempts[0]["upstream_base_url"], pair.primary_url.as_str());
    assert_eq!(attempts[0]["status_code"], 503);
    assert_eq!(attempts[0]["outcome"], "failed");
    assert!(attempts[0]["error"].as_str().unwrap().contains("primary is down"), "{line}");
    assert!(attempts[0]["duration_ms"].is_u64());
    assert_eq!(attempts[1]["upstream_base_url"], pair.backup_url.as_str());
    assert_eq!(attempts[1]["status_code"], 200);
    assert_eq!(attempts[1]["outcome"], "ok");
    assert!(line.get("error").is_none(), "a failed-over success is not an error: {line}");
}
