//! Usage: how much of a relay's quota is left, and how much we used.
//!
//! - [`providers`]: `usage_providers.json`, which quota APIs to ask about
//!   which upstreams; [`kinds`]: how each kind is asked and read.
//! - [`window`]: quota windows (5-hour, weekly, balance…) and the levels
//!   they put an upstream at under a config's thresholds.
//! - [`headers`]: passive quota from upstreams' rate-limit headers.
//! - [`poller`]: the background task of a running proxy that asks the
//!   providers.
//! - [`tracker`]: turns every answer into a level per upstream, marks the
//!   exhausted ones in the load balancer until their window resets, and
//!   announces each change once.
//! - [`summary`]: requests, errors and tokens per day from `requests.jsonl`.
//! - [`series`]: the same per day as chart lines (in every summary).
//!
//! The latest quota answers live in a [`QuotaBoard`] (read by the tray and
//! `ch status`) and are mirrored to `~/.codex-helper/usage_state.json` so a
//! separate `ch usage` process can show them.

pub mod headers;
pub mod kinds;
pub mod poller;
pub mod providers;
pub mod series;
pub mod summary;
pub mod tracker;
pub mod window;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::{Paths, Service};
pub use poller::Poller;
pub use providers::{Provider, ProvidersError, ProvidersFile};
pub use series::{SeriesLine, UsageSeries};
pub use summary::{ModelRow, Summary, SummaryRow, Totals, Window};
pub use tracker::{QuotaEvent, QuotaTracker};
pub use window::{QuotaLevel, QuotaWindow, Thresholds};

/// The latest quota answer for one upstream from one provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct QuotaState {
    pub provider_id: String,
    pub service: Service,
    pub config: String,
    pub base_url: String,
    pub budget_usd: Option<f64>,
    pub spent_usd: Option<f64>,
    /// Of the budget, 0–100; `None` when unknown or there is no budget.
    pub remaining_pct: Option<f64>,
    /// `None`: the lookup failed, so we don't know (and don't block it).
    pub exhausted: Option<bool>,
    pub checked_at_ms: u64,
    pub error: Option<String>,
    /// The provider's kind; `response_headers` for passive quota.
    #[serde(default)]
    pub kind: String,
    /// Which key of the URL: its alias or masked key (never the key).
    #[serde(default)]
    pub key_label: Option<String>,
    /// The key's fingerprint in the process that asked (tells the keys of
    /// a pool apart; means nothing in another process).
    #[serde(default)]
    pub key_id: String,
    /// `ok`, `warning`, `exhausted` (past the config's threshold), or
    /// `unknown` (the lookup failed; `error` says why).
    #[serde(default)]
    pub state: QuotaLevel,
    /// Every window the answer has (used, limit, reset time).
    #[serde(default)]
    pub windows: Vec<QuotaWindow>,
}

impl QuotaState {
    /// A state of `service` that knows nothing yet (fill in the rest).
    pub fn unknown(service: Service) -> QuotaState {
        QuotaState {
            provider_id: String::new(),
            service,
            config: String::new(),
            base_url: String::new(),
            budget_usd: None,
            spent_usd: None,
            remaining_pct: None,
            exhausted: None,
            checked_at_ms: 0,
            error: None,
            kind: String::new(),
            key_label: None,
            key_id: String::new(),
            state: QuotaLevel::Unknown,
            windows: Vec::new(),
        }
    }

    /// Which upstream it is about.
    pub fn upstream(&self) -> crate::lb::UpstreamId {
        crate::lb::UpstreamId {
            config: self.config.as_str().into(),
            base_url: self.base_url.as_str().into(),
            key_id: self.key_id.as_str().into(),
        }
    }

    fn sort_key(&self) -> (&str, Service, &str, &str, &str) {
        (&self.provider_id, self.service, &self.config, &self.base_url, &self.key_id)
    }

    /// What a display shows: the level, each window's share rounded to a
    /// percent, the error. Header answers change every request; only
    /// changes of this are worth a refresh.
    fn shown(&self) -> Shown<'_> {
        let windows =
            self.windows.iter().map(|w| (w.name.as_str(), w.remaining_pct.map(|p| p.round() as i64))).collect();
        (self.state, windows, self.error.as_deref())
    }
}

