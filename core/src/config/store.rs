//! Reading and writing `config.json` safely when several processes (the CLI
//! and the desktop app) touch it at once.
//!
//! - Writes are atomic (temp file + rename), so readers never see a torn
//!   file and reads need no lock.
//! - Read-modify-write holds an advisory exclusive `flock` on the sibling
//!   `config.json.lock` for its whole duration, so concurrent updates are
//!   serialised and none is lost. A separate lock file is needed because the
//!   rename replaces `config.json`'s inode, which would drop a lock on it.
//! - A file that does not parse is never overwritten: the user's hand edits
//!   stay intact and the error says where to fix them.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::error::{parse_json, ConfigError};
use super::model::{ConfigFile, CURRENT_VERSION};
use super::validate::validate;
use crate::fsutil::{self, FileFingerprint};
use crate::paths::Paths;

/// Mode of `config.json` and its lock file: it holds API keys.
const FILE_MODE: u32 = 0o600;

/// Handle on one `config.json` (cheap; holds only the path).
#[derive(Clone, Debug)]
pub struct ConfigStore {
    path: PathBuf,
}

impl ConfigStore {
    /// The user's `~/.codex-helper/config.json`.
    pub fn new(paths: &Paths) -> Self {
        ConfigStore { path: paths.config_file() }
    }

    /// A config file at an explicit path (tests, embedding).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        ConfigStore { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads, normalises and validates the file. A missing file (or
    /// directory) is an empty config, which is how a fresh install starts.
    ///
    /// An existing but empty file is an error ([`ConfigError::Empty`]): at
    /// start-up and on hot reload it is a broken edit, and the last good
    /// config keeps serving.
    pub fn load(&self) -> Result<ConfigFile, ConfigError> {
        if self.is_blank()? {
            return Err(ConfigError::Empty { path: self.path.clone() });
        }
        let mut cfg = self.read()?;
        cfg.normalize();
        validate(&cfg, &self.path).map_err(|e| self.placed(e))?;
        crate::redact::remember_keys(&cfg);
        Ok(cfg)
    }

    /// Validates `cfg` and writes it, replacing whatever is on disk.
    /// Refuses to replace a file that does not parse (or is from a newer
    /// version), so hand edits in progress are never destroyed.
    pub fn save(&self, cfg: &ConfigFile) -> Result<(), ConfigError> {
        let mut cfg = cfg.clone();
        cfg.normalize();
        validate(&cfg, &self.path)?;
        let _lock = self.lock()?;
        self.read()?;
        self.write(&cfg)
    }

    /// Read-modify-write under the lock: re-reads the file fresh (so changes
    /// made by another process since our last `load` are kept), applies `f`,
    /// validates and writes. If `f` or validation fails nothing is written.
    ///
    /// The existing file is not validated before `f` runs, only parsed: `f`
    /// may be exactly the fix for an invalid value (e.g. a dangling
    /// `active`, fixed by `ch config set-active`).
    pub fn update<T>(&self, f: impl FnOnce(&mut ConfigFile) -> Result<T, ConfigError>) -> Result<T, ConfigError> {
        self.modify(f, true)
    }

    /// [`Self::update`] for an undo: the write keeps no history copy (else
    /// two undos would swap back and forth instead of walking back).
    pub(crate) fn update_unkept<T>(
        &self,
        f: impl FnOnce(&mut ConfigFile) -> Result<T, ConfigError>,
    ) -> Result<T, ConfigError> {
        self.modify(f, false)
    }

    /// The read-modify-write of [`Self::update`]; `keep_history`: whether
    /// the version replaced is kept for `ch config undo`.
    fn modify<T>(
        &self,
        f: impl FnOnce(&mut ConfigFile) -> Result<T, ConfigError>,
        keep_history: bool,
    ) -> Result<T, ConfigError> {
        let _lock = self.lock()?;
        let mut cfg = self.read()?;
        cfg.normalize();
        let out = f(&mut cfg)?;
        cfg.normalize();
        validate(&cfg, &self.path)?;
        if keep_history {
            self.write(&cfg)?;
        } else {
            let bytes = Self::bytes(&cfg, &self.path)?;
            fsutil::write_atomic(&self.path, &bytes, FILE_MODE).map_err(|e| ConfigError::io(&self.path, e))?;
        }
        Ok(out)
    }

