//! What the proxy's control endpoint reports: who runs the proxy, which
//! config it serves, each upstream's health and the request counters.

use serde::{Deserialize, Serialize};

use super::Control;
use crate::lb::UpstreamStatus;
use crate::proxy::counters::RequestCounts;
use crate::proxy::ProxyState;
use crate::Service;

/// One upstream's live health as the control endpoint reports it.
pub type LiveUpstream = UpstreamStatus;

/// The body of `GET /__codex_helper/status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlStatus {
    pub service: Service,
    /// `cli` or `app`.
    pub owner: String,
    pub pid: u32,
    pub port: u16,
    pub version: String,
    pub started_at_ms: u64,
    /// Why the config on disk is not being served (the last good one is).
    pub config_problem: Option<String>,
    /// The config requests are served from (else the file's `active`).
    pub active_config: Option<String>,
    pub upstreams: Vec<LiveUpstream>,
    pub requests: RequestCounts,
}

/// The live state of the proxy behind `state`.
pub fn live_status(state: &ProxyState, control: &Control) -> ControlStatus {
    let shared = &state.shared;
    let snapshot = shared.config.snapshot();
    let served = snapshot.active(state.service);
    let mut upstreams = served.map(|a| shared.lb.snapshot(&a.ids)).unwrap_or_default();
    // Upstream error texts echo keys; this endpoint must never carry one.
    for u in &mut upstreams {
        u.last_error = u.last_error.take().map(crate::redact::scrub_owned);
    }
    ControlStatus {
        service: state.service,
        owner: shared.owner.to_string(),
        pid: std::process::id(),
        port: state.listen.port(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at_ms: control.started_at_ms(),
        config_problem: shared.config.problem().map(crate::redact::scrub_owned),
        active_config: served
            .map(|a| a.name.to_string())
            .or_else(|| snapshot.file.service(state.service).active.clone()),
        upstreams,
        requests: shared.counters.get(),
    }
}
