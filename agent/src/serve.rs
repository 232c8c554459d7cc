//! Starting and stopping the proxies, repairing clients left pointing at a
//! dead proxy, and the graceful shutdown behind Quit.

use std::net::SocketAddr;
use std::time::Duration;

use codex_helper_core::status::{port_holder, PortHolder};
use codex_helper_core::{switch, Service};
use tokio::net::TcpListener;

use crate::state::{AppState, Serving};

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
            let task = tokio::spawn(async move {
                if let Err(err) = runtime.serve(service, listener).await {
                    tracing::error!(%service, %err, "proxy stopped with an error");
                }
            });
            state.add_task(task);
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
    for task in state.take_tasks() {
        // In-flight streams get a moment; a stuck one doesn't hold Quit.
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    state.runtime.shutdown();
}
