//! Unit tests for session finding, on synthetic transcripts shaped like the
//! real clients' (see the module headers of `codex.rs` and `claude.rs`).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::*;

struct Home {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    paths: Paths,
}

impl Home {
    fn new() -> Home {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        let paths = Paths::with_home(root.join("home"));
        Home { _tmp: tmp, root, paths }
    }

    /// A project directory that exists on disk.
    fn project(&self, rel: &str) -> PathBuf {
        let p = self.root.join(rel);
        fs::create_dir_all(&p).unwrap();
        p
    }

    fn codex_session(&self, id: &str, cwd: &Path, age_secs: u64, body: &[serde_json::Value]) -> PathBuf {
        let root = sessions_root(&self.paths, Service::Codex);
        let path = codex::rollout_path(&root, "2025-10-29", "00-59-38", id);
        let meta = json!({"timestamp": "2025-10-29T00:59:38.317Z", "type": "session_meta",
            "payload": {"id": id, "timestamp": "2025-10-29T00:59:38.308Z", "cwd": cwd, "originator": "codex_cli_rs",
                "cli_version": "0.169.0", "instructions": null}});
        write_lines(&path, std::iter::once(meta.to_string()).chain(body.iter().map(|v| v.to_string())), age_secs);
        path
    }

    fn claude_session(&self, folder_for: &Path, id: &str, cwd: &Path, age_secs: u64, lines: &[serde_json::Value]) {
        let folder = claude::encode_for_tests(&folder_for.to_string_lossy());
        let path = sessions_root(&self.paths, Service::Claude).join(folder).join(format!("{id}.jsonl"));
        let lines = lines.iter().map(|l| {
            let mut l = l.clone();
            if l["type"] != "summary" {
                l["sessionId"] = json!(id);
                l["cwd"] = json!(cwd);
                l["timestamp"] = json!("2025-11-02T10:00:00.000Z");
            }
            l.to_string()
        });
        write_lines(&path, lines, age_secs);
    }
}

fn write_lines(path: &Path, lines: impl Iterator<Item = String>, age_secs: u64) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut text = String::new();
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    fs::write(path, text).unwrap();
    let when = SystemTime::now() - Duration::from_secs(age_secs);
    fs::File::options().write(true).open(path).unwrap().set_modified(when).unwrap();
}

fn codex_user(text: &str) -> Vec<serde_json::Value> {
    vec![
        json!({"type": "response_item", "payload": {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "<environment_context>\n  <cwd>/x</cwd>\n</environment_context>"}]}}),
        json!({"type": "response_item", "payload": {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": text}]}}),
        json!({"type": "event_msg", "payload": {"type": "user_message", "message": text, "kind": "plain"}}),
    ]
}

fn ids(list: &[SessionInfo]) -> Vec<&str> {
    list.iter().map(|s| s.id.as_str()).collect()
}

const A: &str = "019a2d7a-41c4-78b1-b7cc-a45d62a89cd5";
const B: &str = "019a2d7a-0000-78b1-b7cc-000000000002";
const C: &str = "019a2d7a-0000-78b1-b7cc-000000000003";
const D: &str = "019a2d7a-0000-78b1-b7cc-000000000004";

#[test]
fn codex_lists_sessions_in_dir_and_below_newest_first() {
    let h = Home::new();
    let proj = h.project("work/proj");
    let sub = h.project("work/proj/sub");
    let sibling = h.project("work/proj2"); // a string prefix, not a path prefix
    h.codex_session(A, &proj, 300, &codex_user("fix the tests"));
    h.codex_session(B, &sub, 100, &codex_user("and the docs"));
    h.codex_session(C, &sibling, 10, &codex_user("not ours"));
    h.codex_session(D, &h.project("elsewhere"), 5, &codex_user("not ours either"));

    let list = list(&h.paths, Service::Codex, &proj, 20).unwrap();
    assert_eq!(ids(&list), [B, A]);
    assert_eq!(list[0].first_message.as_deref(), Some("and the docs"));
    assert_eq!(list[0].display_dir(&proj), "sub");
    assert_eq!(list[1].display_dir(&proj), ".");
    assert_eq!(list[1].cwd, proj);
    assert_eq!(list[1].started_at, "2025-10-29T00:59:38.308Z");
    assert_eq!(list[1].started_at_ms, 1_761_699_578_308);
    assert!(list[0].modified_at_ms > list[1].modified_at_ms);
    assert_eq!(list[1].resume_command(), format!("codex resume {A}"));

    let only_sub = super::list(&h.paths, Service::Codex, &sub, 20).unwrap();
    assert_eq!(ids(&only_sub), [B]);
    assert_eq!(ids(&super::list(&h.paths, Service::Codex, &proj, 1).unwrap()), [B]);
    assert_eq!(last(&h.paths, Service::Codex, &sibling).unwrap().unwrap().id, C);
}

#[test]
fn codex_skips_injected_context_and_malformed_lines() {
    let h = Home::new();
    let proj = h.project("p");
    let body = vec![
        json!("not an object"),
        json!({"type": "response_item", "payload": {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "# AGENTS.md instructions for /p\n\n<INSTRUCTIONS>be nice</INSTRUCTIONS>"}]}}),
        json!({"type": "response_item", "payload": {"type": "message", "role": "assistant", "content": [
            {"type": "output_text", "text": "hello from the model"}]}}),
        json!({"type": "response_item", "payload": {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "<user_instructions>x</user_instructions>"},
            {"type": "input_text", "text": "  refactor the parser\nplease  "}]}}),
    ];
    let path = h.codex_session(A, &proj, 0, &body);
    // A broken line in the middle of the file must not hide what follows.
    let text = fs::read_to_string(&path).unwrap().replacen("\n", "\n{\"type\": broken\n", 1);
    fs::write(&path, text).unwrap();
    // And a file whose first line is garbage is skipped, not an error.
    let junk = path.with_file_name(format!("rollout-2025-10-29T01-00-00-{B}.jsonl"));
    fs::write(&junk, "garbage\n").unwrap();
    fs::write(path.with_file_name("notes.txt"), "ignored").unwrap();

    let list = list(&h.paths, Service::Codex, &proj, 20).unwrap();
    assert_eq!(ids(&list), [A]);
    assert_eq!(list[0].first_message.as_deref(), Some("refactor the parser\nplease"));
    assert_eq!(list[0].summary(80), "refactor the parser please");
    assert_eq!(list[0].summary(8), "refacto…");
}

