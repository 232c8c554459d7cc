//! Pointing a client (Codex, Claude Code) at the local proxy and back.
//!
//! `switch on` edits the client's own settings file at key level (only the
//! keys it needs, everything else byte for byte as it was), keeps a
//! whole-file backup beside it on the first switch, and records the previous
//! value of every key it set ([`record`]). `switch off` puts the backup back
//! verbatim when the file is still exactly as we wrote it, and otherwise
//! restores only the keys that still hold our values, so the user's own
//! edits in between survive. Both are idempotent.
//!
//! What differs per client (file format, which keys) is behind the
//! [`Client`] trait, one file each: [`codex`] (TOML via `toml_edit`) and
//! [`claude`] (JSON). This module is synchronous file logic only; whether a
//! proxy answers on the port is for the caller to probe.

pub mod claude;
pub mod codex;
pub mod owner;
#[cfg(test)]
mod proptests;
pub mod record;

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::error::display_path;
use crate::config::ConfigError;
use crate::fsutil;
use crate::paths::Paths;
use crate::process::ProcessId;
use crate::service::Service;
use record::{KeyChange, SwitchRecord};

/// Mode for a client file we create from nothing.
const NEW_FILE_MODE: u32 = 0o600;

/// Why a switch could not be done. The client's file is never rewritten
/// when any of these is returned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SwitchError {
    /// The client's directory is missing: it was probably never run.
    #[error("{} does not exist: {} does not seem to be installed or used yet; run `{}` once (or create the directory) and try again", display_path(dir), service.display_name(), client_command(*service))]
    NoClientDir { service: Service, dir: PathBuf },

    /// The client's file does not parse.
    #[error("{}:{line}:{column}: {message}. Fix the file by hand (it was not changed).", display_path(path))]
    Parse { path: PathBuf, line: usize, column: usize, message: String },

    /// The file parses but a key we must set has an unexpected shape.
    #[error("{}: `{key}` {message} (the file was not changed)", display_path(path))]
    Shape { path: PathBuf, key: String, message: String },

    #[error("cannot read/write {}: {source}", display_path(path))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Our own switch record is unreadable.
    #[error("{0} (it records what `ch switch on` changed; if it is beyond repair, delete it and restore the client file from its .codex-helper.bak backup)")]
    Record(#[source] ConfigError),
}

impl SwitchError {
    pub(crate) fn io(path: &Path, source: io::Error) -> SwitchError {
        SwitchError::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn shape(path: &Path, key: &[String], message: impl Into<String>) -> SwitchError {
        SwitchError::Shape { path: path.to_path_buf(), key: key.join("."), message: message.into() }
    }
}

pub(crate) fn client_command(service: Service) -> &'static str {
    match service {
        Service::Codex => "codex",
        Service::Claude => "claude",
    }
}

/// One client's settings file: its format and the keys that point it at
/// the proxy. Keys are paths of table/object names; values travel as source
/// text in the file's own format (that is what the record stores).
pub(crate) trait Client {
    /// The parsed file, editable without losing formatting.
    type Doc;
    const SERVICE: Service;

    /// The client's directory; it must exist before we write into it.
    fn dir(paths: &Paths) -> PathBuf;
    fn file(paths: &Paths) -> PathBuf;
    fn parse(text: &str, path: &Path) -> Result<Self::Doc, SwitchError>;
    fn empty() -> Self::Doc;
    fn render(doc: &Self::Doc) -> String;
    /// The keys to set, with our source text, to point at `port`.
    fn wanted(doc: &Self::Doc, port: u16) -> Vec<(Vec<String>, String)>;
    /// The source text of `key`, or `None` if absent.
    fn get(doc: &Self::Doc, key: &[String]) -> Option<String>;
    /// Whether `key` holds the same value as `source` (formatting aside).
    fn same(doc: &Self::Doc, key: &[String], source: &str) -> bool;
    /// Sets `key` from `source`, creating parents; `path` is for errors.
    fn set(doc: &mut Self::Doc, key: &[String], source: &str, path: &Path) -> Result<(), SwitchError>;
    fn remove(doc: &mut Self::Doc, key: &[String]);
    /// Whether `key` is a table/object with nothing in it.
    fn is_empty(doc: &Self::Doc, key: &[String]) -> bool;
    /// The loopback port the client sends to, if it points at this machine.
    fn proxy_port(doc: &Self::Doc) -> Option<u16>;
}

