//! The settings the UI edits: ports, services on/off, start hidden, start
//! at login. They live in settings.json (the `app` section is ours); start
//! at login is an XDG autostart entry.

use std::path::PathBuf;

use codex_helper_core::config::{AppPrefs, ServiceSettings, Settings};
use codex_helper_core::{fsutil, Paths};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;
use codex_helper_agent::ipc::IpcError;

/// The part of settings.json the app shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct AppSettings {
    pub codex: ServiceSettings,
    pub claude: ServiceSettings,
    pub app: AppPrefs,
}

#[tauri::command]
#[specta::specta]
pub fn get_settings(state: State<'_, WindowState>) -> CmdResult<AppSettings> {
    let s = Settings::load(&state.paths).map_err(CommandError::new)?;
    Ok(AppSettings { codex: s.codex, claude: s.claude, app: s.app })
}

/// Save, then have the running app start, stop or move its proxies to
/// match (a client it routed follows a moved proxy). Returns whether the
/// change waits for the next start instead: when the app is not running.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(state: State<'_, WindowState>, settings: AppSettings) -> CmdResult<bool> {
    let paths = &state.paths;
    let mut s = Settings::load(paths).map_err(CommandError::new)?;
    s.codex = settings.codex;
    s.claude = settings.claude;
    s.app = settings.app;
    s.save(paths).map_err(CommandError::new)?;
    set_autostart(paths, s.app.start_at_login).map_err(CommandError::new)?;
    match state.agent.apply_settings().await {
        Ok(()) => Ok(false),
        Err(IpcError::NotRunning { .. }) => Ok(true),
        Err(err) => Err(CommandError::unavailable(format!("saved, but the running app could not apply it: {err}"))),
    }
}

/// `~/.config/autostart/codex-helper.desktop`.
pub fn autostart_file(paths: &Paths) -> PathBuf {
    paths.home().join(".config/autostart/codex-helper.desktop")
}

fn set_autostart(paths: &Paths, on: bool) -> std::io::Result<()> {
    let file = autostart_file(paths);
    if !on {
        return match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    // The resident process, not this window program.
    let exe = std::env::current_exe()?.with_file_name("codex-helper-app");
    let entry = format!(
        "[Desktop Entry]\nType=Application\nName=codex-helper\nComment=Local proxy for Codex CLI and Claude Code\nExec=\"{}\"\nIcon=codex-helper\nX-GNOME-Autostart-enabled=true\nTerminal=false\n",
        exe.display()
    );
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    fsutil::write_atomic(&file, entry.as_bytes(), 0o644)
}
