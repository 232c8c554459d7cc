//! What the resident process holds while it runs: the core [`Runtime`]
//! serving the enabled services, what became of each service's port, which
//! clients it switched on during this run, and two version counters: one
//! bumped by local actions, one published after every coalesced refresh
//! (what the window's live view follows).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use codex_helper_core::{Runtime, Service};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What became of a service's proxy in the app (a core type: the status
/// report carries it).
pub use codex_helper_core::report::Serving;

/// One service's proxy task and what stops it alone.
pub struct RunningProxy {
    pub task: JoinHandle<()>,
    pub stop: watch::Sender<bool>,
}

impl RunningProxy {
    /// Stop accepting; answers in flight finish. Await the task for that.
    pub fn stop(self) -> JoinHandle<()> {
        self.stop.send_replace(true);
        self.task
    }
}

/// The resident process's shared state.
pub struct AppState {
    pub runtime: Arc<Runtime>,
    serving: Mutex<BTreeMap<Service, Serving>>,
    /// Services whose client the app pointed at its proxy during this run:
    /// Quit switches exactly these back.
    switched: Mutex<BTreeSet<Service>>,
    /// The running proxies, stopped on Quit or when settings move them.
    proxies: Mutex<BTreeMap<Service, RunningProxy>>,
    changes: watch::Sender<u64>,
    published: watch::Sender<u64>,
}

impl AppState {
    pub fn new(runtime: Runtime) -> AppState {
        AppState {
            runtime: Arc::new(runtime),
            serving: Mutex::default(),
            switched: Mutex::default(),
            proxies: Mutex::default(),
            changes: watch::Sender::new(0),
            published: watch::Sender::new(0),
        }
    }

    pub fn serving(&self, service: Service) -> Serving {
        lock(&self.serving).get(&service).cloned().unwrap_or(Serving::Disabled)
    }

    pub fn set_serving(&self, service: Service, state: Serving) {
        lock(&self.serving).insert(service, state);
        self.changed();
    }

    pub fn put_proxy(&self, service: Service, proxy: RunningProxy) {
        lock(&self.proxies).insert(service, proxy);
    }

    pub fn take_proxy(&self, service: Service) -> Option<RunningProxy> {
        lock(&self.proxies).remove(&service)
    }

    pub fn take_proxies(&self) -> Vec<RunningProxy> {
        std::mem::take(&mut *lock(&self.proxies)).into_values().collect()
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

/// A poisoned lock only means a panic mid-update of plain data; keep going.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
