//! What became of a service's port: served by us, already served by another
//! codex-helper, busy with something else, or turned off. Also the typed
//! reason a bind failed, which the adapters word for their users (`--port`
//! for `ch`, Settings for the app).

use std::net::SocketAddr;

use crate::probe::Identity;
use crate::status::{port_holder, PortHolder};
use crate::Service;

/// What became of a service's port is part of the status report; the
/// supervisor is what decides it.
pub use crate::report::Serving;

/// Why a service could not be served on its port.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BindError {
    /// Another codex-helper answers there.
    #[error("{addr} is already served by codex-helper ({} proxy run by the {}, pid {}); use that one, stop it, or pick another port", identity.service, owner_words(&identity.owner), identity.pid)]
    TakenByHelper { service: Service, addr: SocketAddr, identity: Identity },
    /// Some other program has the port.
    #[error("cannot listen on {addr}: the port is in use by another program; stop it or pick another port (the {} default is {})", service.display_name(), service.default_port())]
    Busy { service: Service, addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Io {
        service: Service,
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

impl BindError {
    /// Find out who holds `addr` after `source` refused the bind.
    pub(super) async fn explain(service: Service, addr: SocketAddr, source: std::io::Error) -> BindError {
        match port_holder(addr.port()).await {
            PortHolder::CodexHelper(identity) => BindError::TakenByHelper { service, addr, identity },
            PortHolder::Other => BindError::Busy { service, addr },
            PortHolder::Free if source.kind() == std::io::ErrorKind::AddrInUse => BindError::Busy { service, addr },
            PortHolder::Free => BindError::Io { service, addr, source },
        }
    }

    /// What the service's state becomes after this failure.
    pub fn serving(&self) -> Serving {
        match self {
            BindError::TakenByHelper { addr, identity, .. } => {
                Serving::TakenByHelper { port: addr.port(), identity: identity.clone() }
            }
            BindError::Busy { service, addr } => Serving::Failed {
                port: addr.port(),
                message: format!(
                    "port {} is used by another program; free it or pick another {service} port in Settings",
                    addr.port()
                ),
            },
            BindError::Io { addr, source, .. } => {
                Serving::Failed { port: addr.port(), message: format!("cannot listen on {addr}: {source}") }
            }
        }
    }
}

/// `app` → "desktop app", anything else → "CLI".
pub fn owner_words(owner: &str) -> &'static str {
    if owner == "app" {
        "desktop app"
    } else {
        "CLI"
    }
}
