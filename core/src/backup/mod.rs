//! One-file backups of our own files: `config.json` (both services),
//! `filter.json`, `usage_providers.json` and `settings.json`, as
//! `{"format":"codex-helper-backup","version":1,...}`.
//!
//! - [`export`] reads and validates the files and writes the backup; keys
//!   (upstream `auth_token`/`api_key`, extra headers that look secret,
//!   providers' `access_token`) are left out unless asked for, and a backup
//!   holding keys is written 0600.
//! - [`read`] parses a backup and validates every part with the same checks
//!   the loaders use, so a bad file is refused before anything is written.
//! - [`plan`] merges (or replaces) it into the current files and says what
//!   would change ([`Diff`]); [`apply`] writes it, every file through the
//!   history, so `ch config undo` takes it back.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{validate, ConfigError, ConfigFile, ConfigStore, Settings};
use crate::filter::{FilterError, FilterSet};
use crate::paths::Paths;
use crate::usage::{ProvidersError, ProvidersFile};

mod merge;
pub(crate) use merge::config_items;
pub use merge::{apply, plan, Changes, Diff, ImportPlan};

/// The `format` field of every backup.
pub const FORMAT: &str = "codex-helper-backup";
/// The backup format version this build reads and writes.
pub const VERSION: u64 = 1;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    #[error("cannot read/write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: not a codex-helper backup: {message}", path.display())]
    NotBackup { path: PathBuf, message: String },
    #[error("{}: backup version {version} is newer than this codex-helper reads ({VERSION}); upgrade codex-helper", path.display())]
    UnsupportedVersion { path: PathBuf, version: u64 },
    #[error("{}: {part}: {}; nothing was written", path.display(), .message.en)]
    Invalid { path: PathBuf, part: &'static str, message: crate::i18n::Both },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Providers(#[from] ProvidersError),
    #[error(transparent)]
    Filter(#[from] FilterError),
}

/// The backup file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    pub format: String,
    pub version: u64,
    /// RFC 3339, UTC.
    #[serde(default)]
    pub created_at: String,
    /// Whether keys were written into it.
    #[serde(default)]
    pub with_keys: bool,
    /// `config.json`, both services.
    #[serde(default)]
    pub config: ConfigFile,
    /// `settings.json` as written (`null`: there was none).
    #[serde(default)]
    pub settings: Option<Value>,
    /// `filter.json`'s rules (`null`: there was none).
    #[serde(default)]
    pub filter: Option<Value>,
    /// `usage_providers.json` (`null`: there was none).
    #[serde(default)]
    pub usage_providers: Option<ProvidersFile>,
}

/// What [`export`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Exported {
    pub path: PathBuf,
    pub with_keys: bool,
    /// File mode written (0o600 with keys).
    pub mode: u32,
    pub configs: usize,
    pub upstreams: usize,
    pub filters: usize,
    pub providers: usize,
    pub settings: bool,
}

