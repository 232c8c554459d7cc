//! Per-upstream health: consecutive failures, cooldown trips, quota
//! exhaustion and counters.
//!
//! An upstream that fails `failure_threshold` times in a row is put in
//! cooldown; each repeated trip doubles the cooldown up to a cap. A success
//! closes the circuit again. `Retry-After` from the upstream sets the cooldown
//! directly, because the upstream knows better than our guess.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

/// Consecutive failures that put an upstream in cooldown (the original tool's
/// `FAILURE_THRESHOLD`).
pub const FAILURE_THRESHOLD: u32 = 3;

/// How failures turn into cooldowns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthPolicy {
    pub failure_threshold: u32,
    /// Cooldown after the first trip.
    pub base_cooldown: Duration,
    /// Cooldowns double on each consecutive trip, up to this.
    pub max_cooldown: Duration,
}

impl Default for HealthPolicy {
    fn default() -> Self {
        HealthPolicy {
            failure_threshold: FAILURE_THRESHOLD,
            base_cooldown: Duration::from_secs(30),
            max_cooldown: Duration::from_secs(600),
        }
    }
}

impl HealthPolicy {
    fn cooldown_for_trip(&self, trips: u32) -> Duration {
        let factor = 1u32 << trips.saturating_sub(1).min(16);
        self.base_cooldown.saturating_mul(factor).min(self.max_cooldown)
    }
}

/// What the LB knows about one upstream. Lives in memory only.
#[derive(Clone, Debug, Default)]
pub struct Health {
    pub consecutive_failures: u32,
    /// Cooldowns in a row without a success in between.
    pub trips: u32,
    /// Kept after it passes: it is when the upstream became usable again,
    /// which session affinity needs to know.
    pub cooldown_until: Option<Instant>,
    /// When the current (or last) cooldown began.
    pub tripped_at: Option<Instant>,
    pub exhausted: bool,
    /// When the quota window that exhausted it resets: from then on it is
    /// usable again, even before anyone clears the mark. `None`: until
    /// cleared.
    pub exhausted_until: Option<Instant>,
    /// When a quota provider last cleared `exhausted`.
    pub exhausted_cleared_at: Option<Instant>,
    /// Shared so that the per-request copy the selector takes is cheap.
    pub last_error: Option<Arc<str>>,
    pub last_error_at: Option<SystemTime>,
    pub last_status: Option<u16>,
    pub requests: u64,
    pub successes: u64,
    pub failures: u64,
}

/// What changed when an outcome was recorded; the LB turns it into events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    None,
    /// The upstream just went into cooldown for this long.
    CooldownStarted(Duration),
    /// A success after failures or a cooldown.
    Recovered,
}

impl Health {
    pub fn is_cooling(&self, now: Instant) -> bool {
        self.cooldown_until.is_some_and(|until| until > now)
    }

    /// Out of quota now (marked, and its window has not reset yet).
    pub fn is_exhausted(&self, now: Instant) -> bool {
        self.exhausted && self.exhausted_until.is_none_or(|until| until > now)
    }

    /// Usable without reservations: not cooling down and not out of quota.
    pub fn is_available(&self, now: Instant) -> bool {
        !self.is_cooling(now) && !self.is_exhausted(now)
    }

    /// When the upstream last became usable again (cooldown over or quota
    /// back), if it has ever been unusable.
    pub fn recovered_at(&self, now: Instant) -> Option<Instant> {
        let cooled = self.cooldown_until.filter(|until| *until <= now);
        // A quota window that reset by itself is a return, like a cleared mark.
        let reset = self.exhausted_until.filter(|until| self.exhausted && *until <= now);
        [cooled, self.exhausted_cleared_at, reset].into_iter().flatten().max()
    }

    /// A request that began at `started` succeeded.
    pub fn record_success(&mut self, status: u16, started: Instant, now: Instant) -> Transition {
        let was_unhealthy = self.consecutive_failures > 0 || self.trips > 0;
        // A request sent after the cooldown began (a last-resort try) and
        // answered well proves the upstream is back: end the cooldown now.
        // One that began before it says nothing about what happened since.
        if self.is_cooling(now) && self.tripped_at.is_some_and(|t| t <= started) {
            self.cooldown_until = Some(now);
        }
        self.requests += 1;
        self.successes += 1;
        self.consecutive_failures = 0;
        self.trips = 0;
        self.last_status = Some(status);
        if was_unhealthy {
            Transition::Recovered
        } else {
            Transition::None
        }
    }

    /// A request the client got wrong (400, 404…): counts as traffic, says
    /// nothing about the upstream's health.
    pub fn record_neutral(&mut self, status: Option<u16>) {
        self.requests += 1;
        if status.is_some() {
            self.last_status = status;
        }
    }

