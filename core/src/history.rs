//! The previous versions of our own files (`config.json`, `settings.json`,
//! `filter.json`, `usage_providers.json`), kept so a change can be undone.
//!
//! Every write of one of those files goes through [`write_kept`]: before the
//! new bytes replace the old, the old bytes are copied to
//! `<dir>/history/<file name>.<n>` (0600 always, since `config.json` holds
//! keys and a mode per file would be one more thing to get wrong). Only the
//! newest N copies per file stay (`history.keep` in `settings.json`,
//! default [`DEFAULT_KEEP`]; 0 turns history off). [`undo`] puts the newest
//! copy back and drops it, so repeated undos walk further back.
//!
//! The history directory sits beside the file rather than at a fixed path,
//! so a file at an explicit path (tests, `ConfigStore::at`) keeps its own.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::Serialize;

use crate::fsutil;

/// Versions kept per file when `settings.json` says nothing.
pub const DEFAULT_KEEP: usize = 10;

/// Name of the directory beside our files.
pub const DIR_NAME: &str = "history";

/// Copies are private whatever the original's mode: they may hold keys.
const COPY_MODE: u32 = 0o600;

/// Writes `bytes` to `path` atomically ([`fsutil::write_atomic`]), first
/// keeping the current content (if any, and if it differs) in the history.
pub fn write_kept(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let target = fsutil::resolve_links(path)?;
    let dir = parent(&target);
    let keep = keep_setting(dir);
    if keep > 0 {
        match fs::read(&target) {
            Ok(old) if old != bytes => {
                save_copy(dir, &file_name(&target), &old)?;
                prune(dir, &file_name(&target), keep)?;
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    fsutil::write_atomic(path, bytes, mode)
}

/// One kept version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Version {
    /// The file it is a version of (`config.json`).
    pub file: String,
    /// The copy under `history/`.
    pub path: PathBuf,
    /// When it was replaced (RFC 3339, UTC).
    pub replaced_at: String,
    #[serde(skip)]
    seq: u128,
}

impl Version {
    pub fn bytes(&self) -> io::Result<Vec<u8>> {
        fs::read(&self.path)
    }
}

/// The kept versions of `file` (a name such as `config.json`) in `dir`,
/// newest first; `None` for every file of ours.
pub fn versions(dir: &Path, file: Option<&str>) -> io::Result<Vec<Version>> {
    let hist = dir.join(DIR_NAME);
    let entries = match fs::read_dir(&hist) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((base, seq)) = name.rsplit_once('.') else { continue };
        let Ok(seq) = seq.parse::<u128>() else { continue };
        if file.is_some_and(|f| f != base) {
            continue;
        }
        let secs = (seq / 1_000_000_000) as i64;
        let nanos = (seq % 1_000_000_000) as u32;
        let replaced_at = chrono::DateTime::from_timestamp(secs, nanos)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default();
        out.push(Version { file: base.to_string(), path: entry.path(), replaced_at, seq });
    }
    out.sort_by_key(|v| std::cmp::Reverse(v.seq));
    Ok(out)
}

/// What [`undo`] put back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Restored {
    /// The file restored (`~/.codex-helper/config.json`).
    pub path: PathBuf,
    /// The version it now has: the content it had before this time.
    pub replaced_at: String,
    /// Versions still kept for this file.
    pub remaining: usize,
}

/// Puts `version` back in place of its file and drops it from the history.
/// The restore itself is not kept (else two undos would swap back and forth
/// instead of walking back).
pub fn restore(dir: &Path, version: &Version, mode: u32) -> io::Result<Restored> {
    let bytes = version.bytes()?;
    let path = dir.join(&version.file);
    fsutil::write_atomic(&path, &bytes, mode)?;
    fs::remove_file(&version.path)?;
    let remaining = versions(dir, Some(&version.file))?.len();
    Ok(Restored { path, replaced_at: version.replaced_at.clone(), remaining })
}

/// Restores the newest kept version of `file` (or of whichever file of ours
/// changed last, for `None`). `Ok(None)`: nothing kept.
pub fn undo(dir: &Path, file: Option<&str>) -> io::Result<Option<Restored>> {
    let Some(newest) = versions(dir, file)?.into_iter().next() else { return Ok(None) };
    restore(dir, &newest, mode_for(&newest.file)).map(Some)
}

/// The mode a restored file gets: what its writer uses.
pub fn mode_for(file: &str) -> u32 {
    match file {
        "usage_providers.json" | "filter.json" => 0o644,
        _ => 0o600,
    }
}

fn save_copy(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let hist = dir.join(DIR_NAME);
    fsutil::ensure_private_dir(&hist)?;
    let mut seq = now_nanos();
    // Two writes within one clock tick must not overwrite each other's copy.
    while hist.join(format!("{name}.{seq}")).exists() {
        seq += 1;
    }
    fsutil::write_atomic(&hist.join(format!("{name}.{seq}")), bytes, COPY_MODE)
}

fn prune(dir: &Path, name: &str, keep: usize) -> io::Result<()> {
    for old in versions(dir, Some(name))?.into_iter().skip(keep) {
        fs::remove_file(&old.path)?;
    }
    Ok(())
}

/// `history.keep` from `settings.json` beside the file, read leniently: a
/// broken settings file must not block saving the config that fixes it.
fn keep_setting(dir: &Path) -> usize {
    fs::read(dir.join("settings.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.pointer("/history/keep").and_then(serde_json::Value::as_u64))
        .map_or(DEFAULT_KEEP, |n| n as usize)
}

fn now_nanos() -> u128 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn each_write_keeps_the_previous_content_and_undo_walks_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config.json");
        write_kept(&file, b"one", 0o600).unwrap();
        assert!(versions(dir.path(), None).unwrap().is_empty(), "a new file has no previous version");
        write_kept(&file, b"two", 0o600).unwrap();
        write_kept(&file, b"two", 0o600).unwrap();
        write_kept(&file, b"three", 0o600).unwrap();
        let kept = versions(dir.path(), Some("config.json")).unwrap();
        assert_eq!(kept.len(), 2, "an unchanged write keeps nothing");
        assert_eq!(kept[0].bytes().unwrap(), b"two");
        let mode = fs::metadata(&kept[0].path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let r = undo(dir.path(), None).unwrap().unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"two");
        assert_eq!(r.remaining, 1);
        undo(dir.path(), Some("config.json")).unwrap().unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"one");
        assert!(undo(dir.path(), None).unwrap().is_none());
    }

    #[test]
    fn only_the_newest_n_are_kept_as_settings_say() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("settings.json"), r#"{"history":{"keep":3}}"#).unwrap();
        let file = dir.path().join("filter.json");
        for i in 0..8 {
            write_kept(&file, format!("v{i}").as_bytes(), 0o644).unwrap();
        }
        let kept = versions(dir.path(), Some("filter.json")).unwrap();
        let contents: Vec<_> = kept.iter().map(|v| String::from_utf8(v.bytes().unwrap()).unwrap()).collect();
        assert_eq!(contents, ["v6", "v5", "v4"]);
    }
}
