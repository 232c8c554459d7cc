//! Why a supervisor action failed, typed so each adapter can word it (and
//! the app's socket can tell the kinds apart).

use crate::probe::Identity;
use crate::switch::SwitchError;
use crate::Service;

use super::serving::BindError;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    #[error(transparent)]
    Bind(#[from] BindError),

    /// The client cannot be pointed at a proxy that is turned off.
    #[error("the {service} proxy is turned off; enable it in Settings first")]
    ServiceOff { service: Service },

    /// The client cannot be pointed at a proxy that failed to start.
    #[error("{message}")]
    NotServing { service: Service, message: String },

    /// Another service's codex-helper holds the port.
    #[error("127.0.0.1:{port} is served by codex-helper for {} (pid {}); pick another port for {}", identity.service, identity.pid, service.display_name())]
    OtherService { service: Service, port: u16, identity: Identity },

    /// A proxy ended by itself.
    #[error("the {service} proxy stopped unexpectedly: {message}")]
    ProxyStopped { service: Service, message: String },

    #[error(transparent)]
    Switch(#[from] SwitchError),
}
