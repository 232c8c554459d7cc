//! Open our folder or the request log in the desktop's handler.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_shell::ShellExt;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

#[tauri::command]
#[specta::specta]
pub fn open_config_folder<R: Runtime>(app: AppHandle<R>) -> CmdResult<()> {
    let dir = app.state::<WindowState>().paths.helper_dir();
    open(&app, &dir)
}

#[tauri::command]
#[specta::specta]
pub fn open_log_file<R: Runtime>(app: AppHandle<R>) -> CmdResult<()> {
    let file = app.state::<WindowState>().paths.request_log();
    if !file.exists() {
        return Err(CommandError::not_found(format!("{} does not exist yet: no request was logged", file.display())));
    }
    open(&app, &file)
}

#[allow(deprecated)] // tauri-plugin-opener is the successor; the issue asks for shell.
fn open<R: Runtime>(app: &AppHandle<R>, path: &std::path::Path) -> CmdResult<()> {
    app.shell().open(path.to_string_lossy(), None).map_err(CommandError::new)
}
