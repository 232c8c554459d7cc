//! `ch doctor`'s checks, for the UI.

use codex_helper_core::doctor::{self, Options, Report};
use tauri::State;

use super::CmdResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn run_doctor(state: State<'_, AppState>, online: bool) -> CmdResult<Report> {
    let paths = state.runtime.paths().clone();
    Ok(doctor::run(&paths, Options { online }).await)
}
