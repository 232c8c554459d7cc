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
    use crate::switch::{backup_path, state, switch_off, switch_on, unswitched_text, Restored};
    use std::fs;

    const USER: &str = "{\n    \"model\": \"opus\",\n    \"env\": {\n        \"DISABLE_AUTOUPDATER\": \"1\"\n    },\n    \"permissions\": {\n        \"allow\": []\n    }\n}\n";

    fn home_with(settings: Option<&str>) -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        fs::create_dir_all(paths.claude_dir()).unwrap();
        if let Some(text) = settings {
            fs::write(paths.claude_dir().join("settings.json"), text).unwrap();
        }
        (dir, paths)
    }

    fn read(paths: &Paths) -> String {
        fs::read_to_string(paths.claude_dir().join("settings.json")).unwrap()
    }

    #[test]
    fn on_adds_url_and_placeholder_keeping_order_and_indent() {
        let (_d, paths) = home_with(Some(USER));
        switch_on(&paths, Service::Claude, 3210).unwrap();
        let text = read(&paths);
        assert_eq!(
            text,
            "{\n    \"model\": \"opus\",\n    \"env\": {\n        \"DISABLE_AUTOUPDATER\": \"1\",\n        \"ANTHROPIC_BASE_URL\": \"http://127.0.0.1:3210\",\n        \"ANTHROPIC_AUTH_TOKEN\": \"codex-helper\"\n    },\n    \"permissions\": {\n        \"allow\": []\n    }\n}\n"
        );
        let backup = backup_path(&paths.claude_dir().join("settings.json"));
        assert_eq!(fs::read_to_string(backup).unwrap(), USER);
        assert_eq!(state(&paths, Service::Claude).unwrap().port, Some(3210));
    }

    #[test]
    fn an_existing_key_is_kept_and_no_placeholder_added() {
        let user =
            r#"{"env": {"ANTHROPIC_API_KEY": "sk-ant-real-1234567", "ANTHROPIC_BASE_URL": "https://relay.example"}}"#;
        let (_d, paths) = home_with(Some(user));
        let on = switch_on(&paths, Service::Claude, 3210).unwrap();
        assert_eq!(on.keys, ["env.ANTHROPIC_BASE_URL"]);
        let v: Value = serde_json::from_str(&read(&paths)).unwrap();
        assert_eq!(v["env"]["ANTHROPIC_API_KEY"], "sk-ant-real-1234567");
        assert!(v["env"].get(AUTH_TOKEN).is_none());
        assert_eq!(v["env"]["ANTHROPIC_BASE_URL"], "http://127.0.0.1:3210");
        // Before the switch, as far as bootstrap is concerned.
        assert_eq!(unswitched_text(&paths, Service::Claude).unwrap().unwrap(), user);
        switch_off(&paths, Service::Claude).unwrap();
        assert_eq!(read(&paths), user);
    }

    #[test]
    fn on_off_round_trip_and_idempotence() {
        let (_d, paths) = home_with(Some(USER));
        switch_on(&paths, Service::Claude, 3210).unwrap();
        let once = read(&paths);
        let again = switch_on(&paths, Service::Claude, 3210).unwrap();
        assert!(again.already && !again.changed);
        assert_eq!(read(&paths), once);
        assert_eq!(switch_off(&paths, Service::Claude).unwrap().restored, Some(Restored::Backup));
        assert_eq!(read(&paths), USER);
        assert!(switch_off(&paths, Service::Claude).unwrap().already);
        assert_eq!(read(&paths), USER);
    }

    #[test]
    fn user_edits_survive_off() {
        let (_d, paths) = home_with(Some("{\"model\": \"opus\"}"));
        switch_on(&paths, Service::Claude, 3210).unwrap();
        let mut v: Value = serde_json::from_str(&read(&paths)).unwrap();
        v["model"] = "sonnet".into();
        v["env"]["MY_VAR"] = "x".into();
        fs::write(paths.claude_dir().join("settings.json"), serde_json::to_string_pretty(&v).unwrap()).unwrap();
        let off = switch_off(&paths, Service::Claude).unwrap();
        assert_eq!(off.restored, Some(Restored::Keys));
        let back: Value = serde_json::from_str(&read(&paths)).unwrap();
        assert_eq!(back, serde_json::json!({"model": "sonnet", "env": {"MY_VAR": "x"}}));
    }

    #[test]
    fn created_env_is_removed_when_left_empty() {
        let (_d, paths) = home_with(Some("{\"model\": \"opus\"}\n"));
        switch_on(&paths, Service::Claude, 3210).unwrap();
        let edited = read(&paths).replace("\"opus\"", "\"haiku\"");
        fs::write(paths.claude_dir().join("settings.json"), &edited).unwrap();
        switch_off(&paths, Service::Claude).unwrap();
        assert_eq!(read(&paths), "{\n  \"model\": \"haiku\"\n}\n");
    }

    #[test]
    fn malformed_or_odd_files_are_refused_untouched() {
        let broken = "{\n  \"env\": {\n    \"A\": 1,\n  }\n}\n";
        let (_d, paths) = home_with(Some(broken));
        let err = switch_on(&paths, Service::Claude, 3210).unwrap_err();
        assert!(matches!(err, SwitchError::Parse { line: 4, .. }), "{err:?}");
        assert!(err.to_string().contains("settings.json:4:"), "{err}");
        assert_eq!(read(&paths), broken);
        fs::write(paths.claude_dir().join("settings.json"), "{\"env\": \"x\"}").unwrap();
        let err = switch_on(&paths, Service::Claude, 3210).unwrap_err().to_string();
        assert!(err.contains("`env` is \"x\", not an object"), "{err}");
        assert_eq!(read(&paths), "{\"env\": \"x\"}");
    }

    #[test]
    fn missing_claude_dir_is_a_clear_error_and_missing_file_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        let err = switch_on(&paths, Service::Claude, 3210).unwrap_err().to_string();
        assert!(err.contains("~/.claude") || err.contains(".claude does not exist"), "{err}");
        assert!(err.contains("run `claude` once"), "{err}");
        fs::create_dir_all(paths.claude_dir()).unwrap();
        switch_on(&paths, Service::Claude, 3210).unwrap();
        let v: Value = serde_json::from_str(&read(&paths)).unwrap();
        assert_eq!(v["env"][AUTH_TOKEN], PLACEHOLDER_TOKEN);
        assert_eq!(switch_off(&paths, Service::Claude).unwrap().restored, Some(Restored::Deleted));
        assert!(!paths.claude_dir().join("settings.json").exists());
    }
}
