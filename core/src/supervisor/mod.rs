//! The one supervisor `ch` and the desktop app drive: serve each service on
//! its port, point the client at the proxy and put it back on exit (exactly
//! as it was), repair what a crashed run left, and move a port when the
//! settings change (stop → rebind → re-point the client).
//!
//! - [`serving`]: what became of a service's port, and why a bind failed.
//! - [`proxies`]: start, stop and move the proxies; the shutdown.
//! - [`clients`]: point, restore, repair and adopt clients' switches.
//! - [`event`]: what it did, for the adapters to print or show.
//!
//! Who switches a client back is written in its switch record (see
//! [`crate::switch::owner`]): this process (pid + start time) when it
//! pointed the client, so the next `ch` or app start can tell a live owner
//! from a dead one and adopt the dead one's switch.
//!
//! Every proxy task, and the drain of a moved one, hangs off the runtime's
//! one shutdown signal ([`crate::tasks`]) and is awaited by
//! [`Supervisor::shutdown`].

pub mod clients;
pub mod error;
pub mod event;
pub mod proxies;
pub mod serving;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

pub use clients::{Claim, Reused};
pub use error::SupervisorError;
pub use event::{Event, Sink};
pub use serving::{BindError, Serving};

use crate::process::ProcessId;
use crate::{Runtime, Service};
use proxies::RunningProxy;

/// Drives one [`Runtime`]'s proxies and the clients pointed at them.
pub struct Supervisor {
    runtime: Arc<Runtime>,
    /// This process, as written in the switch records it owns.
    me: ProcessId,
    sink: Sink,
    /// What became of each service's port.
    serving: Mutex<BTreeMap<Service, Serving>>,
    /// The running proxies, stopped on shutdown or when settings move them.
    proxies: Mutex<BTreeMap<Service, RunningProxy>>,
    /// Clients this run pointed at its proxy (owner: [`Supervisor::me`]):
    /// the shutdown puts back exactly these, if they are still ours.
    mine: Mutex<BTreeSet<Service>>,
}

impl Supervisor {
    /// A supervisor over `runtime`, telling `sink` what it does.
    pub fn new(runtime: Arc<Runtime>, sink: Sink) -> Supervisor {
        Supervisor {
            runtime,
            me: ProcessId::current(),
            sink,
            serving: Mutex::default(),
            proxies: Mutex::default(),
            mine: Mutex::default(),
        }
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// What became of `service`'s port (`Disabled` before it was started).
    pub fn serving(&self, service: Service) -> Serving {
        lock(&self.serving).get(&service).cloned().unwrap_or(Serving::Disabled)
    }

    fn set_serving(&self, service: Service, serving: Serving) {
        lock(&self.serving).insert(service, serving);
    }

    /// Services whose client this run pointed at its proxy.
    pub fn switched(&self) -> Vec<Service> {
        lock(&self.mine).iter().copied().collect()
    }

    fn mark_mine(&self, service: Service, mine: bool) {
        let mut set = lock(&self.mine);
        if mine {
            set.insert(service);
        } else {
            set.remove(&service);
        }
    }

    fn emit(&self, event: Event<'_>) {
        (self.sink)(&event);
    }
}

/// A poisoned lock only means a panic mid-update of plain data; keep going.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
