//! Usage from the request log: the summary table and, in it, the per-day
//! chart lines (core builds both, as for `ch usage --json`).

use codex_helper_core::usage::{summary, Summary, Window};
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

#[tauri::command]
#[specta::specta]
pub async fn usage_summary(state: State<'_, WindowState>, days: u32) -> CmdResult<Summary> {
    let log = state.paths.request_log();
    tauri::async_runtime::spawn_blocking(move || summary::summarize(&log, &Window::last_days(days.max(1))))
        .await
        .map_err(CommandError::new)?
        .map_err(CommandError::new)
}
