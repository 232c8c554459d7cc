//! The tray icon and its menu: per service the configs (click one to make
//! it active), the active config's upstreams with health and quota, and a
//! "Route … through proxy" toggle; then Open window and Quit.
//!
//! The menu is rebuilt from scratch by `events` whenever the state changed
//! (coalesced there), so it always shows what the proxies do.

use codex_helper_core::config::ConfigFile;
use codex_helper_core::lb::{UpstreamState, UpstreamStatus};
use codex_helper_core::usage::QuotaState;
use codex_helper_core::Service;
use tauri::image::Image;
use tauri::menu::{CheckMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::commands::status::{AppStatus, ServiceLive};
use crate::notify::label;
use crate::state::{AppState, Serving};

const TRAY: &str = "main";

/// What the icon shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    Serving,
    /// An upstream is cooling down or out of quota.
    Degraded,
    /// A served service has no usable upstream.
    Down,
}

impl Level {
    fn icon(self) -> Image<'static> {
        let bytes: &'static [u8] = match self {
            Level::Off => include_bytes!("../icons/tray-off.png"),
            Level::Serving => include_bytes!("../icons/tray-serving.png"),
            Level::Degraded => include_bytes!("../icons/tray-degraded.png"),
            Level::Down => include_bytes!("../icons/tray-down.png"),
        };
        Image::from_bytes(bytes).expect("bundled tray icons are valid PNGs")
    }
}

/// The worst state over the services the app serves. A service without any
/// upstream configured is left out: a Codex-only user must not see a red
/// icon because Claude has no config.
pub fn level(status: &AppStatus) -> Level {
    let served: Vec<&ServiceLive> =
        status.services.iter().filter(|s| s.serving.is_serving() && !s.upstreams.is_empty()).collect();
    if served.is_empty() {
        return Level::Off;
    }
    let down = |s: &&ServiceLive| s.upstreams.iter().all(|u| u.state != UpstreamState::Ok);
    if served.iter().any(down) {
        Level::Down
    } else if served.iter().any(|s| s.upstreams.iter().any(|u| u.state != UpstreamState::Ok)) {
        Level::Degraded
    } else {
        Level::Serving
    }
}

/// One line per service, in words.
pub fn service_line(s: &ServiceLive) -> String {
    let name = s.service.display_name();
    let config = s.active_config.as_deref().unwrap_or("no config");
    match &s.serving {
        Serving::Disabled => format!("{name}: off"),
        Serving::Failed { message, .. } => format!("{name}: not serving — {message}"),
        Serving::TakenByHelper { port, identity } => {
            format!("{name}: served by `ch serve` (pid {}) on :{port}", identity.pid)
        }
        Serving::Serving { port } => {
            let total = s.upstreams.len();
            let ok = s.upstreams.iter().filter(|u| u.state == UpstreamState::Ok).count();
            let health = match (total, ok) {
                (0, _) => "no upstreams".to_string(),
                (t, o) if t == o => "all upstreams ok".to_string(),
                (_, 0) => "every upstream unavailable".to_string(),
                (t, o) => format!("{o} of {t} upstreams ok"),
            };
            format!("{name}: serving :{port} · {config} · {health}")
        }
    }
}

pub fn tooltip(status: &AppStatus) -> String {
    let mut lines = vec!["codex-helper".to_string()];
    lines.extend(status.services.iter().map(service_line));
    lines.join("\n")
}

/// `packy.example — ok · 42% of budget left`.
pub fn upstream_line(up: &UpstreamStatus, quota: &[QuotaState]) -> String {
    let health = match up.state {
        UpstreamState::Ok => "ok".to_string(),
        UpstreamState::Exhausted => "out of quota".to_string(),
        UpstreamState::CoolingDown => match up.cooldown_remaining_ms {
            Some(ms) => format!("cooling down {}s", ms.div_ceil(1000)),
            None => "cooling down".to_string(),
        },
    };
    let mut line = format!("{} — {health}", label(&up.base_url));
    let q = quota
        .iter()
        .find(|q| q.config == up.config && q.base_url.trim_end_matches('/') == up.base_url.trim_end_matches('/'));
    if let Some(pct) = q.and_then(|q| q.remaining_pct) {
        line.push_str(&format!(" · {pct:.0}% of budget left"));
    }
    line
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    TrayIconBuilder::with_id(TRAY)
        .icon(Level::Off.icon())
        .tooltip("codex-helper")
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()))
        .build(app)?;
    Ok(())
}

/// Rebuild icon, tooltip and menu from `status`.
pub fn update<R: Runtime>(app: &AppHandle<R>, status: &AppStatus, state: &AppState) {
    let Some(tray) = app.tray_by_id(TRAY) else { return };
    let file = state.runtime.config().snapshot();
    match menu(app, status, &file.file) {
        Ok(menu) => {
            let _ = tray.set_menu(Some(menu));
        }
        Err(err) => tracing::warn!(%err, "cannot build the tray menu"),
    }
    let _ = tray.set_icon(Some(level(status).icon()));
    let _ = tray.set_tooltip(Some(tooltip(status)));
}

fn menu<R: Runtime>(app: &AppHandle<R>, status: &AppStatus, file: &ConfigFile) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for s in &status.services {
        menu.append(&service_menu(app, s, file)?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(app, "open", "Open window", true, None::<&str>)?)?;
    menu.append(&MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?)?;
    Ok(menu)
}

