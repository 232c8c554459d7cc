//! The tray icon and its menu: per service the configs (click one to make
//! it active), the active config's upstreams with health and quota, and a
//! "Route … through proxy" toggle; then Open window and Quit.
//!
//! Built with tray-icon/muda (what Tauri uses, without Tauri): a
//! StatusNotifierItem through libayatana-appindicator, which needs GTK. Its
//! objects live on the GTK main thread: [`create`] and [`update`] run
//! there (other threads go through [`update_from_any_thread`]). The menu is
//! rebuilt from scratch by `events` whenever the state changed (coalesced
//! there), so it always shows what the proxies do — but only when what it
//! shows changed: every rebuild gives the items new D-Bus ids and replaces
//! a menu the user may have open, and a click in flight on the old one is
//! lost (quota polls alone refresh several times a minute).

use std::cell::RefCell;
use std::sync::Arc;

use codex_helper_core::config::ConfigFile;
use codex_helper_core::live::Snapshot;
use codex_helper_core::report::{Level, ReportUpstream, ServiceReport, UpstreamHealth};
use codex_helper_core::{t, Service};
use tray_icon::menu::{CheckMenuItem, IsMenuItem, Menu, MenuEvent, MenuItem, PredefinedMenuItem, Submenu};
use tray_icon::{Icon, TrayIcon, TrayIconBuilder};

use crate::state::Serving;
use crate::status::AppStatus;

/// The tray item's id: its D-Bus object path ends in `tray_icon_tray_app_main`.
const TRAY_ID: &str = "main";

/// The icon for `level` (core decides the level: [`codex_helper_core::report::level`]).
fn icon(level: Level) -> Icon {
    let bytes: &'static [u8] = match level {
        Level::Off => include_bytes!("../icons/tray-off.png"),
        Level::Serving => include_bytes!("../icons/tray-serving.png"),
        Level::Degraded => include_bytes!("../icons/tray-degraded.png"),
        Level::Down => include_bytes!("../icons/tray-down.png"),
    };
    decode_rgba(bytes).expect("bundled tray icons are 8-bit RGBA PNGs")
}

/// One line per service, in words.
pub fn service_line(s: &ServiceReport) -> String {
    let name = s.service.display_name();
    let config = s.active_config.clone().unwrap_or_else(|| t!("tray-no-config"));
    match &s.serving {
        Serving::Disabled => t!("tray-service-off", service = name),
        Serving::Failed { message, .. } => t!("tray-service-failed", service = name, message = message.as_str()),
        Serving::TakenByHelper { port, identity } => {
            t!("tray-service-by-cli", service = name, pid = identity.pid, port = *port)
        }
        Serving::Serving { port } => {
            let total = s.upstreams.len();
            let ok = s.upstreams.iter().filter(|u| u.state == UpstreamHealth::Ok).count();
            let health = match (total, ok) {
                (0, _) => t!("tray-health-none"),
                (t, o) if t == o => t!("tray-health-all"),
                (_, 0) => t!("tray-health-down"),
                (t, o) => t!("tray-health-some", ok = o, total = t),
            };
            t!("tray-service-serving", service = name, port = *port, config = config, health = health)
        }
    }
}

pub fn tooltip(status: &AppStatus) -> String {
    let mut lines = vec!["codex-helper".to_string()];
    lines.extend(status.services.iter().map(service_line));
    lines.join("\n")
}

