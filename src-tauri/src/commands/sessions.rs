//! Recent Codex / Claude Code sessions, and resuming one in a terminal.

use std::path::{Path, PathBuf};

use codex_helper_core::sessions::{self, SessionInfo};
use codex_helper_core::t;
use codex_helper_core::Service;
use serde::Deserialize;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_shell::ShellExt;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

/// Which sessions [`list_sessions`] lists.
#[derive(Debug, Deserialize, specta::Type)]
pub struct ListSessionsArgs {
    pub service: Service,
    /// Sessions started here or below; every project when `None`.
    pub path: Option<String>,
    /// At most this many, newest first (0: all).
    pub limit: u32,
}

/// Sessions started in `path` or below (every project when `None`), newest
/// first, at most `limit` (0: all).
#[tauri::command]
#[specta::specta]
pub async fn list_sessions(state: State<'_, WindowState>, args: ListSessionsArgs) -> CmdResult<Vec<SessionInfo>> {
    let ListSessionsArgs { service, path, limit } = args;
    let paths = state.paths.clone();
    let dir = path.map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));
    tauri::async_runtime::spawn_blocking(move || sessions::list(&paths, service, &dir, limit as usize))
        .await
        .map_err(CommandError::new)?
        .map_err(CommandError::new)
}

/// Terminal emulators tried in order; each takes `-e PROGRAM ARGS...`
/// (gnome-terminal: `-- PROGRAM ARGS...`).
const TERMINALS: &[&str] = &["x-terminal-emulator", "gnome-terminal", "konsole", "xterm"];

/// Names the terminal to use instead (it must take `-e PROGRAM ARGS...`).
pub const TERMINAL_ENV: &str = "CODEX_HELPER_TERMINAL";

/// The command that resumes `session_id` in its client.
fn resume_command(service: Service, session_id: &str) -> Vec<String> {
    let args: &[&str] = match service {
        Service::Codex => &["codex", "resume"],
        Service::Claude => &["claude", "--resume"],
    };
    args.iter().map(|a| a.to_string()).chain([session_id.to_string()]).collect()
}

/// The session [`open_resume_terminal`] resumes.
#[derive(Debug, Deserialize, specta::Type)]
pub struct ResumeArgs {
    pub service: Service,
    pub session_id: String,
    /// The session's project directory; the terminal opens there.
    pub cwd: String,
}

/// Open a terminal in `cwd` running the client's resume command (through
/// tauri-plugin-shell).
#[tauri::command]
#[specta::specta]
pub fn open_resume_terminal<R: Runtime>(app: AppHandle<R>, args: ResumeArgs) -> CmdResult<()> {
    let ResumeArgs { service, session_id, cwd } = args;
    if session_id.is_empty() || !session_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(CommandError::invalid("session_id", t!("err-window-not-a-session-id", id = session_id.as_str())));
    }
    let resume = resume_command(service, &session_id);
    let cwd = Path::new(&cwd);
    if !cwd.is_dir() {
        return Err(CommandError::not_found(t!("err-window-not-a-directory", path = cwd.display().to_string())));
    }
    let chosen = std::env::var(TERMINAL_ENV).ok().filter(|t| !t.is_empty());
    let terminals: Vec<&str> = match &chosen {
        Some(t) => vec![t.as_str()],
        None => TERMINALS.to_vec(),
    };
    for terminal in &terminals {
        let separator = if *terminal == "gnome-terminal" { "--" } else { "-e" };
        let spawned = app.shell().command(terminal).arg(separator).args(&resume).current_dir(cwd).spawn();
        match spawned {
            Ok((mut events, _child)) => {
                // Drain its output so the terminal never blocks on a full pipe.
                tauri::async_runtime::spawn(async move { while events.recv().await.is_some() {} });
                return Ok(());
            }
            Err(tauri_plugin_shell::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(CommandError::unavailable(t!(
                    "err-window-terminal-failed",
                    terminal = *terminal,
                    error = e.to_string()
                )))
            }
        }
    }
    Err(CommandError::unavailable(t!(
        "err-window-no-terminal",
        tried = terminals.join(", "),
        env = TERMINAL_ENV,
        command = resume.join(" ")
    )))
}
