//! Finding the clients' own session transcripts by project directory, so
//! `ch session last` can say "`codex resume <ID>`" without the user
//! remembering ids.
//!
//! - `codex.rs`: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<uuid>.jsonl`.
//! - `claude.rs`: `~/.claude/projects/<encoded cwd>/<uuid>.jsonl`.
//! - `scan.rs`: what both share: newest-first candidates from names and
//!   mtimes, bounded head reads, and the "is this cwd inside DIR" check.
//!
//! A session belongs to DIR when its recorded working directory is DIR or
//! below it, comparing canonical paths (lexical ones for directories that no
//! longer exist). Sessions are ordered by last activity (file mtime), newest
//! first, and files are opened lazily in that order until `limit` sessions
//! matched: listing stays fast with thousands of transcripts.

mod claude;
mod codex;
mod scan;

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::{Paths, Service};

/// One client session, as `ch session list --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SessionInfo {
    /// The id the client resumes by (a uuid for both clients).
    pub id: String,
    pub service: Service,
    /// The working directory the client recorded.
    pub cwd: PathBuf,
    /// When the session started, RFC 3339 in UTC.
    pub started_at: String,
    pub started_at_ms: i64,
    /// Last activity: the transcript's mtime.
    pub modified_at_ms: i64,
    /// The transcript file.
    pub file: PathBuf,
    /// What the person first typed (injected context skipped); `None` when
    /// the session has no user message yet or it lies past the read budget.
    pub first_message: Option<String>,
    /// `codex resume <ID>` or `claude --resume <ID>`.
    pub resume_command: String,
    /// `cwd` canonicalized (or normalized), used to compare with DIR.
    #[serde(skip)]
    pub resolved_cwd: PathBuf,
}

impl SessionInfo {
    /// The command that resumes this session, run from its directory.
    pub fn resume_command(&self) -> &str {
        &self.resume_command
    }

    /// The command to type in `current_dir`: prefixed with `cd <cwd> && `
    /// when the session was started elsewhere, because both clients resume
    /// with the directory they are launched in.
    pub fn resume_command_from(&self, current_dir: &Path) -> String {
        let here = std::fs::canonicalize(current_dir).unwrap_or_else(|_| scan::normalize_lexically(current_dir));
        if here == self.resolved_cwd {
            self.resume_command.clone()
        } else {
            format!("cd {} && {}", shell_quote(&self.cwd.to_string_lossy()), self.resume_command)
        }
    }

    /// The cwd relative to `dir` (`.` for `dir` itself), or the recorded cwd
    /// when it is not below `dir`.
    pub fn display_dir(&self, dir: &Path) -> String {
        match self.resolved_cwd.strip_prefix(dir) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => rel.to_string_lossy().into_owned(),
            Err(_) => self.cwd.to_string_lossy().into_owned(),
        }
    }

    /// The first message on one line (whitespace collapsed), at most
    /// `max_chars` characters, `…` marking a cut.
    pub fn summary(&self, max_chars: usize) -> String {
        let Some(text) = &self.first_message else { return String::new() };
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if flat.chars().count() <= max_chars {
            return flat;
        }
        let mut cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// What can go wrong looking for sessions.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error("project directory {} does not exist or cannot be read; give an existing directory", path.display())]
    DirNotFound { path: PathBuf, source: io::Error },
    #[error("{} is not a directory; give the project directory the sessions were started in", path.display())]
    NotADirectory { path: PathBuf },
    #[error("cannot read the current directory ({0}); give the project directory explicitly")]
    CurrentDir(io::Error),
    #[error("cannot read {} ({source}); check its permissions", path.display())]
    ReadSessions { path: PathBuf, source: io::Error },
}

/// Where `service` keeps its transcripts (shown when nothing is found).
pub fn sessions_root(paths: &Paths, service: Service) -> PathBuf {
    match service {
        Service::Codex => paths.codex_dir().join("sessions"),
        Service::Claude => paths.claude_dir().join("projects"),
    }
}

/// `dir` made absolute and canonical: the form every comparison uses.
pub fn canonical_dir(dir: &Path) -> Result<PathBuf, SessionError> {
    let absolute = absolute(dir)?;
    let canonical = std::fs::canonicalize(&absolute)
        .map_err(|source| SessionError::DirNotFound { path: absolute.clone(), source })?;
    if !canonical.is_dir() {
        return Err(SessionError::NotADirectory { path: absolute });
    }
    Ok(canonical)
}

