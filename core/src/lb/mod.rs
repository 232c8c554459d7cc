//! The load balancer: which upstream of the active config serves a request,
//! and what the proxy learned about each upstream so far.
//!
//! - [`identity`]: which upstream is which across reloads ([`UpstreamId`]:
//!   config, URL and a keyed fingerprint of the key, never the key).
//! - [`select`]: the order to try upstreams in, per [`Strategy`] (pure, no
//!   I/O).
//! - [`health`]: failure threshold, cooldowns, quota exhaustion.
//! - [`slots`]: per-upstream concurrency caps (`max_concurrent`).
//! - [`retry`]: which upstream answers are worth another upstream, decided
//!   per [`ErrorKind`] of an [`UpstreamError`] (see [`error`]).
//!
//! State lives in memory, behind short mutex sections that are never held
//! across an `.await`. Time is tokio's [`Instant`] (the system clock in
//! production), so tests can pause and advance it past a cooldown. The desktop app and `ch status` read it through
//! [`LoadBalancer::snapshot`] and follow changes with
//! [`LoadBalancer::subscribe`], which only fires on real transitions.

pub mod error;
pub mod health;
pub mod identity;
pub mod retry;
pub mod select;
pub mod slots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use tokio::time::Instant;

use crate::config::Strategy;
use crate::Service;
pub use error::{ErrorKind, UpstreamError};
pub use health::{Health, HealthPolicy, Transition, FAILURE_THRESHOLD};
pub use identity::UpstreamId;
use select::{Order, Pin};

/// The result of one attempt against one upstream.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// `started`: when the request was sent (a success only ends a
    /// cooldown that began before it).
    Success { status: u16, started: Instant },
    /// The client's own mistake (4xx other than auth/rate limits).
    Neutral { status: u16 },
    /// Whether it counts against the upstream, and how it cools down, is
    /// [`retry::decide`]'s to say from the error's kind.
    Failure { error: UpstreamError, retry_after: Option<Duration> },
}

/// Something the tray or a notification may want to show.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LbEvent {
    CooldownStarted {
        service: Service,
        upstream: UpstreamId,
        cooldown_ms: u64,
        reason: String,
    },
    Recovered {
        service: Service,
        upstream: UpstreamId,
    },
    ExhaustedChanged {
        service: Service,
        upstream: UpstreamId,
        exhausted: bool,
    },
    /// An upstream's quota crossed a level (warning, exhausted) or came
    /// back (see [`crate::usage::tracker`]); once per change.
    QuotaChanged(crate::usage::QuotaEvent),
    /// Traffic of a config moved to another upstream (off the primary, or
    /// back to it).
    ServingChanged {
        service: Service,
        config: Arc<str>,
        index: usize,
        base_url: Arc<str>,
    },
}

/// Whether the load balancer will use an upstream right now.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum UpstreamState {
    Ok,
    CoolingDown,
    Exhausted,
}

/// Compares with the serialized name (`"ok"`, `"cooling_down"`, `"exhausted"`).
impl PartialEq<&str> for UpstreamState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl UpstreamState {
    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamState::Ok => "ok",
            UpstreamState::CoolingDown => "cooling_down",
            UpstreamState::Exhausted => "exhausted",
        }
    }
}

/// A moment's view of one upstream, for status displays (and, serialized,
/// what the control endpoint sends to `ch status`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct UpstreamStatus {
    pub config: String,
    pub base_url: String,
    pub index: usize,
    pub state: UpstreamState,
    pub cooldown_remaining_ms: Option<u64>,
    pub consecutive_failures: u32,
    pub exhausted: bool,
    pub last_error: Option<String>,
    pub last_error_at_ms: Option<u64>,
    pub last_status: Option<u16>,
    pub requests: u64,
    pub successes: u64,
    pub failures: u64,
    /// Requests it carries right now (counted only for an upstream with a
    /// `max_concurrent` cap; 0 otherwise, and from older proxies).
    #[serde(default)]
    pub in_flight: u32,
}

