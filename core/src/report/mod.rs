//! One model of a service's live state, for everyone who shows it: `ch
//! status` (text and `--json`), the tray (icon, tooltip, menu), the
//! notifications and the window's dashboard (through the generated
//! bindings). Each adapter gathers the [`Facts`] it can see and calls
//! [`build`]; the active config, each upstream's label, key, health and
//! quota, and the [`Level`] are decided there, once.
//!
//! - [`live`]: what a running proxy knows about itself ([`LiveState`], the
//!   control endpoint's payload), read the same way by a `ch serve` and by
//!   the app.
//! - [`remote`]: the live view of a port another codex-helper serves,
//!   asked of its control endpoint.
//! - [`serving`]: who serves a service's port ([`Serving`]).
//! - [`level`]: the one-word summary and its rules.
//!
//! [`ServiceReport`] is one flat object per service (an element of `ch
//! status --json`'s `services`) so that more facts can be added as new keys
//! without changing the existing ones.

pub mod level;
pub mod live;
pub mod remote;
pub mod serving;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

pub use level::Level;
pub use live::{observe, LiveState, Sources};
pub use remote::live_view;
pub use serving::Serving;

use crate::config::{host_label, ConfigFile, Protocol, Strategy};
use crate::config_edit::UpstreamView;
use crate::control::RequestCounts;
use crate::i18n::Both;
use crate::lb::{UpstreamState, UpstreamStatus};
use crate::switch::SwitchState;
use crate::usage::QuotaState;
use crate::Service;

/// Every service's report, and the level of them all.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StatusReport {
    pub services: Vec<ServiceReport>,
    /// The worst level over the services ([`level::overall`]).
    pub level: Level,
    /// Why usage_providers.json is not used as written (known where quota
    /// is polled: the app).
    pub quota_problem: Option<String>,
}

impl StatusReport {
    pub fn new(services: Vec<ServiceReport>, quota_problem: Option<String>) -> StatusReport {
        let level = level::overall(services.iter().map(|s| s.level));
        StatusReport { services, level, quota_problem: quota_problem.map(crate::redact::scrub_owned) }
    }
}

/// One service's state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceReport {
    pub service: Service,
    /// The port looked at (settings, `--port`, or where the app serves it).
    pub port: u16,
    /// `enabled` in settings.json.
    pub enabled: bool,
    /// Who serves the port.
    pub serving: Serving,
    /// A codex-helper proxy answers on `port`.
    pub listening: bool,
    /// The port is taken by another program (not codex-helper).
    pub port_taken_by_other: bool,
    /// `cli` or `app` when listening.
    pub owner: Option<String>,
    pub pid: Option<u32>,
    pub version: Option<String>,
    pub started_at_ms: Option<u64>,
    /// The proxy on `port` serves another service than asked about.
    pub serves_service: Option<Service>,
    /// Live: what the proxy serves; else `active` from config.json.
    pub active_config: Option<String>,
    /// Why config.json is not being served (live), or cannot be read.
    pub config_problem: Option<String>,
    /// Why settings.json is not applied as written by the running proxy
    /// (it keeps the last good settings).
    pub settings_problem: Option<String>,
    /// Why the live state could not be read from a listening proxy.
    pub live_error: Option<String>,
    /// The active config's strategy, as config.json says (`null`: unknown).
    #[serde(default)]
    pub strategy: Option<Strategy>,
    /// The active config's upstreams, primary first.
    pub upstreams: Vec<ReportUpstream>,
    /// Since the proxy started; `null` when no live state was read.
    pub requests: Option<RequestCounts>,
    /// Where the client (Codex / Claude Code) points, per its own file.
    pub switch: Option<SwitchState>,
    /// Why the client's file could not be read.
    pub switch_error: Option<String>,
    /// The latest quota lookups for this service's upstreams.
    pub quota: Vec<QuotaState>,
    /// This service in one word ([`level::service_level`]).
    pub level: Level,
    /// `config_problem` and `switch_error` in the language being spoken,
    /// for `ch status`'s text (the fields above stay English for `--json`).
    #[serde(skip)]
    pub shown: Shown,
}