fn service_menu<R: Runtime>(app: &AppHandle<R>, s: &ServiceLive, file: &ConfigFile) -> tauri::Result<Submenu<R>> {
    let service = s.service;
    let sub = Submenu::new(app, service_line(s), true)?;
    let section = file.service(service);
    if section.configs.is_empty() {
        sub.append(&MenuItem::new(app, "No configs yet: add one in the window", false, None::<&str>)?)?;
    }
    for name in section.configs.keys() {
        let active = s.active_config.as_deref() == Some(name.as_str());
        let id = format!("cfg:{service}:{name}");
        sub.append(&CheckMenuItem::with_id(app, id, name, true, active, None::<&str>)?)?;
    }
    if !s.upstreams.is_empty() {
        sub.append(&PredefinedMenuItem::separator(app)?)?;
        for up in &s.upstreams {
            sub.append(&MenuItem::new(app, upstream_line(up, &s.quota), false, None::<&str>)?)?;
        }
    }
    sub.append(&PredefinedMenuItem::separator(app)?)?;
    let routed = s.switch.as_ref().is_some_and(|w| w.points_at_proxy);
    let can_route = !matches!(s.serving, Serving::Disabled | Serving::Failed { .. });
    let text = format!("Route {} through proxy", service.display_name());
    sub.append(&CheckMenuItem::with_id(
        app,
        format!("route:{service}"),
        text,
        can_route || routed,
        routed,
        None::<&str>,
    )?)?;
    Ok(sub)
}

fn on_menu<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let state = app.state::<AppState>();
    let result = match id.split_once(':') {
        None if id == "open" => {
            crate::window::open(app);
            Ok(())
        }
        None if id == "quit" => {
            crate::serve::quit(app);
            Ok(())
        }
        Some(("cfg", rest)) => match rest.split_once(':') {
            Some((service, name)) => match service.parse::<Service>() {
                Ok(service) => crate::commands::config::activate(&state, service, name).map(|_| ()),
                Err(e) => Err(crate::commands::CommandError::new(e)),
            },
            None => Ok(()),
        },
        Some(("route", service)) => match service.parse::<Service>() {
            Ok(service) => {
                let on =
                    !codex_helper_core::switch::state(state.runtime.paths(), service).is_ok_and(|w| w.points_at_proxy);
                crate::commands::switch::route(&state, service, on).map(|_| ())
            }
            Err(e) => Err(crate::commands::CommandError::new(e)),
        },
        _ => Ok(()),
    };
    if let Err(err) = result {
        tracing::error!(%err, "tray action failed");
        crate::notify::show(app, &crate::notify::Note { title: "codex-helper".into(), body: err.message });
    }
    // Check items toggle themselves when clicked; rebuild from the truth.
    state.changed();
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_helper_core::control::RequestCounts;
    use codex_helper_core::lb::{LoadBalancer, UpstreamId};

    fn live(serving: Serving, upstreams: Vec<UpstreamStatus>) -> ServiceLive {
        ServiceLive {
            service: Service::Codex,
            serving,
            active_config: Some("main".into()),
            config_problem: None,
            upstreams,
            quota: vec![],
            switch: None,
            switch_error: None,
            requests: RequestCounts::default(),
        }
    }

    #[test]
    fn icon_level_and_words_follow_upstream_health() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids =
            vec![UpstreamId::new("main", "https://a.example/v1"), UpstreamId::new("main", "https://b.example/v1")];
        let at = |ups| AppStatus { services: vec![live(Serving::Serving { port: 3211 }, ups)], quota_problem: None };
        assert_eq!(
            level(&AppStatus { services: vec![live(Serving::Disabled, vec![])], quota_problem: None }),
            Level::Off
        );
        assert_eq!(level(&at(lb.snapshot(&ids))), Level::Serving);
        lb.set_exhausted(&ids[0], true);
        let s = at(lb.snapshot(&ids));
        assert_eq!(level(&s), Level::Degraded);
        assert_eq!(service_line(&s.services[0]), "Codex: serving :3211 · main · 1 of 2 upstreams ok");
        lb.set_exhausted(&ids[1], true);
        assert_eq!(level(&at(lb.snapshot(&ids))), Level::Down);
    }

    #[test]
    fn a_served_service_without_config_does_not_turn_the_icon_red() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids = vec![UpstreamId::new("main", "https://a.example/v1")];
        let mut unconfigured = live(Serving::Serving { port: 3210 }, vec![]);
        unconfigured.service = Service::Claude;
        let status = AppStatus {
            services: vec![live(Serving::Serving { port: 3211 }, lb.snapshot(&ids)), unconfigured.clone()],
            quota_problem: None,
        };
        assert_eq!(level(&status), Level::Serving);
        let nothing = AppStatus { services: vec![unconfigured], quota_problem: None };
        assert_eq!(level(&nothing), Level::Off);
    }

    #[test]
    fn upstream_line_shows_health_and_quota() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids = vec![UpstreamId::new("main", "https://packy.example/v1")];
        let quota = QuotaState {
            provider_id: "p".into(),
            service: Service::Codex,
            config: "main".into(),
            base_url: "https://packy.example/v1".into(),
            budget_usd: Some(100.0),
            spent_usd: Some(58.0),
            remaining_pct: Some(42.0),
            exhausted: Some(false),
            checked_at_ms: 0,
            error: None,
        };
        assert_eq!(upstream_line(&lb.snapshot(&ids)[0], &[quota]), "packy.example — ok · 42% of budget left");
    }
}
