//! What became of a service's port: served here, by another codex-helper,
//! not at all, or not possible. The desktop app records it when it starts
//! each proxy; `ch status` finds it out by asking the port.

use serde::{Deserialize, Serialize};

use crate::probe::Identity;

/// Who serves a service's port, as the process making the report sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Serving {
    /// No proxy serves it: `enabled: false` in settings.json (the app), or
    /// nothing listens on the port (`ch status`; `enabled` says which).
    Disabled,
    /// This process serves it on `port`.
    Serving { port: u16 },
    /// Another codex-helper (usually `ch serve`) already serves the port.
    TakenByHelper { port: u16, identity: Identity },
    /// The port is busy with something else, or binding failed.
    Failed { port: u16, message: String },
}

impl Serving {
    /// This process serves it.
    pub fn is_serving(&self) -> bool {
        matches!(self, Serving::Serving { .. })
    }

    /// Some codex-helper proxy (this one or another) serves it, so a
    /// client pointed at the port is answered.
    pub fn is_served(&self) -> bool {
        matches!(self, Serving::Serving { .. } | Serving::TakenByHelper { .. })
    }

    /// The port it is (or was meant to be) served on.
    pub fn port(&self) -> Option<u16> {
        match self {
            Serving::Disabled => None,
            Serving::Serving { port } | Serving::TakenByHelper { port, .. } | Serving::Failed { port, .. } => {
                Some(*port)
            }
        }
    }

    /// The port a client can be pointed at, if any proxy answers there.
    pub fn usable_port(&self) -> Option<u16> {
        match self {
            Serving::Serving { port } | Serving::TakenByHelper { port, .. } => Some(*port),
            Serving::Disabled | Serving::Failed { .. } => None,
        }
    }
}