/// `packy.example — ok · 42% of budget left`; `api.deepseek.com · chat — ok`
/// for an upstream that does not speak `service`'s own protocol.
pub fn upstream_line(service: Service, up: &ReportUpstream) -> String {
    let health = match up.state {
        UpstreamHealth::Ok => t!("tray-up-ok"),
        UpstreamHealth::Unknown => t!("tray-up-unknown"),
        UpstreamHealth::Exhausted => t!("tray-up-exhausted"),
        UpstreamHealth::CoolingDown => match up.live.as_ref().and_then(|l| l.cooldown_remaining_ms) {
            Some(ms) => t!("tray-up-cooling-for", seconds = ms.div_ceil(1000)),
            None => t!("tray-up-cooling"),
        },
    };
    let mut line = up.label_with_protocol(service);
    // Keys of a pool share the URL: the alias tells them apart.
    if let Some(alias) = up.alias.as_deref().filter(|a| !a.trim().is_empty()) {
        line.push_str(&format!(" ({alias})"));
    }
    line.push_str(&format!(" — {health}"));
    if let Some(q) = &up.quota {
        line.push_str(&quota_note(q));
    }
    line
}

/// ` · 42% of budget left`, ` · 5h 96% used`: the most used window.
fn quota_note(q: &codex_helper_core::usage::QuotaState) -> String {
    let now = codex_helper_core::logs::now_ms();
    let worst = q
        .windows
        .iter()
        .filter(|w| w.used_pct(now).is_some())
        .max_by(|a, b| a.used_pct(now).unwrap_or(0.0).total_cmp(&b.used_pct(now).unwrap_or(0.0)));
    // Percentages rounded here: Fluent would print 42.0 as "42.0".
    let left = |pct: f64| format!(" · {}", t!("tray-quota-budget-left", pct = format!("{pct:.0}")));
    match worst {
        Some(w) if w.unit == "usd" => left(100.0 - w.used_pct(now).unwrap_or(0.0)),
        Some(w) => {
            let pct = format!("{:.0}", w.used_pct(now).unwrap_or(0.0));
            format!(" · {}", t!("tray-quota-window-used", window = w.name.as_str(), pct = pct))
        }
        None => q.remaining_pct.map(left).unwrap_or_default(),
    }
}

/// The bundled icons are 8-bit RGBA; tray-icon wants the raw pixels.
fn decode_rgba(bytes: &[u8]) -> Option<Icon> {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().ok()?;
    let mut pixels = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut pixels).ok()?;
    if frame.color_type != png::ColorType::Rgba || frame.bit_depth != png::BitDepth::Eight {
        return None;
    }
    pixels.truncate(frame.buffer_size());
    Icon::from_rgba(pixels, frame.width, frame.height).ok()
}

