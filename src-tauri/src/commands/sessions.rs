//! Recent Codex / Claude Code sessions, and resuming one in a terminal.

use std::path::{Path, PathBuf};

use codex_helper_core::sessions::{self, SessionInfo};
use codex_helper_core::Service;
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

/// Sessions started in `path` or below (every project when `None`), newest
/// first, at most `limit` (0: all).
#[tauri::command]
#[specta::specta]
pub async fn list_sessions(
    state: State<'_, WindowState>,
    service: Service,
    path: Option<String>,
    limit: u32,
) -> CmdResult<Vec<SessionInfo>> {
    let paths = state.paths.clone();
    let dir = path.map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));
    tauri::async_runtime::spawn_blocking(move || sessions::list(&paths, service, &dir, limit as usize))
        .await
        .map_err(CommandError::new)?
        .map_err(CommandError::new)
}

/// Terminal emulators tried in order; each takes `-e PROGRAM ARGS...`.
const TERMINALS: &[&str] = &["x-terminal-emulator", "gnome-terminal", "konsole", "xterm"];

/// Open a terminal in `cwd` running the client's resume command.
#[tauri::command]
#[specta::specta]
pub fn open_resume_terminal(service: Service, session_id: String, cwd: String) -> CmdResult<()> {
    if session_id.is_empty() || !session_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(CommandError::new(format!("`{session_id}` is not a session id")));
    }
    let program = match service {
        Service::Codex => "codex",
        Service::Claude => "claude",
    };
    let resume: Vec<&str> = match service {
        Service::Codex => vec![program, "resume", &session_id],
        Service::Claude => vec![program, "--resume", &session_id],
    };
    let cwd = Path::new(&cwd);
    if !cwd.is_dir() {
        return Err(CommandError::new(format!("{} is not a directory (was the project moved?)", cwd.display())));
    }
    for terminal in TERMINALS {
        let mut cmd = std::process::Command::new(terminal);
        if *terminal == "gnome-terminal" {
            cmd.arg("--");
        } else {
            cmd.arg("-e");
        }
        match cmd.args(&resume).current_dir(cwd).spawn() {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(CommandError::new(format!("cannot start {terminal}: {e}"))),
        }
    }
    Err(CommandError::new(format!(
        "no terminal emulator found (tried {}); copy the command and run it yourself: {}",
        TERMINALS.join(", "),
        resume.join(" ")
    )))
}
