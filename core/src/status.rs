//! `ch status`: per service, is a proxy listening (and whose), which config
//! is active, and the live health of its upstreams, as a [`StatusReport`].
//!
//! Live state comes from the running proxy's control endpoint
//! ([`crate::control`]); when no proxy runs, the report falls back to what
//! `config.json` says and marks upstream health as `unknown`. The report
//! itself is built by [`report::build`], as for the tray and the window.

use std::net::SocketAddr;
use std::time::Duration;

use crate::config::{ConfigError, ConfigFile, ConfigStore, Settings};
use crate::i18n::localized::both;
use crate::i18n::Both;
use crate::probe::{self, Identity};
use crate::report::{self, Facts, Serving, StatusReport};
use crate::switch;
use crate::usage;
use crate::{Paths, Service};

/// How long to wait for a proxy's answers (the same as for its status).
const TIMEOUT: Duration = report::remote::TIMEOUT;

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

/// The report on each of `services` (the `ch status --json` document);
/// `port` overrides where to look (for a single service).
pub async fn status(paths: &Paths, services: &[Service], port: Option<u16>) -> Result<StatusReport, StatusError> {
    let settings = Settings::load(paths)?;
    let file = ConfigStore::new(paths).load().map_err(|e| both(&e));
    // A missing or unreadable state file just means no quota known yet.
    let quota = usage::read_state(&usage::state_file(paths)).ok().flatten().map(|f| f.quota).unwrap_or_default();
    let empty = ConfigFile::default();
    let mut out = Vec::new();
    for &service in services {
        let port = port.unwrap_or(settings.service(service).port);
        let mut facts = Facts::new(service, port, settings.service(service).enabled, Serving::Disabled, &empty);
        facts.file = file.as_ref().map_err(Both::clone);
        facts.quota = &quota;
        facts.switch = Some(switch::state(paths, service).map_err(|e| both(&e)));
        match port_holder(port).await {
            PortHolder::Free => {}
            PortHolder::Other => {
                facts.port_taken_by_other = true;
                facts.serving = Serving::Failed { port, message: format!("port {port} is taken by another program") };
            }
            PortHolder::CodexHelper(identity) => {
                facts.serving = Serving::TakenByHelper { port, identity };
                match report::remote::fetch(paths, port).await {
                    Ok(live) => facts.live = Some(live),
                    Err(e) => facts.live_error = Some(e),
                }
            }
        }
        out.push(report::build(facts));
    }
    Ok(StatusReport::new(out, None))
}
