//! What the resident process holds while it runs: the core [`Runtime`] and
//! the [`Supervisor`] serving the enabled services (what became of each
//! port, which clients this run switched on), and two version counters:
//! one bumped by local actions and by everything the supervisor does, one
//! published after every coalesced refresh (what the window's live view
//! follows).

use std::sync::{Arc, Mutex, MutexGuard};

use codex_helper_core::supervisor::{Event, Supervisor};
use codex_helper_core::{Runtime, Service};
use tokio::sync::watch;

/// What became of a service's proxy in the app (a core type: the status
/// report carries it, the supervisor decides it).
pub use codex_helper_core::report::Serving;

/// The resident process's shared state.
pub struct AppState {
    pub runtime: Arc<Runtime>,
    /// Serves, points and restores clients, repairs, moves ports.
    pub supervisor: Supervisor,
    changes: Arc<watch::Sender<u64>>,
    published: watch::Sender<u64>,
}

impl AppState {
    pub fn new(runtime: Runtime) -> AppState {
        let runtime = Arc::new(runtime);
        let changes = Arc::new(watch::Sender::new(0));
        let bump = changes.clone();
        let sink = Arc::new(move |event: &Event<'_>| {
            log(event);
            bump.send_modify(|v| *v += 1);
        });
        AppState {
            supervisor: Supervisor::new(runtime.clone(), sink),
            runtime,
            changes,
            published: watch::Sender::new(0),
        }
    }

    pub fn serving(&self, service: Service) -> Serving {
        self.supervisor.serving(service)
    }

    /// Services whose client the app pointed at its proxy during this run:
    /// Quit switches exactly these back.
    pub fn switched(&self) -> Vec<Service> {
        self.supervisor.switched()
    }

    /// Something the tray/window show changed (app-side: switch, serving).
    pub fn changed(&self) {
        self.changes.send_modify(|v| *v += 1);
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// A refresh went out (tray rebuilt, notifications decided): watchers
    /// should fetch the status again.
    pub fn publish(&self, version: u64) {
        self.published.send_replace(version);
    }

    pub fn published(&self) -> watch::Receiver<u64> {
        self.published.subscribe()
    }
}

/// The supervisor's events, in the app's log (the tray and window show the
/// state they lead to); a client that could not be switched is also a
/// notification.
fn log(event: &Event<'_>) {
    match event {
        Event::Listening { service, addr } => tracing::info!(%service, port = addr.port(), "serving"),
        Event::NotServing { service, error } => match error.serving() {
            Serving::TakenByHelper { port, identity } => tracing::warn!(
                %service, port, owner = %identity.owner, pid = identity.pid,
                "port already served by another codex-helper; using it"
            ),
            serving => tracing::error!(%service, port = serving.port(), %error, "cannot serve"),
        },
        Event::ProxyFailed { service, error } => tracing::error!(%service, %error, "proxy stopped with an error"),
        Event::Moved { service, from, to } => tracing::info!(%service, ?from, ?to, "settings applied"),
        Event::Pointed { service, report } => {
            tracing::info!(%service, port = report.port, "client points at the proxy")
        }
        Event::Adopted { service, dead } => tracing::warn!(
            %service, pid = dead.pid,
            "{} was switched by a codex-helper that died; this run puts it back on Quit",
            service.client_name()
        ),
        Event::Restored { service, .. } => tracing::info!(%service, "client switched back"),
        Event::Repaired { service, port, .. } => tracing::warn!(
            %service, port,
            "{} pointed at a proxy that no longer runs (127.0.0.1:{port}); switched it back",
            service.client_name()
        ),
        Event::SwitchFailed { service, on, error } => {
            tracing::error!(%service, on, %error, "could not switch the client");
            // Nobody else will fix it: the user must hear about it.
            let (client, error) = (service.client_name(), error.to_string());
            let message = if *on {
                codex_helper_core::t!("notify-cannot-point", client = client, error = error)
            } else {
                codex_helper_core::t!("notify-cannot-switch-back", client = client, error = error)
            };
            crate::notify::show(&crate::notify::Note::problem(message), |_| {});
        }
        Event::Stopping { grace } => tracing::info!(grace_s = grace.as_secs(), "stopping the proxies"),
        Event::StillStreaming => tracing::warn!("some responses were still streaming; closed them"),
        _ => {}
    }
}

/// A poisoned lock only means a panic mid-update of plain data; keep going.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
