//! Codex: `$CODEX_HOME/config.toml`, edited with `toml_edit` so every other
//! key, table, comment and blank line stays exactly as it was.
//!
//! Pointing Codex at the proxy takes a provider entry of ours and
//! `model_provider` naming it. The entry has no `env_key`, so Codex sends no
//! `Authorization` header and needs no login or environment variable: the
//! proxy adds the upstream key. Retries are off in the client because the
//! proxy already fails over between upstreams.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, Value};

use super::{loopback_port, Client, SwitchError};
use crate::paths::Paths;
use crate::service::Service;

/// The `model_providers` entry `switch on` adds.
pub const PROVIDER_ID: &str = "codex-helper";

/// Codex's built-in default provider.
pub const DEFAULT_PROVIDER: &str = "openai";

pub(crate) struct Codex;

impl Client for Codex {
    type Doc = DocumentMut;
    const SERVICE: Service = Service::Codex;

    fn dir(paths: &Paths) -> PathBuf {
        paths.codex_dir().to_path_buf()
    }

    fn file(paths: &Paths) -> PathBuf {
        paths.codex_dir().join("config.toml")
    }

    fn parse(text: &str, path: &Path) -> Result<DocumentMut, SwitchError> {
        parse(text, path)
    }

    fn empty() -> DocumentMut {
        DocumentMut::new()
    }

    fn render(doc: &DocumentMut) -> String {
        doc.to_string()
    }

    fn wanted(doc: &DocumentMut, port: u16) -> Vec<(Vec<String>, String)> {
        let provider = format!(
            "[model_providers.{PROVIDER_ID}]\nname = \"{PROVIDER_ID}\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\nwire_api = \"responses\"\nrequest_max_retries = 0\nstream_max_retries = 0\n"
        );
        let select = format!("model_provider = \"{PROVIDER_ID}\"\n");
        let mut wanted = vec![
            (vec!["model_providers".to_string(), PROVIDER_ID.to_string()], provider),
            (vec!["model_provider".to_string()], select),
        ];
        // An active profile's own `model_provider` wins over the top-level
        // one, so it has to point at us too.
        if let Some(profile) = doc.get("profile").and_then(Item::as_str) {
            let key = vec!["profiles".to_string(), profile.to_string(), "model_provider".to_string()];
            if item_at(doc, &key).is_some() {
                let source = format!("[profiles.{}]\nmodel_provider = \"{PROVIDER_ID}\"\n", quote_key(profile));
                wanted.push((key, source));
            }
        }
        wanted
    }

    fn get(doc: &DocumentMut, key: &[String]) -> Option<String> {
        let item = item_at(doc, key)?;
        // A one-item document is the item's source text with its path.
        let mut snippet = DocumentMut::new();
        let (leaf, parents) = key.split_last()?;
        let mut table = snippet.as_table_mut();
        for name in parents {
            let mut t = Table::new();
            t.set_implicit(true);
            table.insert(name, Item::Table(t));
            table = table.get_mut(name)?.as_table_mut()?;
        }
        let mut item = item.clone();
        if let Item::Table(t) = &mut item {
            t.set_position(None);
        }
        table.insert(leaf, item);
        Some(snippet.to_string())
    }

    fn same(doc: &DocumentMut, key: &[String], source: &str) -> bool {
        let Ok(snippet) = source.parse::<DocumentMut>() else { return false };
        match (item_at(doc, key), item_at(&snippet, key)) {
            (Some(a), Some(b)) => canonical(a) == canonical(b),
            _ => false,
        }
    }

