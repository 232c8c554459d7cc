//! Desktop notifications for what a user must know without looking: an
//! upstream's quota crossed the warning level or ran out (or its window
//! reset), failover moved traffic off the primary, every upstream is
//! unavailable — and when each of those is over. [`Notifier`] remembers
//! what it said, so each upstream (by identity: each key of a pool is its
//! own) and state change is announced once.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};

use codex_helper_core::config::host_label;
use codex_helper_core::lb::{LbEvent, UpstreamId};
use codex_helper_core::report::UpstreamHealth;
use codex_helper_core::usage::{window::span, QuotaEvent, QuotaLevel};
use codex_helper_core::{t, Service};

use crate::status::AppStatus;

/// One notification to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub title: String,
    pub body: String,
    /// The window's screen that shows more (clicking the notification
    /// opens it): `dashboard`, `logs`, …
    pub screen: &'static str,
}

impl Note {
    /// Something went wrong with an action the user took in the tray.
    pub fn problem(message: impl Into<String>) -> Note {
        Note { title: "codex-helper".into(), body: message.into(), screen: "dashboard" }
    }
}

/// What has been announced so far.
#[derive(Default)]
pub struct Notifier {
    /// The quota level announced last, per upstream identity.
    quota: HashMap<(Service, UpstreamId), QuotaLevel>,
    /// Services announced as served by a fallback (config, base_url).
    off_primary: BTreeMap<Service, (String, String)>,
    /// Services announced as having no usable upstream (config).
    all_down: BTreeMap<Service, String>,
}

impl Notifier {
    /// Compare the new state (and the transitions that led to it) with what
    /// was announced; return what to announce now.
    pub fn observe(&mut self, status: &AppStatus, events: &[LbEvent]) -> Vec<Note> {
        let mut notes = Vec::new();
        for live in status.services.iter().filter(|s| s.serving.is_serving()) {
            let service = live.service;
            let name = service.display_name();
            let Some(config) = live.active_config.clone() else { continue };
            // Quota, from the tracker's announcements (one per change).
            for event in events {
                let LbEvent::QuotaChanged(q) = event else { continue };
                if q.service == service {
                    notes.extend(self.quota_note(q));
                }
            }
            // Failover, from the load balancer's own announcements.
            for event in events {
                let LbEvent::ServingChanged { service: s, config: c, index, base_url } = event else { continue };
                if *s != service || **c != *config {
                    continue;
                }
                // The upstream at that position, when it is the one the
                // event means (the report may be a reload behind).
                let host = match live.upstreams.get(*index).filter(|u| u.base_url.trim() == base_url.trim()) {
                    Some(up) => up.display_name().to_string(),
                    None => host_label(base_url),
                };
                let primary = live.upstreams.first().map(|u| u.display_name().to_string()).unwrap_or_default();
                if *index > 0 {
                    let now = (config.clone(), host.clone());
                    if self.off_primary.get(&service) != Some(&now) {
                        self.off_primary.insert(service, now);
                        notes.push(Note {
                            title: t!("notify-failover-title", service = name, host = host.as_str()),
                            body: t!("notify-failover-body", primary = primary, config = config.as_str()),
                            screen: "logs",
                        });
                    }
                } else if self.off_primary.remove(&service).is_some() {
                    notes.push(Note {
                        title: t!("notify-back-title", service = name, host = host),
                        body: t!("notify-back-body", config = config.as_str()),
                        screen: "dashboard",
                    });
                }
            }
            // Every upstream unavailable.
            let down = !live.upstreams.is_empty() && live.upstreams.iter().all(|u| u.state != UpstreamHealth::Ok);
            if down && self.all_down.get(&service) != Some(&config) {
                self.all_down.insert(service, config.clone());
                notes.push(Note {
                    title: t!("notify-all-down-title", service = name),
                    body: t!("notify-all-down-body", config = config.as_str()),
                    screen: "dashboard",
                });
            } else if !down && self.all_down.remove(&service).is_some() {
                notes.push(Note {
                    title: t!("notify-works-again-title", service = name),
                    body: t!("notify-works-again-body", config = config.as_str()),
                    screen: "dashboard",
                });
            }
        }
        notes
    }
}

