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
use codex_helper_agent::state::Serving;

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

/// Save; returns whether a restart is needed for it to take effect (ports
/// and services on/off apply the next time the app starts).
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
    // What the running proxies do, compared with what was saved.
    let Ok(status) = state.agent.status().await else { return Ok(true) };
    Ok(status.services.iter().any(|live| {
        let wanted = s.service(live.service);
        match &live.serving {
            Serving::Disabled => wanted.enabled,
            serving => !wanted.enabled || serving.port() != Some(wanted.port),
        }
    }))
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