    pub fn record_failure(
        &mut self,
        policy: &HealthPolicy,
        now: Instant,
        status: Option<u16>,
        error: String,
        retry_after: Option<Duration>,
    ) -> Transition {
        self.requests += 1;
        self.failures += 1;
        self.consecutive_failures += 1;
        self.last_status = status;
        // Shown by `ch status` and the app: never with a key in it.
        self.last_error = Some(crate::redact::scrub_owned(error).into());
        self.last_error_at = Some(SystemTime::now());
        let tripped = self.consecutive_failures >= policy.failure_threshold || retry_after.is_some();
        // Failures while already cooling (requests that were in flight, or a
        // last-resort try) don't extend the cooldown again.
        if !tripped || self.is_cooling(now) {
            return Transition::None;
        }
        self.trips += 1;
        let cooldown = match retry_after {
            Some(wait) => wait.min(policy.max_cooldown),
            None => policy.cooldown_for_trip(self.trips),
        };
        self.cooldown_until = Some(now + cooldown);
        self.tripped_at = Some(now);
        Transition::CooldownStarted(cooldown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(h: &mut Health, p: &HealthPolicy, now: Instant) -> Transition {
        h.record_failure(p, now, Some(500), "HTTP 500".into(), None)
    }

    #[test]
    fn trips_after_threshold_and_doubles_up_to_cap() {
        let p = HealthPolicy {
            failure_threshold: 3,
            base_cooldown: Duration::from_secs(30),
            max_cooldown: Duration::from_secs(100),
        };
        let mut h = Health::default();
        let t0 = Instant::now();
        assert_eq!(fail(&mut h, &p, t0), Transition::None);
        assert_eq!(fail(&mut h, &p, t0), Transition::None);
        assert!(h.is_available(t0));
        assert_eq!(fail(&mut h, &p, t0), Transition::CooldownStarted(Duration::from_secs(30)));
        assert!(!h.is_available(t0 + Duration::from_secs(29)));
        let t1 = t0 + Duration::from_secs(31);
        assert!(h.is_available(t1));
        assert_eq!(h.recovered_at(t1), Some(t0 + Duration::from_secs(30)));
        // The first failure after a cooldown trips again, for longer.
        assert_eq!(fail(&mut h, &p, t1), Transition::CooldownStarted(Duration::from_secs(60)));
        let t2 = t1 + Duration::from_secs(61);
        assert_eq!(fail(&mut h, &p, t2), Transition::CooldownStarted(Duration::from_secs(100)));
        assert_eq!(h.record_success(200, t2, t2), Transition::Recovered);
        assert_eq!(h.consecutive_failures, 0);
        assert_eq!(h.trips, 0);
        assert_eq!((h.requests, h.successes, h.failures), (6, 1, 5));
    }

    #[test]
    fn retry_after_sets_the_cooldown_at_once() {
        let p = HealthPolicy::default();
        let mut h = Health::default();
        let now = Instant::now();
        let t = h.record_failure(&p, now, Some(429), "HTTP 429".into(), Some(Duration::from_secs(7)));
        assert_eq!(t, Transition::CooldownStarted(Duration::from_secs(7)));
        assert!(h.is_cooling(now + Duration::from_secs(6)));
        assert!(!h.is_cooling(now + Duration::from_secs(8)));
    }

    #[test]
    fn failures_during_cooldown_do_not_extend_it() {
        let p = HealthPolicy::default();
        let mut h = Health::default();
        let now = Instant::now();
        for _ in 0..3 {
            fail(&mut h, &p, now);
        }
        let until = h.cooldown_until;
        assert_eq!(fail(&mut h, &p, now + Duration::from_secs(1)), Transition::None);
        assert_eq!(h.cooldown_until, until);
    }

    #[test]
    fn a_success_sent_during_the_cooldown_ends_it_but_an_older_one_does_not() {
        let p = HealthPolicy::default();
        let mut h = Health::default();
        let t0 = Instant::now();
        let before = t0;
        let trip = t0 + Duration::from_secs(1);
        for _ in 0..3 {
            fail(&mut h, &p, trip);
        }
        let late = trip + Duration::from_secs(2);
        h.record_success(200, before, late);
        assert!(h.is_cooling(late), "a request started before the trip must not end it");
        h.record_success(200, late, late);
        assert!(!h.is_cooling(late));
        assert_eq!(h.recovered_at(late), Some(late));
    }

    #[test]
    fn neutral_outcomes_do_not_touch_health() {
        let mut h = Health::default();
        h.record_neutral(Some(404));
        assert_eq!(h.consecutive_failures, 0);
        assert_eq!(h.requests, 1);
        assert_eq!(h.failures, 0);
    }
}
