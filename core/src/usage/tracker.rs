//! From quota answers to traffic: one level per upstream identity.
//!
//! Every answer (a provider's, or an upstream's response headers) lands on
//! the [`QuotaBoard`] as a [`QuotaState`] with its windows. The tracker
//! then looks at all states of that upstream (config, URL and key: each
//! key of a pool is its own upstream), decides its level under the
//! config's thresholds (`quota_threshold_percent`, default 95;
//! `quota_warning_percent`, default 80), marks it exhausted in the load
//! balancer until its window resets, and announces each change of level
//! once ([`LbEvent::QuotaChanged`], on the service's load balancer
//! channel, which the tray already follows).
//!
//! A window that resets brings traffic back at once (the load balancer
//! checks the reset time at selection); [`QuotaTracker::run`] wakes at
//! that time too, to clear the mark and announce it. A failed lookup is
//! "unknown" and never blocks an upstream.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::HeaderMap;
use serde::Serialize;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::window::{exhausted_until, level_of, next_reset, QuotaLevel, QuotaWindow, Thresholds};
use super::{QuotaBoard, QuotaState};
use crate::lb::{LbEvent, LoadBalancer, UpstreamId};
use crate::live::LiveConfig;
use crate::Service;

/// The `provider_id` of passive quota (response headers).
pub const HEADERS: &str = "headers";
/// Its `kind`.
pub const HEADERS_KIND: &str = "response_headers";
/// Never sleep shorter than this between reset checks.
const MIN_WAKE: Duration = Duration::from_millis(100);
/// Nor longer: the clock may jump (suspend), and configs change.
const MAX_WAKE: Duration = Duration::from_secs(30);

/// An upstream's quota level changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuotaEvent {
    pub service: Service,
    pub upstream: UpstreamId,
    /// Alias or masked key (never the key).
    pub key_label: Option<String>,
    pub from: QuotaLevel,
    pub to: QuotaLevel,
    /// The window that decided it (the most used one).
    pub window: Option<String>,
    pub used_pct: Option<f64>,
    pub resets_at_ms: Option<u64>,
}

impl QuotaEvent {
    /// Came back from warning or exhausted (a window reset, or more quota).
    pub fn is_reset(&self) -> bool {
        matches!(self.from, QuotaLevel::Warning | QuotaLevel::Exhausted) && self.to == QuotaLevel::Ok
    }
}

type Key = (Service, UpstreamId);

/// Shared by the proxy (headers), the poller (providers) and its own
/// reset task. Cheap to clone.
#[derive(Clone)]
pub struct QuotaTracker {
    inner: Arc<Inner>,
}

struct Inner {
    board: QuotaBoard,
    lbs: Vec<LoadBalancer>,
    config: Arc<LiveConfig>,
    /// The last level announced per upstream (only known levels).
    levels: Mutex<HashMap<Key, QuotaLevel>>,
    /// Display labels of upstreams seen in headers.
    labels: Mutex<HashMap<UpstreamId, Option<String>>>,
    wake: Notify,
}

impl QuotaTracker {
    pub fn new(board: QuotaBoard, lbs: Vec<LoadBalancer>, config: Arc<LiveConfig>) -> QuotaTracker {
        QuotaTracker {
            inner: Arc::new(Inner {
                board,
                lbs,
                config,
                levels: Mutex::default(),
                labels: Mutex::default(),
                wake: Notify::new(),
            }),
        }
    }

    pub fn board(&self) -> &QuotaBoard {
        &self.inner.board
    }

    /// The thresholds of `config` of `service` (defaults when it is gone).
    pub fn thresholds(&self, service: Service, config: &str) -> Thresholds {
        let snapshot = self.inner.config.snapshot();
        let named = snapshot.file.service(service).configs.get(config);
        named.map_or_else(Thresholds::default, |n| Thresholds::of(n.quota_threshold_percent, n.quota_warning_percent))
    }

    /// An upstream answered: read its rate-limit headers, if it sent any.
    /// The proxy calls this for every answer; without a known header
    /// family it costs a scan of the header names.
    pub fn observe_headers(&self, service: Service, id: &UpstreamId, headers: &HeaderMap) {
        if !super::headers::has_quota_headers(headers) {
            return;
        }
        let now_ms = crate::logs::now_ms();
        let windows = super::headers::windows_of(headers, now_ms);
        if windows.is_empty() {
            return;
        }
        let key_label = self.label_of(service, id);
        let mut state = blank(HEADERS, HEADERS_KIND, service, id, key_label, now_ms);
        state.windows = windows;
        self.finish(&mut state, now_ms);
        // Unchanged to the percent: nothing to decide again.
        if self.inner.board.upsert(state) {
            self.reconcile(&[(service, id.clone())]);
        }
    }

