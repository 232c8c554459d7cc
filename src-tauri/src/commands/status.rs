//! The live state of the app's proxies, for the dashboard: asked of the
//! resident process, which runs them (the tray shows the same report, built
//! by core's `report::build`).

use tauri::State;

pub use codex_helper_agent::state::Serving;
pub use codex_helper_core::report::{ServiceReport, StatusReport};

use super::{CmdResult, CommandError};
use crate::state::WindowState;

#[tauri::command]
#[specta::specta]
pub async fn live_status(state: State<'_, WindowState>) -> CmdResult<StatusReport> {
    state.agent.status().await.map_err(CommandError::new)
}
