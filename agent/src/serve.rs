//! The app's side of the core supervisor: serve the enabled services,
//! repair clients left pointing at a dead proxy, follow settings.json (start,
//! stop or move a proxy), and the graceful shutdown behind Quit. The logic
//! is [`codex_helper_core::supervisor`]'s, shared with `ch`.

use std::time::Duration;

use codex_helper_core::config::{ConfigError, Settings};

use crate::state::AppState;

/// How long Quit (or moving a proxy) lets answers in flight finish.
const GRACE: Duration = Duration::from_secs(5);

/// Serve every enabled service; a busy port is recorded, not fatal.
pub async fn start_all(state: &AppState) {
    state.supervisor.start_all().await;
}

/// settings.json changed (the window's Settings): start, stop or move each
/// proxy to match it; clients follow their proxy.
pub async fn apply_settings(state: &AppState) -> Result<(), ConfigError> {
    let settings = Settings::load(state.runtime.paths())?;
    state.supervisor.apply_settings(&settings, GRACE).await;
    Ok(())
}

/// Clients a dead codex-helper switched: adopted when the app serves the
/// port they point at, switched back when nothing does.
pub async fn repair_clients(state: &AppState) {
    state.supervisor.repair_clients().await;
}

/// Switch back the clients this run switched on, stop the proxies, wait
/// for them, the background tasks and the request log.
pub async fn shutdown(state: &AppState) {
    state.supervisor.shutdown(GRACE).await;
}