    fn set(doc: &mut DocumentMut, key: &[String], source: &str, path: &Path) -> Result<(), SwitchError> {
        let snippet = source.parse::<DocumentMut>().map_err(|e| {
            SwitchError::shape(
                path,
                key,
                format!("cannot be restored: the recorded value does not parse ({})", e.message()),
            )
        })?;
        let mut new = item_at(&snippet, key)
            .cloned()
            .ok_or_else(|| SwitchError::shape(path, key, "cannot be restored: the recorded value is empty"))?;
        let Some((leaf, parents)) = key.split_last() else { return Ok(()) };
        let mut table = doc.as_table_mut();
        for (depth, name) in parents.iter().enumerate() {
            if table.get(name).is_none() {
                let mut t = Table::new();
                t.set_implicit(true);
                table.insert(name, Item::Table(t));
            }
            table = match table.get_mut(name) {
                Some(Item::Table(t)) => t,
                _ => {
                    return Err(SwitchError::shape(
                        path,
                        &key[..=depth],
                        format!(
                            "is not a [table]; write it as [{}.NAME] tables so codex-helper can add its entry",
                            key[..=depth].join(".")
                        ),
                    ))
                }
            };
        }
        match (table.get_mut(leaf), &mut new) {
            // Keep where the item sits and its comments; change the value.
            (Some(Item::Value(old)), Item::Value(v)) => {
                *v.decor_mut() = old.decor().clone();
                *old = v.clone();
            }
            (Some(Item::Table(old)), Item::Table(t)) => {
                t.set_position(old.position());
                *t.decor_mut() = old.decor().clone();
                *old = t.clone();
            }
            (Some(old), _) => *old = new,
            (None, _) => {
                if let Item::Table(t) = &mut new {
                    t.set_position(None);
                    // A blank line before a new [table], like a person writes.
                    t.decor_mut().set_prefix("\n");
                }
                table.insert(leaf, new);
            }
        }
        Ok(())
    }

    fn remove(doc: &mut DocumentMut, key: &[String]) {
        let Some((leaf, parents)) = key.split_last() else { return };
        let mut table = doc.as_table_mut();
        for name in parents {
            match table.get_mut(name).and_then(Item::as_table_mut) {
                Some(t) => table = t,
                None => return,
            }
        }
        table.remove(leaf);
    }

    fn is_empty(doc: &DocumentMut, key: &[String]) -> bool {
        item_at(doc, key).and_then(Item::as_table_like).is_some_and(|t| t.is_empty())
    }

    fn proxy_port(doc: &DocumentMut) -> Option<u16> {
        loopback_port(&active_provider(doc).1?)
    }
}

/// Parses `config.toml`, reporting the line and column of a syntax error.
pub(crate) fn parse(text: &str, path: &Path) -> Result<DocumentMut, SwitchError> {
    text.parse::<DocumentMut>().map_err(|e| {
        let (line, column) = e.span().map_or((0, 0), |s| super::line_col(text, s.start));
        SwitchError::Parse { path: path.to_path_buf(), line, column, message: e.message().trim().to_string() }
    })
}

/// The active `model_provider` (default `openai`) and its `base_url`, if
/// the file gives one.
pub(crate) fn active_provider(doc: &DocumentMut) -> (String, Option<String>) {
    let id = doc.get("model_provider").and_then(Item::as_str).unwrap_or(DEFAULT_PROVIDER).to_string();
    let url = provider_field(doc, &id, "base_url");
    (id, url)
}

/// A string field of `[model_providers.<id>]`.
pub(crate) fn provider_field(doc: &DocumentMut, id: &str, field: &str) -> Option<String> {
    let key = ["model_providers".to_string(), id.to_string(), field.to_string()];
    item_at(doc, &key).and_then(Item::as_str).map(str::to_string)
}

fn item_at<'a>(doc: &'a DocumentMut, key: &[String]) -> Option<&'a Item> {
    let mut item = doc.as_item();
    for name in key {
        item = item.as_table_like()?.get(name)?;
    }
    Some(item)
}

/// A bare key when TOML allows one, else a quoted one.
fn quote_key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        name.to_string()
    } else {
        Value::from(name).to_string().trim().to_string()
    }
}

/// The item's value with all formatting dropped, for "is this still ours?".
fn canonical(item: &Item) -> String {
    match item {
        Item::None => String::new(),
        Item::Value(v) => canonical_value(v),
        Item::Table(t) => canonical_pairs(t.iter().map(|(k, v)| (k.to_string(), canonical(v)))),
        Item::ArrayOfTables(a) => {
            let parts: Vec<String> =
                a.iter().map(|t| canonical_pairs(t.iter().map(|(k, v)| (k.to_string(), canonical(v))))).collect();
            format!("[{}]", parts.join(","))
        }
    }
}

fn canonical_value(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{:?}", s.value()),
        Value::Integer(i) => i.value().to_string(),
        Value::Float(f) => f.value().to_string(),
        Value::Boolean(b) => b.value().to_string(),
        Value::Datetime(d) => d.value().to_string(),
        Value::Array(a) => format!("[{}]", a.iter().map(canonical_value).collect::<Vec<_>>().join(",")),
        Value::InlineTable(t) => canonical_pairs(t.iter().map(|(k, v)| (k.to_string(), canonical_value(v)))),
    }
}

