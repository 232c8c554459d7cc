//! Where codex-helper and the clients keep their files.
//!
//! Everything is derived from `$HOME` (and `$CODEX_HOME` for the Codex
//! client, as Codex itself does), so tests and users can point the whole tool
//! at another directory without touching the real user's files.

use std::path::{Path, PathBuf};

/// `$HOME` is unset or empty, so there is nowhere to keep files.
#[derive(Debug, thiserror::Error)]
#[error("cannot find your home directory: $HOME is not set; set HOME to the directory codex-helper should keep its files under")]
pub struct NoHome;

/// All file locations, rooted at one home directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    home: PathBuf,
    codex_home: PathBuf,
}

impl Paths {
    /// Paths for the current user, from `$HOME` and `$CODEX_HOME`.
    pub fn from_env() -> Result<Paths, NoHome> {
        let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).map(PathBuf::from).ok_or(NoHome)?;
        let codex_home = std::env::var_os("CODEX_HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".codex"));
        Ok(Paths { home, codex_home })
    }

    /// Paths under an explicit home (tests, embedding).
    pub fn with_home(home: impl Into<PathBuf>) -> Paths {
        let home = home.into();
        let codex_home = home.join(".codex");
        Paths { home, codex_home }
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A path the user typed: `~` and `~/...` are under the home.
    pub fn user_path(&self, text: &str) -> PathBuf {
        let text = text.trim();
        match text.strip_prefix('~') {
            Some("") => self.home.clone(),
            Some(rest) if rest.starts_with('/') => self.home.join(rest.trim_start_matches('/')),
            _ => PathBuf::from(text),
        }
    }

    /// `~/.codex-helper`: our own directory (mode 0700).
    pub fn helper_dir(&self) -> PathBuf {
        self.home.join(".codex-helper")
    }

    /// `~/.codex-helper/config.json`: relays and keys (mode 0600).
    pub fn config_file(&self) -> PathBuf {
        self.helper_dir().join("config.json")
    }

    /// `~/.codex-helper/settings.json`: ports, timeouts, limits.
    pub fn settings_file(&self) -> PathBuf {
        self.helper_dir().join("settings.json")
    }

    /// `~/.codex-helper/filter.json`: request body redaction rules.
    pub fn filter_file(&self) -> PathBuf {
        self.helper_dir().join("filter.json")
    }

    /// `~/.codex-helper/usage_providers.json`: quota lookups.
    pub fn usage_providers_file(&self) -> PathBuf {
        self.helper_dir().join("usage_providers.json")
    }

    /// `~/.codex-helper/logs`.
    pub fn logs_dir(&self) -> PathBuf {
        self.helper_dir().join("logs")
    }

    /// `~/.codex-helper/logs/requests.jsonl`: one line per proxied request.
    pub fn request_log(&self) -> PathBuf {
        self.logs_dir().join("requests.jsonl")
    }

    /// The Codex client's directory: `$CODEX_HOME`, else `~/.codex`.
    pub fn codex_dir(&self) -> &Path {
        &self.codex_home
    }

    /// Claude Code's directory: `~/.claude`.
    pub fn claude_dir(&self) -> PathBuf {
        self.home.join(".claude")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_lives_under_home() {
        let p = Paths::with_home("/tmp/h");
        assert_eq!(p.config_file(), PathBuf::from("/tmp/h/.codex-helper/config.json"));
        assert_eq!(p.request_log(), PathBuf::from("/tmp/h/.codex-helper/logs/requests.jsonl"));
        assert_eq!(p.codex_dir(), Path::new("/tmp/h/.codex"));
        assert_eq!(p.claude_dir(), PathBuf::from("/tmp/h/.claude"));
    }
}