/// What `switch on` / `switch off` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SwitchReport {
    pub service: Service,
    /// The client file.
    pub file: PathBuf,
    /// `switch on`: the backup taken (or kept); `switch off`: the backup
    /// left in place (`None` once it was restored and removed).
    pub backup: Option<PathBuf>,
    /// `switch on`: the port the client now uses.
    pub port: Option<u16>,
    /// Whether the client file was written.
    pub changed: bool,
    /// `switch on`: it was already switched by us; `switch off`: there was
    /// nothing recorded, so nothing was done.
    pub already: bool,
    /// `switch off`: how the file was put back.
    pub restored: Option<Restored>,
    /// Dotted keys set (on) or put back (off).
    pub keys: Vec<String>,
    /// `switch off`: our keys the user changed meanwhile (left as they are).
    pub kept: Vec<String>,
}

/// How `switch off` put the client file back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Restored {
    /// Unchanged since `switch on`: the backup was copied back verbatim.
    Backup,
    /// Unchanged, and there was no file before: it was deleted.
    Deleted,
    /// The user edited it: only our keys were put back.
    Keys,
    /// The user deleted the file meanwhile: nothing to put back.
    FileGone,
}

/// Where a client points, as far as its file says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SwitchState {
    pub service: Service,
    pub file: PathBuf,
    /// The client's directory exists.
    pub client_dir_exists: bool,
    pub file_exists: bool,
    /// The client sends to a loopback URL (a local proxy).
    pub points_at_proxy: bool,
    /// That loopback port.
    pub port: Option<u16>,
    /// The whole-file backup, if there is one.
    pub backup: Option<PathBuf>,
    /// `switch on` has a record for this service (so `switch off` will act).
    pub recorded: bool,
}

/// Points `service`'s client at `http://127.0.0.1:<port>`.
pub fn switch_on(paths: &Paths, service: Service, port: u16) -> Result<SwitchReport, SwitchError> {
    switch_on_for(paths, service, port, None)
}

/// [`switch_on`], recording `owner` as the process that will switch back
/// (`None`: the user will). A live owner already recorded is kept.
pub fn switch_on_for(
    paths: &Paths,
    service: Service,
    port: u16,
    owner: Option<ProcessId>,
) -> Result<SwitchReport, SwitchError> {
    match service {
        Service::Codex => on::<codex::Codex>(paths, port, owner),
        Service::Claude => on::<claude::Claude>(paths, port, owner),
    }
}

/// Puts back what [`switch_on`] changed; a no-op when nothing is recorded.
pub fn switch_off(paths: &Paths, service: Service) -> Result<SwitchReport, SwitchError> {
    match service {
        Service::Codex => off::<codex::Codex>(paths),
        Service::Claude => off::<claude::Claude>(paths),
    }
}

/// Where `service`'s client points now.
pub fn state(paths: &Paths, service: Service) -> Result<SwitchState, SwitchError> {
    match service {
        Service::Codex => state_of::<codex::Codex>(paths),
        Service::Claude => state_of::<claude::Claude>(paths),
    }
}

/// The client file's text as it was before we switched it (our keys put
/// back in memory, nothing written), for importing the user's own upstream.
/// `None` when there is no file. A file pointing at a local URL with neither
/// a record nor a backup comes back as it is.
pub fn unswitched_text(paths: &Paths, service: Service) -> Result<Option<String>, SwitchError> {
    match service {
        Service::Codex => unswitched::<codex::Codex>(paths),
        Service::Claude => unswitched::<claude::Claude>(paths),
    }
}

/// `config.toml` → `config.toml.codex-helper.bak`, beside it.
pub fn backup_path(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".codex-helper.bak");
    file.with_file_name(name)
}

/// The port of `url` when it names this machine (see [`crate::loopback`]).
pub(crate) fn loopback_port(url: &str) -> Option<u16> {
    crate::loopback::local_port(&url::Url::parse(url).ok()?)
}

