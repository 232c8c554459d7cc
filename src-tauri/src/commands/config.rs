//! Config CRUD: list (masked), add an upstream, set the active config,
//! remove one, and test a relay before saving it.

use codex_helper_core::configs::{self, AddOutcome, ConnectionTest, NewUpstream, RemoveOutcome, ServiceView};
use codex_helper_core::Service;
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::AppState;

/// The configs of `service`, keys masked.
#[tauri::command]
#[specta::specta]
pub fn list_configs(state: State<'_, AppState>, service: Service) -> CmdResult<ServiceView> {
    let file = state.runtime.config().store().load().map_err(CommandError::new)?;
    Ok(configs::list(&file, service))
}

/// Add an upstream to `config` (created if new, active if it is the first).
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub fn add_upstream(
    state: State<'_, AppState>,
    service: Service,
    config: String,
    base_url: String,
    auth_token: Option<String>,
    api_key: Option<String>,
    alias: Option<String>,
    tags: Vec<(String, String)>,
) -> CmdResult<AddOutcome> {
    let new = NewUpstream { base_url, auth_token, api_key, alias, tags: tags.into_iter().collect() };
    let store = state.runtime.config().store();
    let outcome =
        configs::add_upstream(store, state.runtime.settings(), service, &config, new).map_err(CommandError::new)?;
    reload(&state);
    Ok(outcome)
}

/// Make `config` the one `service`'s proxy serves from, at once.
#[tauri::command]
#[specta::specta]
pub fn set_active(state: State<'_, AppState>, service: Service, config: String) -> CmdResult<()> {
    activate(&state, service, &config)
}

/// Shared with the tray's config check items.
pub fn activate(state: &AppState, service: Service, config: &str) -> CmdResult<()> {
    configs::set_active(state.runtime.config().store(), service, config).map_err(CommandError::new)?;
    reload(state);
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub fn remove_config(state: State<'_, AppState>, service: Service, config: String) -> CmdResult<RemoveOutcome> {
    let outcome = configs::remove(state.runtime.config().store(), service, &config).map_err(CommandError::new)?;
    reload(&state);
    Ok(outcome)
}

/// The proxy would notice the edit within its poll interval; reloading now
/// makes the next request use it.
fn reload(state: &AppState) {
    let _ = state.runtime.config().reload_if_changed();
}

/// Send one real request to `base_url` with the key, as the proxy would.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(
    service: Service,
    base_url: String,
    auth_token: Option<String>,
    api_key: Option<String>,
) -> CmdResult<ConnectionTest> {
    configs::test_connection(service, &base_url, auth_token, api_key).await.map_err(CommandError::new)
}