impl Notifier {
    /// The note for one quota change, unless this level of this upstream
    /// was announced already.
    pub fn quota_note(&mut self, q: &QuotaEvent) -> Option<Note> {
        let key = (q.service, q.upstream.clone());
        let before = self.quota.insert(key, q.to).unwrap_or_default();
        if before == q.to {
            return None;
        }
        let name = q.service.display_name();
        let config = &q.upstream.config;
        let host = host_label(&q.upstream.base_url);
        let who = match &q.key_label {
            Some(label) => format!("{host} ({label})"),
            None => host,
        };
        // "none": the catalogue's word for "not known" (its selectors).
        let window = q.window.clone().unwrap_or_else(|| "none".into());
        let resets = match q.resets_at_ms.map(|at| at.saturating_sub(codex_helper_core::logs::now_ms())) {
            Some(ms) if ms > 0 => format!(" {}", t!("notify-quota-resets", span = span(ms))),
            _ => String::new(),
        };
        let pct = q.used_pct.map_or_else(|| "none".into(), |p| format!("{p:.0}"));
        let config: &str = config;
        let (title, body) = match q.to {
            QuotaLevel::Warning if before < QuotaLevel::Warning => (
                t!("notify-quota-warning-title", who = who.as_str(), pct = pct, window = window),
                t!("notify-quota-warning-body", service = name, config = config) + &resets,
            ),
            QuotaLevel::Exhausted => (
                t!("notify-quota-out-title", who = who.as_str()),
                t!("notify-quota-out-body", service = name, config = config, window = window) + &resets,
            ),
            QuotaLevel::Ok if q.is_reset() => (
                t!("notify-quota-back-title", who = who.as_str()),
                t!("notify-quota-back-body", service = name, config = config),
            ),
            // Down from exhausted to warning, or to unknown: no news.
            _ => return None,
        };
        Some(Note { title, body, screen: "usage" })
    }
}

/// The one place a note becomes a desktop notification. Its text is
/// scrubbed of keys: a problem's message can quote an upstream's error,
/// and upstreams echo keys back.
fn notification(note: &Note) -> notify_rust::Notification {
    use codex_helper_core::redact::scrub;
    let mut n = notify_rust::Notification::new();
    n.appname("codex-helper").summary(&scrub(&note.title)).body(&scrub(&note.body)).icon("codex-helper-app");
    n
}

/// Show `note` and return once the server has it: for a process about to
/// exit (it could not start), whose user may have no terminal to read.
pub fn show_and_wait(note: &Note) {
    let shown = notification(note).show();
    if let Err(err) = shown {
        tracing::warn!(%err, "cannot show a notification");
    }
}

/// At most this many notifications wait for a click at once: a server that
/// keeps notifications until they are dismissed would otherwise collect a
/// waiting thread (and D-Bus connection) per notification.
const MAX_WAITING: usize = 32;

static WAITING: AtomicUsize = AtomicUsize::new(0);

/// Show `note` on the desktop's notification server. Clicking it (its
/// default action, where the server supports actions) calls `on_click`
/// with the note's screen. Nothing here blocks the caller.
pub fn show(note: &Note, on_click: impl FnOnce(&'static str) + Send + 'static) {
    tracing::info!(title = %note.title, "notification");
    let note = note.clone();
    let spawned = std::thread::Builder::new().name("notification".into()).spawn(move || {
        let clickable = WAITING.fetch_add(1, Ordering::SeqCst) < MAX_WAITING;
        let mut notification = notification(&note);
        if clickable {
            notification.action("default", &t!("notify-open"));
        }
        match notification.show() {
            // Waiting for the click blocks until the notification is closed.
            Ok(handle) if clickable => handle.wait_for_action(|action| {
                if action == "default" {
                    on_click(note.screen);
                }
            }),
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "cannot show a notification"),
        }
        WAITING.fetch_sub(1, Ordering::SeqCst);
    });
    if let Err(err) = spawned {
        tracing::warn!(%err, "cannot show a notification");
    }
}