/// A config's round-robin turn and its fill-first current upstream.
type Turns = (usize, Option<UpstreamId>);

/// The maps every request reads and writes. Their keys are our own ids and
/// the clients' session ids, so a fast seeded hash does; SipHash cost about
/// 2% of a proxied request.
pub(crate) type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Sessions we remember at most; beyond it the least recently used go.
const MAX_PINS: usize = 4096;

/// Load balancing state for one service.
#[derive(Clone)]
pub struct LoadBalancer {
    inner: Arc<Inner>,
}

/// Where the live policy comes from (settings.json, read per failure).
type PolicySource = Box<dyn Fn() -> HealthPolicy + Send + Sync>;

struct Inner {
    service: Service,
    policy: PolicySource,
    health: Mutex<Map<UpstreamId, Health>>,
    pins: Mutex<Map<String, (UpstreamId, Instant)>>,
    serving: Mutex<Map<Arc<str>, usize>>,
    /// Per config: requests planned so far (`round-robin`'s turn) and the
    /// upstream that served last (`fill-first`'s current one).
    turns: Mutex<Map<Arc<str>, Turns>>,
    /// Requests in flight at capped upstreams.
    slots: slots::Slots,
    events: broadcast::Sender<LbEvent>,
}

impl LoadBalancer {
    pub fn new(service: Service, policy: HealthPolicy) -> Self {
        LoadBalancer::with_policy(service, move || policy)
    }

    /// Like [`LoadBalancer::new`], asking `policy` for the thresholds at
    /// each outcome, so edited settings apply to the next failure.
    pub fn with_policy(service: Service, policy: impl Fn() -> HealthPolicy + Send + Sync + 'static) -> Self {
        let policy: PolicySource = Box::new(policy);
        let (events, _) = broadcast::channel(256);
        LoadBalancer {
            inner: Arc::new(Inner {
                service,
                policy,
                health: Mutex::default(),
                pins: Mutex::default(),
                serving: Mutex::default(),
                turns: Mutex::default(),
                slots: slots::Slots::default(),
                events,
            }),
        }
    }

    pub fn service(&self) -> Service {
        self.inner.service
    }

    pub fn policy(&self) -> HealthPolicy {
        (self.inner.policy)()
    }

    /// Follow state transitions (cooldowns, recoveries, quota, failover).
    pub fn subscribe(&self) -> broadcast::Receiver<LbEvent> {
        self.inner.events.subscribe()
    }

    /// The order to try `upstreams` (one config's, in config order) for a
    /// request of `session`, under the config's `strategy`.
    pub fn plan(&self, upstreams: &[UpstreamId], session: Option<&str>, strategy: Strategy) -> Vec<usize> {
        let now = Instant::now();
        let order = match (strategy, upstreams.first()) {
            (Strategy::Priority, _) | (_, None) => Order::Priority,
            (_, Some(first)) => {
                let mut turns = lock(&self.inner.turns);
                let (turn, current) = turns.entry(first.config.clone()).or_default();
                match strategy {
                    Strategy::RoundRobin => {
                        let this = *turn;
                        *turn = turn.wrapping_add(1);
                        Order::RoundRobin { turn: this }
                    }
                    _ => Order::FillFirst {
                        current: current.as_ref().and_then(|id| upstreams.iter().position(|u| u == id)),
                    },
                }
            }
        };
        let pin = session.and_then(|s| {
            let pins = lock(&self.inner.pins);
            let (id, at) = pins.get(s)?;
            let index = upstreams.iter().position(|u| u == id)?;
            Some(Pin { index, at: *at })
        });
        let health: Vec<Health> = {
            let map = lock(&self.inner.health);
            upstreams.iter().map(|id| map.get(id).cloned().unwrap_or_default()).collect()
        };
        select::plan(&health, pin, now, order)
    }

    /// The in-flight count of `id`, for its `max_concurrent` cap (the
    /// proxy caches it per config snapshot, so this lock is taken once per
    /// capped upstream and reload).
    pub fn slot(&self, id: &UpstreamId) -> Arc<slots::Slot> {
        self.inner.slots.of(id)
    }