fn absolute(dir: &Path) -> Result<PathBuf, SessionError> {
    if dir.is_absolute() {
        return Ok(scan::normalize_lexically(dir));
    }
    let cwd = std::env::current_dir().map_err(SessionError::CurrentDir)?;
    Ok(scan::normalize_lexically(&cwd.join(dir)))
}

/// Sessions of `service` started in `dir` or below it, newest activity
/// first, at most `limit` of them (`0`: all).
pub fn list(paths: &Paths, service: Service, dir: &Path, limit: usize) -> Result<Vec<SessionInfo>, SessionError> {
    let given = absolute(dir)?;
    let canonical = canonical_dir(dir)?;
    let root = sessions_root(paths, service);
    let mut candidates = match service {
        Service::Codex => codex::candidates(&root),
        Service::Claude => claude::candidates(&root, &[&canonical, &given]),
    }
    .map_err(|source| SessionError::ReadSessions { path: root.clone(), source })?;
    scan::sort_newest_first(&mut candidates);

    let limit = if limit == 0 { usize::MAX } else { limit };
    let mut matcher = scan::DirMatcher::new(canonical);
    let mut found = Vec::new();
    for candidate in candidates {
        if found.len() >= limit {
            break;
        }
        let session = match service {
            Service::Codex => codex::read(&candidate.path, &mut matcher),
            Service::Claude => claude::read(&candidate.path, &mut matcher),
        };
        if let Some(s) = session {
            found.push(s.into_info(service, candidate));
        }
    }
    Ok(found)
}

/// The session in `dir` (or below) with the newest activity.
pub fn last(paths: &Paths, service: Service, dir: &Path) -> Result<Option<SessionInfo>, SessionError> {
    Ok(list(paths, service, dir, 1)?.into_iter().next())
}

/// What a client module extracts from one transcript that matched.
#[derive(Debug)]
pub(crate) struct Found {
    pub id: String,
    pub cwd: String,
    pub resolved_cwd: PathBuf,
    pub started_at_ms: Option<i64>,
    pub first_message: Option<String>,
}

impl Found {
    fn into_info(self, service: Service, file: scan::Candidate) -> SessionInfo {
        let started_at_ms = self.started_at_ms.unwrap_or(file.modified_at_ms);
        let resume_command = match service {
            Service::Codex => format!("codex resume {}", shell_quote(&self.id)),
            Service::Claude => format!("claude --resume {}", shell_quote(&self.id)),
        };
        SessionInfo {
            id: self.id,
            service,
            cwd: PathBuf::from(self.cwd),
            started_at: rfc3339(started_at_ms),
            started_at_ms,
            modified_at_ms: file.modified_at_ms,
            file: file.path,
            first_message: self.first_message,
            resume_command,
            resolved_cwd: self.resolved_cwd,
        }
    }
}

/// The longest first message kept: enough for any preview, and a pasted
/// file doesn't bloat `--json`.
const MAX_MESSAGE_CHARS: usize = 2000;

/// What the person typed: `text`, unless it starts with one of the client's
/// `injected` markers (context the client adds on its own).
pub(crate) fn typed_message(text: &str, injected: &[&str]) -> Option<String> {
    let trimmed = text.trim_start();
    if injected.iter().any(|p| trimmed.starts_with(p)) {
        return None;
    }
    clean_message(text)
}

/// A user text worth showing: trimmed, non-empty, capped.
pub(crate) fn clean_message(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(text.chars().take(MAX_MESSAGE_CHARS).collect())
}

/// Milliseconds since the epoch from an RFC 3339 timestamp.
pub(crate) fn parse_time_ms(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis())
}

/// RFC 3339 in UTC with milliseconds: `2025-10-29T00:59:38.308Z`.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// `YYYY-MM-DD HH:MM` in the local time zone, for people.
pub fn local_minute(ms: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_millis_opt(ms).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => rfc3339(ms),
    }
}

/// Quote for a POSIX shell only when needed, so the usual uuid and path
/// stay readable and copy-pastable.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests;
