//! The live view of a service whose port another codex-helper serves (a
//! `ch serve` while the desktop app runs, or the app seen from `ch
//! status`): asked of that proxy's control endpoint, the same request `ch
//! status` makes, so every face shows that proxy's load balancer, not its
//! own idle one.

use std::time::Duration;

use crate::control;
use crate::Paths;

use super::{observe, LiveState, Serving, Sources};

/// How long to wait for a proxy's answer: it is local, so a slow answer
/// already means something is wrong.
pub const TIMEOUT: Duration = Duration::from_millis(1500);

/// The live state of the codex-helper proxy on `port`, asked over its
/// control endpoint with the token in `paths`; the error says why not in
/// words (it is shown as the report's `live_error`).
pub async fn fetch(paths: &Paths, port: u16) -> Result<LiveState, String> {
    let Some(token) = control::read_token(paths) else {
        return Err(format!(
            "no control token in {}; the proxy may run under another HOME",
            control::token_path(paths).display()
        ));
    };
    control::fetch_status(port, &token, TIMEOUT).await.map_err(|e| e.to_string())
}

/// What a process running proxies shows for one service: its own live view
/// (`sources`) when it serves the port itself or nobody does, the serving
/// proxy's when another codex-helper has the port.
pub async fn live_view(
    sources: &Sources<'_>,
    paths: &Paths,
    service: crate::Service,
    serving: &Serving,
    port: u16,
) -> Result<LiveState, String> {
    match serving {
        Serving::TakenByHelper { port, .. } => fetch(paths, *port).await,
        _ => Ok(observe(sources, service, port)),
    }
}
