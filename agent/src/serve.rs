//! Starting and stopping the proxies (also when Settings move one to
//! another port or turn it on or off), repairing clients left pointing at
//! a dead proxy, and the graceful shutdown behind Quit.

use std::net::SocketAddr;
use std::time::Duration;

use codex_helper_core::config::{ConfigError, Settings};
use codex_helper_core::status::{port_holder, PortHolder};
use codex_helper_core::{switch, Service};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::state::{AppState, RunningProxy, Serving};

/// How long Quit (or moving a proxy) lets answers in flight finish.
const GRACE: Duration = Duration::from_secs(5);

/// Serve every enabled service; a busy port is recorded, not fatal.
pub async fn start_all(state: &AppState) {
    for service in Service::ALL {
        let settings = state.runtime.settings().service(service).clone();
        if !settings.enabled {
            state.set_serving(service, Serving::Disabled);
            continue;
        }
        let outcome = start(state, service, settings.port).await;
        if let Serving::TakenByHelper { port, identity } = &outcome {
            tracing::warn!(%service, port, owner = %identity.owner, pid = identity.pid, "port already served by another codex-helper; using it");
        } else if let Serving::Failed { port, message } = &outcome {
            tracing::error!(%service, port, %message, "cannot serve");
        }
        state.set_serving(service, outcome);
    }
}

async fn start(state: &AppState, service: Service, port: u16) -> Serving {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match TcpListener::bind(addr).await {
        Ok(listener) => {
            let runtime = state.runtime.clone();
            let (stop, mut stopped) = watch::channel(false);
            let until = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            let task = tokio::spawn(async move {
                if let Err(err) = runtime.serve_until(service, listener, until).await {
                    tracing::error!(%service, %err, "proxy stopped with an error");
                }
            });
            state.put_proxy(service, RunningProxy { task, stop });
            tracing::info!(%service, port, "serving");
            Serving::Serving { port }
        }
        Err(err) => match port_holder(port).await {
            PortHolder::CodexHelper(identity) => Serving::TakenByHelper { port, identity },
            PortHolder::Other => Serving::Failed {
                port,
                message: format!(
                    "port {port} is used by another program; free it or pick another {service} port in Settings"
                ),
            },
            PortHolder::Free => Serving::Failed { port, message: format!("cannot listen on {addr}: {err}") },
        },
    }
}

/// settings.json changed (the window's Settings): start, stop or move each
/// proxy to match it, without touching the ones that stay. A client the
/// app pointed at a proxy that moved follows it; one pointed at a proxy
/// that was turned off is switched back.
pub async fn apply_settings(state: &AppState) -> Result<(), ConfigError> {
    let settings = Settings::load(state.runtime.paths())?;
    for service in Service::ALL {
        let wanted = settings.service(service);
        let current = state.serving(service);
        let unchanged = match &current {
            Serving::Disabled => !wanted.enabled,
            Serving::Serving { port } => wanted.enabled && *port == wanted.port,
            // Failed, or another codex-helper had the port: try again.
            Serving::TakenByHelper { .. } | Serving::Failed { .. } => false,
        };
        if unchanged {
            continue;
        }
        let old = state.take_proxy(service);
        let outcome = if wanted.enabled { start(state, service, wanted.port).await } else { Serving::Disabled };
        tracing::info!(%service, ?outcome, "settings applied");
        if let Some(old) = old {
            // The new port already answers; the old one finishes its answers.
            let task = old.stop();
            tokio::spawn(async move {
                let _ = tokio::time::timeout(GRACE, task).await;
            });
        }
        follow_client(state, service, current.usable_port(), outcome.usable_port());
        state.set_serving(service, outcome);
    }
    Ok(())
}

/// A client pointed at `old` (a proxy that moved or stopped) goes where the
/// proxy is now, or back to where it was before it was switched on.
fn follow_client(state: &AppState, service: Service, old: Option<u16>, new: Option<u16>) {
    let paths = state.runtime.paths();
    let Ok(client) = switch::state(paths, service) else { return };
    if !client.points_at_proxy || old.is_none() || client.port != old || new == old {
        return;
    }
    let result = match new {
        Some(port) => switch::switch_on(paths, service, port).map(|_| true),
        None => switch::switch_off(paths, service).map(|_| false),
    };
    match result {
        Ok(on) => state.mark_switched(service, on),
        Err(err) => tracing::error!(%service, %err, "could not move the client with its proxy"),
    }
}

/// A client that codex-helper switched (record present) and that points at
/// a loopback port where nothing answers: if the app now serves that
/// service there it works again by itself; otherwise switch it back.
pub async fn repair_clients(state: &AppState) {
    let paths = state.runtime.paths().clone();
    for service in Service::ALL {
        let Ok(client) = switch::state(&paths, service) else { continue };
        let (true, true, Some(port)) = (client.recorded, client.points_at_proxy, client.port) else { continue };
        if state.serving(service) == (Serving::Serving { port }) {
            continue;
        }
        if matches!(port_holder(port).await, PortHolder::CodexHelper(_)) {
            continue;
        }
        match switch::switch_off(&paths, service) {
            Ok(_) => tracing::warn!(
                %service, port,
                "{} pointed at a proxy that no longer runs (127.0.0.1:{port}); switched it back",
                service.client_name()
            ),
            Err(err) => tracing::error!(%service, %err, "could not switch the client back"),
        }
        state.changed();
    }
}

/// Switch back the clients this run switched on, stop the proxies, wait
/// for them and for the request log.
pub async fn shutdown(state: &AppState) {
    let paths = state.runtime.paths().clone();
    for service in state.switched() {
        match switch::switch_off(&paths, service) {
            Ok(_) => tracing::info!(%service, "client switched back"),
            Err(err) => tracing::error!(%service, %err, "could not switch the client back"),
        }
    }
    state.runtime.stop();
    for proxy in state.take_proxies() {
        // In-flight streams get a moment; a stuck one doesn't hold Quit.
        let _ = tokio::time::timeout(GRACE, proxy.stop()).await;
    }
    state.runtime.shutdown();
}
