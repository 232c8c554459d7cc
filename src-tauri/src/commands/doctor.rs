//! `ch doctor`'s checks, for the UI.

use codex_helper_core::doctor::{self, Options, Report};
use tauri::State;

use super::CmdResult;
use crate::state::WindowState;

#[tauri::command]
#[specta::specta]
pub async fn run_doctor(state: State<'_, WindowState>, online: bool) -> CmdResult<Report> {
    let paths = state.paths.clone();
    Ok(doctor::run(&paths, Options { online }).await)
}
