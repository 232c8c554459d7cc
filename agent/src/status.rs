//! The live state of the app's proxies: what the tray, the notifier and
//! the window's dashboard show. Built here, in the process that runs the
//! proxies; the window gets it over [`crate::ipc`].

use codex_helper_core::control::RequestCounts;
use codex_helper_core::lb::UpstreamStatus;
use codex_helper_core::switch::{self, SwitchState};
use codex_helper_core::usage::QuotaState;
use codex_helper_core::Service;
use serde::{Deserialize, Serialize};

use crate::state::{AppState, Serving};

/// Everything the dashboard shows, per service.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppStatus {
    pub services: Vec<ServiceLive>,
    /// Why usage_providers.json is not used as written.
    pub quota_problem: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceLive {
    pub service: Service,
    /// Served by the app, by a `ch serve`, failed, or turned off.
    pub serving: Serving,
    pub active_config: Option<String>,
    /// Why config.json is not being served as written.
    pub config_problem: Option<String>,
    /// The active config's upstreams, live from the load balancer.
    pub upstreams: Vec<UpstreamStatus>,
    pub quota: Vec<QuotaState>,
    pub switch: Option<SwitchState>,
    pub switch_error: Option<String>,
    /// Requests through the app's proxy since it started.
    pub requests: RequestCounts,
}

/// The state right now.
pub fn snapshot(state: &AppState) -> AppStatus {
    let rt = &state.runtime;
    let config = rt.config().snapshot();
    let quota = rt.quota().states();
    let services = Service::ALL
        .iter()
        .map(|&service| {
            let (switch, switch_error) = match switch::state(rt.paths(), service) {
                Ok(s) => (Some(s), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let active_config = config
                .active(service)
                .map(|a| a.name.to_string())
                .or_else(|| config.file.service(service).active.clone());
            ServiceLive {
                service,
                serving: state.serving(service),
                active_config,
                config_problem: rt.config().problem(),
                upstreams: rt.upstream_status(service),
                quota: quota.iter().filter(|q| q.service == service).cloned().collect(),
                switch,
                switch_error,
                requests: rt.control().counters(service).get(),
            }
        })
        .collect();
    AppStatus { services, quota_problem: rt.quota().problem() }
}
