//! What a process running a service's proxy knows live: which config it
//! serves, each upstream's health and counters, requests since it started.
//! The proxy's control endpoint sends exactly this (it is the payload of
//! `GET /__codex_helper/status`), and the desktop app reads the same from
//! its own runtime; [`super::build`] turns it into a [`super::ServiceReport`].

use serde::{Deserialize, Serialize};

use crate::control::{Control, RequestCounts};
use crate::lb::{LoadBalancer, UpstreamStatus};
use crate::live::LiveConfig;
use crate::Service;

/// A running proxy's live view of one service (the control endpoint's body:
/// `{"service","owner","pid","port","version","started_at_ms",
/// "config_problem","active_config","upstreams":[…],"requests"}`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LiveState {
    pub service: Service,
    /// `cli` or `app`.
    pub owner: String,
    pub pid: u32,
    pub port: u16,
    pub version: String,
    pub started_at_ms: u64,
    /// Why the config on disk is not being served (the last good one is).
    pub config_problem: Option<String>,
    /// Why settings.json is not applied as written (the last good settings
    /// are); absent from older proxies.
    #[serde(default)]
    pub settings_problem: Option<String>,
    /// The config requests are served from (else the file's `active`).
    pub active_config: Option<String>,
    /// The served config's upstreams, live from the load balancer.
    pub upstreams: Vec<UpstreamStatus>,
    pub requests: RequestCounts,
}

/// The proxy parts a live view is read from: the same for a `ch serve`
/// answering its control endpoint and for the app's runtime.
pub struct Sources<'a> {
    pub config: &'a LiveConfig,
    pub lb: &'a LoadBalancer,
    pub control: &'a Control,
    /// `cli` or `app`.
    pub owner: &'a str,
    /// The running settings' problem, if settings.json is broken.
    pub settings_problem: Option<String>,
}

/// The live view of `service`, served (or meant to be) on `port`. Every
/// free text is scrubbed: upstream error texts echo keys.
pub fn observe(sources: &Sources<'_>, service: Service, port: u16) -> LiveState {
    use crate::redact::scrub_owned;
    let snapshot = sources.config.snapshot();
    let mut upstreams = snapshot.active(service).map(|a| sources.lb.snapshot(&a.ids)).unwrap_or_default();
    for u in &mut upstreams {
        u.last_error = u.last_error.take().map(scrub_owned);
    }
    LiveState {
        service,
        owner: sources.owner.to_string(),
        pid: std::process::id(),
        port,
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at_ms: sources.control.started_at_ms(),
        config_problem: sources.config.problem().map(scrub_owned),
        settings_problem: sources.settings_problem.clone().map(scrub_owned),
        active_config: snapshot.file.service(service).serving_name().map(str::to_string),
        upstreams,
        requests: sources.control.counters(service).get(),
    }
}