    /// Record one attempt's outcome.
    pub fn record(&self, id: &UpstreamId, outcome: &Outcome) {
        let now = Instant::now();
        // Only a failure needs the thresholds (a settings read).
        let policy = matches!(outcome, Outcome::Failure { .. }).then(|| (self.inner.policy)()).unwrap_or_default();
        let transition = {
            let mut map = lock(&self.inner.health);
            let health = map.entry(id.clone()).or_default();
            match outcome {
                Outcome::Success { status, started } => health.record_success(*status, *started, now),
                Outcome::Neutral { status } => {
                    health.record_neutral(Some(*status));
                    Transition::None
                }
                Outcome::Failure { error, retry_after } => {
                    let decision = retry::decide(error.kind, *retry_after);
                    if decision.counts_against_health {
                        let at_once = match decision.cooldown {
                            retry::Cooldown::For(wait) => Some(wait),
                            retry::Cooldown::AfterThreshold | retry::Cooldown::Never => None,
                        };
                        health.record_failure(&policy, now, error.status, error.message.clone(), at_once)
                    } else {
                        health.record_neutral(error.status);
                        Transition::None
                    }
                }
            }
        };
        let service = self.inner.service;
        match transition {
            Transition::None => {}
            Transition::CooldownStarted(cooldown) => {
                let reason = match outcome {
                    Outcome::Failure { error, .. } => error.message.clone(),
                    _ => String::new(),
                };
                tracing::warn!(%service, upstream = %id.base_url, cooldown_s = cooldown.as_secs_f64(), %reason, "upstream cooling down");
                self.emit(LbEvent::CooldownStarted {
                    service,
                    upstream: id.clone(),
                    cooldown_ms: cooldown.as_millis() as u64,
                    reason,
                });
            }
            Transition::Recovered => {
                tracing::info!(%service, upstream = %id.base_url, "upstream recovered");
                self.emit(LbEvent::Recovered { service, upstream: id.clone() });
            }
        }
    }

    /// Remember that `session` was served by `id`, and note which upstream
    /// now carries the config's traffic.
    pub fn served(&self, session: Option<&str>, id: &UpstreamId, index: usize) {
        if let Some(session) = session {
            let now = Instant::now();
            let mut pins = lock(&self.inner.pins);
            if let Some(pin) = pins.get_mut(session) {
                // The session's next request: no new key to allocate.
                if pin.0 != *id {
                    pin.0 = id.clone();
                }
                pin.1 = now;
            } else {
                if pins.len() >= MAX_PINS {
                    evict_oldest_half(&mut pins);
                }
                pins.insert(session.to_string(), (id.clone(), now));
            }
        }
        {
            let mut turns = lock(&self.inner.turns);
            let (_, current) = turns.entry(id.config.clone()).or_default();
            if current.as_ref() != Some(id) {
                *current = Some(id.clone());
            }
        }
        let changed = {
            let mut serving = lock(&self.inner.serving);
            match serving.get_mut(&id.config) {
                Some(serving) => std::mem::replace(serving, index) != index,
                None => serving.insert(id.config.clone(), index).is_none(),
            }
        };
        if changed {
            self.emit(LbEvent::ServingChanged {
                service: self.inner.service,
                config: id.config.clone(),
                index,
                base_url: id.base_url.clone(),
            });
        }
    }

    /// Mark an upstream out of quota (or back in), as a usage provider says.
    pub fn set_exhausted(&self, id: &UpstreamId, exhausted: bool) {
        self.set_exhausted_until(id, exhausted, None);
    }

