//! codex-helper's core: everything the `ch` CLI and the desktop app share.
//!
//! A tour, in the order a request meets it:
//!
//! - [`paths`]: where files live (all under `$HOME`).
//! - [`config`]: `~/.codex-helper/config.json` (relays and keys) and
//!   `settings.json` (ports, timeouts), read and written atomically.
//! - [`proxy`]: the axum server per service; forwards every request to an
//!   upstream chosen by [`lb`], streams the answer back untouched.
//! - [`lb`]: ordered upstreams with failure thresholds, cooldowns, quota
//!   exhaustion and session affinity; its live state is readable by the app.
//! - [`watch`]: one way to watch our files (config, filters, usage
//!   providers, settings): parsed once per change, read with one atomic
//!   load; [`live`] and [`live_settings`] are the config and settings as
//!   served.
//! - [`filter`]: literal replace/remove rules applied to request bodies.
//! - [`logs`]: one JSONL line per request, written off the request path.
//! - [`redact`]: the one masking rule and the scrubber every text we log,
//!   print or show goes through, so no key is ever shown in clear.
//!
//! The core prints nothing: it returns data and errors, and the adapters
//! (CLI, app) decide how to show them.

pub mod bootstrap;
pub mod config;
pub mod config_edit;
pub mod control;
pub mod doctor;
pub mod filter;
pub mod fsutil;
pub mod lb;
pub mod live;
pub mod live_settings;
pub mod logs;
pub mod paths;
pub mod probe;
pub mod process;
pub mod proxy;
pub mod redact;
pub mod runtime;
pub mod service;
pub mod sessions;
pub mod status;
pub mod switch;
pub mod tempfiles;
pub mod usage;
pub mod watch;

pub use paths::Paths;
pub use runtime::Runtime;
pub use service::Service;

/// Property tests' case count: `default` in `npm test`, `PROPTEST_CASES`
/// for a long run (proptest reads that variable only when a test keeps
/// its default count).
#[cfg(test)]
pub(crate) fn test_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
