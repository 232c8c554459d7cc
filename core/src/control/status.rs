//! What the proxy's control endpoint reports: the proxy's [`LiveState`]
//! (who runs it, which config it serves, each upstream's health, the
//! request counters), read exactly as the app reads its own runtime.

use super::Control;
use crate::proxy::ProxyState;
use crate::report::{self, LiveState};

/// The live state of the proxy behind `state` (the endpoint's body).
pub fn live_status(state: &ProxyState, control: &Control) -> LiveState {
    let shared = &state.shared;
    let sources = report::Sources {
        config: &shared.config,
        lb: &shared.lb,
        control,
        owner: shared.owner,
        settings_problem: shared.settings.problem().map(|p| p.to_string()),
    };
    report::observe(&sources, state.service, state.listen.port())
}
