//! `ch session list` / `ch session last` over synthetic Codex and Claude
//! transcripts in a temporary home.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use codex_helper_tests::TestHome;
use serde_json::{json, Value};

use crate::util::ch;

const OLD: &str = "019a2d7a-41c4-78b1-b7cc-000000000001";
const NEW: &str = "019a2d7a-41c4-78b1-b7cc-000000000002";
const OTHER: &str = "019a2d7a-41c4-78b1-b7cc-000000000003";

/// The temp home, canonical (macOS puts temp dirs behind a symlink).
fn root(home: &TestHome) -> PathBuf {
    fs::canonicalize(home.dir.path()).unwrap()
}

fn project(home: &TestHome, rel: &str) -> PathBuf {
    let p = root(home).join(rel);
    fs::create_dir_all(&p).unwrap();
    p
}

fn write(path: &Path, lines: &[Value], age_secs: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    fs::write(path, text).unwrap();
    let when = SystemTime::now() - Duration::from_secs(age_secs);
    fs::File::options().write(true).open(path).unwrap().set_modified(when).unwrap();
}

fn codex_session(home: &TestHome, id: &str, cwd: &Path, message: &str, age_secs: u64) {
    let path = home.dir.path().join(format!(".codex/sessions/2025/10/29/rollout-2025-10-29T00-59-38-{id}.jsonl"));
    write(
        &path,
        &[
            json!({"type": "session_meta", "payload": {"id": id, "timestamp": "2025-10-29T00:59:38.308Z", "cwd": cwd}}),
            json!({"type": "response_item", "payload": {"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "<environment_context>\n<cwd>x</cwd>\n</environment_context>"}]}}),
            json!({"type": "event_msg", "payload": {"type": "user_message", "message": message}}),
        ],
        age_secs,
    );
}

fn claude_session(home: &TestHome, id: &str, cwd: &Path, message: &str) {
    let folder = cwd.to_string_lossy().replace(['/', '.'], "-");
    let path = home.dir.path().join(".claude/projects").join(folder).join(format!("{id}.jsonl"));
    let line = |m: Value| json!({"type": "user", "sessionId": id, "cwd": cwd, "timestamp": "2025-11-02T10:00:00Z", "message": m});
    write(
        &path,
        &[
            line(json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]})),
            line(json!({"role": "user", "content": message})),
        ],
        0,
    );
}

fn run(home: &TestHome, cwd: &Path, args: &[&str]) -> Output {
    ch(home.dir.path()).current_dir(cwd).args(args).output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Two sessions in `proj` (one in a subfolder) and one in `proj2`.
fn three_sessions(home: &TestHome) -> (PathBuf, PathBuf) {
    let proj = project(home, "code/proj");
    let sub = project(home, "code/proj/api");
    let proj2 = project(home, "code/proj2");
    codex_session(home, OLD, &proj, "set up the crate", 600);
    codex_session(home, NEW, &sub, "add the endpoint\nwith tests", 60);
    codex_session(home, OTHER, &proj2, "unrelated", 0);
    (proj, proj2)
}

#[test]
fn list_shows_sessions_of_the_current_directory_newest_first() {
    let home = TestHome::new();
    let (proj, _) = three_sessions(&home);
    let out = run(&home, &proj, &["session", "list"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains(NEW) && lines[0].contains("api") && lines[0].ends_with("add the endpoint with tests"),
        "{text}"
    );
    assert!(lines[1].contains(OLD) && lines[1].contains("  .  ") && lines[1].ends_with("set up the crate"), "{text}");
    assert!(!text.contains(OTHER) && !text.contains("environment_context"), "{text}");
    // YYYY-MM-DD HH:MM first.
    assert_eq!(lines[0].as_bytes()[4], b'-');
    assert_eq!(lines[0].as_bytes()[13], b':');
}

#[test]
fn list_json_and_limit_and_path_without_cd() {
    let home = TestHome::new();
    let (proj, proj2) = three_sessions(&home);
    let out = run(&home, &proj2, &["session", "list", "--json", "--limit", "1", "--path", proj.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["service"], "codex");
    assert_eq!(doc["path"], json!(proj));
    let sessions = doc["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    let s = &sessions[0];
    assert_eq!(s["id"], NEW);
    assert_eq!(s["service"], "codex");
    assert_eq!(s["cwd"], json!(proj.join("api")));
    assert_eq!(s["started_at"], "2025-10-29T00:59:38.308Z");
    assert_eq!(s["started_at_ms"], 1_761_699_578_308i64);
    assert!(s["modified_at_ms"].as_i64().unwrap() > 1_761_699_578_308);
    assert!(s["file"].as_str().unwrap().ends_with(&format!("{NEW}.jsonl")));
    assert_eq!(s["first_message"], "add the endpoint\nwith tests");
    assert_eq!(s["resume_command"], format!("codex resume {NEW}"));
}

#[test]
fn list_with_nothing_found_says_where_it_looked() {
    let home = TestHome::new();
    let empty = project(&home, "empty");
    let out = run(&home, &empty, &["session", "list"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("No Codex sessions found for") && text.contains(&empty.display().to_string()), "{text}");
    assert!(text.contains(".codex/sessions"), "{text}");

    let out = run(&home, &empty, &["session", "list", "--path", "does/not/exist"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does/not/exist") && err.contains("does not exist"), "{err}");
}

#[test]
fn last_ends_with_the_resume_command() {
    let home = TestHome::new();
    let (proj, proj2) = three_sessions(&home);
    // From the session's own directory: no cd needed.
    let out = run(&home, &proj.join("api"), &["session", "last"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert_eq!(text.lines().last(), Some(format!("codex resume {NEW}").as_str()), "{text}");
    assert!(text.contains("add the endpoint with tests"), "{text}");

    // From the project root, the session ran in a subfolder: cd first.
    let out = run(&home, &proj, &["session", "last"]);
    let want = format!("cd {} && codex resume {NEW}", proj.join("api").display());
    assert_eq!(stdout(&out).lines().last(), Some(want.as_str()), "{}", stdout(&out));

    // Another directory without cd-ing there.
    let out = run(&home, &proj, &["session", "last", "--path", proj2.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{out:?}");
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["id"], OTHER);
    assert_eq!(s["first_message"], "unrelated");
}

#[test]
fn last_with_no_session_exits_1() {
    let home = TestHome::new();
    let empty = project(&home, "empty");
    let out = run(&home, &empty, &["session", "last"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("No Codex sessions found"), "{out:?}");
}

#[test]
fn claude_sessions_resume_with_claude() {
    let home = TestHome::new();
    let proj = project(&home, "code/site.io");
    claude_session(&home, OLD, &proj, "make the header sticky");
    codex_session(&home, NEW, &proj, "codex, not claude", 0);
    let out = run(&home, &proj, &["session", "last", "--claude"]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("make the header sticky") && !text.contains("tool_result"), "{text}");
    assert_eq!(text.lines().last(), Some(format!("claude --resume {OLD}").as_str()), "{text}");

    let out = run(&home, &proj, &["session", "list", "--claude", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["service"], "claude");
    assert_eq!(doc["sessions"][0]["resume_command"], format!("claude --resume {OLD}"));
    assert_eq!(doc["sessions"].as_array().unwrap().len(), 1);
}
