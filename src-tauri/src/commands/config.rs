//! Config CRUD: list (masked), add an upstream, change one, set the active
//! config, remove one, and test a relay (before saving it, or as saved).

use codex_helper_core::config::{ConfigStore, Settings};
use codex_helper_core::config_edit::{
    self, AddOutcome, ConnectionTest, NewKey, NewUpstream, RemoveOutcome, ServiceView, UpdateOutcome, UpstreamChange,
};
use codex_helper_core::Service;
use tauri::State;

use super::{CmdResult, CommandError};
use crate::state::WindowState;

/// The configs of `service`, keys masked.
#[tauri::command]
#[specta::specta]
pub fn list_configs(state: State<'_, WindowState>, service: Service) -> CmdResult<ServiceView> {
    let file = ConfigStore::new(&state.paths).load().map_err(CommandError::new)?;
    Ok(config_edit::list(&file, service))
}

/// Add an upstream to `config` (created if new, active if it is the first).
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn add_upstream(
    state: State<'_, WindowState>,
    service: Service,
    config: String,
    base_url: String,
    auth_token: Option<String>,
    api_key: Option<String>,
    alias: Option<String>,
    tags: Vec<(String, String)>,
) -> CmdResult<AddOutcome> {
    let new = NewUpstream { base_url, auth_token, api_key, alias, tags: tags.into_iter().collect() };
    let settings = Settings::load(&state.paths).map_err(CommandError::new)?;
    let store = ConfigStore::new(&state.paths);
    let outcome = config_edit::add_upstream(&store, &settings, service, &config, new).map_err(CommandError::new)?;
    state.reload().await;
    Ok(outcome)
}

/// Change the upstream at `base_url` of `config`: move it to `new_base_url`,
/// replace its tags and (when given) the config's alias. `key: null` keeps
/// the stored key, which the UI never sees; a `NewKey` replaces it.
#[tauri::command]
#[specta::specta]
#[allow(clippy::too_many_arguments)]
pub async fn update_upstream(
    state: State<'_, WindowState>,
    service: Service,
    config: String,
    base_url: String,
    new_base_url: String,
    key: Option<NewKey>,
    alias: Option<String>,
    tags: Vec<(String, String)>,
) -> CmdResult<UpdateOutcome> {
    let change = UpstreamChange { base_url: Some(new_base_url), key, alias, tags: Some(tags.into_iter().collect()) };
    let settings = Settings::load(&state.paths).map_err(CommandError::new)?;
    let store = ConfigStore::new(&state.paths);
    let outcome = config_edit::update_upstream(&store, &settings, service, &config, &base_url, change)
        .map_err(CommandError::new)?;
    state.reload().await;
    Ok(outcome)
}

/// Make `config` the one `service`'s proxy serves from, at once.
#[tauri::command]
#[specta::specta]
pub async fn set_active(state: State<'_, WindowState>, service: Service, config: String) -> CmdResult<()> {
    config_edit::set_active(&ConfigStore::new(&state.paths), service, &config).map_err(CommandError::new)?;
    state.reload().await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn remove_config(
    state: State<'_, WindowState>,
    service: Service,
    config: String,
) -> CmdResult<RemoveOutcome> {
    let outcome = config_edit::remove(&ConfigStore::new(&state.paths), service, &config).map_err(CommandError::new)?;
    state.reload().await;
    Ok(outcome)
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
    config_edit::test_connection(service, &base_url, auth_token, api_key).await.map_err(CommandError::new)
}

/// [`test_connection`] for a saved upstream, with its stored key (the UI
/// never holds it, so it names the upstream instead).
#[tauri::command]
#[specta::specta]
pub async fn test_stored_connection(
    state: State<'_, WindowState>,
    service: Service,
    config: String,
    base_url: String,
) -> CmdResult<ConnectionTest> {
    let file = ConfigStore::new(&state.paths).load().map_err(CommandError::new)?;
    config_edit::test_stored_connection(&file, service, &config, &base_url).await.map_err(CommandError::new)
}
