//! The errors of running: ports, proxies, the control channel to a running
//! codex-helper, autostart, and the small ones of start-up (no home, an
//! unknown service or language).

use super::Localized;
use crate::autostart::AutostartError;
use crate::autostart_offer::OfferError;
use crate::config::error::display_path;
use crate::control::error::human_ms;
use crate::control::{ControlError, TokenError};
use crate::i18n::lang::UnknownLang;
use crate::logs::TailError;
use crate::paths::NoHome;
use crate::proxy::client::BuildError;
use crate::runtime::StartError;
use crate::service::UnknownService;
use crate::status::StatusError;
use crate::supervisor::{BindError, SupervisorError};
use crate::t;
use crate::tasks::NoRuntime;

/// Who runs a proxy, in words (`identity.owner` is `app` or `cli`).
fn owner(owner: &str) -> String {
    if owner == "app" {
        t!("owner-app")
    } else {
        t!("owner-cli")
    }
}

impl Localized for BindError {
    fn localized(&self) -> String {
        match self {
            BindError::TakenByHelper { addr, identity, .. } => t!(
                "err-bind-taken",
                addr = addr.to_string(),
                service = identity.service.as_str(),
                owner = owner(&identity.owner),
                pid = identity.pid.to_string()
            ),
            BindError::Busy { service, addr } => t!(
                "err-bind-busy",
                addr = addr.to_string(),
                service = service.display_name(),
                port = service.default_port().to_string()
            ),
            BindError::Io { addr, source, .. } => {
                t!("err-bind-io", addr = addr.to_string(), source = source.to_string())
            }
        }
    }
}

impl Localized for SupervisorError {
    fn localized(&self) -> String {
        match self {
            SupervisorError::Bind(inner) => inner.localized(),
            SupervisorError::ServiceOff { service } => t!("err-supervisor-service-off", service = service.as_str()),
            // Already the words of the error that stopped the proxy.
            SupervisorError::NotServing { message, .. } => message.clone(),
            SupervisorError::OtherService { service, port, identity } => t!(
                "err-supervisor-other-service",
                port = port.to_string(),
                other = identity.service.as_str(),
                pid = identity.pid.to_string(),
                service = service.display_name()
            ),
            SupervisorError::ProxyStopped { service, message } => {
                t!("err-supervisor-proxy-stopped", service = service.as_str(), message = message.as_str())
            }
            SupervisorError::Switch(inner) => inner.localized(),
        }
    }
}

impl Localized for StartError {
    fn localized(&self) -> String {
        match self {
            StartError::Config(inner) => inner.localized(),
            StartError::Http(source) => t!("err-start-http", source = source.to_string()),
            StartError::UpstreamClient(inner) => inner.localized(),
            StartError::Control(inner) => inner.localized(),
            StartError::NoRuntime(inner) => inner.localized(),
        }
    }
}

impl Localized for BuildError {
    fn localized(&self) -> String {
        t!("err-tls", source = self.0.to_string())
    }
}

impl Localized for StatusError {
    fn localized(&self) -> String {
        match self {
            StatusError::Settings(inner) => inner.localized(),
        }
    }
}

impl Localized for ControlError {
    fn localized(&self) -> String {
        match self {
            ControlError::Unauthorized => t!("err-control-unauthorized"),
            // The peer's or the guard's own words.
            ControlError::Forbidden { reason } | ControlError::Failed { reason } => reason.clone(),
            ControlError::BadRequest { reason } => t!("err-control-bad-request", reason = reason.as_str()),
            ControlError::UnsupportedVersion { server, client } => {
                let advice =
                    if server < client { t!("err-control-version-restart") } else { t!("err-control-version-update") };
                t!("err-control-version", server = server.to_string(), client = client.to_string(), advice = advice)
            }
            ControlError::Unsupported { cmd, hint: None } => t!("err-control-unsupported", cmd = cmd.as_str()),
            ControlError::Unsupported { cmd, hint: Some(hint) } => {
                t!("err-control-unsupported-hint", cmd = cmd.as_str(), hint = hint.as_str())
            }
            ControlError::NotRunning { at } => t!("err-control-not-running", at = at.as_str()),
            ControlError::Timeout { ms } => t!("err-control-timeout", span = human_ms(*ms)),
            ControlError::Io { at, reason } => t!("err-control-io", at = at.as_str(), reason = reason.as_str()),
            ControlError::BadReply { reason } => t!("err-control-bad-reply", reason = reason.as_str()),
            ControlError::Unknown => t!("err-control-unknown"),
        }
    }
}

impl Localized for TokenError {
    fn localized(&self) -> String {
        match self {
            TokenError::Io { path, source } => {
                t!("err-token-io", path = path.display().to_string(), source = source.to_string())
            }
            TokenError::Random(source) => t!("err-token-random", source = source.to_string()),
        }
    }
}

impl Localized for AutostartError {
    fn localized(&self) -> String {
        let (file, source) = (display_path(&self.file), self.source.to_string());
        match self.action {
            "remove" => t!("err-autostart-remove", file = file, source = source),
            _ => t!("err-autostart-write", file = file, source = source),
        }
    }
}

impl Localized for OfferError {
    fn localized(&self) -> String {
        match self {
            OfferError::Write { file, source } => {
                t!("err-offer-write", file = display_path(file), source = source.to_string())
            }
            OfferError::Settings(inner) => inner.localized(),
            OfferError::Autostart(inner) => inner.localized(),
        }
    }
}

impl Localized for NoHome {
    fn localized(&self) -> String {
        t!("err-no-home")
    }
}

impl Localized for NoRuntime {
    fn localized(&self) -> String {
        t!("err-no-runtime")
    }
}

impl Localized for UnknownLang {
    fn localized(&self) -> String {
        t!("err-unknown-lang", value = format!("{:?}", self.0))
    }
}

impl Localized for UnknownService {
    fn localized(&self) -> String {
        t!("err-unknown-service", value = self.0.as_str())
    }
}

impl Localized for TailError {
    fn localized(&self) -> String {
        t!("err-tail", path = display_path(&self.path))
    }
}