/// Why the tray icon could not be created.
#[derive(Debug, thiserror::Error)]
pub enum TrayError {
    #[error("cannot create the tray icon: {0}")]
    Icon(#[from] tray_icon::Error),
    #[error("cannot build the tray menu: {0}")]
    Menu(#[from] tray_icon::menu::Error),
}

/// What a menu click asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrayAction {
    Open,
    Quit,
    Activate {
        service: Service,
        config: String,
    },
    ToggleRoute(Service),
    /// Speed-test the service's active config (`ch test`).
    SpeedTest(Service),
}

impl TrayAction {
    fn parse(id: &str) -> Option<TrayAction> {
        match id.split_once(':') {
            None if id == "open" => Some(TrayAction::Open),
            None if id == "quit" => Some(TrayAction::Quit),
            Some(("cfg", rest)) => {
                let (service, config) = rest.split_once(':')?;
                Some(TrayAction::Activate { service: service.parse().ok()?, config: config.to_string() })
            }
            Some(("route", service)) => Some(TrayAction::ToggleRoute(service.parse().ok()?)),
            Some(("speedtest", service)) => Some(TrayAction::SpeedTest(service.parse().ok()?)),
            _ => None,
        }
    }
}

thread_local! {
    /// The tray, owned by the GTK main thread.
    static TRAY: RefCell<Option<TrayIcon>> = const { RefCell::new(None) };
    /// What the tray shows now (GTK main thread); `None` forces a rebuild.
    static SHOWN: RefCell<Option<Shown>> = const { RefCell::new(None) };
}

/// Everything [`update`] puts in the tray, to compare with the next round.
#[derive(PartialEq)]
struct Shown {
    menu: Vec<Item>,
    level: Level,
    tooltip: String,
}

/// Put the icon in the tray (GTK main thread, after `gtk::init`). Menu
/// clicks call `on_action` on that thread: keep it short.
pub fn create(on_action: impl Fn(TrayAction) + Send + Sync + 'static) -> Result<(), TrayError> {
    MenuEvent::set_event_handler(Some(move |event: MenuEvent| {
        // A check item toggled itself: the next update rebuilds from the truth.
        SHOWN.with(|s| s.borrow_mut().take());
        if let Some(action) = TrayAction::parse(&event.id.0) {
            on_action(action);
        }
    }));
    let menu = Menu::new();
    menu.append(&MenuItem::new(t!("tray-starting"), false, None))?;
    let tray = TrayIconBuilder::new()
        .with_id(TRAY_ID)
        .with_icon(icon(Level::Off))
        .with_tooltip("codex-helper")
        .with_menu(Box::new(menu))
        .with_menu_on_left_click(true)
        .build()?;
    TRAY.with(|t| *t.borrow_mut() = Some(tray));
    Ok(())
}

/// Show `status` in icon, tooltip and menu, each rebuilt only if it
/// changed (GTK main thread).
pub fn update(status: &AppStatus, file: &ConfigFile) {
    TRAY.with(|t| {
        let Some(tray) = &*t.borrow() else { return };
        let now = Shown { menu: menu_items(status, file), level: status.level, tooltip: tooltip(status) };
        SHOWN.with(|shown| {
            let mut shown = shown.borrow_mut();
            let before = shown.take();
            let before = before.as_ref();
            if before.map(|b| &b.menu) != Some(&now.menu) {
                match build_menu(&now.menu) {
                    Ok(menu) => tray.set_menu(Some(Box::new(menu))),
                    Err(err) => {
                        tracing::warn!(%err, "cannot build the tray menu");
                        return; // try again next time
                    }
                }
            }
            if before.map(|b| b.level) != Some(now.level) {
                let _ = tray.set_icon(Some(icon(now.level)));
            }
            if before.map(|b| &b.tooltip) != Some(&now.tooltip) {
                let _ = tray.set_tooltip(Some(now.tooltip.clone()));
            }
            *shown = Some(now);
        });
    });
}

/// [`update`] from any thread: runs it on the GTK main loop.
pub fn update_from_any_thread(status: AppStatus, config: Arc<Snapshot>) {
    glib::MainContext::default().invoke(move || update(&status, &config.file));
}

/// One menu entry, as shown: two equal lists make the same menu.
#[derive(Clone, Debug, PartialEq)]
enum Item {
    Submenu {
        text: String,
        items: Vec<Item>,
    },
    /// A line to read, not to click.
    Info(String),
    Action {
        id: &'static str,
        text: String,
    },
    /// A clickable entry whose id names its service.
    Run {
        id: String,
        text: String,
    },
    Check {
        id: String,
        text: String,
        enabled: bool,
        checked: bool,
    },
    Separator,
}

fn menu_items(status: &AppStatus, file: &ConfigFile) -> Vec<Item> {
    let mut items: Vec<Item> = status.services.iter().map(|s| service_items(s, file)).collect();
    items.push(Item::Separator);
    items.push(Item::Action { id: "open", text: t!("tray-open-window") });
    items.push(Item::Action { id: "quit", text: t!("tray-quit") });
    items
}

fn service_items(s: &ServiceReport, file: &ConfigFile) -> Item {
    let service = s.service;
    let mut items = Vec::new();
    let section = file.service(service);
    if section.configs.is_empty() {
        items.push(Item::Info(t!("tray-no-configs")));
    }
    for name in section.configs.keys() {
        let active = s.active_config.as_deref() == Some(name.as_str());
        items.push(Item::Check {
            id: format!("cfg:{service}:{name}"),
            text: name.clone(),
            enabled: true,
            checked: active,
        });
    }
    if !s.upstreams.is_empty() {
        items.push(Item::Separator);
        items.extend(s.upstreams.iter().map(|up| Item::Info(upstream_line(service, up))));
        items.push(Item::Run { id: format!("speedtest:{service}"), text: t!("tray-speed-test") });
        // The last test's results, ranked, a line per upstream.
        items.extend(crate::speed::lines(service).into_iter().map(Item::Info));
    }
    items.push(Item::Separator);
    let routed = s.switch.as_ref().is_some_and(|w| w.points_at_proxy);
    let can_route = s.serving.usable_port().is_some();
    let text = t!("tray-route", service = service.display_name());
    items.push(Item::Check { id: format!("route:{service}"), text, enabled: can_route || routed, checked: routed });
    Item::Submenu { text: service_line(s), items }
}

fn build_menu(items: &[Item]) -> Result<Menu, tray_icon::menu::Error> {
    let menu = Menu::new();
    for item in items {
        menu.append(build_item(item)?.as_ref())?;
    }
    Ok(menu)
}

fn build_item(item: &Item) -> Result<Box<dyn IsMenuItem>, tray_icon::menu::Error> {
    Ok(match item {
        Item::Submenu { text, items } => {
            let sub = Submenu::new(text, true);
            for item in items {
                sub.append(build_item(item)?.as_ref())?;
            }
            Box::new(sub)
        }
        Item::Info(text) => Box::new(MenuItem::new(text, false, None)),
        Item::Action { id, text } => Box::new(MenuItem::with_id(*id, text, true, None)),
        Item::Run { id, text } => Box::new(MenuItem::with_id(id.as_str(), text, true, None)),
        Item::Check { id, text, enabled, checked } => {
            Box::new(CheckMenuItem::with_id(id.as_str(), text, *enabled, *checked, None))
        }
        Item::Separator => Box::new(PredefinedMenuItem::separator()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use codex_helper_core::config::Protocol;
    use codex_helper_core::control::RequestCounts;
    use codex_helper_core::lb::{LoadBalancer, UpstreamId, UpstreamStatus};
    use codex_helper_core::probe::Identity;
    use codex_helper_core::report::{self, Facts, LiveState};
    use codex_helper_core::usage::QuotaState;

    /// A service's report as the app builds it, from what its load balancer
    /// says and the quota known.
    fn live_with(serving: Serving, upstreams: Vec<UpstreamStatus>, quota: &[QuotaState]) -> ServiceReport {
        let file = ConfigFile::default();
        let port = serving.port().unwrap_or(3211);
        let mut facts = Facts::new(Service::Codex, port, true, serving, &file);
        facts.live = Some(LiveState {
            service: Service::Codex,
            owner: "app".into(),
            pid: 1,
            port,
            version: "0.1.0".into(),
            started_at_ms: 0,
            config_problem: None,
            settings_problem: None,
            active_config: Some("main".into()),
            upstreams,
            requests: RequestCounts::default(),
        });
        facts.quota = quota;
        report::build(facts)
    }

    fn live(serving: Serving, upstreams: Vec<UpstreamStatus>) -> ServiceReport {
        live_with(serving, upstreams, &[])
    }

    fn level(services: Vec<ServiceReport>) -> Level {
        AppStatus::new(services, None).level
    }

    #[test]
    fn icon_level_and_words_follow_upstream_health() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids =
            vec![UpstreamId::new("main", "https://a.example/v1"), UpstreamId::new("main", "https://b.example/v1")];
        let at = |ups| vec![live(Serving::Serving { port: 3211 }, ups)];
        assert_eq!(level(vec![live(Serving::Disabled, vec![])]), Level::Off);
        assert_eq!(level(at(lb.snapshot(&ids))), Level::Serving);
        lb.set_exhausted(&ids[0], true);
        let s = at(lb.snapshot(&ids));
        assert_eq!(service_line(&s[0]), "Codex: serving :3211 · main · 1 of 2 upstreams ok");
        assert_eq!(level(s), Level::Degraded);
        lb.set_exhausted(&ids[1], true);
        assert_eq!(level(at(lb.snapshot(&ids))), Level::Down);
    }

    #[test]
    fn a_served_service_without_config_does_not_turn_the_icon_red() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids = vec![UpstreamId::new("main", "https://a.example/v1")];
        let mut unconfigured = live(Serving::Serving { port: 3210 }, vec![]);
        unconfigured.service = Service::Claude;
        let status = vec![live(Serving::Serving { port: 3211 }, lb.snapshot(&ids)), unconfigured.clone()];
        assert_eq!(level(status), Level::Serving);
        assert_eq!(level(vec![unconfigured]), Level::Off);
    }

    /// Regression (issue 10): a service served by `ch serve` left the icon
    /// grey ("off") while the window said "Serving".
    #[test]
    fn a_service_served_by_another_helper_lights_the_icon() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids = vec![UpstreamId::new("main", "https://a.example/v1")];
        let identity = Identity {
            app: "codex-helper".into(),
            version: "0.1.0".into(),
            service: Service::Codex,
            pid: 4242,
            port: 3211,
            owner: "cli".into(),
        };
        let by_cli = live(Serving::TakenByHelper { port: 3211, identity }, lb.snapshot(&ids));
        assert_eq!(service_line(&by_cli), "Codex: served by `ch serve` (pid 4242) on :3211");
        assert_eq!(level(vec![by_cli]), Level::Serving);
    }

    #[test]
    fn menu_ids_parse_back_into_actions() {
        assert_eq!(TrayAction::parse("open"), Some(TrayAction::Open));
        assert_eq!(TrayAction::parse("quit"), Some(TrayAction::Quit));
        assert_eq!(TrayAction::parse("speedtest:claude"), Some(TrayAction::SpeedTest(Service::Claude)));
        assert_eq!(
            TrayAction::parse("cfg:codex:my:relay"),
            Some(TrayAction::Activate { service: Service::Codex, config: "my:relay".into() })
        );
        assert_eq!(TrayAction::parse("route:claude"), Some(TrayAction::ToggleRoute(Service::Claude)));
        assert_eq!(TrayAction::parse("route:gemini"), None);
        assert_eq!(TrayAction::parse("1001"), None);
    }

    #[test]
    fn the_bundled_icons_decode() {
        for level in [Level::Off, Level::Serving, Level::Degraded, Level::Down] {
            let _ = icon(level);
        }
    }

    #[test]
    fn the_menu_compares_equal_when_only_a_quota_check_time_changed() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids = vec![UpstreamId::new("main", "https://packy.example/v1")];
        let file: ConfigFile = serde_json::from_value(serde_json::json!({
            "codex": {"active": "main", "configs": {"main": {"name": "main", "upstreams": [
                {"base_url": "https://packy.example/v1", "auth": {}}]}}}
        }))
        .unwrap();
        let quota = |spent: f64, checked_at_ms: u64| QuotaState {
            provider_id: "p".into(),
            service: Service::Codex,
            config: "main".into(),
            base_url: "https://packy.example/v1".into(),
            budget_usd: Some(100.0),
            spent_usd: Some(spent),
            remaining_pct: Some(100.0 - spent),
            exhausted: Some(false),
            checked_at_ms,
            error: None,
            ..QuotaState::unknown(Service::Codex)
        };
        let at = |q: QuotaState| {
            let s = live_with(Serving::Serving { port: 3211 }, lb.snapshot(&ids), &[q]);
            menu_items(&AppStatus::new(vec![s], None), &file)
        };
        let first = at(quota(58.0, 1_000));
        assert_eq!(first, at(quota(58.0, 61_000)), "a poll with the same answer leaves the menu alone");
        assert_ne!(first, at(quota(59.0, 121_000)), "a new answer shows");
        let Item::Submenu { items, .. } = &first[0] else { panic!("a submenu per service: {first:?}") };
        assert!(items.contains(&Item::Check {
            id: "cfg:codex:main".into(),
            text: "main".into(),
            enabled: true,
            checked: true
        }));
    }