/// What [`QuotaState::shown`] compares.
type Shown<'a> = (QuotaLevel, Vec<(&'a str, Option<i64>)>, Option<&'a str>);

/// The latest [`QuotaState`]s of a running proxy, shared with status
/// displays. Cheap to clone.
#[derive(Clone, Debug)]
pub struct QuotaBoard {
    inner: Arc<Mutex<Board>>,
    /// Bumped whenever a provider's answer changed (for the app's tray).
    version: Arc<tokio::sync::watch::Sender<u64>>,
}

impl Default for QuotaBoard {
    fn default() -> Self {
        QuotaBoard { inner: Arc::default(), version: Arc::new(tokio::sync::watch::Sender::new(0)) }
    }
}

#[derive(Debug, Default)]
struct Board {
    states: Vec<QuotaState>,
    problem: Option<String>,
}

impl QuotaBoard {
    /// Every upstream's latest state, ordered by provider, service, config.
    pub fn states(&self) -> Vec<QuotaState> {
        self.lock().states.clone()
    }

    /// Follow changes: the value is a counter bumped on each change.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Why `usage_providers.json` is not being used as written, if broken.
    pub fn problem(&self) -> Option<String> {
        self.lock().problem.clone()
    }

    /// Replace what `provider_id` said; true if anything changed.
    pub(crate) fn replace(&self, provider_id: &str, states: Vec<QuotaState>) -> bool {
        let mut board = self.lock();
        let before = board.states.clone();
        board.states.retain(|s| s.provider_id != provider_id);
        board.states.extend(states);
        board.states.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let changed = board.states != before;
        drop(board);
        if changed {
            self.version.send_modify(|v| *v += 1);
        }
        changed
    }

    /// Put one upstream's state (from its response headers); the version
    /// moves only when what a display shows changed. True if it did.
    pub(crate) fn upsert(&self, state: QuotaState) -> bool {
        let mut board = self.lock();
        let at = board.states.binary_search_by(|s| s.sort_key().cmp(&state.sort_key()));
        let shown_changed = match at {
            Ok(i) => {
                let changed = board.states[i].shown() != state.shown();
                board.states[i] = state;
                changed
            }
            Err(i) => {
                board.states.insert(i, state);
                true
            }
        };
        drop(board);
        if shown_changed {
            self.version.send_modify(|v| *v += 1);
        }
        shown_changed
    }

    /// The current version (see [`QuotaBoard::subscribe`]).
    pub fn version(&self) -> u64 {
        *self.version.borrow()
    }

    /// Forget providers no longer in the file.
    pub(crate) fn retain(&self, keep: impl Fn(&str) -> bool) {
        self.lock().states.retain(|s| keep(&s.provider_id));
    }

    pub(crate) fn set_problem(&self, problem: Option<String>) {
        self.lock().problem = problem;
    }

    fn lock(&self) -> MutexGuard<'_, Board> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `usage_state.json`: what the last polling proxy knew.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsageStateFile {
    pub written_at_ms: u64,
    /// The process that polled.
    pub pid: u32,
    /// Why `usage_providers.json` was not usable, if it was broken.
    #[serde(default)]
    pub providers_problem: Option<String>,
    #[serde(default)]
    pub quota: Vec<QuotaState>,
}

/// `~/.codex-helper/usage_state.json`.
pub fn state_file(paths: &Paths) -> PathBuf {
    paths.helper_dir().join("usage_state.json")
}

/// Read `usage_state.json`; `None` when no proxy has written it yet, or it
/// is unreadable (it is a cache: the next poll rewrites it).
pub fn read_state(path: &Path) -> io::Result<Option<UsageStateFile>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub(crate) fn write_state(path: &Path, board: &QuotaBoard) -> io::Result<()> {
    let file = UsageStateFile {
        written_at_ms: crate::logs::now_ms(),
        pid: std::process::id(),
        providers_problem: board.problem(),
        quota: board.states(),
    };
    let bytes = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
    crate::fsutil::write_atomic(path, &bytes, 0o644)
}
