//! What `ch config list/show` and `ch default` print: configs as users see
//! them, every key masked (`sk-…abcd`).

use indexmap::IndexMap;
use serde::Serialize;

use super::{unknown, ConfigsError};
use crate::config::{mask_secret, ConfigFile, NamedConfig, Protocol, Strategy, Upstream};
use crate::Service;

/// An upstream as shown to users: keys masked (`sk-…abcd`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UpstreamView {
    pub base_url: String,
    pub auth_token: Option<String>,
    pub api_key: Option<String>,
    /// The key's name (`--key-alias`), if it has one.
    pub alias: Option<String>,
    /// How to show the key in one word: its alias, else the masked key,
    /// else `no key`.
    pub key_label: String,
    pub tags: IndexMap<String, String>,
    /// The API it speaks (the client's own unless set otherwise).
    pub protocol: Protocol,
    /// The client's model name → the upstream's (`*`: every other model);
    /// empty when names go as they are.
    pub model_map: IndexMap<String, String>,
    /// Extra headers sent to it, values of secret-looking ones masked.
    pub headers: IndexMap<String, String>,
    /// Most requests it carries at once (`null`: no cap).
    pub max_concurrent: Option<u32>,
}

impl UpstreamView {
    /// `u` as `service`'s clients use it.
    pub fn of(u: &Upstream, service: Service) -> UpstreamView {
        let masked = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(mask_secret);
        UpstreamView {
            base_url: u.base_url.clone(),
            auth_token: masked(&u.auth.auth_token),
            api_key: masked(&u.auth.api_key),
            alias: u.alias.clone(),
            key_label: u.key_label(),
            tags: u.tags.clone(),
            protocol: u.protocol(service),
            model_map: u.model_map.0.clone(),
            headers: crate::config::masked_headers(&u.headers),
            max_concurrent: u.max_concurrent,
        }
    }

    /// The masked key actually sent (token first), for one-line displays.
    pub fn key(&self) -> Option<&str> {
        self.auth_token.as_deref().or(self.api_key.as_deref())
    }
}

/// One named config as shown to users.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConfigView {
    pub name: String,
    pub alias: Option<String>,
    pub active: bool,
    /// How requests spread over the upstreams.
    pub strategy: Strategy,
    pub upstreams: Vec<UpstreamView>,
}

impl ConfigView {
    pub(crate) fn of(cfg: &NamedConfig, active: bool, service: Service) -> ConfigView {
        ConfigView {
            name: cfg.name.clone(),
            alias: cfg.alias.clone(),
            active,
            strategy: cfg.strategy(),
            upstreams: cfg.upstreams.iter().map(|u| UpstreamView::of(u, service)).collect(),
        }
    }
}

/// One service's configs (the `ch config list --json` document).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ServiceView {
    pub service: Service,
    pub active: Option<String>,
    pub configs: Vec<ConfigView>,
}

/// Every config of `service`, in file order.
pub fn list(file: &ConfigFile, service: Service) -> ServiceView {
    let section = file.service(service);
    let is_active = |name: &str| section.active.as_deref() == Some(name);
    ServiceView {
        service,
        active: section.active.clone(),
        configs: section.configs.values().map(|c| ConfigView::of(c, is_active(&c.name), service)).collect(),
    }
}

/// One config of `service`, or [`ConfigsError::UnknownConfig`].
pub fn show(file: &ConfigFile, service: Service, name: &str) -> Result<ConfigView, ConfigsError> {
    let section = file.service(service);
    let cfg = section.configs.get(name).ok_or_else(|| unknown(file, service, name))?;
    Ok(ConfigView::of(cfg, section.active.as_deref() == Some(name), service))
}

/// The `ch default --json` document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DefaultService {
    /// As stored in `config.json` (`null`: never set).
    pub default_service: Option<Service>,
    /// What commands use: the stored value, else Codex.
    pub effective: Service,
}

impl DefaultService {
    pub fn of(file: &ConfigFile) -> DefaultService {
        DefaultService {
            default_service: file.default_service,
            effective: file.default_service.unwrap_or(Service::Codex),
        }
    }
}
