//! What the app holds while it runs: the core [`Runtime`] serving the
//! enabled services, what became of each service's port, which clients the
//! app switched on during this run, and a version counter that tells the
//! tray and the UI that something changed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use codex_helper_core::probe::Identity;
use codex_helper_core::{Runtime, Service};
use serde::Serialize;
use tokio::sync::watch;

/// What became of a service's proxy in this app.
#[derive(Clone, Debug, PartialEq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Serving {
    /// `enabled: false` in settings.json.
    Disabled,
    /// The app serves it on `port`.
    Serving { port: u16 },
    /// Another codex-helper (usually `ch serve`) already serves the port.
    TakenByHelper { port: u16, identity: Identity },
    /// The port is busy with something else, or binding failed.
    Failed { port: u16, message: String },
}

impl Serving {
    pub fn is_serving(&self) -> bool {
        matches!(self, Serving::Serving { .. })
    }
}

/// The app's shared state, registered once with `manage`.
pub struct AppState {
    pub runtime: Arc<Runtime>,
    serving: Mutex<BTreeMap<Service, Serving>>,
    /// Services whose client the app pointed at its proxy during this run:
    /// Quit switches exactly these back.
    switched: Mutex<BTreeSet<Service>>,
    /// The proxies' tasks, awaited on Quit.
    tasks: Mutex<Vec<tauri::async_runtime::JoinHandle<()>>>,
    changes: watch::Sender<u64>,
}

impl AppState {
    pub fn new(runtime: Runtime) -> AppState {
        AppState {
            runtime: Arc::new(runtime),
            serving: Mutex::default(),
            switched: Mutex::default(),
            tasks: Mutex::default(),
            changes: watch::Sender::new(0),
        }
    }

    pub fn serving(&self, service: Service) -> Serving {
        lock(&self.serving).get(&service).cloned().unwrap_or(Serving::Disabled)
    }

    pub fn set_serving(&self, service: Service, state: Serving) {
        lock(&self.serving).insert(service, state);
        self.changed();
    }

    pub fn add_task(&self, task: tauri::async_runtime::JoinHandle<()>) {
        lock(&self.tasks).push(task);
    }

    pub fn take_tasks(&self) -> Vec<tauri::async_runtime::JoinHandle<()>> {
        std::mem::take(&mut *lock(&self.tasks))
    }

    pub fn mark_switched(&self, service: Service, on: bool) {
        let mut set = lock(&self.switched);
        if on {
            set.insert(service);
        } else {
            set.remove(&service);
        }
        drop(set);
        self.changed();
    }

    pub fn switched(&self) -> Vec<Service> {
        lock(&self.switched).iter().copied().collect()
    }

    /// Something the tray/UI show changed (app-side: switch, serving).
    pub fn changed(&self) {
        self.changes.send_modify(|v| *v += 1);
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

/// A poisoned lock only means a panic mid-update of plain data; keep going.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