    /// A provider's answers for every upstream it covers (replacing what
    /// it said before).
    pub fn apply_provider(&self, provider_id: &str, mut states: Vec<QuotaState>) -> bool {
        let now_ms = crate::logs::now_ms();
        let mut keys: BTreeSet<(Service, String, String, String)> = self.keys_of(provider_id);
        for s in &mut states {
            self.finish(s, now_ms);
            keys.insert((s.service, s.config.clone(), s.base_url.clone(), s.key_id.clone()));
        }
        let changed = self.inner.board.replace(provider_id, states);
        self.reconcile(&to_ids(keys));
        changed
    }

    /// Forget every provider `keep` refuses (removed from the file).
    pub fn retain_providers(&self, keep: impl Fn(&str) -> bool) {
        let gone: BTreeSet<_> = self
            .inner
            .board
            .states()
            .into_iter()
            .filter(|s| s.provider_id != HEADERS && !keep(&s.provider_id))
            .map(|s| (s.service, s.config, s.base_url, s.key_id))
            .collect();
        self.inner.board.retain(|id| id == HEADERS || keep(id));
        self.reconcile(&to_ids(gone));
    }

    /// [`finish`] under the state's config's thresholds.
    pub fn finish(&self, s: &mut QuotaState, now_ms: u64) {
        finish(s, self.thresholds(s.service, &s.config), now_ms);
    }

    /// Decide `keys` again from everything the board holds about them.
    fn reconcile(&self, keys: &[Key]) {
        if keys.is_empty() {
            return;
        }
        let states = self.inner.board.states();
        let now_ms = crate::logs::now_ms();
        let mut any_changed = false;
        for (service, id) in keys {
            let mine: Vec<&QuotaState> =
                states.iter().filter(|s| s.service == *service && s.upstream() == *id).collect();
            let t = self.thresholds(*service, &id.config);
            let known: Vec<&QuotaWindow> =
                mine.iter().filter(|s| s.error.is_none()).flat_map(|s| s.windows.iter()).collect();
            let windows: Vec<QuotaWindow> = known.into_iter().cloned().collect();
            let level = level_of(&windows, t, now_ms);
            let lb = self.lb(*service);
            if level == QuotaLevel::Exhausted {
                let until = exhausted_until(&windows, t, now_ms).map(|at| instant_at(at, now_ms));
                lb.set_exhausted_until(id, true, until);
            } else {
                lb.set_exhausted(id, false);
            }
            let before = {
                let mut levels = self.inner.levels.lock().unwrap_or_else(|e| e.into_inner());
                match level {
                    QuotaLevel::Unknown => levels.remove(&(*service, id.clone())),
                    _ => levels.insert((*service, id.clone()), level),
                }
            }
            .unwrap_or_default();
            if before != level && !(before == QuotaLevel::Unknown && level == QuotaLevel::Ok) {
                let worst = windows
                    .iter()
                    .max_by(|a, b| a.used_pct(now_ms).unwrap_or(-1.0).total_cmp(&b.used_pct(now_ms).unwrap_or(-1.0)));
                let event = QuotaEvent {
                    service: *service,
                    upstream: id.clone(),
                    key_label: mine.iter().find_map(|s| s.key_label.clone()),
                    from: before,
                    to: level,
                    window: worst.map(|w| w.name.clone()),
                    used_pct: worst.and_then(|w| w.used_pct(now_ms)),
                    resets_at_ms: worst.and_then(|w| w.resets_at_ms),
                };
                match level {
                    QuotaLevel::Exhausted => {
                        tracing::warn!(%service, upstream = %id.base_url, window = ?event.window, "quota past the threshold; preferring other upstreams")
                    }
                    _ => {
                        tracing::info!(%service, upstream = %id.base_url, from = %before, to = %level, "quota level changed")
                    }
                }
                lb.emit(LbEvent::QuotaChanged(event));
            }
            any_changed |= before != level;
        }
        if any_changed {
            // New reset times to wake for.
            self.inner.wake.notify_one();
        }
    }