#[test]
fn codex_reads_a_session_meta_line_longer_than_the_head() {
    let h = Home::new();
    let proj = h.project("p");
    let root = sessions_root(&h.paths, Service::Codex);
    let path = codex::rollout_path(&root, "2025-12-01", "09-00-00", A);
    let meta = json!({"type": "session_meta", "payload": {"id": A, "timestamp": "2025-12-01T09:00:00Z", "cwd": proj,
        "base_instructions": {"text": "x".repeat(100_000)}}});
    let lines = [meta.to_string()].into_iter().chain(codex_user("long meta").into_iter().map(|v| v.to_string()));
    write_lines(&path, lines, 0);

    let list = list(&h.paths, Service::Codex, &proj, 20).unwrap();
    assert_eq!(ids(&list), [A]);
    assert_eq!(list[0].started_at, "2025-12-01T09:00:00.000Z");
    assert_eq!(list[0].first_message.as_deref(), Some("long meta"));
}

#[test]
fn codex_finds_the_newest_among_ten_thousand_files() {
    let h = Home::new();
    let proj = h.project("big/proj");
    let other = h.project("big/other");
    let root = sessions_root(&h.paths, Service::Codex);
    let mut expected = Vec::new();
    for i in 0..10_000u64 {
        let id = format!("00000000-0000-0000-0000-{i:012}");
        let ours = i % 97 == 0;
        let cwd = if ours { &proj } else { &other };
        let day = format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i % 28);
        let path = codex::rollout_path(&root, &day, "12-00-00", &id);
        let meta =
            json!({"type": "session_meta", "payload": {"id": id, "cwd": cwd, "timestamp": "2025-01-01T00:00:00Z"}});
        let msg = json!({"type": "event_msg", "payload": {"type": "user_message", "message": format!("task {i}")}});
        // Session i was last active i seconds after the epoch-ish base.
        write_lines(&path, [meta.to_string(), msg.to_string()].into_iter(), 20_000 - i);
        if ours {
            expected.push((i, id));
        }
    }
    expected.reverse();
    let list = list(&h.paths, Service::Codex, &proj, 5).unwrap();
    let want: Vec<&str> = expected.iter().take(5).map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids(&list), want);
    assert_eq!(list[0].first_message.as_deref(), Some(format!("task {}", expected[0].0).as_str()));
    assert_eq!(super::list(&h.paths, Service::Codex, &proj, 0).unwrap().len(), expected.len());
}

