//! codex-helper's core: everything the `ch` CLI and the desktop app share.
//!
//! A tour, in the order a request meets it, then what serves it:
//!
//! - [`service`], [`paths`]: the two agents and where their files and ours
//!   live (all under `$HOME`).
//! - [`config`]: `~/.codex-helper/config.json` (relays and keys) and
//!   `settings.json` (ports, timeouts), read and written atomically;
//!   [`config_edit`]: editing it the way `ch config` and the app do, and
//!   views of it with every key masked.
//! - [`live`]: the config a running proxy serves, kept current.
//! - [`bridge`]: translations for upstreams that speak another API than the
//!   client (Codex or Claude Code → Chat Completions), pure and unit-tested
//!   without sockets.
//! - [`proxy`]: the HTTP server per service; guards, forwards every request
//!   to an upstream chosen by [`lb`], streams the answer back untouched.
//! - [`lb`]: ordered upstreams with failure thresholds, cooldowns, quota
//!   exhaustion and session affinity; typed upstream errors and the one
//!   rule deciding failover and cooldown by their kind.
//! - [`watch`]: one way to watch our files (config, filters, usage
//!   providers, settings): parsed once per change, read with one atomic
//!   load; [`live`] and [`live_settings`] are the config and settings as
//!   served.
//! - [`filter`]: literal replace/remove rules applied to request bodies.
//! - [`logs`]: one JSONL line per request, written off the request path;
//!   reading, filtering and tailing it.
//! - [`usage`]: quota from the relays' usage APIs, and what we used;
//!   [`cost`]: what each request cost in USD, from a shipped price table.
//! - [`speedtest`]: `ch test`, a small real request to each upstream, timed.
//! - [`redact`]: the one masking rule and the scrubber every text we log,
//!   print or show goes through, so no key is ever shown in clear.
//! - [`loopback`]: the one answer to "is this host this machine?".
//! - [`header_names`]: the headers the proxy owns (hop-by-hop, credentials).
//!
//! Around the proxies:
//!
//! - [`runtime`]: everything a running codex-helper holds, wired once.
//! - [`supervisor`]: serve each service, point its client at the proxy and
//!   back, repair after a crash, move a port; what `ch` and the app drive.
//! - [`tasks`]: background tasks under one shutdown signal, awaited.
//! - [`report`]: one model of each service's live state (listening, owner,
//!   active config, upstream health and quota, a one-word level), built in
//!   one place for `ch status`, the tray and the window; [`status`]: the
//!   report as `ch status` gathers it from outside a proxy.
//! - [`control`]: the typed, versioned control protocol (request, response,
//!   error kinds), the proxy's status endpoint and its token; [`probe`]:
//!   "is a codex-helper answering on this port, and which?".
//! - [`switch`]: pointing a client at the proxy and back, byte-exactly;
//!   [`process`]: whether the process owning a record is still alive.
//! - [`bootstrap`]: the first run's import of the client's own upstream.
//! - [`sessions`]: the clients' session transcripts by project.
//! - [`doctor`]: checks of everything we depend on, each with a fix.
//! - [`autostart`]: the desktop entry that starts the app at login;
//!   [`autostart_offer`]: the first run's one-time offer to add it.
//! - [`i18n`]: which language (English, 简体中文) people are spoken to in.
//! - [`fsutil`], [`tempfiles`]: crash-safe writes through symlinks, file
//!   fingerprints, and the cleanup of temp files a killed write left.
//!
//! The core prints nothing: it returns data and errors, and the adapters
//! (CLI, app) decide how to show them.

pub mod autostart;
pub mod autostart_offer;
pub mod backup;
pub mod bootstrap;
pub mod bridge;
pub mod config;
pub mod config_edit;
pub mod control;
pub mod cost;
pub mod doctor;
pub mod filter;
pub mod first_run;
pub mod fsutil;
pub mod header_names;
pub mod history;
pub mod i18n;
pub mod import;
pub mod lb;
pub mod live;
pub mod live_settings;
pub mod logs;
pub mod loopback;
pub mod paths;
pub mod probe;
pub mod process;
pub mod proxy;
pub mod redact;
pub mod report;
pub mod runtime;
pub mod service;
pub mod sessions;
pub mod shell_env;
pub mod speedtest;
pub mod status;
pub mod supervisor;
pub mod switch;
pub mod tasks;
pub mod tempfiles;
pub mod undo;
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
