//! Point a client (Codex, Claude Code) at the app's proxy, and back.

use codex_helper_core::switch::{self, SwitchReport, SwitchState};
use codex_helper_core::Service;
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::{AppState, Serving};

#[tauri::command]
#[specta::specta]
pub fn switch_on(state: State<'_, AppState>, service: Service) -> CmdResult<SwitchReport> {
    route(&state, service, true)
}

#[tauri::command]
#[specta::specta]
pub fn switch_off(state: State<'_, AppState>, service: Service) -> CmdResult<SwitchReport> {
    route(&state, service, false)
}

#[tauri::command]
#[specta::specta]
pub fn switch_status(state: State<'_, AppState>) -> CmdResult<Vec<SwitchState>> {
    Service::ALL.iter().map(|&s| switch::state(state.runtime.paths(), s).map_err(CommandError::new)).collect()
}

/// Switch `service`'s client on (at the port it is served on) or off.
/// Shared with the tray toggle. The app remembers what it switched on so
/// Quit can put it back.
pub fn route(state: &AppState, service: Service, on: bool) -> CmdResult<SwitchReport> {
    let paths = state.runtime.paths();
    let report = if on {
        let port = match state.serving(service) {
            Serving::Serving { port } | Serving::TakenByHelper { port, .. } => port,
            Serving::Disabled => {
                return Err(CommandError::new(format!(
                    "the {service} proxy is turned off; enable it in Settings first"
                )))
            }
            Serving::Failed { message, .. } => return Err(CommandError::new(message)),
        };
        switch::switch_on(paths, service, port).map_err(CommandError::new)?
    } else {
        switch::switch_off(paths, service).map_err(CommandError::new)?
    };
    state.mark_switched(service, on);
    Ok(report)
}