    /// `err` placed at its key's line and column in the file on disk (read
    /// again: only a broken file pays for it).
    fn placed(&self, err: ConfigError) -> ConfigError {
        match fs::read(&self.path) {
            Ok(bytes) => err.placed_in(&bytes),
            Err(_) => err,
        }
    }

    /// The file's current identity, for hot-reload polling.
    pub fn fingerprint(&self) -> Option<FileFingerprint> {
        fsutil::fingerprint(&self.path)
    }

    /// Whether the file exists and holds only whitespace.
    fn is_blank(&self) -> Result<bool, ConfigError> {
        match fs::read(&self.path) {
            Ok(b) => Ok(b.iter().all(u8::is_ascii_whitespace)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(ConfigError::io(&self.path, e)),
        }
    }

    /// Parses the file without validating it. Missing → default; an empty
    /// (whitespace-only) file is treated as missing too here, since there is
    /// nothing in it to lose: `ch config add` may fill it (which is the fix
    /// [`ConfigError::Empty`] suggests), while [`Self::load`] refuses it. A newer format version is rejected before its
    /// contents are interpreted.
    fn read(&self) -> Result<ConfigFile, ConfigError> {
        let bytes = match fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(e) => return Err(ConfigError::io(&self.path, e)),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ConfigFile::default());
        }
        match parse_json::<ConfigFile>(&bytes, &self.path) {
            Ok(cfg) => {
                self.check_version(cfg.version.map(u64::from))?;
                Ok(cfg)
            }
            Err(err) => {
                // A newer version may have changed the shape; say "upgrade"
                // rather than pointing at a field we do not understand.
                if let Ok(probe) = parse_json::<VersionProbe>(&bytes, &self.path) {
                    self.check_version(probe.version)?;
                }
                Err(err)
            }
        }
    }

    fn check_version(&self, version: Option<u64>) -> Result<(), ConfigError> {
        match version {
            Some(v) if v > u64::from(CURRENT_VERSION) => {
                Err(ConfigError::UnsupportedVersion { path: self.path.clone(), version: v })
            }
            _ => Ok(()),
        }
    }

    /// Pretty JSON (2-space indent like the original tool) plus a trailing
    /// newline, written atomically with mode 0600 in a 0700 directory.
    fn write(&self, cfg: &ConfigFile) -> Result<(), ConfigError> {
        let bytes = Self::bytes(cfg, &self.path)?;
        crate::history::write_kept(&self.path, &bytes, FILE_MODE).map_err(|e| ConfigError::io(&self.path, e))
    }

    /// The file's bytes for `cfg`, as every writer of it lays them out.
    pub(crate) fn bytes(cfg: &ConfigFile, path: &Path) -> Result<Vec<u8>, ConfigError> {
        let mut bytes = serde_json::to_vec_pretty(cfg).map_err(|e| ConfigError::io(path, io::Error::other(e)))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Takes the exclusive advisory lock on `config.json.lock`, creating the
    /// directory (0700) and lock file (0600) if needed. Released on drop
    /// (closing the descriptor releases a `flock`).
    // `File::lock` is stable since 1.89; the workspace `rust-version` (1.85)
    // predates it but the toolchain we build with has it.
    fn lock(&self) -> Result<File, ConfigError> {
        let lock_path = self.lock_path();
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fsutil::ensure_private_dir(dir).map_err(|e| ConfigError::io(dir, e))?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            .open(&lock_path)
            .map_err(|e| ConfigError::Lock { path: lock_path.clone(), source: e })?;
        file.lock().map_err(|e| ConfigError::Lock { path: lock_path, source: e })?;
        Ok(file)
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        self.path.with_file_name(name)
    }
}

/// Just the version, ignoring everything else, to classify parse failures.
#[derive(Deserialize)]
struct VersionProbe {
    #[serde(default)]
    version: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{NamedConfig, Upstream};
    use crate::service::Service;
    use serde_json::Value;
    use std::os::unix::fs::PermissionsExt;

