//! The live state of the app's proxies: what the tray, the notifier and
//! the window's dashboard show. Gathered here, in the process that runs the
//! proxies, and built by core's [`report::build`] (the same function `ch
//! status` uses); the window gets it over [`crate::ipc`].

use codex_helper_core::report::{self, Facts, Sources};
use codex_helper_core::{switch, Service};

use crate::state::AppState;

/// Everything the tray and the dashboard show: core's report, as the app
/// builds it.
pub type AppStatus = report::StatusReport;

/// The state right now.
pub fn snapshot(state: &AppState) -> AppStatus {
    let rt = &state.runtime;
    let config = rt.config().snapshot();
    let quota = rt.quota().states();
    let all_settings = rt.settings();
    let services = Service::ALL
        .iter()
        .map(|&service| {
            let serving = state.serving(service);
            let settings = all_settings.service(service);
            let port = serving.port().unwrap_or(settings.port);
            let sources = Sources {
                config: rt.config(),
                lb: rt.lb(service),
                control: rt.control(),
                owner: rt.owner(),
                settings_problem: rt.live_settings().problem().map(|p| p.to_string()),
            };
            let mut facts = Facts::new(service, port, settings.enabled, serving, &config.file);
            // The app's own load balancer and counters, whoever serves the
            // port (quota exhaustion is known for every service).
            facts.live = Some(report::observe(&sources, service, port));
            facts.switch = Some(switch::state(rt.paths(), service).map_err(|e| e.to_string()));
            facts.quota = &quota;
            report::build(facts)
        })
        .collect();
    AppStatus::new(services, rt.quota().problem())
}