fn canonical_pairs(pairs: impl Iterator<Item = (String, String)>) -> String {
    let mut pairs: Vec<String> = pairs.map(|(k, v)| format!("{k:?}={v}")).collect();
    pairs.sort();
    format!("{{{}}}", pairs.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::switch::{backup_path, record, state, switch_off, switch_on, unswitched_text, Restored};
    use std::fs;

    /// A realistic user file: comments, blank lines, a custom provider.
    const USER: &str = r#"# my codex setup
model = "gpt-5"   # the good one
model_provider = "packy" # relay

check_for_update_on_startup = false

[model_providers.packy]
name = "packy"
base_url = "https://codex-api.packycode.com/v1"
wire_api = "responses"
env_key = "PACKY_KEY"

# keep analytics off
[analytics]
enabled = false
"#;

    fn home_with(config: Option<&str>) -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        fs::create_dir_all(paths.codex_dir()).unwrap();
        if let Some(text) = config {
            fs::write(paths.codex_dir().join("config.toml"), text).unwrap();
        }
        (dir, paths)
    }

    fn read(paths: &Paths) -> String {
        fs::read_to_string(paths.codex_dir().join("config.toml")).unwrap()
    }

    #[test]
    fn on_sets_only_our_keys_and_keeps_comments_and_layout() {
        let (_d, paths) = home_with(Some(USER));
        let report = switch_on(&paths, Service::Codex, 4321).unwrap();
        assert!(report.changed && !report.already);
        let text = read(&paths);
        assert!(text.contains("model_provider = \"codex-helper\" # relay\n"), "{text}");
        assert!(text.starts_with("# my codex setup\nmodel = \"gpt-5\"   # the good one\n"), "{text}");
        assert!(text
            .contains("[model_providers.packy]\nname = \"packy\"\nbase_url = \"https://codex-api.packycode.com/v1\""));
        assert!(text.contains("# keep analytics off\n[analytics]\nenabled = false\n"), "{text}");
        let doc = parse(&text, Path::new("c.toml")).unwrap();
        assert_eq!(active_provider(&doc), ("codex-helper".into(), Some("http://127.0.0.1:4321/v1".into())));
        let p = doc["model_providers"]["codex-helper"].as_table().unwrap();
        assert_eq!(p["wire_api"].as_str(), Some("responses"));
        assert_eq!(p["request_max_retries"].as_integer(), Some(0));
        assert_eq!(p["stream_max_retries"].as_integer(), Some(0));
        assert!(p.get("env_key").is_none(), "no env_key: Codex must send no key of its own");
        // Removing our two keys by hand gives the user's file back.
        let mut stripped = doc.clone();
        stripped["model_providers"].as_table_mut().unwrap().remove("codex-helper");
        stripped["model_provider"] = toml_edit::value("packy");
        assert!(stripped.to_string().contains("model_provider = \"packy\""));
        // The backup is the original, byte for byte.
        let backup = backup_path(&paths.codex_dir().join("config.toml"));
        assert_eq!(report.backup.as_deref(), Some(backup.as_path()));
        assert_eq!(fs::read_to_string(&backup).unwrap(), USER);
    }

    #[test]
    fn on_then_off_is_byte_identical_and_both_are_idempotent() {
        let (_d, paths) = home_with(Some(USER));
        switch_on(&paths, Service::Codex, 3211).unwrap();
        let once = read(&paths);
        let again = switch_on(&paths, Service::Codex, 3211).unwrap();
        assert!(again.already && !again.changed);
        assert_eq!(read(&paths), once);
        // A new port updates the entry but keeps the first backup.
        switch_on(&paths, Service::Codex, 3300).unwrap();
        assert!(read(&paths).contains("http://127.0.0.1:3300/v1"));
        let off = switch_off(&paths, Service::Codex).unwrap();
        assert_eq!(off.restored, Some(Restored::Backup));
        assert_eq!(read(&paths), USER);
        assert_eq!(off.backup, None, "a backup identical to the file is removed");
        assert!(!backup_path(&paths.codex_dir().join("config.toml")).exists());
        let off2 = switch_off(&paths, Service::Codex).unwrap();
        assert!(off2.already && off2.restored.is_none());
        assert_eq!(read(&paths), USER);
    }

    #[test]
    fn user_edits_survive_off_and_only_our_keys_go_back() {
        let (_d, paths) = home_with(Some(USER));
        switch_on(&paths, Service::Codex, 3211).unwrap();
        let edited = read(&paths).replace("model = \"gpt-5\"", "model = \"o3\"") + "\n[features]\nplugins = false\n";
        fs::write(paths.codex_dir().join("config.toml"), &edited).unwrap();
        let off = switch_off(&paths, Service::Codex).unwrap();
        assert_eq!(off.restored, Some(Restored::Keys));
        assert_eq!(off.keys, ["model_providers.codex-helper", "model_provider"]);
        let text = read(&paths);
        assert_eq!(text, USER.replace("model = \"gpt-5\"", "model = \"o3\"") + "\n[features]\nplugins = false\n");
        assert!(off.backup.is_some(), "the backup differs from the file, so it is kept");
    }

    #[test]
    fn a_key_the_user_changed_is_left_alone() {
        let (_d, paths) = home_with(Some(USER));
        switch_on(&paths, Service::Codex, 3211).unwrap();
        let edited = read(&paths).replace("model_provider = \"codex-helper\"", "model_provider = \"other\"");
        fs::write(paths.codex_dir().join("config.toml"), &edited).unwrap();
        let off = switch_off(&paths, Service::Codex).unwrap();
        assert_eq!(off.kept, ["model_provider"]);
        let text = read(&paths);
        assert!(text.contains("model_provider = \"other\" # relay"), "{text}");
        assert!(!text.contains("codex-helper"), "{text}");
    }

    #[test]
    fn missing_file_is_created_and_deleted_again() {
        let (_d, paths) = home_with(None);
        let on = switch_on(&paths, Service::Codex, 3211).unwrap();
        assert_eq!(on.backup, None);
        let text = read(&paths);
        assert!(text.starts_with("model_provider = \"codex-helper\"\n"), "{text}");
        assert!(text.contains("\n\n[model_providers.codex-helper]\nname"), "{text}");
        let off = switch_off(&paths, Service::Codex).unwrap();
        assert_eq!(off.restored, Some(Restored::Deleted));
        assert!(!paths.codex_dir().join("config.toml").exists());
    }

    #[test]
    fn a_file_without_provider_keys_comes_back_without_them_after_edits() {
        let base = "model = \"gpt-5\"\n";
        let (_d, paths) = home_with(Some(base));
        switch_on(&paths, Service::Codex, 3211).unwrap();
        let edited = read(&paths) + "# note\n";
        fs::write(paths.codex_dir().join("config.toml"), &edited).unwrap();
        switch_off(&paths, Service::Codex).unwrap();
        let text = read(&paths);
        assert!(!text.contains("model_provider"), "created parents are removed when empty: {text}");
        assert!(text.starts_with(base) && text.contains("# note"), "{text}");
    }

    #[test]
    fn an_active_profile_is_pointed_at_us_too() {
        let user = "profile = \"work\"\n\n[profiles.work]\nmodel_provider = \"packy\" # work relay\nmodel = \"o3\"\n";
        let (_d, paths) = home_with(Some(user));
        switch_on(&paths, Service::Codex, 3211).unwrap();
        let text = read(&paths);
        assert!(text.contains("[profiles.work]\nmodel_provider = \"codex-helper\" # work relay\n"), "{text}");
        fs::write(paths.codex_dir().join("config.toml"), text.clone() + "\n").unwrap();
        switch_off(&paths, Service::Codex).unwrap();
        assert_eq!(read(&paths), user.to_string() + "\n");
    }

    #[test]
    fn malformed_file_is_reported_with_line_and_never_written() {
        let broken = "model = \"gpt-5\"\nmodel_provider = = \"x\"\n";
        let (_d, paths) = home_with(Some(broken));
        let err = switch_on(&paths, Service::Codex, 3211).unwrap_err();
        let shown = err.to_string();
        assert!(matches!(err, SwitchError::Parse { line: 2, .. }), "{err:?}");
        assert!(shown.contains("config.toml:2:"), "{shown}");
        assert_eq!(read(&paths), broken);
        assert!(!backup_path(&paths.codex_dir().join("config.toml")).exists());
        assert!(record::load(&paths, Service::Codex).unwrap().is_none());
    }

    #[test]
    fn inline_model_providers_is_refused_with_the_key() {
        let user = "model_providers = { packy = { base_url = \"https://x/v1\" } }\n";
        let (_d, paths) = home_with(Some(user));
        let err = switch_on(&paths, Service::Codex, 3211).unwrap_err().to_string();
        assert!(err.contains("`model_providers` is not a [table]"), "{err}");
        assert_eq!(read(&paths), user);
    }

    #[test]
    fn missing_codex_dir_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        let err = switch_on(&paths, Service::Codex, 3211).unwrap_err();
        assert!(matches!(err, SwitchError::NoClientDir { .. }));
        assert!(err.to_string().contains("run `codex` once"), "{err}");
        assert!(!paths.codex_dir().exists());
    }

    #[test]
    fn state_and_unswitched_text_follow_the_switch() {
        let (_d, paths) = home_with(Some(USER));
        let before = state(&paths, Service::Codex).unwrap();
        assert!(!before.points_at_proxy && !before.recorded && before.backup.is_none());
        switch_on(&paths, Service::Codex, 3999).unwrap();
        let after = state(&paths, Service::Codex).unwrap();
        assert!(after.points_at_proxy && after.recorded);
        assert_eq!(after.port, Some(3999));
        assert!(after.backup.is_some());
        // In memory, the file as it was: the user's provider is active.
        let text = unswitched_text(&paths, Service::Codex).unwrap().unwrap();
        assert_eq!(text, USER);
        // Without a record, the backup is used.
        record::remove(&paths, Service::Codex).unwrap();
        assert_eq!(unswitched_text(&paths, Service::Codex).unwrap().unwrap(), USER);
    }

    #[test]
    fn no_record_no_switch_the_record_is_written_before_the_file() {
        // Whatever stops `on` between its writes (here: the record cannot be
        // written; in life: the app killed), the client must not be left
        // pointing at the proxy without a record to switch it back by.
        let (d, paths) = home_with(Some(USER));
        // A dangling link where the records go: no record is found there,
        // none can be written.
        fs::create_dir_all(paths.helper_dir()).unwrap();
        std::os::unix::fs::symlink(d.path().join("gone/away"), paths.helper_dir().join("switch")).unwrap();
        assert!(switch_on(&paths, Service::Codex, 3211).is_err());
        assert_eq!(read(&paths), USER, "the client file is untouched");
        fs::remove_file(paths.helper_dir().join("switch")).unwrap();
        let now = state(&paths, Service::Codex).unwrap();
        assert!(!now.points_at_proxy && !now.recorded);
    }

    #[test]
    fn switching_again_without_a_record_keeps_the_old_backup() {
        let (_d, paths) = home_with(Some(USER));
        switch_on(&paths, Service::Codex, 3211).unwrap();
        record::remove(&paths, Service::Codex).unwrap();
        switch_on(&paths, Service::Codex, 3211).unwrap();
        let backup = backup_path(&paths.codex_dir().join("config.toml"));
        assert_eq!(fs::read_to_string(backup).unwrap(), USER);
    }

    /// Regression (found by killing the app while it moved a port): the
    /// record of a re-point is saved before the file, and a crash between
    /// the two left the file at the old port, which `switch off` took for
    /// the user's own value and kept: Codex stayed pointed at a dead port.
    #[test]
    fn a_crash_between_the_record_and_the_file_of_a_re_point_is_still_put_back() {
        for edit in [false, true] {
            let (_d, paths) = home_with(Some(USER));
            let file = paths.codex_dir().join("config.toml");
            switch_on(&paths, Service::Codex, 3211).unwrap();
            let at_old_port = read(&paths);
            switch_on(&paths, Service::Codex, 4000).unwrap();
            // The file write of the re-point never happened.
            let mut left = at_old_port.clone();
            if edit {
                left = left.replace("enabled = false", "enabled = true");
            }
            fs::write(&file, &left).unwrap();

            let off = switch_off(&paths, Service::Codex).unwrap();
            let expected = if edit { USER.replace("enabled = false", "enabled = true") } else { USER.to_string() };
            assert_eq!(read(&paths), expected, "edit={edit}: {off:?}");
            assert!(off.kept.is_empty(), "edit={edit}: nothing is the user's: {off:?}");
        }

        // Pointed at the old port again before switching off: the value
        // before the first switch is still the one that comes back.
        let (_d, paths) = home_with(Some(USER));
        switch_on(&paths, Service::Codex, 3211).unwrap();
        let at_old_port = read(&paths);
        switch_on(&paths, Service::Codex, 4000).unwrap();
        fs::write(paths.codex_dir().join("config.toml"), &at_old_port).unwrap();
        switch_on(&paths, Service::Codex, 3211).unwrap();
        switch_off(&paths, Service::Codex).unwrap();
        assert_eq!(read(&paths), USER);
    }
}