fn on<C: Client>(paths: &Paths, port: u16, owner: Option<ProcessId>) -> Result<SwitchReport, SwitchError> {
    let dir = C::dir(paths);
    if !dir.is_dir() {
        return Err(SwitchError::NoClientDir { service: C::SERVICE, dir });
    }
    let file = C::file(paths);
    let original = read_opt(&file)?;
    let mut doc = match &original {
        Some(text) => C::parse(text, &file)?,
        None => C::empty(),
    };
    // A record is only trusted while the file still points at a local
    // proxy: if the user switched back by hand, this is a fresh switch.
    let points_now = C::proxy_port(&doc).is_some();
    let existing = record::load(paths, C::SERVICE)?.filter(|_| points_now);

    let mut keys: Vec<KeyChange> = Vec::new();
    let mut created = existing.as_ref().map(|r| r.created_parents.clone()).unwrap_or_default();
    for (key, ours) in C::wanted(&doc, port) {
        // The value before the *first* switch, unless the user changed
        // the key since (then their value is the one to come back).
        let recorded = existing.as_ref().and_then(|r| r.key(&key));
        let previous = match recorded {
            Some(old) if old.ours().any(|o| C::same(&doc, &key, o)) => old.previous.clone(),
            _ => C::get(&doc, &key),
        };
        // Re-pointed: the value we had set stays ours until the file has
        // the new one (a crash may come between the record and the file).
        let ours_before = recorded.and_then(|old| match old.ours != ours {
            true => Some(old.ours.clone()),
            false => old.ours_before.clone(),
        });
        for depth in 1..key.len() {
            let parent = key[..depth].to_vec();
            if C::get(&doc, &parent).is_none() && !created.contains(&parent) {
                created.push(parent);
            }
        }
        C::set(&mut doc, &key, &ours, &file)?;
        keys.push(KeyChange { key, previous, ours, ours_before });
    }
    // Keys recorded earlier that are no longer wanted still need restoring.
    if let Some(r) = &existing {
        for old in &r.keys {
            if !keys.iter().any(|k| k.key == old.key) {
                keys.push(old.clone());
            }
        }
    }
    let text = C::render(&doc);

    let backup = match (&existing, &original) {
        (Some(r), _) => r.backup.clone(),
        (None, Some(orig)) => {
            let backup = backup_path(&file);
            // Never replace a backup with a file that already points at a
            // proxy: the backup may be the only copy of the user's setup.
            if !(points_now && backup.exists()) {
                fsutil::write_atomic(&backup, orig.as_bytes(), mode_of(&file))
                    .map_err(|e| SwitchError::io(&backup, e))?;
            }
            Some(backup)
        }
        (None, None) => None,
    };
    let changed = original.as_deref() != Some(text.as_str());
    let names = keys.iter().map(|k| k.key.join(".")).collect();
    let already = existing.is_some();
    let record = SwitchRecord {
        service: C::SERVICE,
        file: file.clone(),
        backup,
        port,
        keys,
        created_parents: created,
        written_before: existing.as_ref().and_then(|r| match r.written != text {
            true => Some(r.written.clone()),
            false => r.written_before.clone(),
        }),
        written: text,
        // A running owner (another `ch`) still switches back on its exit.
        owner: owner.or(existing.as_ref().and_then(|r| r.owner).filter(ProcessId::is_alive)),
    };
    // The record before the file: a process killed between the two writes
    // must not leave the client pointing at the proxy with nothing saying
    // how to undo it (`switch off` and the app's repair at start go by the
    // record). A record of a write that did not happen is harmless.
    record::save(paths, &record)?;
    if changed {
        let mode = if original.is_some() { mode_of(&file) } else { NEW_FILE_MODE };
        if let Err(e) = fsutil::write_atomic(&file, record.written.as_bytes(), mode) {
            // Nothing was switched after all: the record goes back to what it was.
            let _ = match &existing {
                Some(previous) => record::save(paths, previous),
                None => record::remove(paths, C::SERVICE),
            };
            return Err(SwitchError::io(&file, e));
        }
    }
    Ok(SwitchReport {
        service: C::SERVICE,
        file,
        backup: record.backup,
        port: Some(port),
        changed,
        already,
        restored: None,
        keys: names,
        kept: Vec::new(),
    })
}

fn off<C: Client>(paths: &Paths) -> Result<SwitchReport, SwitchError> {
    let Some(rec) = record::load(paths, C::SERVICE)? else {
        let file = C::file(paths);
        let backup = Some(backup_path(&file)).filter(|b| b.exists());
        return Ok(SwitchReport {
            service: C::SERVICE,
            file,
            backup,
            port: None,
            changed: false,
            already: true,
            restored: None,
            keys: Vec::new(),
            kept: Vec::new(),
        });
    };
    let file = rec.file.clone();
    let current = read_opt(&file)?;
    let backup_bytes = match &rec.backup {
        Some(b) => read_opt(b)?,
        None => None,
    };
    let mut keys = Vec::new();
    let mut kept = Vec::new();
    let (restored, changed) = match current {
        None => (Restored::FileGone, false),
        Some(text) if rec.is_ours(&text) && (rec.backup.is_none() || backup_bytes.is_some()) => match &backup_bytes {
            Some(bytes) => {
                fsutil::write_atomic(&file, bytes.as_bytes(), mode_of(&file)).map_err(|e| SwitchError::io(&file, e))?;
                keys = rec.keys.iter().map(|k| k.key.join(".")).collect();
                (Restored::Backup, true)
            }
            None => {
                // We created it; through a dangling link that is the link's
                // target, and the link itself is the user's.
                let made = fsutil::resolve_links(&file).map_err(|e| SwitchError::io(&file, e))?;
                fs::remove_file(&made).map_err(|e| SwitchError::io(&made, e))?;
                (Restored::Deleted, true)
            }
        },
        Some(text) => {
            let mut doc = C::parse(&text, &file)?;
            let (put_back, left) = restore_keys::<C>(&mut doc, &rec, &file)?;
            keys = put_back;
            kept = left;
            let new = C::render(&doc);
            let changed = new != text;
            if changed {
                fsutil::write_atomic(&file, new.as_bytes(), mode_of(&file)).map_err(|e| SwitchError::io(&file, e))?;
            }
            (Restored::Keys, changed)
        }
    };
    // The backup has done its job once the file is byte-identical to it.
    let mut backup = rec.backup.clone().filter(|b| b.exists());
    if let (Some(b), Some(bytes)) = (&backup, &backup_bytes) {
        if read_opt(&file)?.as_deref() == Some(bytes.as_str()) {
            fs::remove_file(b).map_err(|e| SwitchError::io(b, e))?;
            backup = None;
        }
    }
    record::remove(paths, C::SERVICE)?;
    Ok(SwitchReport {
        service: C::SERVICE,
        file,
        backup,
        port: Some(rec.port),
        changed,
        already: false,
        restored: Some(restored),
        keys,
        kept,
    })
}