/// A report's problems as people read them; `None` where the English
/// field is `None`, or came from elsewhere (a running proxy says its
/// problems in English) and is shown as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shown {
    pub config_problem: Option<String>,
    pub switch_error: Option<String>,
}

/// One upstream of the active config.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReportUpstream {
    pub base_url: String,
    /// Its short name ([`host_label`]).
    pub label: String,
    /// What to call it where upstreams are told apart (tray lines,
    /// notifications, the dashboard): `label`, plus its key's alias or
    /// masked form when the config has several keys for its URL
    /// (`r.example [work]`). Empty from older proxies: use `label`.
    #[serde(default)]
    pub name: String,
    /// Masked key (`sk-…abcd`) as configured.
    pub key: Option<String>,
    /// The key's alias, shown instead of `key` when set (several keys for
    /// one relay are told apart by these two).
    #[serde(default)]
    pub alias: Option<String>,
    pub state: UpstreamHealth,
    /// The load balancer's live view; `null` when no proxy observes it.
    pub live: Option<UpstreamStatus>,
    /// Its latest quota lookup, if a provider answers for it.
    pub quota: Option<QuotaState>,
    /// The API it speaks, as configured; `null` when the config file does
    /// not name it (or an older proxy reported it).
    #[serde(default)]
    pub protocol: Option<Protocol>,
    /// Its model map as configured (client model → upstream model); absent
    /// when empty.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub model_map: IndexMap<String, String>,
    /// Its extra headers, secret-looking values masked; absent when none.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// Its `max_concurrent` cap as configured (`null`: none); the requests
    /// it carries now are `live.in_flight`.
    #[serde(default)]
    pub max_concurrent: Option<u32>,
}

impl ReportUpstream {
    /// Out of quota, per the load balancer.
    pub fn exhausted(&self) -> bool {
        self.live.as_ref().is_some_and(|l| l.exhausted)
    }

    /// [`ReportUpstream::name`], else its label.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.label
        } else {
            &self.name
        }
    }

    /// Its name, and its protocol when that is not `service`'s client's
    /// own: `api.deepseek.com · chat` (the tray's line; the window builds
    /// the same in ui/src/lib/modelMap.ts).
    pub fn label_with_protocol(&self, service: Service) -> String {
        match self.protocol {
            Some(p) if p != Protocol::native(service) => format!("{} · {p}", self.display_name()),
            _ => self.display_name().to_string(),
        }
    }
}

/// An upstream's health, as far as it is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum UpstreamHealth {
    Ok,
    CoolingDown,
    Exhausted,
    /// No running proxy observes it.
    Unknown,
}

impl From<UpstreamState> for UpstreamHealth {
    fn from(state: UpstreamState) -> Self {
        match state {
            UpstreamState::Ok => UpstreamHealth::Ok,
            UpstreamState::CoolingDown => UpstreamHealth::CoolingDown,
            UpstreamState::Exhausted => UpstreamHealth::Exhausted,
        }
    }
}

impl UpstreamHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamHealth::Ok => "ok",
            UpstreamHealth::CoolingDown => "cooling_down",
            UpstreamHealth::Exhausted => "exhausted",
            UpstreamHealth::Unknown => "unknown",
        }
    }
}

/// What an adapter knows about one service, to [`build`] its report from.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    pub service: Service,
    pub port: u16,
    pub enabled: bool,
    pub serving: Serving,
    /// A running proxy's live view (this process's, or fetched from the
    /// proxy on `port`).
    pub live: Option<LiveState>,
    /// Why a listening proxy's live view could not be read.
    pub live_error: Option<String>,
    /// Something that is not a codex-helper holds `port` (`ch status` asks).
    pub port_taken_by_other: bool,
    /// config.json as read here (masked keys, and the active config when
    /// there is no live view), or why it cannot be read.
    pub file: Result<&'a ConfigFile, Both>,
    /// Where the client points, or why its file cannot be read.
    pub switch: Option<Result<SwitchState, Both>>,
    /// Quota lookups (any service's: the report keeps its own).
    pub quota: &'a [QuotaState],
}

