//! The actions the tray and the window share: make a config active, route
//! a client through the proxy (or back). Each says in words what went
//! wrong.

use codex_helper_core::config_edit;
use codex_helper_core::supervisor::Claim;
use codex_helper_core::switch::SwitchReport;
use codex_helper_core::Service;

use crate::state::AppState;

/// A failed action, in words meant for the user.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ActionError(pub String);

impl ActionError {
    fn from(err: impl std::fmt::Display) -> ActionError {
        ActionError(err.to_string())
    }
}

/// Make `config` the one `service`'s proxy serves from, at once.
pub fn activate(state: &AppState, service: Service, config: &str) -> Result<(), ActionError> {
    config_edit::set_active(state.runtime.config().store(), service, config).map_err(ActionError::from)?;
    reload(state);
    Ok(())
}

/// The proxy notices edits to config.json within its poll interval;
/// reloading now makes the next request use them.
pub fn reload(state: &AppState) {
    let _ = state.runtime.config().reload_if_changed();
    state.changed();
}

/// Switch `service`'s client on (at the port it is served on) or off. The
/// switch is the app's (its pid in the record), so Quit puts it back.
pub fn route(state: &AppState, service: Service, on: bool) -> Result<SwitchReport, ActionError> {
    let supervisor = &state.supervisor;
    let report = if on { supervisor.point_client(service, Claim::Take) } else { supervisor.restore_client(service) };
    report.map_err(ActionError::from)
}

/// The tray's toggle: the opposite of where the client points now.
pub fn toggle_route(state: &AppState, service: Service) -> Result<SwitchReport, ActionError> {
    state.supervisor.toggle_client(service).map_err(ActionError::from)
}
