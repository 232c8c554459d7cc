//! "Test all": core's speed test (as `ch test`) over the service's active
//! config, or every config with `all`.

use codex_helper_core::config::ConfigStore;
use codex_helper_core::speedtest::{self, SpeedResult};
use codex_helper_core::Service;
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

/// The results, ranked (answering upstreams first, fastest first).
#[tauri::command]
#[specta::specta]
pub async fn speed_test(state: State<'_, WindowState>, service: Service, all: bool) -> CmdResult<Vec<SpeedResult>> {
    let file = ConfigStore::new(&state.paths).load().map_err(CommandError::new)?;
    codex_helper_core::redact::remember_keys(&file);
    Ok(speedtest::run(speedtest::targets(&file, service, all), speedtest::DEFAULT_TIMEOUT).await)
}