/// Puts back, in `doc`, every recorded key that still holds our value; then
/// drops parents we created that are now empty. Returns (restored, kept).
fn restore_keys<C: Client>(
    doc: &mut C::Doc,
    rec: &SwitchRecord,
    file: &Path,
) -> Result<(Vec<String>, Vec<String>), SwitchError> {
    let (mut restored, mut kept) = (Vec::new(), Vec::new());
    for change in rec.keys.iter().rev() {
        if !change.ours().any(|ours| C::same(doc, &change.key, ours)) {
            kept.push(change.key.join("."));
            continue;
        }
        match &change.previous {
            Some(previous) => C::set(doc, &change.key, previous, file)?,
            None => C::remove(doc, &change.key),
        }
        restored.push(change.key.join("."));
    }
    let mut parents = rec.created_parents.clone();
    parents.sort_by_key(|p| std::cmp::Reverse(p.len()));
    for parent in parents {
        if C::is_empty(doc, &parent) {
            C::remove(doc, &parent);
        }
    }
    restored.reverse();
    kept.reverse();
    Ok((restored, kept))
}

fn state_of<C: Client>(paths: &Paths) -> Result<SwitchState, SwitchError> {
    let file = C::file(paths);
    let rec = record::load(paths, C::SERVICE)?;
    let text = read_opt(&file)?;
    let port = match &text {
        Some(t) => C::proxy_port(&C::parse(t, &file)?),
        None => None,
    };
    let backup = rec.as_ref().and_then(|r| r.backup.clone()).or_else(|| Some(backup_path(&file)));
    Ok(SwitchState {
        service: C::SERVICE,
        client_dir_exists: C::dir(paths).is_dir(),
        file_exists: text.is_some(),
        points_at_proxy: port.is_some(),
        port,
        backup: backup.filter(|b| b.exists()),
        recorded: rec.is_some(),
        file,
    })
}

fn unswitched<C: Client>(paths: &Paths) -> Result<Option<String>, SwitchError> {
    let file = C::file(paths);
    let Some(text) = read_opt(&file)? else { return Ok(None) };
    let mut doc = C::parse(&text, &file)?;
    if C::proxy_port(&doc).is_none() {
        return Ok(Some(text));
    }
    if let Some(rec) = record::load(paths, C::SERVICE)? {
        if let (true, Some(b)) = (rec.is_ours(&text), &rec.backup) {
            if let Some(old) = read_opt(b)? {
                return Ok(Some(old));
            }
        }
        restore_keys::<C>(&mut doc, &rec, &file)?;
        return Ok(Some(C::render(&doc)));
    }
    let backup = backup_path(&file);
    match read_opt(&backup)? {
        Some(old) if C::proxy_port(&C::parse(&old, &backup)?).is_none() => Ok(Some(old)),
        // A local URL with no history may be the user's own local server;
        // the caller decides whether it is our proxy.
        _ => Ok(Some(text)),
    }
}

fn read_opt(path: &Path) -> Result<Option<String>, SwitchError> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|e| {
            // Point at the first bad byte, as a parse error would.
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let (line, column) = line_col(std::str::from_utf8(valid).unwrap_or_default(), valid.len());
            SwitchError::Parse { path: path.to_path_buf(), line, column, message: "is not UTF-8 text".into() }
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SwitchError::io(path, e)),
    }
}

/// The file's permission bits, so a rewrite keeps them (default 0600).
fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).map(|m| m.permissions().mode() & 0o777).unwrap_or(NEW_FILE_MODE)
}

/// 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
