//! `ch status`: per service, is a proxy listening (and whose), which config
//! is active, and the live health of its upstreams.
//!
//! Live state comes from the running proxy's control endpoint
//! ([`crate::control`]); when no proxy runs, the report falls back to what
//! `config.json` says and marks upstream health as `unknown`.
//!
//! [`ServiceStatus`] is one flat object per service so that more facts
//! about a service (client switch state, quota) can be added as new keys
//! without changing the existing ones.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;

use crate::config::{ConfigError, ConfigStore, Settings};
use crate::config_edit::UpstreamView;
use crate::control::{self, LiveUpstream, RequestCounts};
use crate::probe::{self, Identity};
use crate::switch::{self, SwitchState};
use crate::usage::{self, QuotaState};
use crate::{Paths, Service};

/// How long to wait for a proxy's answers: it is local, so a slow answer
/// already means something is wrong.
const TIMEOUT: Duration = Duration::from_millis(1500);

/// Why no report could be made at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// Ports come from settings.json, so a broken one leaves nothing to ask.
    #[error(transparent)]
    Settings(#[from] ConfigError),
}

/// Who holds a loopback port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortHolder {
    Free,
    CodexHelper(Identity),
    /// Something accepts connections there but is not a codex-helper.
    Other,
}

/// Asks 127.0.0.1:`port` who it is.
pub async fn port_holder(port: u16) -> PortHolder {
    if let Some(identity) = probe::probe_port(port).await {
        return PortHolder::CodexHelper(identity);
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    match tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
        Ok(Ok(_)) => PortHolder::Other,
        _ => PortHolder::Free,
    }
}

/// One service's status (an element of `ch status --json`'s `services`).
#[derive(Clone, Debug, Serialize)]
pub struct ServiceStatus {
    pub service: Service,
    /// The port looked at (settings, or `--port`).
    pub port: u16,
    /// `enabled` in settings.json.
    pub enabled: bool,
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
    pub upstreams: Vec<StatusUpstream>,
    /// Since the proxy started; `null` when not running.
    pub requests: Option<RequestCounts>,
    /// Where the client (Codex / Claude Code) points, per its own file.
    pub switch: Option<SwitchState>,
    /// Why the client's file could not be read.
    pub switch_error: Option<String>,
    /// The latest quota lookups for this service's upstreams, as the
    /// running proxy last wrote them (`usage_state.json`).
    pub quota: Vec<QuotaState>,
}

/// One upstream of the active config.
#[derive(Clone, Debug, Serialize)]
pub struct StatusUpstream {
    pub base_url: String,
    /// Masked key (`sk-…abcd`) as configured.
    pub key: Option<String>,
    /// `ok`, `cooling_down`, `exhausted`, or `unknown` when no proxy is
    /// running to observe it.
    pub state: String,
    /// The load balancer's live view; `null` when not running.
    pub live: Option<LiveUpstream>,
}

/// The `ch status --json` document.
#[derive(Clone, Debug, Serialize)]
pub struct StatusReport {
    pub services: Vec<ServiceStatus>,
}

/// Status of each of `services`; `port` overrides where to look (for a
/// single service).
pub async fn status(paths: &Paths, services: &[Service], port: Option<u16>) -> Result<StatusReport, StatusError> {
    let settings = Settings::load(paths)?;
    let file = ConfigStore::new(paths).load();
    let token = control::read_token(paths);
    // A missing or unreadable state file just means no quota known yet.
    let quota = usage::read_state(&usage::state_file(paths)).ok().flatten().map(|f| f.quota).unwrap_or_default();
    let mut out = Vec::new();
    for &service in services {
        let port = port.unwrap_or(settings.service(service).port);
        let mut st = ServiceStatus {
            service,
            port,
            enabled: settings.service(service).enabled,
            listening: false,
            port_taken_by_other: false,
            owner: None,
            pid: None,
            version: None,
            started_at_ms: None,
            serves_service: None,
            active_config: None,
            config_problem: None,
            settings_problem: None,
            live_error: None,
            upstreams: Vec::new(),
            requests: None,
            switch: None,
            switch_error: None,
            quota: quota.iter().filter(|q| q.service == service).cloned().collect(),
        };
        match switch::state(paths, service) {
            Ok(state) => st.switch = Some(state),
            Err(e) => st.switch_error = Some(e.to_string()),
        }
        // What config.json says: the fallback, and the masked keys.
        let configured = match &file {
            Ok(f) => Some(f.service(service)),
            Err(e) => {
                st.config_problem = Some(e.to_string());
                None
            }
        };
        let holder = port_holder(port).await;
        let mut live = None;
        match holder {
            PortHolder::Free => {}
            PortHolder::Other => st.port_taken_by_other = true,
            PortHolder::CodexHelper(id) => {
                st.listening = true;
                st.owner = Some(id.owner);
                st.pid = Some(id.pid);
                st.version = Some(id.version);
                st.serves_service = (id.service != service).then_some(id.service);
                match &token {
                    None => {
                        st.live_error = Some(format!(
                            "no control token in {}; the proxy may run under another HOME",
                            control::token_path(paths).display()
                        ))
                    }
                    Some(token) => match control::fetch_status(port, token, TIMEOUT).await {
                        Ok(s) => live = Some(s),
                        Err(e) => st.live_error = Some(e.to_string()),
                    },
                }
            }
        }
        let key_of = |config: &str, base_url: &str| {
            let cfg = configured?.configs.get(config)?;
            let up = cfg.upstreams.iter().find(|u| u.base_url.trim() == base_url)?;
            UpstreamView::of(up).key().map(str::to_string)
        };
        if let Some(live) = live {
            st.started_at_ms = Some(live.started_at_ms);
            st.active_config = live.active_config;
            if live.config_problem.is_some() {
                st.config_problem = live.config_problem;
            }
            st.settings_problem = live.settings_problem;
            st.requests = Some(live.requests);
            st.upstreams = live
                .upstreams
                .into_iter()
                .map(|u| StatusUpstream {
                    key: key_of(&u.config, &u.base_url),
                    base_url: u.base_url.clone(),
                    state: u.state.as_str().to_string(),
                    live: Some(u),
                })
                .collect();
        } else if let Some(section) = configured {
            // Same choice as the proxy: the named active config, else the
            // first one.
            let active = match &section.active {
                Some(name) => section.configs.get(name),
                None => section.configs.values().next(),
            };
            st.active_config = active.map(|c| c.name.clone()).or_else(|| section.active.clone());
            st.upstreams = active
                .map(|c| c.upstreams.iter().map(UpstreamView::of).collect::<Vec<_>>())
                .unwrap_or_default()
                .into_iter()
                .map(|v| StatusUpstream {
                    key: v.key().map(str::to_string),
                    base_url: v.base_url,
                    state: "unknown".into(),
                    live: None,
                })
                .collect();
        }
        scrub(&mut st);
        out.push(st);
    }
    Ok(StatusReport { services: out })
}

/// The last line of defence for `ch status`: every free text in it may
/// hold what an upstream (or an older proxy) echoed.
fn scrub(st: &mut ServiceStatus) {
    use crate::redact::scrub_owned;
    for text in [&mut st.config_problem, &mut st.settings_problem, &mut st.live_error, &mut st.switch_error] {
        *text = text.take().map(scrub_owned);
    }
    for u in &mut st.upstreams {
        if let Some(live) = &mut u.live {
            live.last_error = live.last_error.take().map(scrub_owned);
        }
    }
}
