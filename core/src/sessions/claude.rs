//! Claude Code transcripts: `~/.claude/projects/<encoded cwd>/<uuid>.jsonl`.
//!
//! The folder name is the cwd with `/`, `.` (newer versions: every
//! non-alphanumeric character) replaced by `-`. That encoding is lossy, so
//! it only pre-filters folders; the `cwd` field inside the lines decides.
//! Lines carry `type` (`user`, `assistant`, `summary`, ...), `sessionId`,
//! `cwd`, `timestamp` and `message: {role, content}`, where content is a
//! string or an array of blocks. Tool results come back as role `user` with
//! `tool_result` blocks, and Claude adds its own user lines (`isMeta`,
//! slash-command echoes, reminders): none of those is what the person typed.

use std::fs;
use std::io;
use std::path::Path;

use serde_json::Value;

use super::scan::{Candidate, DirMatcher, HeadReader, Line};
use super::{parse_time_ms, typed_message, Found};

/// How far we read to find the cwd (a few summary or snapshot lines may
/// come first).
const CWD_BUDGET: usize = 64 * 1024;
/// How far into a matching session we look for the first user message.
const MESSAGE_BUDGET: usize = 512 * 1024;

/// User texts Claude Code writes itself.
const INJECTED_PREFIXES: &[&str] =
    &["<command-", "<local-command-", "<system-reminder>", "Caveat: The messages below", "[Request interrupted"];

/// The `*.jsonl` files of every project folder whose name could encode one
/// of `dirs` or a directory below it. A missing root is no sessions.
pub(crate) fn candidates(root: &Path, dirs: &[&Path]) -> io::Result<Vec<Candidate>> {
    let entries = match fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let wanted: Vec<String> = dirs.iter().map(|d| encode(&d.to_string_lossy())).collect();
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = encode(&entry.file_name().to_string_lossy());
        let maybe_ours =
            wanted.iter().any(|w| name == *w || name.strip_prefix(w.as_str()).is_some_and(|r| r.starts_with('-')));
        if !maybe_ours || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(files) = fs::read_dir(entry.path()) else { continue };
        for file in files.flatten() {
            let path = file.path();
            // `agent-*.jsonl` are sub-agent transcripts that carry their
            // parent's sessionId: listing them would repeat the parent.
            let is_agent = file.file_name().to_string_lossy().starts_with("agent-");
            if !is_agent
                && path.extension().is_some_and(|e| e == "jsonl")
                && file.file_type().is_ok_and(|t| t.is_file())
            {
                out.extend(Candidate::stat(path));
            }
        }
    }
    Ok(out)
}

/// The most lenient form of Claude's folder encoding: every character that
/// is not an ASCII letter or digit becomes `-`, runs of `-` collapse. Both
/// the folder name and DIR go through it, so either client version matches.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out
}

/// The session in `path` if its cwd is accepted by `matcher`.
pub(crate) fn read(path: &Path, matcher: &mut DirMatcher) -> Option<Found> {
    let mut reader = HeadReader::open(path, CWD_BUDGET)?;
    let mut id = None;
    let mut started_at_ms = None;
    let mut accepted = None;
    let mut first_message = None;
    while let Some(line) = reader.next_line(MESSAGE_BUDGET) {
        let Line::Full(bytes) = line else { continue };
        let Ok(value) = serde_json::from_slice::<Value>(&bytes) else { continue };
        if started_at_ms.is_none() {
            started_at_ms = value.get("timestamp").and_then(Value::as_str).and_then(parse_time_ms);
        }
        if id.is_none() {
            id = value.get("sessionId").and_then(Value::as_str).map(str::to_string);
        }
        if accepted.is_none() {
            let Some(cwd) = value.get("cwd").and_then(Value::as_str) else { continue };
            // The first cwd decides: a session is placed where it started.
            accepted = Some((cwd.to_string(), matcher.accept(cwd)?));
            reader.extend_budget(MESSAGE_BUDGET);
        }
        first_message = user_text(&value);
        if first_message.is_some() {
            break;
        }
    }
    let (cwd, resolved_cwd) = accepted?;
    let id = id.or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))?;
    Some(Found { id, cwd, resolved_cwd, started_at_ms, first_message })
}

/// The text of a line the person typed, if this is one.
fn user_text(line: &Value) -> Option<String> {
    if line.get("type")?.as_str()? != "user" {
        return None;
    }
    let flagged = |key| line.get(key).and_then(Value::as_bool).unwrap_or(false);
    if flagged("isMeta") || flagged("isSidechain") || flagged("isCompactSummary") {
        return None;
    }
    let message = line.get("message")?;
    if message.get("role").and_then(Value::as_str).is_some_and(|r| r != "user") {
        return None;
    }
    match message.get("content")? {
        Value::String(text) => typed_message(text, INJECTED_PREFIXES),
        Value::Array(blocks) => {
            // Tool results are the tool talking, not the person.
            if blocks.iter().any(|b| b.get("type").and_then(Value::as_str) == Some("tool_result")) {
                return None;
            }
            blocks
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .find_map(|b| typed_message(b.get("text")?.as_str()?, INJECTED_PREFIXES))
        }
        _ => None,
    }
}

#[cfg(test)]
pub(crate) fn encode_for_tests(path: &str) -> String {
    // What Claude Code itself writes: `/` and `.` become `-`.
    path.replace(['/', '.'], "-")
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn encoding_is_lenient_about_which_characters_became_dashes() {
        assert_eq!(encode("/home/u/.config/my_app"), "-home-u-config-my-app");
        assert_eq!(encode(&encode_for_tests("/home/u/.config/my_app")), "-home-u-config-my-app");
    }
}