    /// The menu and tooltip of one served Codex with one of two upstreams
    /// out of quota, as `lang` shows them.
    fn menu_in(lang: codex_helper_core::i18n::Lang) -> (Vec<Item>, String) {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids =
            vec![UpstreamId::new("main", "https://a.example/v1"), UpstreamId::new("main", "https://b.example/v1")];
        lb.set_exhausted(&ids[1], true);
        let file: ConfigFile = serde_json::from_value(serde_json::json!({
            "codex": {"active": "main", "configs": {"main": {"name": "main", "upstreams": [
                {"base_url": "https://a.example/v1", "auth": {}}, {"base_url": "https://b.example/v1", "auth": {}}]}}}
        }))
        .unwrap();
        let status = AppStatus::new(vec![live(Serving::Serving { port: 3211 }, lb.snapshot(&ids))], None);
        codex_helper_core::i18n::with_lang(lang, || (menu_items(&status, &file), tooltip(&status)))
    }

    fn texts(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .flat_map(|item| match item {
                Item::Submenu { text, items } => std::iter::once(text.clone()).chain(texts(items)).collect(),
                Item::Info(text) | Item::Run { text, .. } | Item::Check { text, .. } | Item::Action { text, .. } => {
                    vec![text.clone()]
                }
                Item::Separator => vec![],
            })
            .collect()
    }

