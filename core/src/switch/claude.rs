//! Claude Code: `~/.claude/settings.json`, whose `env` object Claude Code
//! applies to itself on start.
//!
//! Pointing it at the proxy takes `env.ANTHROPIC_BASE_URL`. Claude Code
//! refuses to send anything ("Not logged in") without a key or token, so
//! when the file has neither we add a placeholder `ANTHROPIC_AUTH_TOKEN`;
//! the proxy replaces it with the upstream's real key. Every other key keeps
//! its place (serde_json keeps object order), and the indentation found in
//! the file is reused when writing it back.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use super::{loopback_port, Client, SwitchError};
use crate::paths::Paths;
use crate::service::Service;

/// The placeholder token `switch on --claude` sets when there is no key.
pub const PLACEHOLDER_TOKEN: &str = "codex-helper";

const ENV: &str = "env";
const BASE_URL: &str = "ANTHROPIC_BASE_URL";
const AUTH_TOKEN: &str = "ANTHROPIC_AUTH_TOKEN";
const API_KEY: &str = "ANTHROPIC_API_KEY";

pub(crate) struct Claude;

/// `settings.json` parsed, with what is needed to write it back alike.
pub(crate) struct Settings {
    pub(crate) value: Value,
    indent: String,
    trailing_newline: bool,
}

impl Client for Claude {
    type Doc = Settings;
    const SERVICE: Service = Service::Claude;

    fn dir(paths: &Paths) -> PathBuf {
        paths.claude_dir()
    }

    fn file(paths: &Paths) -> PathBuf {
        paths.claude_dir().join("settings.json")
    }

    fn parse(text: &str, path: &Path) -> Result<Settings, SwitchError> {
        parse(text, path)
    }

    fn empty() -> Settings {
        Settings { value: Value::Object(Map::new()), indent: "  ".into(), trailing_newline: true }
    }

    fn render(doc: &Settings) -> String {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(doc.indent.as_bytes());
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        // Serialising a Value into memory cannot fail.
        doc.value.serialize(&mut ser).expect("serialise JSON");
        let mut text = String::from_utf8(out).expect("JSON is UTF-8");
        if doc.trailing_newline {
            text.push('\n');
        }
        text
    }

    fn wanted(doc: &Settings, port: u16) -> Vec<(Vec<String>, String)> {
        let url = Value::from(format!("http://127.0.0.1:{port}"));
        let mut wanted = vec![(key(&[ENV, BASE_URL]), url.to_string())];
        let env = doc.value.get(ENV);
        let has = |name: &str| env.and_then(|e| e.get(name)).and_then(Value::as_str).is_some_and(|s| !s.is_empty());
        let token_is_ours = env.and_then(|e| e.get(AUTH_TOKEN)).and_then(Value::as_str) == Some(PLACEHOLDER_TOKEN);
        if token_is_ours || !(has(AUTH_TOKEN) || has(API_KEY)) {
            wanted.push((key(&[ENV, AUTH_TOKEN]), Value::from(PLACEHOLDER_TOKEN).to_string()));
        }
        wanted
    }

    fn get(doc: &Settings, key: &[String]) -> Option<String> {
        value_at(&doc.value, key).map(Value::to_string)
    }

    fn same(doc: &Settings, key: &[String], source: &str) -> bool {
        let wanted: Option<Value> = serde_json::from_str(source).ok();
        wanted.is_some() && value_at(&doc.value, key) == wanted.as_ref()
    }

    fn set(doc: &mut Settings, key: &[String], source: &str, path: &Path) -> Result<(), SwitchError> {
        let new: Value = serde_json::from_str(source).map_err(|e| {
            SwitchError::shape(path, key, format!("cannot be restored: the recorded value does not parse ({e})"))
        })?;
        let Some((leaf, parents)) = key.split_last() else { return Ok(()) };
        let mut object = doc.value.as_object_mut().ok_or_else(|| SwitchError::shape(path, &[], "is not an object"))?;
        for (depth, name) in parents.iter().enumerate() {
            object =
                object.entry(name.clone()).or_insert_with(|| Value::Object(Map::new())).as_object_mut().ok_or_else(
                    || SwitchError::shape(path, &key[..=depth], "is not an object; make it {} or remove it"),
                )?;
        }
        object.insert(leaf.clone(), new);
        Ok(())
    }

    fn remove(doc: &mut Settings, key: &[String]) {
        let Some((leaf, parents)) = key.split_last() else { return };
        let mut value = &mut doc.value;
        for name in parents {
            match value.get_mut(name.as_str()) {
                Some(v) => value = v,
                None => return,
            }
        }
        if let Some(object) = value.as_object_mut() {
            object.shift_remove(leaf);
        }
    }

    fn is_empty(doc: &Settings, key: &[String]) -> bool {
        value_at(&doc.value, key).and_then(Value::as_object).is_some_and(Map::is_empty)
    }

    fn proxy_port(doc: &Settings) -> Option<u16> {
        loopback_port(env_var(&doc.value, BASE_URL)?)
    }
}

/// Parses `settings.json`. Whitespace only counts as `{}` (nothing to
/// lose); anything but an object at the top is refused.
pub(crate) fn parse(text: &str, path: &Path) -> Result<Settings, SwitchError> {
    if text.trim().is_empty() {
        return Ok(Claude::empty());
    }
    let value: Value = serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text)).map_err(|e| {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        SwitchError::Parse {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: message.strip_suffix(&suffix).unwrap_or(&message).to_string(),
        }
    })?;
    if !value.is_object() {
        return Err(SwitchError::shape(path, &[], "is not a JSON object ({...}); fix the file by hand"));
    }
    if let Some(env) = value.get(ENV).filter(|e| !e.is_object()) {
        return Err(SwitchError::shape(
            path,
            &key(&[ENV]),
            format!("is {env}, not an object; make it {{}} or remove it"),
        ));
    }
    // Reuse the file's indentation: the first indented line shows it.
    let indent = text
        .lines()
        .skip(1)
        .find(|l| l.starts_with([' ', '\t']))
        .map(|l| l[..l.len() - l.trim_start().len()].to_string())
        .unwrap_or_else(|| "  ".into());
    Ok(Settings { value, indent, trailing_newline: text.ends_with('\n') })
}

/// `env.<name>` as a string, if set.
pub(crate) fn env_var<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(ENV)?.get(name)?.as_str()
}

fn key(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn value_at<'a>(value: &'a Value, key: &[String]) -> Option<&'a Value> {
    key.iter().try_fold(value, |v, name| v.get(name.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
}
