//! How well a service (and the whole app) is doing, in one word: the tray's
//! icon and the window's sidebar show the same answer because both read it
//! from here (the UI does not re-derive it).
//!
//! The rules, decided once:
//! - A service counts only when a codex-helper proxy serves its port (this
//!   process's, or another one's such as `ch serve`: a client pointed there
//!   is answered) and its config has upstreams. A Codex-only user must not
//!   see a red icon because Claude has no config, and a proxy that has
//!   nowhere to send requests says nothing about upstream health.
//! - Down: every upstream of a counted service is cooling down or out of
//!   quota. Degraded: some are. Serving: none are (an upstream no proxy
//!   observes, `unknown`, counts as fine: nothing says otherwise).
//! - The whole is its worst counted service; Off when none counts.

use serde::{Deserialize, Serialize};

use super::{ReportUpstream, Serving, UpstreamHealth};

/// One word for a service, or for all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Not served, or nothing to serve from.
    Off,
    /// Served, every upstream usable.
    Serving,
    /// An upstream is cooling down or out of quota.
    Degraded,
    /// A served service has no usable upstream.
    Down,
}

impl Level {
    /// The word `ch status` prints, the same as in its `--json`.
    pub fn word(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Serving => "serving",
            Level::Degraded => "degraded",
            Level::Down => "down",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word())
    }
}

/// The level of one service.
pub fn service_level(serving: &Serving, upstreams: &[ReportUpstream]) -> Level {
    if !serving.is_served() || upstreams.is_empty() {
        return Level::Off;
    }
    let unusable = |u: &&ReportUpstream| matches!(u.state, UpstreamHealth::CoolingDown | UpstreamHealth::Exhausted);
    match upstreams.iter().filter(unusable).count() {
        0 => Level::Serving,
        n if n == upstreams.len() => Level::Down,
        _ => Level::Degraded,
    }
}

/// The worst of `levels` (Off when there are none, or all are Off).
pub fn overall(levels: impl IntoIterator<Item = Level>) -> Level {
    levels.into_iter().max().unwrap_or(Level::Off)
}