/// The current files as a backup (keys kept only `with_keys`).
pub fn collect(paths: &Paths, with_keys: bool) -> Result<Backup, BackupError> {
    let config = ConfigStore::new(paths).load()?;
    Settings::load(paths)?;
    let settings = read_json(&paths.settings_file())?;
    let filter_path = paths.filter_file();
    let filter = match fs::read_to_string(&filter_path) {
        Ok(text) => {
            FilterSet::parse(&text, &filter_path)?;
            Some(serde_json::from_str(&text).map_err(|e| io_err(&filter_path, e))?)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(BackupError::Io { path: filter_path, source: e }),
    };
    let usage_providers = ProvidersFile::load(&paths.usage_providers_file())?;
    let mut backup = Backup {
        format: FORMAT.into(),
        version: VERSION,
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        with_keys,
        config,
        settings,
        filter,
        usage_providers,
    };
    if !with_keys {
        strip_keys(&mut backup);
    }
    Ok(backup)
}

/// Writes the current files to `file` (0600 when it holds keys, else 0644).
pub fn export(paths: &Paths, file: &Path, with_keys: bool) -> Result<Exported, BackupError> {
    let backup = collect(paths, with_keys)?;
    let mut bytes = serde_json::to_vec_pretty(&backup).map_err(|e| io_err(file, e))?;
    bytes.push(b'\n');
    let mode = if with_keys { 0o600 } else { 0o644 };
    crate::fsutil::write_atomic(file, &bytes, mode).map_err(|e| BackupError::Io { path: file.into(), source: e })?;
    let sections = [&backup.config.codex, &backup.config.claude];
    Ok(Exported {
        path: file.to_path_buf(),
        with_keys,
        mode,
        configs: sections.iter().map(|s| s.configs.len()).sum(),
        upstreams: sections.iter().flat_map(|s| s.configs.values()).map(|c| c.upstreams.len()).sum(),
        filters: backup.filter.as_ref().and_then(Value::as_array).map_or(0, Vec::len),
        providers: backup.usage_providers.as_ref().map_or(0, |p| p.providers.len()),
        settings: backup.settings.is_some(),
    })
}

/// Reads and validates a backup file: format, version, then every part
/// with the loaders' own checks.
pub fn read(file: &Path) -> Result<Backup, BackupError> {
    let bytes = fs::read(file).map_err(|e| BackupError::Io { path: file.into(), source: e })?;
    let not = |message: String| BackupError::NotBackup { path: file.into(), message };
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| not(format!("not JSON ({e})")))?;
    if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(not(format!("its \"format\" is not \"{FORMAT}\"")));
    }
    match value.get("version").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(v) if v > VERSION => return Err(BackupError::UnsupportedVersion { path: file.into(), version: v }),
        other => return Err(not(format!("\"version\" is {other:?}, expected {VERSION}"))),
    }
    // A core error's reason in both languages; serde's as it comes.
    let invalid = |part, message: crate::i18n::Both| BackupError::Invalid { path: file.into(), part, message };
    let said = |e: &dyn std::fmt::Display| crate::i18n::Both::from(e.to_string());
    use crate::i18n::localized::both;
    let mut backup: Backup = serde_json::from_value(value).map_err(|e| invalid("file", said(&e)))?;
    backup.config.normalize();
    validate(&backup.config, file).map_err(|e| invalid("config", both(&e)))?;
    if let Some(s) = &backup.settings {
        let settings: Settings = serde_json::from_value(s.clone()).map_err(|e| invalid("settings", said(&e)))?;
        settings.validate(file).map_err(|e| invalid("settings", both(&e)))?;
    }
    if let Some(f) = &backup.filter {
        FilterSet::parse(&f.to_string(), file).map_err(|e| invalid("filter", both(&e)))?;
    }
    if let Some(p) = &backup.usage_providers {
        // A backup without keys lacks the access tokens the checks ask
        // for; the import fills them from the stored providers or skips.
        let mut p = p.clone();
        if !backup.with_keys {
            for provider in &mut p.providers {
                provider.access_token.get_or_insert_with(|| "left-out".into());
            }
        }
        let text = serde_json::to_vec(&p).map_err(|e| invalid("usage_providers", said(&e)))?;
        ProvidersFile::parse(&text, file).map_err(|e| invalid("usage_providers", both(&e)))?;
    }
    Ok(backup)
}

fn strip_keys(backup: &mut Backup) {
    for section in [&mut backup.config.codex, &mut backup.config.claude] {
        for config in section.configs.values_mut() {
            for u in &mut config.upstreams {
                u.auth.auth_token = None;
                u.auth.api_key = None;
                u.headers.retain(|name, _| !crate::config::looks_secret(name));
            }
        }
    }
    if let Some(p) = &mut backup.usage_providers {
        for provider in &mut p.providers {
            provider.access_token = None;
        }
    }
}

fn read_json(path: &Path) -> Result<Option<Value>, BackupError> {
    match fs::read(path) {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(None),
        Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| io_err(path, e)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BackupError::Io { path: path.into(), source: e }),
    }
}

fn io_err(path: &Path, e: impl std::error::Error + Send + Sync + 'static) -> BackupError {
    BackupError::Io { path: path.into(), source: io::Error::other(e) }
}

#[cfg(test)]
mod tests;
