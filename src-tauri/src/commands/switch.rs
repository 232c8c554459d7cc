//! Point a client (Codex, Claude Code) at the app's proxy, and back. The
//! resident process does it, so Quit knows what to put back.

use codex_helper_core::switch::{self, SwitchReport, SwitchState};
use codex_helper_core::Service;
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

#[tauri::command]
#[specta::specta]
pub async fn switch_on(state: State<'_, WindowState>, service: Service) -> CmdResult<SwitchReport> {
    state.agent.route(service, true).await.map_err(CommandError::new)
}

#[tauri::command]
#[specta::specta]
pub async fn switch_off(state: State<'_, WindowState>, service: Service) -> CmdResult<SwitchReport> {
    state.agent.route(service, false).await.map_err(CommandError::new)
}

#[tauri::command]
#[specta::specta]
pub fn switch_status(state: State<'_, WindowState>) -> CmdResult<Vec<SwitchState>> {
    Service::ALL.iter().map(|&s| switch::state(&state.paths, s).map_err(CommandError::new)).collect()
}
