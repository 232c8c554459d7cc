//! Is a codex-helper proxy answering on a port, and which one?
//!
//! Every proxy answers `GET /__codex_helper/health` with its [`Identity`];
//! anything else on the port (or nothing) gives `None`. Used to reuse a
//! running proxy instead of failing on a busy port, and by status displays.
//! The asking lives here and the answering in the proxy, which knows
//! nothing of this module.

use std::net::SocketAddr;
use std::time::Duration;

pub use crate::proxy::identity::{Identity, APP};
use crate::proxy::HEALTH_PATH;

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