/// What became of a question asked with [`ask`], in order: `Shown`, then
/// one of the others (or `NotShown` alone).
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// The server has it on the screen.
    Shown,
    /// The user chose the action with this id.
    Chose(String),
    /// Closed, or expired, without a choice.
    Closed,
    /// No notification server took it.
    NotShown,
}

/// Show `note` with one button per `(id, label)` of `choices`; `on_reply`
/// hears what became of it (see [`Reply`]). Nothing here blocks the caller.
pub fn ask(note: &Note, choices: Vec<(&'static str, String)>, mut on_reply: impl FnMut(Reply) + Send + 'static) {
    tracing::info!(title = %note.title, "notification with a question");
    let note = note.clone();
    let spawned = std::thread::Builder::new().name("question".into()).spawn(move || {
        let mut notification = notification(&note);
        for (id, label) in &choices {
            notification.action(id, label);
        }
        match notification.show() {
            Ok(handle) => {
                on_reply(Reply::Shown);
                handle.wait_for_action(|action| {
                    on_reply(if action == "__closed" { Reply::Closed } else { Reply::Chose(action.to_string()) })
                });
            }
            Err(err) => {
                tracing::warn!(%err, "cannot show a notification");
                on_reply(Reply::NotShown);
            }
        }
    });
    if let Err(err) = spawned {
        tracing::warn!(%err, "cannot show a notification");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::Serving;
    use codex_helper_core::config::ConfigFile;
    use codex_helper_core::control::RequestCounts;
    use codex_helper_core::lb::{LoadBalancer, UpstreamId};
    use codex_helper_core::report::{self, Facts, LiveState};

    fn status(lb: &LoadBalancer, ids: &[UpstreamId]) -> AppStatus {
        status_of(lb, ids, &ConfigFile::default())
    }

    fn status_of(lb: &LoadBalancer, ids: &[UpstreamId], file: &ConfigFile) -> AppStatus {
        let mut facts = Facts::new(Service::Codex, 3211, true, Serving::Serving { port: 3211 }, file);
        facts.live = Some(LiveState {
            service: Service::Codex,
            owner: "app".into(),
            pid: 1,
            port: 3211,
            version: "0.1.0".into(),
            started_at_ms: 0,
            config_problem: None,
            settings_problem: None,
            active_config: Some("main".into()),
            upstreams: lb.snapshot(ids),
            requests: RequestCounts::default(),
        });
        AppStatus::new(vec![report::build(facts)], None)
    }

    fn quota(id: &UpstreamId, label: &str, from: QuotaLevel, to: QuotaLevel) -> LbEvent {
        LbEvent::QuotaChanged(QuotaEvent {
            service: Service::Codex,
            upstream: id.clone(),
            key_label: Some(label.into()),
            from,
            to,
            window: Some("5h".into()),
            used_pct: Some(if to == QuotaLevel::Ok { 0.0 } else { 96.0 }),
            resets_at_ms: None,
        })
    }

    fn titles(n: &mut Notifier, lb: &LoadBalancer, ids: &[UpstreamId], events: &[LbEvent]) -> Vec<String> {
        n.observe(&status(lb, ids), events).into_iter().map(|n| n.title).collect()
    }

    #[test]
    fn each_state_change_is_announced_once_and_so_is_recovery() {
        use QuotaLevel::*;
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids =
            vec![UpstreamId::new("main", "https://a.example/v1"), UpstreamId::new("main", "https://b.example/v1")];
        let mut n = Notifier::default();
        assert!(n.observe(&status(&lb, &ids), &[]).is_empty());
        lb.set_exhausted(&ids[0], true);
        let out = quota(&ids[0], "work", Ok, Exhausted);
        assert_eq!(titles(&mut n, &lb, &ids, std::slice::from_ref(&out)), ["a.example (work) is out of quota"]);
        assert!(titles(&mut n, &lb, &ids, &[out]).is_empty(), "not twice");
        lb.set_exhausted(&ids[1], true);
        let out_b = quota(&ids[1], "home", Ok, Exhausted);
        assert_eq!(
            titles(&mut n, &lb, &ids, &[out_b]),
            ["b.example (home) is out of quota", "Codex: every upstream is unavailable"]
        );
        lb.set_exhausted(&ids[0], false);
        let back = quota(&ids[0], "work", Exhausted, Ok);
        assert_eq!(titles(&mut n, &lb, &ids, &[back]), ["a.example (work) has quota again", "Codex works again"]);
    }

    #[test]
    fn quota_notes_are_deduplicated_per_key_not_per_url() {
        use QuotaLevel::*;
        let url = "https://pool.example/v1";
        let (a, b) = (
            UpstreamId::with_key("main", url, Some("sk-aaaa-1111111111")),
            UpstreamId::with_key("main", url, Some("sk-bbbb-2222222222")),
        );
        let LbEvent::QuotaChanged(warn_a) = quota(&a, "sk-…1111", Ok, Warning) else { unreachable!() };
        let LbEvent::QuotaChanged(warn_b) = quota(&b, "sk-…2222", Ok, Warning) else { unreachable!() };
        let mut n = Notifier::default();
        let first = n.quota_note(&warn_a).expect("a warning");
        assert_eq!(first.title, "pool.example (sk-…1111) has used 96% of its 5h quota");
        assert!(n.quota_note(&warn_a).is_none(), "the same change once");
        assert!(n.quota_note(&warn_b).is_some(), "the other key of the same URL is its own upstream");
        let LbEvent::QuotaChanged(out_a) = quota(&a, "sk-…1111", Warning, Exhausted) else { unreachable!() };
        assert_eq!(n.quota_note(&out_a).unwrap().title, "pool.example (sk-…1111) is out of quota");
        // Down to warning (the 5-hour window reset, the weekly one still
        // high) is no news; the return to ok is.
        let LbEvent::QuotaChanged(down) = quota(&a, "sk-…1111", Exhausted, Warning) else { unreachable!() };
        assert!(n.quota_note(&down).is_none());
        let LbEvent::QuotaChanged(reset) = quota(&a, "sk-…1111", Warning, Ok) else { unreachable!() };
        assert_eq!(n.quota_note(&reset).unwrap().title, "pool.example (sk-…1111) has quota again");
        assert!(n.quota_note(&reset).is_none());
    }

    #[test]
    fn failover_and_return_to_the_primary() {
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids =
            vec![UpstreamId::new("main", "https://a.example/v1"), UpstreamId::new("main", "https://b.example/v1")];
        let mut n = Notifier::default();
        let moved = LbEvent::ServingChanged {
            service: Service::Codex,
            config: "main".into(),
            index: 1,
            base_url: "https://b.example/v1".into(),
        };
        let notes = n.observe(&status(&lb, &ids), std::slice::from_ref(&moved));
        assert_eq!(notes[0].title, "Codex failed over to b.example");
        assert!(n.observe(&status(&lb, &ids), &[moved]).is_empty());
        let back = LbEvent::ServingChanged {
            service: Service::Codex,
            config: "main".into(),
            index: 0,
            base_url: "https://a.example/v1".into(),
        };
        assert_eq!(n.observe(&status(&lb, &ids), &[back]).pop().unwrap().title, "Codex is back on a.example");
    }

    #[test]
    fn notifications_speak_chinese_under_zh_cn() {
        use codex_helper_core::i18n::{with_lang, Lang};
        use QuotaLevel::*;
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids =
            vec![UpstreamId::new("main", "https://a.example/v1"), UpstreamId::new("main", "https://b.example/v1")];
        let moved = LbEvent::ServingChanged {
            service: Service::Codex,
            config: "main".into(),
            index: 1,
            base_url: "https://b.example/v1".into(),
        };
        let notes = with_lang(Lang::ZhCn, || Notifier::default().observe(&status(&lb, &ids), &[moved]));
        assert_eq!(notes[0].title, "Codex 已故障转移到 b.example");
        assert_eq!(notes[0].body, "main 的主上游 a.example 响应不正常。");
        let LbEvent::QuotaChanged(warn) = quota(&ids[0], "work", Ok, Warning) else { unreachable!() };
        let note = with_lang(Lang::ZhCn, || Notifier::default().quota_note(&warn)).unwrap();
        assert_eq!(note.title, "a.example (work) 的 5h 额度已用 96%");
        assert_eq!(note.body, "Codex（main）会继续使用它，直到达到阈值。");
        // The same note in English, and without a window or a percentage.
        let mut bare = warn.clone();
        (bare.window, bare.used_pct) = (None, None);
        let en = with_lang(Lang::En, || Notifier::default().quota_note(&bare)).unwrap();
        assert_eq!(en.title, "a.example (work) has used quota");
        let zh = with_lang(Lang::ZhCn, || Notifier::default().quota_note(&bare)).unwrap();
        assert_eq!(zh.title, "a.example (work) 的额度即将用完");
        let shown = notification(&note);
        assert_eq!(shown.summary, "a.example (work) 的 5h 额度已用 96%", "the desktop gets the Chinese text");
    }

    /// Two keys of one relay are two upstreams: a failover names the key it
    /// moved to (quota notes per key: `quota_notes_are_deduplicated_per_key_not_per_url`).
    #[test]
    fn two_keys_of_one_relay_are_announced_apart() {
        let url = "https://pool.example/v1";
        let (k1, k2) = ("sk-pool-one-11112222", "sk-pool-two-33334444");
        let file: ConfigFile = serde_json::from_value(serde_json::json!({"codex": {"active": "main", "configs": {
            "main": {"name": "main", "upstreams": [
                {"base_url": url, "auth": {"auth_token": k1}, "alias": "work"},
                {"base_url": url, "auth": {"auth_token": k2}}]}}}}))
        .unwrap();
        let lb = LoadBalancer::new(Service::Codex, Default::default());
        let ids = vec![UpstreamId::with_key("main", url, Some(k1)), UpstreamId::with_key("main", url, Some(k2))];
        let mut n = Notifier::default();
        let titles = |n: &mut Notifier, events: &[LbEvent]| -> Vec<String> {
            n.observe(&status_of(&lb, &ids, &file), events).into_iter().map(|n| n.title).collect()
        };
        let moved =
            LbEvent::ServingChanged { service: Service::Codex, config: "main".into(), index: 1, base_url: url.into() };
        assert_eq!(titles(&mut n, &[moved]), ["Codex failed over to pool.example [sk-…4444]"]);
        let back =
            LbEvent::ServingChanged { service: Service::Codex, config: "main".into(), index: 0, base_url: url.into() };
        assert_eq!(titles(&mut n, &[back]), ["Codex is back on pool.example [work]"]);
    }

    /// Regression (issue 9 #11): a problem quoting an upstream's error used
    /// to put an echoed key on the desktop in clear.
    #[test]
    fn notifications_never_show_a_key() {
        let key = "sk-proj-Zx81QnA0lmT4pRw9vKe2";
        codex_helper_core::redact::remember([key]);
        let note = Note::problem(format!("HTTP 401: Incorrect API key provided: {key}"));
        let shown = notification(&note);
        assert!(!shown.body.contains(key), "{}", shown.body);
        assert!(shown.body.contains("Incorrect API key provided"), "the rest of the message stays: {}", shown.body);
    }
}
