//! codex-helper's own files under `~/.codex-helper`.
//!
//! - `config.json` ([`ConfigFile`], via [`ConfigStore`]): per service, named
//!   configs of ordered upstreams (relay URL + key) and which one is active.
//!   Its format is shared with the original codex-helper, so unknown keys are
//!   preserved and optional values are written as `null`.
//! - `settings.json` ([`Settings`]): ports, timeouts, limits; optional and
//!   possibly partial.
//!
//! Loading validates ([`validate`]), so callers get a config that the proxy
//! can use or an error naming the file, position and dotted key to fix.
//! Writing is atomic and, for `config.json`, serialised across processes by a
//! lock file, so the CLI and the desktop app never lose each other's edits.

#[cfg(test)]
mod bad_input;
pub mod error;
pub mod extra_headers;
pub mod locate;
pub mod model;
pub mod model_map;
#[cfg(test)]
mod proptests;
pub mod protocol;
pub mod settings;
pub mod store;
pub mod strategy;
pub mod validate;

pub use error::ConfigError;
pub use extra_headers::{check_extra_header, looks_secret, masked_headers, parse_header_arg};
pub use model::{
    host_label, mask_secret, ConfigFile, NamedConfig, ServiceConfigs, Upstream, UpstreamAuth, CURRENT_VERSION,
};
pub use model_map::ModelMap;
pub use protocol::Protocol;
pub use settings::{AppPrefs, HistorySettings, LbSettings, LogSettings, ProxySettings, ServiceSettings, Settings};
pub use store::ConfigStore;
pub use strategy::Strategy;
pub use validate::{check_printable, points_at, validate, validate_base_url};
