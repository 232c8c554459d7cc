//! Errors from reading, validating and writing our JSON files.
//!
//! Every message names the file (with `~` for the home directory), and where
//! possible the line, column and dotted key, because the user's next step is
//! almost always "open the file and fix that spot".

use std::io;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::i18n::Both;

/// Why a config or settings file could not be loaded or saved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file or its directory could not be read, created or written.
    #[error("cannot read/write {}: {source}", display_path(path))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// The file is not valid JSON, or a value has the wrong shape. `key` is
    /// the dotted path to the bad value (empty for pure syntax errors).
    #[error("{}", parse_message(path, *line, *column, key, message))]
    Parse { path: PathBuf, line: usize, column: usize, key: String, message: String },

    /// The file exists but holds nothing (or only whitespace): almost always
    /// an interrupted write or an editor caught between truncate and write,
    /// not a wish to forget every config, so it is never taken as empty.
    #[error(
        "{}: the file is empty (an interrupted edit or copy?); put its contents back, or delete it to start with no configs (`ch config add` also fills it)",
        display_path(path)
    )]
    Empty { path: PathBuf },

    /// The file parsed but a value is not acceptable. `at` is the line and
    /// column of `key` in the file, when it is written there. `message` and
    /// `hint` are said in English (`Display`) and for the reader (boxed:
    /// every `Result` that can hold a ConfigError stays small).
    #[error("{}", invalid_message(path, *at, key, &message.en, &hint.en))]
    Invalid { path: PathBuf, at: Option<(usize, usize)>, key: String, message: Box<Both>, hint: Box<Both> },

    /// The file declares a format version we do not understand; we refuse to
    /// rewrite it so a newer tool's data is never lost.
    #[error(
        "{}: version {version} was written by a newer codex-helper (this one understands version {}); upgrade codex-helper (the file was not changed)",
        display_path(path),
        crate::config::model::CURRENT_VERSION
    )]
    UnsupportedVersion { path: PathBuf, version: u64 },

    /// The lock file guarding read-modify-write could not be taken.
    #[error("cannot lock {}: {source}", display_path(path))]
    Lock {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ConfigError {
    pub(crate) fn io(path: &Path, source: io::Error) -> ConfigError {
        ConfigError::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn invalid(
        path: &Path,
        key: impl Into<String>,
        message: impl Into<Both>,
        hint: impl Into<Both>,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: path.to_path_buf(),
            at: None,
            key: key.into(),
            message: Box::new(message.into()),
            hint: Box::new(hint.into()),
        }
    }

    /// Place an [`ConfigError::Invalid`] at its key in `text` (the file as
    /// read), the way a parse error is placed by serde.
    pub(crate) fn placed_in(mut self, text: &[u8]) -> ConfigError {
        if let ConfigError::Invalid { at, key, .. } = &mut self {
            *at = super::locate::key_position(text, key);
        }
        self
    }
}

/// `path` with the home directory shown as `~`, as users know the file.
pub fn display_path(path: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        if let Ok(rest) = path.strip_prefix(&home) {
            return format!("~/{}", rest.display());
        }
    }
    path.display().to_string()
}

fn parse_message(path: &Path, line: usize, column: usize, key: &str, message: &str) -> String {
    // serde_json reports line 0 when the error did not come from the input
    // text (e.g. a custom error); there is no position worth printing then.
    let mut s = place(path, (line > 0).then_some((line, column)), key);
    s.push_str(message);
    s.push_str(". Fix the file by hand (it was not changed).");
    s
}

/// `~/file:line:column: key: `, each part only when known: how every
/// error of a file starts.
pub(crate) fn place(path: &Path, at: Option<(usize, usize)>, key: &str) -> String {
    let mut s = display_path(path);
    if let Some((line, column)) = at {
        s.push_str(&format!(":{line}:{column}"));
    }
    s.push_str(": ");
    if !key.is_empty() {
        s.push_str(key);
        s.push_str(": ");
    }
    s
}

fn invalid_message(path: &Path, at: Option<(usize, usize)>, key: &str, message: &str, hint: &str) -> String {
    let mut s = place(path, at, key);
    s.push_str(message);
    if !hint.is_empty() {
        s.push_str(&format!(" ({hint})"));
    }
    s
}

