//! Key pools: several upstreams for one relay URL, told apart by their key
//! (shown as its alias or masked form), and the config's strategy for
//! spreading requests over them. `ch config remove-upstream`,
//! `ch config strategy` and the window's remove use these.

use serde::Serialize;

use super::{edit, unknown, ConfigView, ConfigsError, UpstreamView};
use crate::config::{ConfigFile, ConfigStore, NamedConfig, Strategy};
use crate::Service;

/// Which of the upstreams at one URL is meant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpstreamPick {
    /// The first one at that URL (what the window's edit form means: it
    /// was the only one before key pools).
    First,
    /// The only one at that URL; several are an error naming them.
    Only,
    /// The one whose key alias is this.
    Alias(String),
    /// The one at this position of the config (as `ch config show` numbers
    /// them), which must be at that URL.
    Index(usize),
}

/// Position of the upstream at `base_url` (and `pick`) in config `config`,
/// or an error naming what does exist.
pub(super) fn locate(
    file: &ConfigFile,
    service: Service,
    config: &str,
    base_url: &str,
    pick: &UpstreamPick,
) -> Result<usize, ConfigsError> {
    let cfg = file.service(service).configs.get(config).ok_or_else(|| unknown(file, service, config))?;
    let at_url: Vec<usize> = (0..cfg.upstreams.len()).filter(|&i| cfg.upstreams[i].base_url == base_url).collect();
    let none = || ConfigsError::UnknownUpstream {
        service,
        config: config.to_string(),
        base_url: base_url.to_string(),
        known: cfg.upstreams.iter().map(|u| u.base_url.clone()).collect(),
    };
    let labels = || keys_at(cfg, &at_url);
    match pick {
        UpstreamPick::First => at_url.first().copied().ok_or_else(none),
        UpstreamPick::Only => match at_url.as_slice() {
            [] => Err(none()),
            [one] => Ok(*one),
            _ => Err(ConfigsError::WhichKey {
                service,
                config: config.to_string(),
                base_url: base_url.to_string(),
                keys: labels(),
            }),
        },
        UpstreamPick::Alias(alias) => {
            if at_url.is_empty() {
                return Err(none());
            }
            at_url.iter().copied().find(|&i| cfg.upstreams[i].alias.as_deref() == Some(alias)).ok_or_else(|| {
                ConfigsError::UnknownKey {
                    config: config.to_string(),
                    base_url: base_url.to_string(),
                    what: format!("no key alias `{alias}`"),
                    keys: labels(),
                }
            })
        }
        UpstreamPick::Index(index) => {
            if at_url.is_empty() {
                return Err(none());
            }
            at_url.contains(index).then_some(*index).ok_or_else(|| ConfigsError::UnknownKey {
                config: config.to_string(),
                base_url: base_url.to_string(),
                what: format!("no upstream [{index}] at this URL"),
                keys: labels(),
            })
        }
    }
}

/// `[1] work, [2] sk-…abcd`: the upstreams at `at` as users pick them.
fn keys_at(cfg: &NamedConfig, at: &[usize]) -> Vec<String> {
    at.iter().map(|&i| format!("[{i}] {}", cfg.upstreams[i].key_label())).collect()
}

/// The outcome of [`remove_upstream`], keys masked.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RemoveUpstreamOutcome {
    pub service: Service,
    pub config: String,
    /// Where it was (0 = primary).
    pub index: usize,
    pub removed: UpstreamView,
    /// The config afterwards.
    pub now: ConfigView,
}

/// Removes one upstream (one key) of config `config` of `service`.
pub fn remove_upstream(
    store: &ConfigStore,
    service: Service,
    config: &str,
    base_url: &str,
    pick: UpstreamPick,
) -> Result<RemoveUpstreamOutcome, ConfigsError> {
    let mut outcome = None;
    let mut refused = None;
    edit(store, |file| {
        let index = match locate(file, service, config, base_url, &pick) {
            Ok(index) => index,
            Err(err) => {
                refused = Some(err);
                return Ok(false);
            }
        };
        let section = file.service_mut(service);
        let active = section.active.as_deref() == Some(config);
        let cfg = section.configs.get_mut(config).expect("located above");
        let removed = cfg.upstreams.remove(index);
        outcome = Some(RemoveUpstreamOutcome {
            service,
            config: config.to_string(),
            index,
            removed: UpstreamView::of(&removed, service),
            now: ConfigView::of(cfg, active, service),
        });
        Ok(true)
    })?;
    match refused {
        Some(err) => Err(err),
        None => Ok(outcome.expect("edit ran the closure")),
    }
}

/// The outcome of [`set_strategy`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct StrategyOutcome {
    pub service: Service,
    pub config: String,
    pub previous: Strategy,
    pub strategy: Strategy,
}

/// Sets the strategy of config `config` of `service`; a running proxy
/// follows on its next poll. `priority` is stored as no field.
pub fn set_strategy(
    store: &ConfigStore,
    service: Service,
    config: &str,
    strategy: Strategy,
) -> Result<StrategyOutcome, ConfigsError> {
    let mut outcome = None;
    let mut missing = None;
    edit(store, |file| {
        if !file.service(service).configs.contains_key(config) {
            missing = Some(unknown(file, service, config));
            return Ok(false);
        }
        let cfg = file.service_mut(service).configs.get_mut(config).expect("checked above");
        let previous = cfg.strategy();
        cfg.strategy = (strategy != Strategy::Priority).then_some(strategy);
        outcome = Some(StrategyOutcome { service, config: config.to_string(), previous, strategy });
        Ok(previous != strategy)
    })?;
    match missing {
        Some(err) => Err(err),
        None => Ok(outcome.expect("edit ran the closure")),
    }
}