    fn store_in(dir: &tempfile::TempDir) -> ConfigStore {
        ConfigStore::new(&Paths::with_home(dir.path()))
    }

    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    /// Regression (issue 9 #9): an empty file loaded as an empty config.
    #[test]
    fn an_empty_file_is_an_error_on_load_but_config_add_may_fill_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        for blank in ["", "  \n\t"] {
            fs::write(store.path(), blank).unwrap();
            let err = store.load().unwrap_err();
            assert!(matches!(err, ConfigError::Empty { .. }), "{err:?}");
            let msg = err.to_string();
            assert!(msg.contains(".codex-helper/config.json") && msg.contains("empty"), "{msg}");
            assert!(msg.contains("delete it"), "says how to fix: {msg}");
            assert_eq!(fs::read_to_string(store.path()).unwrap(), blank, "nothing overwritten by a load");
        }
        store
            .update(|cfg| {
                cfg.version = Some(CURRENT_VERSION);
                Ok(())
            })
            .unwrap();
        assert_eq!(store.load().unwrap(), ConfigFile::default());
    }

    #[test]
    fn missing_file_and_dir_load_as_default() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = store_in(&dir).load().unwrap();
        assert_eq!(cfg, ConfigFile::default());
        assert_eq!(cfg.version, Some(1));
        assert!(!dir.path().join(".codex-helper").exists(), "load must not create anything");
    }

    #[test]
    fn first_write_creates_private_dir_and_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store.save(&ConfigFile::default()).unwrap();
        assert_eq!(mode_of(&dir.path().join(".codex-helper")), 0o700);
        assert_eq!(mode_of(store.path()), 0o600);
        assert_eq!(mode_of(&dir.path().join(".codex-helper/config.json.lock")), 0o600);
        let text = fs::read_to_string(store.path()).unwrap();
        assert!(text.starts_with("{\n  \"version\": 1,\n  \"codex\": {"), "{text}");
        assert!(text.ends_with("}\n"), "{text:?}");
    }

    #[test]
    fn mode_is_reapplied_on_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store.save(&ConfigFile::default()).unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
        store.update(|_| Ok(())).unwrap();
        assert_eq!(mode_of(store.path()), 0o600);
    }

    /// A file as the original tool (or a newer version) might write it, with
    /// unknown keys at every level.
    const WITH_UNKNOWN_KEYS: &str = r#"{
  "version": 1,
  "future_top": {"nested": [1, 2.5, "x", null, true]},
  "codex": {
    "active": "main",
    "section_extra": 42,
    "configs": {
      "main": {
        "name": "main",
        "alias": null,
        "priority_hint": "high",
        "upstreams": [
          {
            "base_url": "https://api.openai.com/v1",
            "auth": {"auth_token": "sk-abc", "api_key": null, "refresh_token": "rt-1"},
            "tags": {"source": "codex-config", "provider_id": "openai"},
            "weight": 3
          }
        ]
      }
    }
  },
  "claude": {"active": null, "configs": {}},
  "default_service": "claude"
}
"#;

    #[test]
    fn round_trip_keeps_unknown_keys_everywhere() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        fs::write(store.path(), WITH_UNKNOWN_KEYS).unwrap();
        let cfg = store.load().unwrap();
        assert_eq!(cfg.default_service, Some(Service::Claude));
        store.save(&cfg).unwrap();
        let before: Value = serde_json::from_str(WITH_UNKNOWN_KEYS).unwrap();
        let after: Value = serde_json::from_slice(&fs::read(store.path()).unwrap()).unwrap();
        assert_eq!(before, after);
        // And update() without changes preserves it too.
        store.update(|_| Ok(())).unwrap();
        let again: Value = serde_json::from_slice(&fs::read(store.path()).unwrap()).unwrap();
        assert_eq!(before, again);
    }

    #[test]
    fn broken_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        let broken = b"{\n  \"codex\": {\n    \"configs\": {,\n  }\n}\n";
        fs::write(store.path(), broken).unwrap();

        let err = store.update(|cfg| {
            cfg.default_service = Some(Service::Claude);
            Ok(())
        });
        assert!(matches!(err, Err(ConfigError::Parse { line: 3, .. })), "{err:?}");
        assert!(matches!(store.save(&ConfigFile::default()), Err(ConfigError::Parse { .. })));
        assert!(matches!(store.load(), Err(ConfigError::Parse { .. })));
        assert_eq!(fs::read(store.path()).unwrap(), broken);
    }

    #[test]
    fn wrong_type_reports_dotted_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        let text = WITH_UNKNOWN_KEYS.replace("\"provider_id\": \"openai\"", "\"provider_id\": 3");
        fs::write(store.path(), &text).unwrap();
        let err = store.load().unwrap_err();
        match &err {
            ConfigError::Parse { key, line, .. } => {
                assert_eq!(key, "codex.configs.main.upstreams[0].tags.provider_id");
                assert_eq!(*line, 16);
            }
            other => panic!("{other:?}"),
        }
        let shown = err.to_string();
        assert!(shown.contains("invalid type: integer `3`, expected a string"), "{shown}");
    }

    #[test]
    fn an_invalid_value_is_placed_at_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        let text = "{\"codex\": {\"active\": \"m\", \"configs\": {\"m\": {\"upstreams\": [\n  {\"base_url\": \"ftp://relay\"}\n]}}}}\n";
        fs::write(store.path(), text).unwrap();
        let err = store.load().unwrap_err();
        assert!(matches!(&err, ConfigError::Invalid { at: Some((2, 4)), .. }), "{err:?}");
        assert!(err.to_string().contains("config.json:2:4: codex.configs.m.upstreams[0].base_url:"), "{err}");
    }

    #[test]
    fn newer_version_is_refused_and_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        // Version 2 with a shape we cannot parse: still reported as a version problem.
        let newer = br#"{"version": 2, "codex": ["a new shape"]}"#;
        fs::write(store.path(), newer).unwrap();
        assert!(matches!(store.load(), Err(ConfigError::UnsupportedVersion { version: 2, .. })));
        assert!(matches!(store.update(|_| Ok(())), Err(ConfigError::UnsupportedVersion { .. })));
        assert_eq!(fs::read(store.path()).unwrap(), newer);
    }

    #[test]
    fn update_failure_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store.save(&ConfigFile::default()).unwrap();
        let before = fs::read(store.path()).unwrap();
        // f fails.
        let r: Result<(), _> = store.update(|cfg| {
            cfg.default_service = Some(Service::Claude);
            Err(ConfigError::invalid(Path::new("x"), "k", "no", ""))
        });
        assert!(r.is_err());
        // Validation fails after f.
        let r = store.update(|cfg| {
            cfg.codex.active = Some("ghost".into());
            Ok(())
        });
        assert!(matches!(r, Err(ConfigError::Invalid { .. })));
        assert_eq!(fs::read(store.path()).unwrap(), before);
    }

    #[test]
    fn update_can_fix_an_invalid_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        fs::write(store.path(), r#"{"codex": {"active": "gone", "configs": {}}}"#).unwrap();
        assert!(matches!(store.load(), Err(ConfigError::Invalid { .. })));
        store
            .update(|cfg| {
                cfg.codex.active = None;
                Ok(())
            })
            .unwrap();
        assert_eq!(store.load().unwrap().codex.active, None);
    }

    #[test]
    fn fingerprint_changes_after_update() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        assert_eq!(store.fingerprint(), None);
        store.save(&ConfigFile::default()).unwrap();
        let a = store.fingerprint().unwrap();
        store.update(|_| Ok(())).unwrap();
        assert_ne!(store.fingerprint(), Some(a));
    }

    #[test]
    fn concurrent_updates_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_in(&dir);
        store
            .update(|cfg| {
                cfg.codex.configs.insert("main".into(), NamedConfig::default());
                cfg.codex.active = Some("main".into());
                Ok(())
            })
            .unwrap();
        const THREADS: usize = 8;
        const EACH: usize = 25;
        std::thread::scope(|s| {
            for t in 0..THREADS {
                // A fresh store per thread, like a separate process would have.
                let store = ConfigStore::at(store.path());
                s.spawn(move || {
                    for i in 0..EACH {
                        store
                            .update(|cfg| {
                                let url = format!("https://t{t}-u{i}.example.com/v1");
                                let main = cfg.codex.configs.get_mut("main").unwrap();
                                main.upstreams.push(Upstream { base_url: url, ..Default::default() });
                                Ok(())
                            })
                            .unwrap();
                    }
                });
            }
        });
        let cfg = store.load().unwrap();
        let urls: std::collections::HashSet<_> =
            cfg.codex.configs["main"].upstreams.iter().map(|u| u.base_url.clone()).collect();
        assert_eq!(urls.len(), THREADS * EACH);
        assert_eq!(cfg.codex.configs["main"].upstreams.len(), THREADS * EACH);
        assert_eq!(cfg.codex.configs["main"].name, "main", "empty name normalised to key");
    }
}