    /// Mark an upstream out of quota until `until` (when its window
    /// resets; `None`: until cleared), or back in.
    pub fn set_exhausted_until(&self, id: &UpstreamId, exhausted: bool, until: Option<Instant>) {
        let changed = {
            let mut map = lock(&self.inner.health);
            let health = map.entry(id.clone()).or_default();
            let changed = health.exhausted != exhausted;
            if changed && !exhausted {
                health.exhausted_cleared_at = Some(Instant::now());
            }
            health.exhausted = exhausted;
            health.exhausted_until = if exhausted { until } else { None };
            changed
        };
        if changed {
            self.emit(LbEvent::ExhaustedChanged { service: self.inner.service, upstream: id.clone(), exhausted });
        }
    }

    /// The state of `upstreams` (one config's, in order) right now.
    pub fn snapshot(&self, upstreams: &[UpstreamId]) -> Vec<UpstreamStatus> {
        let now = Instant::now();
        let map = lock(&self.inner.health);
        upstreams
            .iter()
            .enumerate()
            .map(|(index, id)| {
                let h = map.get(id).cloned().unwrap_or_default();
                let cooling = h.cooldown_until.filter(|u| *u > now);
                let exhausted = h.is_exhausted(now);
                UpstreamStatus {
                    config: id.config.to_string(),
                    base_url: id.base_url.to_string(),
                    index,
                    state: if exhausted {
                        UpstreamState::Exhausted
                    } else if cooling.is_some() {
                        UpstreamState::CoolingDown
                    } else {
                        UpstreamState::Ok
                    },
                    cooldown_remaining_ms: cooling.map(|u| (u - now).as_millis() as u64),
                    consecutive_failures: h.consecutive_failures,
                    exhausted,
                    last_error: h.last_error.as_deref().map(str::to_string),
                    last_error_at_ms: h
                        .last_error_at
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok().map(|d| d.as_millis() as u64)),
                    last_status: h.last_status,
                    requests: h.requests,
                    successes: h.successes,
                    failures: h.failures,
                    in_flight: self.inner.slots.in_flight(id),
                }
            })
            .collect()
    }

    pub(crate) fn emit(&self, event: LbEvent) {
        // No subscriber is fine: nobody is watching.
        let _ = self.inner.events.send(event);
    }
}

fn evict_oldest_half(pins: &mut Map<String, (UpstreamId, Instant)>) {
    let mut ages: Vec<Instant> = pins.values().map(|(_, at)| *at).collect();
    ages.sort_unstable();
    let cutoff = ages[ages.len() / 2];
    pins.retain(|_, (_, at)| *at > cutoff);
}