/// Parses JSON into `T`, turning failures into [`ConfigError::Parse`] with
/// both the dotted key (from serde_path_to_error) and line/column (from
/// serde_json). A leading UTF-8 BOM, as some Windows editors add, is skipped.
pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8], path: &Path) -> Result<T, ConfigError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T =
        serde_path_to_error::deserialize(&mut de).map_err(|e| parse_error(path, dotted_key(e.path()), e.inner()))?;
    // Reject trailing garbage such as a second object pasted after the first.
    de.end().map_err(|e| parse_error(path, String::new(), &e))?;
    Ok(value)
}

/// `codex.configs.main.upstreams[0].base_url`. Trailing unknown segments
/// (shown as `?` by the library, e.g. for a malformed object key) add
/// nothing for the user and are dropped; an empty path gives "".
fn dotted_key(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut segments: Vec<&Segment> = path.iter().collect();
    while matches!(segments.last(), Some(Segment::Unknown)) {
        segments.pop();
    }
    let mut key = String::new();
    for seg in segments {
        match seg {
            Segment::Seq { index } => key.push_str(&format!("[{index}]")),
            Segment::Map { key: k } | Segment::Enum { variant: k } => {
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(k);
            }
            Segment::Unknown => key.push_str(if key.is_empty() { "?" } else { ".?" }),
        }
    }
    key
}

fn parse_error(path: &Path, key: String, e: &serde_json::Error) -> ConfigError {
    let (line, column) = (e.line(), e.column());
    // serde_json appends " at line L column C"; we print the position in the
    // `file:line:col` prefix instead, so drop the duplicate.
    let full = e.to_string();
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    ConfigError::Parse { path: path.to_path_buf(), line, column, key, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        a: Vec<std::collections::BTreeMap<String, String>>,
    }

    #[test]
    fn parse_error_has_key_line_and_column() {
        let json = "{\n  \"a\": [\n    {\"x\": 3}\n  ]\n}\n";
        let err = parse_json::<T>(json.as_bytes(), Path::new("/nowhere/c.json")).unwrap_err();
        match &err {
            ConfigError::Parse { line, key, message, .. } => {
                assert_eq!(*line, 3);
                assert_eq!(key, "a[0].x");
                assert!(message.starts_with("invalid type: integer `3`"), "{message}");
                assert!(!message.contains("at line"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        let shown = err.to_string();
        assert!(shown.starts_with("/nowhere/c.json:3:"), "{shown}");
        assert!(shown.ends_with("Fix the file by hand (it was not changed)."), "{shown}");
    }

    #[test]
    fn syntax_error_has_empty_key_and_trailing_garbage_is_rejected() {
        let err = parse_json::<T>(b"{,}", Path::new("/n/c.json")).unwrap_err();
        assert!(matches!(&err, ConfigError::Parse { key, line: 1, column: 2, .. } if key.is_empty()), "{err:?}");
        assert_eq!(err.to_string(), "/n/c.json:1:2: key must be a string. Fix the file by hand (it was not changed).");
        // A syntax error inside a value still says where it is.
        let err = parse_json::<T>(b"{\"a\": [}", Path::new("/n/c.json")).unwrap_err();
        assert!(matches!(&err, ConfigError::Parse { key, .. } if key == "a[0]"), "{err:?}");
        let err = parse_json::<T>(b"{\"a\": []} {}", Path::new("/n/c.json")).unwrap_err();
        assert!(matches!(err, ConfigError::Parse { .. }));
        // BOM is tolerated.
        assert!(parse_json::<T>(b"\xEF\xBB\xBF{\"a\": []}", Path::new("/n/c.json")).is_ok());
    }

    #[test]
    fn invalid_display_and_home_abbreviation() {
        let e = ConfigError::invalid(Path::new("/x/c.json"), "codex.active", "names nothing", "do this");
        assert_eq!(e.to_string(), "/x/c.json: codex.active: names nothing (do this)");
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            let p = Path::new(&home).join(".codex-helper/config.json");
            assert_eq!(display_path(&p), "~/.codex-helper/config.json");
        }
    }
}
