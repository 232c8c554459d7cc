//! Config CRUD: list (masked), add an upstream (or another key for its
//! URL), change one, remove one, set the active config and a config's
//! strategy, remove a config, and test a relay (before saving it, or as saved).
//! A command with more than one argument takes one `…Args` struct.

use codex_helper_core::config::{ConfigStore, Protocol, Settings, Strategy};
use codex_helper_core::config_edit::{
    self, AddOutcome, ConnectionTest, NewKey, NewUpstream, RemoveOutcome, RemoveUpstreamOutcome, ServiceView,
    StrategyOutcome, UpdateOutcome, UpstreamChange, UpstreamPick,
};
use codex_helper_core::Service;
use serde::Deserialize;
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

/// What [`add_upstream`] adds.
#[derive(Debug, Deserialize, specta::Type)]
pub struct AddUpstreamArgs {
    pub service: Service,
    /// Created if new, active if it is the first.
    pub config: String,
    pub base_url: String,
    pub auth_token: Option<String>,
    pub api_key: Option<String>,
    /// The config's alias (`None` leaves it).
    pub alias: Option<String>,
    pub tags: Vec<(String, String)>,
    /// The API it speaks; absent: the client's own.
    #[serde(default)]
    #[specta(optional)]
    pub protocol: Option<Protocol>,
    /// Client model → upstream model rows (`*`: every other model).
    #[serde(default)]
    #[specta(optional)]
    pub model_map: Option<Vec<(String, String)>>,
    /// A name for this key, shown instead of the masked key.
    #[serde(default)]
    #[specta(optional)]
    pub key_alias: Option<String>,
    /// The URL is already there: replace its key instead of adding another.
    #[serde(default)]
    #[specta(optional)]
    pub replace: Option<bool>,
    /// Extra header rows sent on every request to this upstream.
    #[serde(default)]
    #[specta(optional)]
    pub headers: Option<Vec<(String, String)>>,
    /// Most requests it carries at once (absent: no cap).
    #[serde(default)]
    #[specta(optional)]
    pub max_concurrent: Option<u32>,
}

/// Add an upstream to `config` (created if new, active if it is the first);
/// a URL it already has with another key adds that key to its pool.
#[tauri::command]
#[specta::specta]
pub async fn add_upstream(state: State<'_, WindowState>, args: AddUpstreamArgs) -> CmdResult<AddOutcome> {
    let AddUpstreamArgs {
        service,
        config,
        base_url,
        auth_token,
        api_key,
        alias,
        tags,
        protocol,
        model_map,
        key_alias,
        replace,
        headers,
        max_concurrent,
    } = args;
    let model_map = model_map.unwrap_or_default().into_iter().collect();
    let tags = tags.into_iter().collect();
    let replace = replace.unwrap_or(false);
    let new = NewUpstream {
        base_url,
        auth_token,
        api_key,
        alias,
        tags,
        protocol,
        model_map,
        key_alias,
        replace,
        strategy: None,
        headers: headers.unwrap_or_default().into_iter().collect(),
        max_concurrent,
    };
    let settings = Settings::load(&state.paths).map_err(CommandError::new)?;
    let store = ConfigStore::new(&state.paths);
    let outcome = config_edit::add_upstream(&store, &settings, service, &config, new).map_err(CommandError::new)?;
    state.reload().await;
    Ok(outcome)
}

/// What [`update_upstream`] changes.
#[derive(Debug, Deserialize, specta::Type)]
pub struct UpdateUpstreamArgs {
    pub service: Service,
    pub config: String,
    /// The upstream as saved.
    pub base_url: String,
    /// Where it moves (the same URL to keep it).
    pub new_base_url: String,
    /// `None` keeps the stored key, which the UI never sees; a `NewKey`
    /// replaces it.
    pub key: Option<NewKey>,
    /// The config's alias, when given.
    pub alias: Option<String>,
    /// Replace the upstream's tags.
    pub tags: Vec<(String, String)>,
    /// Set the API it speaks (absent: leave it).
    #[serde(default)]
    #[specta(optional)]
    pub protocol: Option<Protocol>,
    /// Replace its whole model map (absent: leave it; empty: remove it).
    #[serde(default)]
    #[specta(optional)]
    pub model_map: Option<Vec<(String, String)>>,
    /// Which of several upstreams at `base_url`: its position in the config
    /// (absent: the first there).
    #[serde(default)]
    #[specta(optional)]
    pub index: Option<u32>,
    /// Set its key's name ("" removes it; absent: leave it).
    #[serde(default)]
    #[specta(optional)]
    pub key_alias: Option<String>,
    /// Replace its extra headers (absent: leave them; empty: remove them).
    /// A masked value sent back as shown keeps the stored one.
    #[serde(default)]
    #[specta(optional)]
    pub headers: Option<Vec<(String, String)>>,
    /// Its cap (absent: leave it; 0 would be refused; use `clear_max_concurrent`).
    #[serde(default)]
    #[specta(optional)]
    pub max_concurrent: Option<u32>,
    /// Remove its cap.
    #[serde(default)]
    #[specta(optional)]
    pub clear_max_concurrent: Option<bool>,
}

