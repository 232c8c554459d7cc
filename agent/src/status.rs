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

/// The state right now. A service whose port another codex-helper serves
/// (a `ch serve` started before the app) shows that proxy's live state,
/// asked of its control endpoint, not this app's idle load balancer.
pub async fn snapshot(state: &AppState) -> AppStatus {
    let rt = &state.runtime;
    let config = rt.config().snapshot();
    let quota = rt.quota().states();
    let all_settings = rt.settings();
    let mut services = Vec::new();
    for service in Service::ALL {
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
        let live = report::live_view(&sources, rt.paths(), service, &serving, port).await;
        let mut facts = Facts::new(service, port, settings.enabled, serving, &config.file);
        match live {
            Ok(live) => facts.live = Some(live),
            Err(error) => facts.live_error = Some(error),
        }
        facts.switch =
            Some(switch::state(rt.paths(), service).map_err(|e| codex_helper_core::i18n::localized::both(&e)));
        facts.quota = &quota;
        services.push(report::build(facts));
    }
    AppStatus::new(services, rt.quota().problem())
}

/// Whether a service is served by another codex-helper, whose changes
/// reach this app by no event (so it asks again now and then).
pub fn shows_another_proxy(status: &AppStatus) -> bool {
    status.services.iter().any(|s| matches!(s.serving, report::Serving::TakenByHelper { .. }))
}