    /// Wake at each window's reset to clear marks and announce returns,
    /// until `shutdown`.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let now_ms = crate::logs::now_ms();
            let next = self
                .inner
                .board
                .states()
                .iter()
                .filter(|s| s.state >= QuotaLevel::Warning)
                .filter_map(|s| next_reset(&s.windows, now_ms))
                .min();
            let wait = next.map_or(MAX_WAKE, |at| Duration::from_millis(at - now_ms)).clamp(MIN_WAKE, MAX_WAKE);
            tokio::select! {
                _ = &mut shutdown => return,
                _ = self.inner.wake.notified() => continue,
                _ = tokio::time::sleep(wait) => {}
            }
            let now_ms = crate::logs::now_ms();
            let mut states = self.inner.board.states();
            let stale: BTreeSet<_> = states
                .iter_mut()
                .filter(|s| s.state >= QuotaLevel::Warning && s.windows.iter().any(|w| w.has_reset(now_ms)))
                .map(|s| (s.service, s.config.clone(), s.base_url.clone(), s.key_id.clone()))
                .collect();
            if stale.is_empty() {
                continue;
            }
            // The board's own level of each answer follows its windows too.
            for s in states.iter_mut() {
                if stale.contains(&(s.service, s.config.clone(), s.base_url.clone(), s.key_id.clone())) {
                    self.finish(s, now_ms);
                }
            }
            let by_provider: BTreeSet<String> = states.iter().map(|s| s.provider_id.clone()).collect();
            for provider in by_provider {
                let mine = states.iter().filter(|s| s.provider_id == provider).cloned().collect();
                self.inner.board.replace(&provider, mine);
            }
            self.reconcile(&to_ids(stale));
        }
    }

    fn keys_of(&self, provider_id: &str) -> BTreeSet<(Service, String, String, String)> {
        self.inner
            .board
            .states()
            .into_iter()
            .filter(|s| s.provider_id == provider_id)
            .map(|s| (s.service, s.config, s.base_url, s.key_id))
            .collect()
    }

    /// The alias or masked key of the upstream `id` is, looked up once.
    fn label_of(&self, service: Service, id: &UpstreamId) -> Option<String> {
        let mut labels = self.inner.labels.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(label) = labels.get(id) {
            return label.clone();
        }
        let snapshot = self.inner.config.snapshot();
        let label = snapshot.file.service(service).configs.get(&*id.config).and_then(|named| {
            named.upstreams.iter().find(|u| UpstreamId::of(&named.name, u) == *id).map(|u| u.key_label())
        });
        if labels.len() > 1024 {
            labels.clear();
        }
        labels.insert(id.clone(), label.clone());
        label
    }

    fn lb(&self, service: Service) -> &LoadBalancer {
        self.inner.lbs.iter().find(|lb| lb.service() == service).expect("one load balancer per service")
    }
}

/// Level, `exhausted`, and the money fields of one answer.
pub fn finish(s: &mut QuotaState, t: Thresholds, now_ms: u64) {
    s.state = if s.error.is_some() { QuotaLevel::Unknown } else { level_of(&s.windows, t, now_ms) };
    s.exhausted = (s.state != QuotaLevel::Unknown).then_some(s.state == QuotaLevel::Exhausted);
    s.remaining_pct = s.windows.iter().filter_map(|w| w.remaining_pct).reduce(f64::min);
    if let Some(usd) = s.windows.iter().find(|w| w.unit == "usd") {
        s.spent_usd = usd.used;
        s.budget_usd = usd.limit;
    }
}

/// A state with nothing known yet.
pub fn blank(
    provider_id: &str,
    kind: &str,
    service: Service,
    id: &UpstreamId,
    key_label: Option<String>,
    now_ms: u64,
) -> QuotaState {
    QuotaState {
        provider_id: provider_id.into(),
        config: id.config.to_string(),
        base_url: id.base_url.to_string(),
        checked_at_ms: now_ms,
        kind: kind.into(),
        key_label,
        key_id: id.key_id.to_string(),
        ..QuotaState::unknown(service)
    }
}

fn to_ids(keys: BTreeSet<(Service, String, String, String)>) -> Vec<Key> {
    keys.into_iter()
        .map(|(service, config, base_url, key_id)| {
            (service, UpstreamId { config: config.into(), base_url: base_url.into(), key_id: key_id.into() })
        })
        .collect()
}

/// The tokio instant of Unix time `at_ms`.
fn instant_at(at_ms: u64, now_ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(at_ms.saturating_sub(now_ms))
}