    #[test]
    fn the_menu_speaks_english_for_en() {
        let (menu, tooltip) = menu_in(codex_helper_core::i18n::Lang::En);
        let texts = texts(&menu);
        for want in [
            "Codex: serving :3211 · main · 1 of 2 upstreams ok",
            "a.example — ok",
            "b.example — out of quota",
            "Test upstreams (speed)",
            "Route Codex through proxy",
            "Open window",
            "Quit",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want:?} not in {texts:?}");
        }
        assert_eq!(tooltip, "codex-helper\nCodex: serving :3211 · main · 1 of 2 upstreams ok");
    }

    #[test]
    fn the_menu_speaks_chinese_for_zh_cn() {
        let (menu, tooltip) = menu_in(codex_helper_core::i18n::Lang::ZhCn);
        let texts = texts(&menu);
        for want in [
            "Codex：服务中 :3211 · main · 2 个上游中 1 个正常",
            "a.example — 正常",
            "b.example — 额度已用完",
            "测试上游（测速）",
            "让 Codex 走代理",
            "打开窗口",
            "退出",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want:?} not in {texts:?}");
        }
        assert_eq!(tooltip, "codex-helper\nCodex：服务中 :3211 · main · 2 个上游中 1 个正常");
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
            ..QuotaState::unknown(Service::Codex)
        };
        let s = live_with(Serving::Serving { port: 3211 }, lb.snapshot(&ids), &[quota]);
        assert_eq!(upstream_line(Service::Codex, &s.upstreams[0]), "packy.example — ok · 42% of budget left");
    }

    #[test]
    fn upstream_line_names_a_protocol_other_than_the_clients_own() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids = vec![UpstreamId::new("main", "https://api.deepseek.com/v1")];
        let mut s = live_with(Serving::Serving { port: 3211 }, lb.snapshot(&ids), &[]);
        let up = &mut s.upstreams[0];
        up.protocol = Some(Protocol::Chat);
        assert_eq!(upstream_line(Service::Codex, up), "api.deepseek.com · chat — ok");
        up.protocol = Some(Protocol::Responses);
        assert_eq!(upstream_line(Service::Codex, up), "api.deepseek.com — ok", "the client's own: no suffix");
        up.protocol = None;
        assert_eq!(upstream_line(Service::Codex, up), "api.deepseek.com — ok");
    }
}