/// Change the upstream at `base_url` of `config`: move it to `new_base_url`,
/// replace its tags and (when given) the config's alias. `key: null` keeps
/// the stored key, which the UI never sees; a `NewKey` replaces it.
#[tauri::command]
#[specta::specta]
pub async fn update_upstream(state: State<'_, WindowState>, args: UpdateUpstreamArgs) -> CmdResult<UpdateOutcome> {
    let UpdateUpstreamArgs {
        service,
        config,
        base_url,
        new_base_url,
        key,
        alias,
        tags,
        protocol,
        model_map,
        index,
        key_alias,
        headers,
        max_concurrent,
        clear_max_concurrent,
    } = args;
    let max_concurrent = match (clear_max_concurrent.unwrap_or(false), max_concurrent) {
        (true, _) => Some(None),
        (false, Some(cap)) => Some(Some(cap)),
        (false, None) => None,
    };
    let change = UpstreamChange {
        base_url: Some(new_base_url),
        key,
        alias,
        tags: Some(tags.into_iter().collect()),
        protocol,
        model_map: model_map.map(|rows| rows.into_iter().collect()),
        key_alias,
        headers: headers.map(|rows| rows.into_iter().collect()),
        max_concurrent,
        index: index.map(|i| i as usize),
    };
    let settings = Settings::load(&state.paths).map_err(CommandError::new)?;
    let store = ConfigStore::new(&state.paths);
    let outcome = config_edit::update_upstream(&store, &settings, service, &config, &base_url, change)
        .map_err(CommandError::new)?;
    state.reload().await;
    Ok(outcome)
}

/// One config of one service ([`set_active`], [`remove_config`]).
#[derive(Debug, Deserialize, specta::Type)]
pub struct ConfigArgs {
    pub service: Service,
    pub config: String,
}

/// Make `config` the one `service`'s proxy serves from, at once.
#[tauri::command]
#[specta::specta]
pub async fn set_active(state: State<'_, WindowState>, args: ConfigArgs) -> CmdResult<()> {
    config_edit::set_active(&ConfigStore::new(&state.paths), args.service, &args.config).map_err(CommandError::new)?;
    state.reload().await;
    Ok(())
}

#[tauri::command]
#[specta::specta]
pub async fn remove_config(state: State<'_, WindowState>, args: ConfigArgs) -> CmdResult<RemoveOutcome> {
    let outcome =
        config_edit::remove(&ConfigStore::new(&state.paths), args.service, &args.config).map_err(CommandError::new)?;
    state.reload().await;
    Ok(outcome)
}

/// One upstream (one key) of a config ([`remove_upstream`]).
#[derive(Debug, Deserialize, specta::Type)]
pub struct UpstreamArgs {
    pub service: Service,
    pub config: String,
    pub base_url: String,
    /// Its position in the config (as listed); absent: the only one at
    /// `base_url`.
    #[serde(default)]
    #[specta(optional)]
    pub index: Option<u32>,
}

/// Remove one upstream (one key) of `config`.
#[tauri::command]
#[specta::specta]
pub async fn remove_upstream(state: State<'_, WindowState>, args: UpstreamArgs) -> CmdResult<RemoveUpstreamOutcome> {
    let pick = match args.index {
        Some(i) => UpstreamPick::Index(i as usize),
        None => UpstreamPick::Only,
    };
    let store = ConfigStore::new(&state.paths);
    let outcome = config_edit::remove_upstream(&store, args.service, &args.config, &args.base_url, pick)
        .map_err(CommandError::new)?;
    state.reload().await;
    Ok(outcome)
}

/// A config and the strategy to give it ([`set_strategy`]).
#[derive(Debug, Deserialize, specta::Type)]
pub struct StrategyArgs {
    pub service: Service,
    pub config: String,
    pub strategy: Strategy,
}

/// Set how `config` spreads requests over its upstreams.
#[tauri::command]
#[specta::specta]
pub async fn set_strategy(state: State<'_, WindowState>, args: StrategyArgs) -> CmdResult<StrategyOutcome> {
    let store = ConfigStore::new(&state.paths);
    let outcome =
        config_edit::set_strategy(&store, args.service, &args.config, args.strategy).map_err(CommandError::new)?;
    state.reload().await;
    Ok(outcome)
}

/// A relay to test with a key typed into the form.
#[derive(Debug, Deserialize, specta::Type)]
pub struct TestConnectionArgs {
    pub service: Service,
    pub base_url: String,
    pub auth_token: Option<String>,
    pub api_key: Option<String>,
    /// The config it goes into (names it in a suggested command).
    #[serde(default)]
    #[specta(optional)]
    pub config: Option<String>,
    /// The protocol chosen in the form; the detection is judged against it.
    #[serde(default)]
    #[specta(optional)]
    pub protocol: Option<Protocol>,
}

/// Send one real request to `base_url` with the key, as the proxy would.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(args: TestConnectionArgs) -> CmdResult<ConnectionTest> {
    let TestConnectionArgs { service, base_url, auth_token, api_key, config, protocol } = args;
    let config = config.filter(|c| !c.trim().is_empty()).unwrap_or_else(|| "NAME".to_string());
    config_edit::test_connection(service, &config, &base_url, auth_token, api_key, protocol)
        .await
        .map_err(CommandError::new)
}

/// A saved upstream, named by where it is.
#[derive(Debug, Deserialize, specta::Type)]
pub struct StoredUpstreamArgs {
    pub service: Service,
    pub config: String,
    pub base_url: String,
}

/// [`test_connection`] for a saved upstream, with its stored key (the UI
/// never holds it, so it names the upstream instead).
#[tauri::command]
#[specta::specta]
pub async fn test_stored_connection(
    state: State<'_, WindowState>,
    args: StoredUpstreamArgs,
) -> CmdResult<ConnectionTest> {
    let file = ConfigStore::new(&state.paths).load().map_err(CommandError::new)?;
    config_edit::test_stored_connection(&file, args.service, &args.config, &args.base_url)
        .await
        .map_err(CommandError::new)
}
