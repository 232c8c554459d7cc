//! Codex rollout files: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local
//! time>-<uuid>.jsonl`.
//!
//! Line 1 is `{"type":"session_meta","payload":{"id","timestamp","cwd",...}}`
//! (newer versions append the full base instructions to that payload, so
//! the line can be tens of KB: we read only its first bytes, where `id`,
//! `timestamp` and `cwd` sit). What the person typed comes later, both as
//! `{"type":"event_msg","payload":{"type":"user_message","message":"..."}}`
//! and as a `response_item` user message whose `input_text` blocks also
//! carry the context Codex injects (`<environment_context>`, AGENTS.md
//! instructions), which we skip.

use std::fs;
use std::io;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::scan::{Candidate, DirMatcher, HeadReader, Line};
use super::{parse_time_ms, typed_message, Found};

/// How much of line 1 we read before deciding whether the session is ours.
const META_BYTES: usize = 8 * 1024;
/// How far into a matching session we look for the first user message.
const MESSAGE_BUDGET: usize = 512 * 1024;

/// Texts Codex adds to the conversation itself, not typed by the person.
const INJECTED_PREFIXES: &[&str] = &[
    "<environment_context>",
    "<user_instructions>",
    "<INSTRUCTIONS>",
    "# AGENTS.md",
    "<turn_aborted>",
    "<user_shell_command>",
];

/// Every `rollout-*.jsonl` under `root`, unread. A missing root is no
/// sessions, not an error.
pub(crate) fn candidates(root: &Path) -> io::Result<Vec<Candidate>> {
    let mut out = Vec::new();
    match fs::read_dir(root) {
        Ok(_) => walk(root, &mut out),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    }
    Ok(out)
}

/// Depth-first over the date folders; unreadable folders are skipped so one
/// bad directory doesn't hide every other session.
fn walk(dir: &Path, out: &mut Vec<Candidate>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        let path = entry.path();
        if kind.is_dir() {
            walk(&path, out);
        } else if is_rollout_name(&entry.file_name().to_string_lossy()) {
            out.extend(Candidate::stat(path));
        }
    }
}

fn is_rollout_name(name: &str) -> bool {
    name.starts_with("rollout-") && name.ends_with(".jsonl")
}

#[derive(Deserialize)]
struct MetaLine {
    #[serde(rename = "type")]
    kind: String,
    payload: Meta,
}

#[derive(Deserialize)]
struct Meta {
    id: Option<String>,
    cwd: Option<String>,
    timestamp: Option<String>,
}

/// The session in `path` if its cwd is accepted by `matcher`.
pub(crate) fn read(path: &Path, matcher: &mut DirMatcher) -> Option<Found> {
    let mut reader = HeadReader::open(path, META_BYTES)?;
    let meta = match reader.next_line(META_BYTES)? {
        Line::Full(bytes) => {
            let line: MetaLine = serde_json::from_slice(&bytes).ok()?;
            (line.kind == "session_meta").then_some(line.payload)?
        }
        Line::Cut(prefix) => meta_from_prefix(&prefix)?,
    };
    let cwd = meta.cwd?;
    let resolved_cwd = matcher.accept(&cwd)?;
    let id = meta.id.or_else(|| id_from_name(path))?;
    reader.extend_budget(MESSAGE_BUDGET);
    let first_message = first_user_message(&mut reader);
    Some(Found {
        id,
        cwd,
        resolved_cwd,
        started_at_ms: meta.timestamp.as_deref().and_then(parse_time_ms),
        first_message,
    })
}

/// `id`, `cwd` and `timestamp` from the start of a session_meta line too
/// long to read whole. They are plain string fields ahead of the long
/// instructions, so finding each key and parsing the string after it is
/// enough.
fn meta_from_prefix(prefix: &[u8]) -> Option<Meta> {
    let text = String::from_utf8_lossy(prefix);
    if !text.contains("\"session_meta\"") {
        return None;
    }
    let payload = &text[text.find("\"payload\"")?..];
    Some(Meta {
        id: string_field(payload, "id"),
        cwd: string_field(payload, "cwd"),
        timestamp: string_field(payload, "timestamp"),
    })
}

/// The JSON string value of the first `"key":` in `text`.
fn string_field(text: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\"");
    let at = text.find(&needle)? + needle.len();
    let rest = text[at..].trim_start().strip_prefix(':')?.trim_start();
    serde_json::Deserializer::from_str(rest).into_iter::<String>().next()?.ok()
}

/// The uuid at the end of `rollout-<time>-<uuid>.jsonl`.
fn id_from_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let id = stem.get(stem.len().checked_sub(36)?..)?;
    (id.chars().filter(|c| *c == '-').count() == 4).then(|| id.to_string())
}

/// The first thing the person typed, from the lines after session_meta.
fn first_user_message(reader: &mut HeadReader) -> Option<String> {
    while let Some(line) = reader.next_line(MESSAGE_BUDGET) {
        let Line::Full(bytes) = line else { continue };
        let Ok(value) = serde_json::from_slice::<Value>(&bytes) else { continue };
        if let Some(text) = user_text(&value) {
            return Some(text);
        }
    }
    None
}

fn user_text(line: &Value) -> Option<String> {
    let payload = line.get("payload")?;
    match (line.get("type")?.as_str()?, payload.get("type")?.as_str()?) {
        ("event_msg", "user_message") => typed_message(payload.get("message")?.as_str()?, INJECTED_PREFIXES),
        ("response_item", "message") if payload.get("role")?.as_str()? == "user" => payload
            .get("content")?
            .as_array()?
            .iter()
            .filter(|block| block.get("type").and_then(Value::as_str) == Some("input_text"))
            .find_map(|block| typed_message(block.get("text")?.as_str()?, INJECTED_PREFIXES)),
        _ => None,
    }
}

/// For tests: the file name Codex would give a session.
#[cfg(test)]
pub(crate) fn rollout_path(root: &Path, day: &str, time: &str, id: &str) -> std::path::PathBuf {
    root.join(day.replace('-', "/")).join(format!("rollout-{day}T{time}-{id}.jsonl"))
}
