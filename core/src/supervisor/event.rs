//! What the supervisor did, as it happens, for the adapters to show: `ch`
//! prints these, the app logs them (and its tray follows the state). The
//! supervisor itself prints nothing.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::process::ProcessId;
use crate::switch::{SwitchError, SwitchReport};
use crate::Service;

use super::serving::BindError;

/// One thing the supervisor did or found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A proxy listens.
    Listening { service: Service, addr: SocketAddr },
    /// A proxy could not be started (the service's state says so too).
    NotServing { service: Service, error: &'a BindError },
    /// A proxy ended by itself, with an error.
    ProxyFailed { service: Service, error: &'a std::io::Error },
    /// A proxy moved (or was turned on/off) to match settings.
    Moved { service: Service, from: Option<u16>, to: Option<u16> },
    /// The client now points at the proxy.
    Pointed { service: Service, report: &'a SwitchReport },
    /// A switch record left by a run that died (`owner`) is this run's now.
    Adopted { service: Service, dead: ProcessId },
    /// The client's file was put back.
    Restored { service: Service, report: &'a SwitchReport },
    /// A client pointed at a proxy that no longer runs was switched back.
    Repaired { service: Service, port: u16, report: &'a SwitchReport },
    /// Pointing the client or putting it back failed.
    SwitchFailed { service: Service, on: bool, error: &'a SwitchError },
    /// Shutdown began: answers in flight get `grace` to finish.
    Stopping { grace: Duration },
    /// Some answers were still streaming after the grace; they were closed.
    StillStreaming,
}

/// Where events go. Called synchronously, in order, from whatever task
/// acts; keep it quick (print, log, bump a counter).
pub type Sink = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// A sink that drops everything.
pub fn ignore() -> Sink {
    Arc::new(|_| {})
}
