//! What a proxy says about itself on [`HEALTH_PATH`](super::HEALTH_PATH).
//!
//! The type lives with the proxy that answers with it; the probe module
//! (which asks) and the status reports read it from here, so the proxy
//! depends on neither.

use serde::{Deserialize, Serialize};

use crate::Service;

/// The `app` value that marks a codex-helper proxy.
pub const APP: &str = "codex-helper";

/// What a running proxy says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Identity {
    pub app: String,
    pub version: String,
    pub service: Service,
    pub pid: u32,
    pub port: u16,
    /// `cli` or `app`.
    pub owner: String,
}
