//! Undo over [`crate::history`]: what the last change of our files was
//! (to show before restoring), and restoring it, for all of our files, for
//! `config.json`, or for one service's part of `config.json`.
//!
//! `config.json` holds both services, so undoing one service's last change
//! ([`Scope::Service`]) cannot put a whole kept copy back: it finds the
//! newest kept version whose section for that service differs from now,
//! puts only that section back, and rewrites the newer kept versions to
//! carry the restored section (dropping any that then equal their
//! successor). The other service's changes stay in place and stay
//! undoable; repeated undos walk further back, as whole-file undos do.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::backup::{config_items, Changes};
use crate::config::error::parse_json;
use crate::config::{ConfigError, ConfigFile, ConfigStore};
use crate::fsutil;
use crate::history::{self, Version};
use crate::paths::Paths;
use crate::service::Service;

const CONFIG: &str = "config.json";

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UndoError {
    #[error("cannot read/write the kept versions under {}: {source}", dir.display())]
    Io {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Which change to undo.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The newest change of any of our files (the window's "Undo").
    AnyFile,
    /// The newest change of `config.json` (`ch config undo`).
    Config,
    /// The newest change of this service's part of `config.json`
    /// (`ch config undo --codex|--claude`).
    Service(Service),
}

/// One undo step: what it restores (before) or restored (after).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UndoStep {
    /// The file it restores (`config.json`, `filter.json`, ...).
    pub file: String,
    /// Its full path.
    pub path: PathBuf,
    /// When the content it brings back was replaced (RFC 3339, UTC).
    pub replaced_at: String,
    /// Only this service's part of the file (a scoped undo).
    pub service: Option<Service>,
    /// For `config.json`: the configs (`service/name`) the undo brings
    /// back (`added`), changes back (`changed`) or takes away (`removed`).
    pub configs: Changes,
    /// For `config.json`: the active config per service that changes
    /// (`codex: relay-b → Packy`; `none` when unset).
    pub active: Vec<String>,
    /// Kept versions of the file left after this step.
    pub remaining: usize,
}

/// What [`undo`] would do now (nothing is written); `None`: nothing kept.
pub fn preview(paths: &Paths, scope: Scope) -> Result<Option<UndoStep>, UndoError> {
    let dir = paths.helper_dir();
    match scope {
        Scope::AnyFile | Scope::Config => {
            let file = (scope == Scope::Config).then_some(CONFIG);
            let versions = list(&dir, file)?;
            let Some(newest) = versions.first() else { return Ok(None) };
            let remaining = versions.iter().filter(|v| v.file == newest.file).count() - 1;
            let mut step = step(&dir, newest, None, remaining);
            // A current file that does not parse is no reason to refuse
            // the undo that replaces it: it is then just not described.
            if newest.file == CONFIG {
                if let (Some(old), Ok(now)) = (parse(newest), current(paths)) {
                    describe(&mut step, &now, &old, None);
                }
            }
            Ok(Some(step))
        }
        Scope::Service(service) => {
            let now = current(paths)?;
            let versions = parsed_versions(&dir)?;
            let Some(k) = versions.iter().position(|(_, c)| c.service(service) != now.service(service)) else {
                return Ok(None);
            };
            let mut after = now.clone();
            *after.service_mut(service) = versions[k].1.service(service).clone();
            let mut step = step(&dir, &versions[k].0, Some(service), 0);
            describe(&mut step, &now, &after, Some(service));
            step.remaining = rewritten(&versions, k, service, &after).iter().filter(|(_, keep)| *keep).count()
                + versions.len().saturating_sub(k + 1);
            Ok(Some(step))
        }
    }
}

/// Restores what [`preview`] shows; `Ok(None)`: nothing to undo.
pub fn undo(paths: &Paths, scope: Scope) -> Result<Option<UndoStep>, UndoError> {
    let dir = paths.helper_dir();
    let io_err = |source| UndoError::Io { dir: dir.join(history::DIR_NAME), source };
    let Some(mut step) = preview(paths, scope)? else { return Ok(None) };
    match scope {
        Scope::AnyFile | Scope::Config => {
            let file = (scope == Scope::Config).then_some(CONFIG);
            // The kept bytes exactly, as the file was (hand edits and all).
            let restored = history::undo(&dir, file).map_err(io_err)?.map_or(0, |r| r.remaining);
            step.remaining = restored;
        }
        Scope::Service(service) => {
            let store = ConfigStore::new(paths);
            // Search and rewrite under the lock: the versions and the file
            // must be the ones the search saw.
            step = store.update_unkept(|cfg| {
                let versions = parsed_versions(&dir).map_err(|e| ConfigError::io(&dir, io::Error::other(e)))?;
                let Some(k) = versions.iter().position(|(_, c)| c.service(service) != cfg.service(service)) else {
                    return Ok(step.clone());
                };
                *cfg.service_mut(service) = versions[k].1.service(service).clone();
                let mut after = cfg.clone();
                after.normalize();
                for ((version, content), keep) in rewritten(&versions, k, service, &after) {
                    let result = if keep {
                        ConfigStore::bytes(&content, &version.path).and_then(|b| {
                            fsutil::write_atomic(&version.path, &b, 0o600)
                                .map_err(|e| ConfigError::io(&version.path, e))
                        })
                    } else {
                        fs::remove_file(&version.path).map_err(|e| ConfigError::io(&version.path, e))
                    };
                    result?;
                }
                let mut done = step.clone();
                done.remaining =
                    list(&dir, Some(CONFIG)).map_err(|e| ConfigError::io(&dir, io::Error::other(e)))?.len();
                Ok(done)
            })?;
        }
    }
    Ok(Some(step))
}

/// The kept versions `0..=k` (newest first) with `service`'s section set to
/// the restored one, each marked whether it stays: a version equal to its
/// successor (the next newer kept one, or `after` for the newest) records
/// no change any more and is dropped.
fn rewritten(
    versions: &[(Version, ConfigFile)],
    k: usize,
    service: Service,
    after: &ConfigFile,
) -> Vec<((Version, ConfigFile), bool)> {
    let mut out = Vec::new();
    let mut successor = after.clone();
    for (version, content) in &versions[..=k] {
        let mut content = content.clone();
        *content.service_mut(service) = after.service(service).clone();
        let keep = content != successor;
        if keep {
            successor = content.clone();
        }
        out.push(((version.clone(), content), keep));
    }
    out
}

fn list(dir: &Path, file: Option<&str>) -> Result<Vec<Version>, UndoError> {
    history::versions(dir, file).map_err(|source| UndoError::Io { dir: dir.join(history::DIR_NAME), source })
}

/// `config.json`'s kept versions that parse, newest first (one that does
/// not is left alone: a whole-file undo still brings it back).
fn parsed_versions(dir: &Path) -> Result<Vec<(Version, ConfigFile)>, UndoError> {
    Ok(list(dir, Some(CONFIG))?.into_iter().filter_map(|v| parse(&v).map(|c| (v, c))).collect())
}

fn parse(version: &Version) -> Option<ConfigFile> {
    let bytes = version.bytes().ok()?;
    let mut cfg: ConfigFile = parse_json(&bytes, &version.path).ok()?;
    cfg.normalize();
    Some(cfg)
}

/// `config.json` now, parsed but not validated (a broken value must not
/// block the undo that fixes it); missing: empty.
fn current(paths: &Paths) -> Result<ConfigFile, UndoError> {
    let path = paths.config_file();
    let mut cfg = match fs::read(&path) {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => ConfigFile::default(),
        Ok(b) => parse_json::<ConfigFile>(&b, &path)?,
        Err(e) if e.kind() == io::ErrorKind::NotFound => ConfigFile::default(),
        Err(e) => return Err(ConfigError::io(&path, e).into()),
    };
    cfg.normalize();
    Ok(cfg)
}

fn step(dir: &Path, version: &Version, service: Option<Service>, remaining: usize) -> UndoStep {
    UndoStep {
        file: version.file.clone(),
        path: dir.join(&version.file),
        replaced_at: version.replaced_at.clone(),
        service,
        configs: Changes::default(),
        active: Vec::new(),
        remaining,
    }
}

/// Fills in what going from `now` to `after` changes (one service only,
/// for a scoped undo).
fn describe(step: &mut UndoStep, now: &ConfigFile, after: &ConfigFile, only: Option<Service>) {
    let items = |c: &ConfigFile| {
        config_items(c)
            .into_iter()
            .filter(|(name, _)| only.is_none_or(|s| name.starts_with(&format!("{s}/"))))
            .collect::<Vec<_>>()
    };
    step.configs = Changes::between(&items(now), &items(after));
    for service in Service::ALL.into_iter().filter(|s| only.is_none_or(|o| o == *s)) {
        let (a, b) = (&now.service(service).active, &after.service(service).active);
        if a != b {
            let show = |x: &Option<String>| x.clone().unwrap_or_else(|| "none".into());
            step.active.push(format!("{service}: {} → {}", show(a), show(b)));
        }
    }
}

#[cfg(test)]
mod tests;
