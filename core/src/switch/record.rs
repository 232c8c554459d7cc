//! `~/.codex-helper/switch/<service>.json`: what `switch on` changed, so
//! `switch off` can put back exactly that and nothing else.
//!
//! The record keeps, per key we set, the value before the first switch (or
//! its absence) and the value we wrote, both as source text in the client
//! file's own format, so a restored TOML item keeps its formatting and
//! comment. It also keeps the whole file as we wrote it: if the file is still
//! byte-identical at `switch off`, the whole-file backup is put back
//! verbatim; otherwise only the keys that still hold our values are restored,
//! and the user's other edits survive.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SwitchError;
use crate::config::ConfigError;
use crate::fsutil;
use crate::paths::Paths;
use crate::process::ProcessId;
use crate::service::Service;

/// Mode of a record: it holds a copy of the client's file.
const RECORD_MODE: u32 = 0o600;

/// One switched service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SwitchRecord {
    pub service: Service,
    /// The client file we changed (`config.toml`, `settings.json`).
    pub file: PathBuf,
    /// The whole-file copy taken before the first switch; `None` when the
    /// file did not exist (then `switch off` deletes the file we created).
    pub backup: Option<PathBuf>,
    /// The proxy port the client was pointed at.
    pub port: u16,
    /// Every key we set, in the order we set it.
    pub keys: Vec<KeyChange>,
    /// Tables/objects that did not exist and were created to hold our keys
    /// (e.g. `model_providers`, `env`); removed again when left empty.
    #[serde(default)]
    pub created_parents: Vec<Vec<String>>,
    /// The file exactly as we last wrote it.
    pub written: String,
    /// The file as we wrote it before the last re-point (a proxy that moved
    /// to another port): the record is saved before the file, so a crash in
    /// between leaves this text in place, and it is still ours to put back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_before: Option<String>,
    /// The process that switched and will switch back on exit (bare `ch`);
    /// `None` for `ch switch on`, which the user undoes. If this process
    /// is dead, the record was left by a crash (see [`super::owner`]).
    /// Optional so records written before it existed still load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<ProcessId>,
}

/// One key `switch on` set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyChange {
    /// Path of the key, e.g. `["model_providers", "codex-helper"]`.
    pub key: Vec<String>,
    /// Its source text before the first switch; `None` if it was absent.
    pub previous: Option<String>,
    /// The source text we set.
    pub ours: String,
    /// The source text we had set before the last re-point (see
    /// [`SwitchRecord::written_before`]); still ours, not the user's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ours_before: Option<String>,
}

impl SwitchRecord {
    pub fn key(&self, key: &[String]) -> Option<&KeyChange> {
        self.keys.iter().find(|k| k.key == key)
    }

    /// Whether `text` is the file as we wrote it (now, or before the last
    /// re-point).
    pub fn is_ours(&self, text: &str) -> bool {
        text == self.written || self.written_before.as_deref() == Some(text)
    }
}

impl KeyChange {
    /// The source texts of this key that we wrote.
    pub fn ours(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.ours.as_str()).chain(self.ours_before.as_deref())
    }
}

/// `~/.codex-helper/switch/<service>.json`.
pub fn record_path(paths: &Paths, service: Service) -> PathBuf {
    paths.helper_dir().join("switch").join(format!("{}.json", service.as_str()))
}

/// The record of `service`, or `None` when it is not switched by us.
pub fn load(paths: &Paths, service: Service) -> Result<Option<SwitchRecord>, SwitchError> {
    let path = record_path(paths, service);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SwitchError::io(&path, e)),
    };
    crate::config::error::parse_json(&bytes, &path).map(Some).map_err(SwitchError::Record)
}

/// Writes the record atomically (0600, in a 0700 directory).
pub fn save(paths: &Paths, record: &SwitchRecord) -> Result<(), SwitchError> {
    let path = record_path(paths, record.service);
    let dir = path.parent().unwrap_or(Path::new("."));
    fsutil::ensure_private_dir(&paths.helper_dir()).map_err(|e| SwitchError::io(&paths.helper_dir(), e))?;
    fsutil::ensure_private_dir(dir).map_err(|e| SwitchError::io(dir, e))?;
    let mut bytes = serde_json::to_vec_pretty(record)
        .map_err(|e| SwitchError::Record(ConfigError::Io { path: path.clone(), source: io::Error::other(e) }))?;
    bytes.push(b'\n');
    fsutil::write_atomic(&path, &bytes, RECORD_MODE).map_err(|e| SwitchError::io(&path, e))
}

/// Forgets the record (a missing one is fine).
pub fn remove(paths: &Paths, service: Service) -> Result<(), SwitchError> {
    let path = record_path(paths, service);
    match fs::remove_file(&path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(SwitchError::io(&path, e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn sample() -> SwitchRecord {
        SwitchRecord {
            service: Service::Claude,
            file: "/h/.claude/settings.json".into(),
            backup: Some("/h/.claude/settings.json.codex-helper.bak".into()),
            port: 3210,
            keys: vec![KeyChange {
                key: vec!["env".into(), "ANTHROPIC_BASE_URL".into()],
                previous: None,
                ours: "\"http://127.0.0.1:3210\"".into(),
                ours_before: None,
            }],
            created_parents: vec![vec!["env".into()]],
            written: "{}\n".into(),
            written_before: None,
            owner: Some(ProcessId { pid: 42, start: Some(7) }),
        }
    }

    #[test]
    fn save_load_remove_round_trip_with_private_modes() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        assert_eq!(load(&paths, Service::Claude).unwrap(), None);
        save(&paths, &sample()).unwrap();
        let path = record_path(&paths, Service::Claude);
        assert!(path.ends_with(".codex-helper/switch/claude.json"));
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        let back = load(&paths, Service::Claude).unwrap().unwrap();
        assert_eq!(back, sample());
        assert!(back.key(&["env".to_string(), "ANTHROPIC_BASE_URL".to_string()]).is_some());
        assert_eq!(load(&paths, Service::Codex).unwrap(), None);
        remove(&paths, Service::Claude).unwrap();
        remove(&paths, Service::Claude).unwrap();
        assert_eq!(load(&paths, Service::Claude).unwrap(), None);
    }

    #[test]
    fn a_record_without_an_owner_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        let mut old = serde_json::to_value(sample()).unwrap();
        old.as_object_mut().unwrap().remove("owner");
        let path = record_path(&paths, Service::Claude);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, old.to_string()).unwrap();
        assert_eq!(load(&paths, Service::Claude).unwrap().unwrap().owner, None);
    }

    #[test]
    fn a_broken_record_names_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        let path = record_path(&paths, Service::Codex);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "{\n  \"service\": \n").unwrap();
        let err = load(&paths, Service::Codex).unwrap_err().to_string();
        assert!(err.contains("switch/codex.json:3"), "{err}");
    }
}
