//! Bad input, table-driven: every file we read, empty / truncated / wrong
//! types / invalid UTF-8 / huge, gives an error naming the file (with line
//! and column where the format has them, else the key), and nothing is
//! overwritten. Codex's auth.json is read when importing its key.

use std::path::Path;

use crate::paths::Paths;
use crate::service::Service;

/// (what, bytes) cases for a JSON or TOML file.
fn cases(valid: &str, wrong_types: &str) -> Vec<(&'static str, Vec<u8>)> {
    let mut huge = b"{\"x\": \"".to_vec();
    huge.extend(std::iter::repeat_n(b'a', 8 << 20));
    vec![
        ("truncated", valid.as_bytes()[..valid.len() / 2].to_vec()),
        ("wrong types", wrong_types.as_bytes().to_vec()),
        ("invalid UTF-8", b"{\"a\": \"\xff\xfe\"}".to_vec()),
        ("huge and unterminated", huge),
    ]
}

fn check(file: &Path, what: &str, bytes: &[u8], err: Option<String>) {
    let err = err.unwrap_or_else(|| panic!("{}: {what} was accepted", file.display()));
    let name = file.file_name().unwrap().to_string_lossy();
    assert!(err.contains(&*name), "{what}: the error names the file: {err}");
    let after = &err[err.find(&*name).unwrap() + name.len()..];
    let at = after.strip_prefix(':').and_then(|r| r.split(':').next()).and_then(|l| l.parse::<usize>().ok());
    // A value of the wrong shape in a client file is named by its key.
    let keyed = after.starts_with(": `");
    assert!(at.is_some_and(|line| line > 0) || keyed, "{what}: the error says file:line:column: {err}");
    assert!(err.len() < 2000, "{what}: the error stays readable ({} bytes)", err.len());
    assert_eq!(std::fs::read(file).unwrap(), bytes, "{what}: nothing overwritten");
}

#[test]
fn every_file_we_read_rejects_bad_input_clearly_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(dir.path());
    std::fs::create_dir_all(paths.helper_dir()).unwrap();
    std::fs::create_dir_all(paths.codex_dir()).unwrap();
    std::fs::create_dir_all(paths.claude_dir()).unwrap();

    let config = r#"{"version": 1, "codex": {"active": "a", "configs": {"a": {"name": "a", "upstreams": []}}}}"#;
    for (what, bytes) in cases(config, r#"{"codex": {"configs": 5}}"#) {
        let file = paths.config_file();
        std::fs::write(&file, &bytes).unwrap();
        check(&file, what, &bytes, super::ConfigStore::new(&paths).load().err().map(|e| e.to_string()));
    }
    for (what, bytes) in cases(r#"{"codex": {"port": 3211}}"#, r#"{"codex": {"port": "high"}}"#) {
        let file = paths.settings_file();
        std::fs::write(&file, &bytes).unwrap();
        check(&file, what, &bytes, super::Settings::load(&paths).err().map(|e| e.to_string()));
    }
    std::fs::remove_file(paths.settings_file()).unwrap();
    for (what, bytes) in cases(r#"{"providers": [{"id": "x"}]}"#, r#"{"providers": [{"id": 5}]}"#) {
        let file = paths.usage_providers_file();
        std::fs::write(&file, &bytes).unwrap();
        let err = crate::usage::providers::ProvidersFile::load(&file).err().map(|e| e.to_string());
        check(&file, what, &bytes, err);
    }
    // Cut in half inside a string (a TOML cut at a line end may be valid).
    let toml = "[tui]\nnotifications = true\nmodel = \"gpt-5-codex-with-a-long-name\"\n";
    for (what, bytes) in cases(toml, "model_providers = 5\n") {
        let file = paths.codex_dir().join("config.toml");
        std::fs::write(&file, &bytes).unwrap();
        let err = crate::switch::switch_on(&paths, Service::Codex, 4000).err().map(|e| e.to_string());
        check(&file, what, &bytes, err);
    }
    for (what, bytes) in cases(r#"{"env": {"A": "b"}}"#, r#"{"env": "x"}"#) {
        let file = paths.claude_dir().join("settings.json");
        std::fs::write(&file, &bytes).unwrap();
        let err = crate::switch::switch_on(&paths, Service::Claude, 4000).err().map(|e| e.to_string());
        check(&file, what, &bytes, err);
    }
}

#[test]
fn codex_auth_json_bad_input_is_named_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(dir.path());
    std::fs::create_dir_all(paths.codex_dir()).unwrap();
    // A provider with a URL and no key of its own: the key comes from auth.json.
    let toml = "model_provider = \"relay\"\n[model_providers.relay]\nbase_url = \"https://relay.example/v1\"\n";
    std::fs::write(paths.codex_dir().join("config.toml"), toml).unwrap();
    let file = paths.codex_dir().join("auth.json");
    let mut all = cases(r#"{"OPENAI_API_KEY": "sk-abc"}"#, r#"{"OPENAI_API_KEY": 5}"#);
    all.push(("empty", Vec::new()));
    for (what, bytes) in all {
        std::fs::write(&file, &bytes).unwrap();
        let err = crate::bootstrap::find_client_upstream(&paths, Service::Codex).err().map(|e| e.to_string());
        let err = err.unwrap_or_else(|| panic!("auth.json: {what} was accepted"));
        // A key of the wrong type is named as such, not as a missing key.
        let named = err.contains("auth.json:") || err.contains("auth.json: OPENAI_API_KEY");
        assert!(named, "{what}: the error names auth.json with line:column or the key: {err}");
        assert!(err.len() < 2000, "{what}: the error stays readable ({} bytes)", err.len());
        assert_eq!(std::fs::read(&file).unwrap(), bytes, "{what}: nothing overwritten");
    }
}

/// An empty or blank settings.json is what `touch` makes: it means "no
/// settings yet", so defaults, and the file is left as it is. An empty
/// usage_providers.json is not ours (we write the default file once), so it
/// is a broken edit: an error at line 1, the file kept.
#[test]
fn empty_or_blank_settings_and_usage_providers() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(dir.path());
    std::fs::create_dir_all(paths.helper_dir()).unwrap();
    for bytes in [&b""[..], b"  \n\t\n"] {
        std::fs::write(paths.settings_file(), bytes).unwrap();
        assert_eq!(super::Settings::load(&paths).unwrap(), super::Settings::default());
        assert_eq!(std::fs::read(paths.settings_file()).unwrap(), bytes);
        let file = paths.usage_providers_file();
        std::fs::write(&file, bytes).unwrap();
        let err = crate::usage::providers::ProvidersFile::load(&file).err().map(|e| e.to_string());
        check(&file, "empty", bytes, err);
    }
}
