//! Is a codex-helper proxy answering on a port, and which one?
//!
//! Every proxy answers `GET /__codex_helper/health` with its [`Identity`];
//! anything else on the port (or nothing) gives `None`. Used to reuse a
//! running proxy instead of failing on a busy port, and by status displays.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::proxy::HEALTH_PATH;
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

/// Ask `addr` who it is, within `timeout`.
pub async fn probe(addr: SocketAddr, timeout: Duration) -> Option<Identity> {
    let client = reqwest::Client::builder().no_proxy().timeout(timeout).build().ok()?;
    let response = client.get(format!("http://{addr}{HEALTH_PATH}")).send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    let identity: Identity = response.json().await.ok()?;
    (identity.app == APP).then_some(identity)
}

/// [`probe`] on 127.0.0.1:`port` with a short timeout.
pub async fn probe_port(port: u16) -> Option<Identity> {
    probe(SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_millis(800)).await
}