impl<'a> Facts<'a> {
    /// Only where to look and what serves there; the rest unknown.
    pub fn new(service: Service, port: u16, enabled: bool, serving: Serving, file: &'a ConfigFile) -> Facts<'a> {
        Facts {
            service,
            port,
            enabled,
            serving,
            live: None,
            live_error: None,
            port_taken_by_other: false,
            file: Ok(file),
            switch: None,
            quota: &[],
        }
    }
}

/// The one function that turns what is known into a report. Every free
/// text in it is scrubbed here: it may hold what an upstream (or an older
/// proxy) echoed.
pub fn build(facts: Facts<'_>) -> ServiceReport {
    use crate::redact::scrub_owned;
    let Facts { service, port, enabled, serving, live, live_error, port_taken_by_other, file, switch, quota } = facts;
    let section = file.as_ref().ok().map(|f| f.service(service));
    let quota: Vec<QuotaState> = quota.iter().filter(|q| q.service == service).cloned().collect();
    // Each key of a pool has its own quota: matched by its label (alias or
    // masked key) when the answer names one. Of several answers (a provider
    // and the response headers), the one at the highest level.
    let quota_of = |config: &str, base_url: &str, label: Option<String>| {
        let same = |a: &str, b: &str| a.trim().trim_end_matches('/') == b.trim().trim_end_matches('/');
        let same_key = |q: &QuotaState| q.key_label.is_none() || label.is_none() || q.key_label == label;
        quota
            .iter()
            .filter(|q| q.config == config && same(&q.base_url, base_url) && same_key(q))
            .fold(None::<&QuotaState>, |best, q| match best {
                Some(b) if b.state >= q.state => Some(b),
                _ => Some(q),
            })
            .cloned()
    };
    // The live view numbers upstreams as the proxy serves them; the file
    // read here is normally the same, and when it is not (an edit not yet
    // served) the first upstream at that URL is the best guess.
    let upstream_of = |config: &str, base_url: &str, index: usize| {
        let cfg = section?.configs.get(config)?;
        let same = |u: &&crate::config::Upstream| u.base_url.trim() == base_url.trim();
        cfg.upstreams.get(index).filter(same).or_else(|| cfg.upstreams.iter().find(same))
    };
    let key_of = |config: &str, base_url: &str, index: usize| {
        UpstreamView::of(upstream_of(config, base_url, index)?, service).key().map(str::to_string)
    };
    let alias_of = |config: &str, base_url: &str, index: usize| upstream_of(config, base_url, index)?.alias.clone();
    let protocol_of =
        |config: &str, base_url: &str, index: usize| Some(upstream_of(config, base_url, index)?.protocol(service));
    let model_map_of = |config: &str, base_url: &str, index: usize| {
        upstream_of(config, base_url, index).map(|u| u.model_map.0.clone()).unwrap_or_default()
    };
    let headers_of = |config: &str, base_url: &str, index: usize| {
        upstream_of(config, base_url, index).map(|u| crate::config::masked_headers(&u.headers)).unwrap_or_default()
    };
    let cap_of = |config: &str, base_url: &str, index: usize| upstream_of(config, base_url, index)?.max_concurrent;
    let listening = serving.is_served();
    let (owner, pid, version, serves_service) = match &serving {
        Serving::TakenByHelper { identity, .. } => (
            Some(identity.owner.clone()),
            Some(identity.pid),
            Some(identity.version.clone()),
            (identity.service != service).then_some(identity.service),
        ),
        Serving::Serving { .. } => match &live {
            Some(l) => (Some(l.owner.clone()), Some(l.pid), Some(l.version.clone()), None),
            None => (None, None, None, None),
        },
        _ => (None, None, None, None),
    };
    let mut config_problem = file.as_ref().err().cloned();
    let settings_problem = live.as_ref().and_then(|l| l.settings_problem.clone());
    let (active_config, upstreams, requests, started_at_ms) = match live {
        Some(live) => {
            if live.config_problem.is_some() {
                config_problem = live.config_problem.map(Both::from);
            }
            let upstreams: Vec<ReportUpstream> = live
                .upstreams
                .into_iter()
                .map(|mut u| {
                    u.last_error = u.last_error.take().map(scrub_owned);
                    let key = key_of(&u.config, &u.base_url, u.index);
                    ReportUpstream {
                        label: host_label(&u.base_url),
                        name: String::new(),
                        key,
                        alias: alias_of(&u.config, &u.base_url, u.index),
                        protocol: protocol_of(&u.config, &u.base_url, u.index),
                        model_map: model_map_of(&u.config, &u.base_url, u.index),
                        headers: headers_of(&u.config, &u.base_url, u.index),
                        max_concurrent: cap_of(&u.config, &u.base_url, u.index),
                        state: u.state.into(),
                        quota: quota_of(
                            &u.config,
                            &u.base_url,
                            upstream_of(&u.config, &u.base_url, u.index).map(|x| x.key_label()),
                        ),
                        base_url: u.base_url.clone(),
                        live: Some(u),
                    }
                })
                .collect();
            (live.active_config, upstreams, Some(live.requests), Some(live.started_at_ms))
        }
        None => {
            let active = section.and_then(|s| s.serving_config());
            let upstreams: Vec<ReportUpstream> = active
                .map(|c| {
                    c.upstreams
                        .iter()
                        .map(|u| {
                            let key = UpstreamView::of(u, service).key().map(str::to_string);
                            ReportUpstream {
                                base_url: u.base_url.clone(),
                                label: host_label(&u.base_url),
                                name: String::new(),
                                quota: quota_of(&c.name, &u.base_url, Some(u.key_label())),
                                key,
                                alias: u.alias.clone(),
                                state: UpstreamHealth::Unknown,
                                live: None,
                                protocol: Some(u.protocol(service)),
                                model_map: u.model_map.0.clone(),
                                headers: crate::config::masked_headers(&u.headers),
                                max_concurrent: u.max_concurrent,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            (section.and_then(|s| s.serving_name()).map(str::to_string), upstreams, None, None)
        }
    };
    let mut upstreams = upstreams;
    name_upstreams(&mut upstreams);
    let (switch, switch_error) = match switch {
        Some(Ok(s)) => (Some(s), None),
        Some(Err(e)) => (None, Some(e)),
        None => (None, None),
    };
    let strategy = active_config.as_deref().and_then(|name| section?.configs.get(name)).map(|c| c.strategy());
    let level = level::service_level(&serving, &upstreams);
    ServiceReport {
        service,
        port,
        enabled,
        serving,
        listening,
        port_taken_by_other,
        owner,
        pid,
        version,
        started_at_ms,
        serves_service,
        active_config,
        strategy,
        shown: Shown {
            config_problem: config_problem.as_ref().map(|p| scrub_owned(p.here.clone())),
            switch_error: switch_error.as_ref().map(|e| scrub_owned(e.here.clone())),
        },
        config_problem: config_problem.map(|p| scrub_owned(p.en)),
        settings_problem: settings_problem.map(scrub_owned),
        live_error: live_error.map(scrub_owned),
        upstreams,
        requests,
        switch,
        switch_error: switch_error.map(|e| scrub_owned(e.en)),
        quota,
        level,
    }
}

/// Sets each upstream's [`ReportUpstream::name`]: its label, with its key
/// named when another upstream shares its URL (a key pool), so two keys of
/// one relay are two lines, two notifications, two dashboard rows.
fn name_upstreams(upstreams: &mut [ReportUpstream]) {
    let urls: Vec<String> = upstreams.iter().map(|u| u.base_url.trim().to_string()).collect();
    for (i, up) in upstreams.iter_mut().enumerate() {
        let shared = urls.iter().enumerate().any(|(j, url)| j != i && *url == urls[i]);
        up.name = match (shared, &up.alias, &up.key) {
            (false, _, _) => up.label.clone(),
            (true, Some(alias), _) if !alias.trim().is_empty() => format!("{} [{alias}]", up.label),
            (true, _, Some(key)) => format!("{} [{key}]", up.label),
            (true, _, None) => format!("{} [no key]", up.label),
        };
    }
}

#[cfg(test)]
mod tests;
