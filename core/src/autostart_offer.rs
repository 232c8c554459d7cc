//! The first-run offer of "Start at login": once per home, the tray app asks
//! (a notification with two actions) whether to add the autostart entry.
//! What became of the offer is kept in `~/.codex-helper/autostart_offer.json`
//! so it is never asked again, whatever the answer — ignoring the
//! notification counts as an answer too, or a user who never clicks it
//! would be asked at every start.
//!
//! Accepting does what the window's Settings → "Start at login" toggle
//! does: `app.start_at_login` in settings.json and the entry itself
//! ([`crate::autostart`]), so the toggle shows the truth afterwards.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::autostart::{self, AutostartError};
use crate::config::error::display_path;
use crate::config::{ConfigError, Settings};
use crate::{fsutil, Paths};

/// The file's name under `~/.codex-helper`.
pub const FILE_NAME: &str = "autostart_offer.json";

/// What the user did with the offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// "Start at login": the entry was written.
    Accepted,
    /// "Not now".
    Declined,
    /// Closed (or expired) without choosing.
    Dismissed,
}

/// The file's content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferState {
    /// When the notification was shown (ms since the epoch).
    pub offered_at_ms: u64,
    /// `None` while it waits for an answer (or the app quit before one).
    pub answer: Option<Answer>,
}

/// The offer's state could not be kept, or accepting it failed.
#[derive(Debug, thiserror::Error)]
pub enum OfferError {
    #[error("cannot write {}: {source}", display_path(.file))]
    Write {
        file: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Settings(#[from] ConfigError),
    #[error(transparent)]
    Autostart(#[from] AutostartError),
}

/// `~/.codex-helper/autostart_offer.json`.
pub fn state_file(paths: &Paths) -> PathBuf {
    paths.helper_dir().join(FILE_NAME)
}

/// The recorded state; `None` when the offer was never made in this home.
/// A file we cannot read or parse counts as "offered": asking twice is
/// worse than never asking (the toggle in Settings remains).
pub fn state(paths: &Paths) -> Option<OfferState> {
    let bytes = match std::fs::read(state_file(paths)) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(_) => return Some(OfferState { offered_at_ms: 0, answer: None }),
        Ok(bytes) => bytes,
    };
    Some(serde_json::from_slice(&bytes).unwrap_or(OfferState { offered_at_ms: 0, answer: None }))
}

/// Whether to make the offer at this start: never made in this home, and
/// start at login not already on (set in Settings, or an entry there).
pub fn should_offer(paths: &Paths) -> bool {
    if state(paths).is_some() || autostart::entry_file(paths).exists() {
        return false;
    }
    // Settings we cannot read: the answer could not be saved either.
    Settings::load(paths).is_ok_and(|s| !s.app.start_at_login)
}

/// The notification is on the screen: from now on it is never offered
/// again, answered or not.
pub fn record_offered(paths: &Paths) -> Result<(), OfferError> {
    write(paths, &OfferState { offered_at_ms: crate::logs::now_ms(), answer: None })
}

/// Keep the user's answer (after [`record_offered`]). Accepting goes
/// through [`accept`], which records it itself.
pub fn record_answer(paths: &Paths, answer: Answer) -> Result<(), OfferError> {
    let offered_at_ms = state(paths).map_or_else(crate::logs::now_ms, |s| s.offered_at_ms);
    write(paths, &OfferState { offered_at_ms, answer: Some(answer) })
}

/// "Start at login": turn the setting on, write the entry starting `exe`
/// (the tray binary, [`autostart::resident_exe`]), and record the answer.
pub fn accept(paths: &Paths, exe: &Path) -> Result<(), OfferError> {
    let mut settings = Settings::load(paths)?;
    if !settings.app.start_at_login {
        settings.app.start_at_login = true;
        settings.save(paths)?;
    }
    autostart::set(paths, Some(exe))?;
    record_answer(paths, Answer::Accepted)
}

fn write(paths: &Paths, state: &OfferState) -> Result<(), OfferError> {
    let file = state_file(paths);
    let result = (|| {
        let dir = paths.helper_dir();
        fsutil::ensure_private_dir(&dir)?;
        let mut bytes = serde_json::to_vec_pretty(state).map_err(io::Error::other)?;
        bytes.push(b'\n');
        fsutil::write_atomic(&file, &bytes, 0o600)
    })();
    result.map_err(|source| OfferError::Write { file, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> (tempfile::TempDir, Paths) {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        (dir, paths)
    }

    #[test]
    fn offered_once_per_home_whatever_the_answer() {
        for answer in [None, Some(Answer::Declined), Some(Answer::Dismissed)] {
            let (_dir, paths) = home();
            assert!(should_offer(&paths), "a fresh home gets the offer");
            record_offered(&paths).unwrap();
            assert!(!should_offer(&paths), "shown once: not again, even unanswered");
            if let Some(answer) = answer {
                record_answer(&paths, answer).unwrap();
                assert_eq!(state(&paths).unwrap().answer, Some(answer));
                assert!(!should_offer(&paths));
            }
            assert!(!autostart::entry_file(&paths).exists(), "only accepting writes the entry");
        }
    }

    #[test]
    fn accepting_turns_the_setting_on_and_writes_the_entry() {
        let (_dir, paths) = home();
        record_offered(&paths).unwrap();
        let offered = state(&paths).unwrap().offered_at_ms;
        accept(&paths, Path::new("/usr/bin/codex-helper-app")).unwrap();
        assert!(Settings::load(&paths).unwrap().app.start_at_login, "the Settings toggle shows it on");
        let entry = std::fs::read_to_string(autostart::entry_file(&paths)).unwrap();
        assert!(entry.contains("Exec=\"/usr/bin/codex-helper-app\""), "{entry}");
        assert_eq!(state(&paths).unwrap(), OfferState { offered_at_ms: offered, answer: Some(Answer::Accepted) });
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(state_file(&paths)).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn not_offered_when_start_at_login_is_already_on() {
        let (_dir, paths) = home();
        let mut settings = Settings::default();
        settings.app.start_at_login = true;
        settings.save(&paths).unwrap();
        assert!(!should_offer(&paths), "set in Settings");

        let (_dir, paths) = home();
        autostart::set(&paths, Some(Path::new("/usr/bin/codex-helper-app"))).unwrap();
        assert!(!should_offer(&paths), "an entry already there");
    }

    #[test]
    fn an_unreadable_state_counts_as_offered() {
        let (_dir, paths) = home();
        std::fs::create_dir_all(paths.helper_dir()).unwrap();
        std::fs::write(state_file(&paths), "{ not json").unwrap();
        assert!(!should_offer(&paths));
        record_answer(&paths, Answer::Declined).unwrap();
        assert_eq!(state(&paths).unwrap().answer, Some(Answer::Declined), "and is repaired by the next write");
    }
}