#[test]
fn claude_lists_by_the_cwd_inside_the_files() {
    let h = Home::new();
    let proj = h.project("code/my.app");
    let sub = h.project("code/my.app/web");
    let prefix = h.project("code/my.app-old");
    let text = |t: &str| json!({"type": "user", "message": {"role": "user", "content": t}});
    h.claude_session(&proj, A, &proj, 200, &[
        json!({"type": "summary", "summary": "Parser work", "leafUuid": "x"}),
        json!({"type": "user", "isMeta": true, "message": {"role": "user", "content": "Caveat: The messages below were generated by the user while running local commands."}}),
        json!({"type": "user", "message": {"role": "user", "content": "<command-name>/clear</command-name>"}}),
        text("first real question"),
    ]);
    h.claude_session(&sub, B, &sub, 100, &[
        json!({"type": "user", "message": {"role": "user", "content": [
            {"type": "text", "text": "<system-reminder>ctx</system-reminder>"}, {"type": "text", "text": "style the page"}]}}),
    ]);
    // Tool results are role user too; they are skipped.
    h.claude_session(&proj, C, &proj, 50, &[
        json!({"type": "user", "message": {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t1", "content": "ls output"}]}}),
        json!({"type": "assistant", "message": {"role": "assistant", "content": [{"type": "text", "text": "done"}]}}),
        json!({"type": "user", "message": {"role": "user", "content": [{"type": "text", "text": "next step"}]}}),
    ]);
    // The folder name says my.app-old, which encodes like a child of my.app.
    h.claude_session(&prefix, D, &prefix, 10, &[text("old app")]);
    // Lossy folder name: filed under proj's folder but really elsewhere.
    h.claude_session(&proj, "e5", &h.project("code/my/app"), 5, &[text("a different project")]);
    // A sub-agent transcript repeats its parent's sessionId: not listed.
    h.claude_session(&proj, "agent-1a2b", &proj, 0, &[text("sub-agent prompt")]);

    let list = list(&h.paths, Service::Claude, &proj, 20).unwrap();
    assert_eq!(ids(&list), [C, B, A]);
    assert_eq!(list[0].first_message.as_deref(), Some("next step"));
    assert_eq!(list[1].first_message.as_deref(), Some("style the page"));
    assert_eq!(list[1].display_dir(&proj), "web");
    assert_eq!(list[2].first_message.as_deref(), Some("first real question"));
    assert_eq!(list[2].started_at, "2025-11-02T10:00:00.000Z");
    assert_eq!(list[2].resume_command(), format!("claude --resume {A}"));
    assert_eq!(list[2].service, Service::Claude);
}

#[test]
fn missing_session_folders_mean_no_sessions_and_a_missing_dir_is_an_error() {
    let h = Home::new();
    let proj = h.project("p");
    assert!(list(&h.paths, Service::Codex, &proj, 20).unwrap().is_empty());
    assert!(last(&h.paths, Service::Claude, &proj).unwrap().is_none());
    let err = list(&h.paths, Service::Codex, &h.root.join("nope"), 20).unwrap_err();
    assert!(matches!(err, SessionError::DirNotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("nope") && err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn resume_command_changes_directory_only_when_needed() {
    let h = Home::new();
    let proj = h.project("with space/proj");
    h.codex_session(A, &proj, 0, &codex_user("hi"));
    let s = last(&h.paths, Service::Codex, &proj).unwrap().unwrap();
    assert_eq!(s.resume_command_from(&proj), format!("codex resume {A}"));
    assert_eq!(s.resume_command_from(&h.root), format!("cd '{}' && codex resume {A}", proj.display()));
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["resume_command"], format!("codex resume {A}"));
    assert_eq!(json["service"], "codex");
    assert!(json.get("resolved_cwd").is_none());
}

/// Session files are the clients' own, written while they run: a broken one
/// (empty, cut off, wrong types, not UTF-8, one huge line) is skipped so the
/// others still list, nothing panics, and the file is left as it is.
#[test]
fn bad_session_files_are_skipped_and_kept() {
    let h = Home::new();
    let proj = h.project("p");
    let mut huge = b"{\"type\":\"session_meta\",\"payload\":{\"instructions\":\"".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 4 << 20));
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", b"{\"type\":\"session_meta\",\"payload\":{\"cwd\":\"/p".to_vec()),
        ("wrong types", br#"{"type":"session_meta","payload":{"id":5,"cwd":["/p"],"timestamp":true}}"#.to_vec()),
        ("invalid UTF-8", b"{\"type\":\"\xff\xfe\"}\n\xc3\x28\n".to_vec()),
        ("huge", huge),
    ];
    h.codex_session(A, &proj, 100, &codex_user("the good one"));
    h.claude_session(&proj, A, &proj, 100, &[json!({"type": "user", "message": {"role": "user", "content": "hi"}})]);
    let codex_dir = codex::rollout_path(&sessions_root(&h.paths, Service::Codex), "2025-10-29", "00-59-38", A);
    let claude_dir = sessions_root(&h.paths, Service::Claude).join(claude::encode_for_tests(&proj.to_string_lossy()));
    let mut written = Vec::new();
    for (i, (_, bytes)) in bad.iter().enumerate() {
        let id = format!("019a2d7a-0000-78b1-b7cc-00000000010{i}");
        let codex = codex_dir.with_file_name(format!("rollout-2025-10-29T01-00-0{i}-{id}.jsonl"));
        let claude = claude_dir.join(format!("{id}.jsonl"));
        for path in [codex, claude] {
            fs::write(&path, bytes).unwrap();
            written.push((path, bytes.clone()));
        }
    }
    for service in [Service::Codex, Service::Claude] {
        let found = list(&h.paths, service, &proj, 20).unwrap();
        assert_eq!(ids(&found), [A], "{service}: only the good session lists");
    }
    for (path, bytes) in written {
        assert_eq!(fs::read(&path).unwrap(), bytes, "{}: nothing overwritten", path.display());
    }
}
