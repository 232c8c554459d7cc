//! The actions the tray and the window share: make a config active, route
//! a client through the proxy (or back). Each says in words what went
//! wrong.

use codex_helper_core::config_edit;
use codex_helper_core::switch::{self, SwitchReport};
use codex_helper_core::Service;

use crate::state::{AppState, Serving};

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
/// app remembers what it switched on so Quit can put it back.
pub fn route(state: &AppState, service: Service, on: bool) -> Result<SwitchReport, ActionError> {
    let paths = state.runtime.paths();
    let report = if on {
        let port = match state.serving(service) {
            Serving::Disabled => {
                return Err(ActionError(format!("the {service} proxy is turned off; enable it in Settings first")))
            }
            Serving::Failed { message, .. } => return Err(ActionError(message)),
            serving => serving.usable_port().expect("serving or taken by a helper"),
        };
        switch::switch_on(paths, service, port).map_err(ActionError::from)?
    } else {
        switch::switch_off(paths, service).map_err(ActionError::from)?
    };
    state.mark_switched(service, on);
    Ok(report)
}

/// The tray's toggle: the opposite of where the client points now.
pub fn toggle_route(state: &AppState, service: Service) -> Result<SwitchReport, ActionError> {
    let routed = switch::state(state.runtime.paths(), service).is_ok_and(|w| w.points_at_proxy);
    route(state, service, !routed)
}