/// A poisoned lock only means another request panicked mid-update of plain
/// counters; the data is still usable, so keep serving.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Vec<UpstreamId> {
        vec![UpstreamId::new("main", "https://a/v1"), UpstreamId::new("main", "https://b/v1")]
    }

    fn failure() -> Outcome {
        let error = UpstreamError::from_answer(http::StatusCode::BAD_GATEWAY, b"");
        Outcome::Failure { error, retry_after: None }
    }

    #[test]
    fn threshold_moves_traffic_and_emits_events() {
        let lb = LoadBalancer::new(Service::Codex, HealthPolicy::default());
        let mut events = lb.subscribe();
        let ids = ids();
        for _ in 0..FAILURE_THRESHOLD {
            assert_eq!(lb.plan(&ids, None, Strategy::Priority), vec![0, 1]);
            lb.record(&ids[0], &failure());
        }
        assert_eq!(lb.plan(&ids, None, Strategy::Priority), vec![1, 0]);
        match events.try_recv().unwrap() {
            LbEvent::CooldownStarted { upstream, cooldown_ms, .. } => {
                assert_eq!(upstream, ids[0]);
                assert_eq!(cooldown_ms, 30_000);
            }
            other => panic!("unexpected {other:?}"),
        }
        let snap = lb.snapshot(&ids);
        assert_eq!(snap[0].state, UpstreamState::CoolingDown);
        assert_eq!(snap[0].failures, 3);
        assert_eq!(snap[1].state, UpstreamState::Ok);
    }

    #[test]
    fn a_client_kind_failure_does_not_count_against_the_upstream() {
        let lb = LoadBalancer::new(Service::Codex, HealthPolicy::default());
        let ids = ids();
        let error = UpstreamError::from_answer(http::StatusCode::NOT_FOUND, br#"{"error":{"code":"model_not_found"}}"#);
        assert_eq!(error.kind, ErrorKind::ModelNotFound);
        for _ in 0..FAILURE_THRESHOLD {
            lb.record(&ids[0], &Outcome::Failure { error: error.clone(), retry_after: Some(Duration::from_secs(9)) });
        }
        let snap = lb.snapshot(&ids);
        assert_eq!((snap[0].state, snap[0].failures, snap[0].requests), (UpstreamState::Ok, 0, 3));
        assert_eq!(snap[0].last_status, Some(404));
    }

    #[test]
    fn exhausted_is_skipped_and_reported_once() {
        let lb = LoadBalancer::new(Service::Claude, HealthPolicy::default());
        let mut events = lb.subscribe();
        let ids = ids();
        lb.set_exhausted(&ids[0], true);
        lb.set_exhausted(&ids[0], true);
        assert_eq!(lb.plan(&ids, None, Strategy::Priority), vec![1, 0]);
        assert!(matches!(events.try_recv(), Ok(LbEvent::ExhaustedChanged { exhausted: true, .. })));
        assert!(events.try_recv().is_err(), "second identical mark must not emit");
        lb.set_exhausted(&ids[0], false);
        assert_eq!(lb.plan(&ids, None, Strategy::Priority), vec![0, 1]);
    }

    #[test]
    fn sessions_stick_to_their_upstream() {
        let lb = LoadBalancer::new(Service::Codex, HealthPolicy::default());
        let ids = ids();
        lb.served(Some("s1"), &ids[1], 1);
        assert_eq!(lb.plan(&ids, Some("s1"), Strategy::Priority), vec![1, 0]);
        assert_eq!(lb.plan(&ids, Some("other"), Strategy::Priority), vec![0, 1]);
        assert_eq!(lb.plan(&ids, None, Strategy::Priority), vec![0, 1]);
    }

    #[test]
    fn serving_changes_are_announced_once() {
        let lb = LoadBalancer::new(Service::Codex, HealthPolicy::default());
        let mut events = lb.subscribe();
        let ids = ids();
        lb.served(None, &ids[0], 0);
        lb.served(None, &ids[0], 0);
        lb.served(None, &ids[1], 1);
        let mut seen = vec![];
        while let Ok(LbEvent::ServingChanged { index, .. }) = events.try_recv() {
            seen.push(index);
        }
        assert_eq!(seen, vec![0, 1]);
    }

    #[test]
    fn pin_table_stays_bounded() {
        let lb = LoadBalancer::new(Service::Codex, HealthPolicy::default());
        let ids = ids();
        for i in 0..(MAX_PINS * 2) {
            lb.served(Some(&format!("s{i}")), &ids[0], 0);
        }
        assert!(lock(&lb.inner.pins).len() <= MAX_PINS);
    }

    #[test]
    fn round_robin_alternates_and_fill_first_follows_what_served() {
        let lb = LoadBalancer::new(Service::Codex, HealthPolicy::default());
        let ids = ids();
        let firsts: Vec<usize> = (0..4).map(|_| lb.plan(&ids, None, Strategy::RoundRobin)[0]).collect();
        assert_eq!(firsts, vec![0, 1, 0, 1]);
        assert_eq!(lb.plan(&ids, None, Strategy::FillFirst), vec![0, 1]);
        lb.served(None, &ids[1], 1);
        assert_eq!(lb.plan(&ids, None, Strategy::FillFirst), vec![1, 0], "stays on what served");
        assert_eq!(lb.plan(&ids, None, Strategy::Priority), vec![0, 1]);
        // A reload that reorders keeps following the same upstream.
        let reordered = vec![ids[1].clone(), ids[0].clone()];
        assert_eq!(lb.plan(&reordered, None, Strategy::FillFirst), vec![0, 1]);
    }
}
