//! The order in which one request tries the active config's upstreams.
//!
//! Available upstreams come first, in an order the config's [`Strategy`]
//! gives ([`Order`]): config order (`priority`, primary first), rotated one
//! step per request (`round-robin`), or starting at the one serving now
//! (`fill-first`). The session's pinned upstream moves to the front under
//! every strategy, so prompt caches stay warm. Upstreams that are cooling
//! down or out of quota come last, the most likely to work first: when
//! everything else failed it is still better to try them than to fail
//! without trying.

use tokio::time::Instant;

use super::health::Health;
use crate::config::Strategy;

/// A strategy with the state it needs for this one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Priority,
    /// This request's turn number (the load balancer counts them per
    /// config); it picks the first available upstream.
    RoundRobin {
        turn: usize,
    },
    /// The index of the upstream that served the config last, if it is
    /// still in the config.
    FillFirst {
        current: Option<usize>,
    },
}

impl Order {
    pub fn strategy(self) -> Strategy {
        match self {
            Order::Priority => Strategy::Priority,
            Order::RoundRobin { .. } => Strategy::RoundRobin,
            Order::FillFirst { .. } => Strategy::FillFirst,
        }
    }
}

/// Where a session was last served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    pub index: usize,
    /// When the pin was last confirmed by a served request.
    pub at: Instant,
}

/// Indices into the upstream list, in the order to try them. Each appears
/// once. `health[i]` describes upstream `i`.
pub fn plan(health: &[Health], pin: Option<Pin>, now: Instant, order: Order) -> Vec<usize> {
    let mut available: Vec<usize> = (0..health.len()).filter(|&i| health[i].is_available(now)).collect();
    match order {
        Order::Priority => {}
        Order::RoundRobin { turn } => {
            if !available.is_empty() {
                let step = turn % available.len();
                available.rotate_left(step);
            }
        }
        // The current one if usable, else the next usable one after it in
        // config order (wrapping): never back to the first on its own.
        Order::FillFirst { current: Some(current) } => {
            let start = available.iter().position(|&i| i >= current).unwrap_or(0);
            available.rotate_left(start);
        }
        Order::FillFirst { current: None } => {}
    }
    let holds = |p: &Pin| match order {
        Order::Priority => pin_holds(health, *p, now),
        // No upstream is preferred over another: the pin holds while its
        // upstream is usable.
        Order::RoundRobin { .. } | Order::FillFirst { .. } => health.get(p.index).is_some_and(|h| h.is_available(now)),
    };
    if let Some(pin) = pin.filter(holds) {
        if let Some(pos) = available.iter().position(|&i| i == pin.index) {
            let pinned = available.remove(pos);
            available.insert(0, pinned);
        }
    }
    let mut rest: Vec<usize> = (0..health.len()).filter(|&i| !health[i].is_available(now)).collect();
    // Not exhausted before exhausted (a failing relay recovers on its own, a
    // spent quota does not), then the cooldown that ends first.
    rest.sort_by_key(|&i| (health[i].is_exhausted(now), health[i].cooldown_until.filter(|u| *u > now), i));
    available.extend(rest);
    available
}

/// Under `priority`, a pin holds while its upstream is usable and no
/// upstream ahead of it in the config came back since the pin was set: when the primary recovers,
/// traffic returns to it, sessions included.
fn pin_holds(health: &[Health], pin: Pin, now: Instant) -> bool {
    let Some(pinned) = health.get(pin.index) else { return false };
    if !pinned.is_available(now) {
        return false;
    }
    health[..pin.index].iter().all(|h| !h.is_available(now) || h.recovered_at(now).is_none_or(|t| t <= pin.at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const P: Order = Order::Priority;

    fn cooling(now: Instant, secs: u64) -> Health {
        Health { cooldown_until: Some(now + Duration::from_secs(secs)), ..Health::default() }
    }

    #[test]
    fn config_order_when_all_healthy() {
        let now = Instant::now();
        assert_eq!(plan(&vec![Health::default(); 3], None, now, P), vec![0, 1, 2]);
    }

    #[test]
    fn unavailable_go_last_exhausted_after_cooling() {
        let now = Instant::now();
        let exhausted = Health { exhausted: true, ..Health::default() };
        let health = vec![exhausted, cooling(now, 50), Health::default(), cooling(now, 10)];
        assert_eq!(plan(&health, None, now, P), vec![2, 3, 1, 0]);
    }

    #[test]
    fn pin_moves_to_front_while_healthy() {
        let now = Instant::now();
        let health = vec![Health::default(); 3];
        let pin = Pin { index: 2, at: now };
        assert_eq!(plan(&health, Some(pin), now, P), vec![2, 0, 1]);
        let mut sick = health.clone();
        sick[2] = cooling(now, 5);
        assert_eq!(plan(&sick, Some(pin), now, P), vec![0, 1, 2]);
    }

    #[test]
    fn pin_yields_when_the_primary_recovers_after_it() {
        let t0 = Instant::now();
        // Primary was cooling until t0+30; the session moved to the backup at t0.
        let mut health = vec![cooling(t0, 30), Health::default()];
        let pin = Pin { index: 1, at: t0 };
        assert_eq!(plan(&health, Some(pin), t0 + Duration::from_secs(1), P), vec![1, 0]);
        // After the cooldown the primary is back and takes the session.
        let later = t0 + Duration::from_secs(31);
        assert_eq!(plan(&health, Some(pin), later, P), vec![0, 1]);
        // A pin confirmed after that recovery holds again.
        health[0].cooldown_until = Some(t0 + Duration::from_secs(30));
        let fresh = Pin { index: 1, at: t0 + Duration::from_secs(40) };
        assert_eq!(plan(&health, Some(fresh), t0 + Duration::from_secs(41), P), vec![1, 0]);
    }

    fn firsts(health: &[Health], pin: Option<Pin>, now: Instant, turns: std::ops::Range<usize>) -> Vec<usize> {
        turns.map(|turn| plan(health, pin, now, Order::RoundRobin { turn })[0]).collect()
    }

    #[test]
    fn round_robin_spreads_evenly_over_the_healthy_ones() {
        let now = Instant::now();
        let health = vec![Health::default(); 3];
        let mut count = [0; 3];
        for first in firsts(&health, None, now, 0..300) {
            count[first] += 1;
        }
        assert_eq!(count, [100, 100, 100]);
        // Every plan still holds every upstream once.
        let mut order = plan(&health, None, now, Order::RoundRobin { turn: 4 });
        assert_eq!(order, vec![1, 2, 0]);
        order.sort();
        assert_eq!(order, vec![0, 1, 2]);
    }

    #[test]
    fn round_robin_skips_the_cooling_and_the_exhausted() {
        let now = Instant::now();
        let exhausted = Health { exhausted: true, ..Health::default() };
        let health = vec![Health::default(), cooling(now, 30), Health::default(), exhausted];
        let seen = firsts(&health, None, now, 0..6);
        assert_eq!(seen, vec![0, 2, 0, 2, 0, 2]);
        assert_eq!(plan(&health, None, now, Order::RoundRobin { turn: 1 }), vec![2, 0, 1, 3], "the unusable last");
    }

    #[test]
    fn fill_first_sticks_then_moves_on_and_stays() {
        let now = Instant::now();
        let mut health = vec![Health::default(); 3];
        let fill = |current| Order::FillFirst { current };
        assert_eq!(plan(&health, None, now, fill(None)), vec![0, 1, 2]);
        assert_eq!(plan(&health, None, now, fill(Some(0))), vec![0, 1, 2]);
        // The current one fails: the next one after it.
        health[0] = cooling(now, 30);
        assert_eq!(plan(&health, None, now, fill(Some(0))), vec![1, 2, 0]);
        // Once the second served, it stays, even after the first recovered.
        let later = now + Duration::from_secs(31);
        assert_eq!(plan(&health, None, later, fill(Some(1))), vec![1, 2, 0]);
        // The last one failing wraps round to the first.
        health[2] = cooling(later, 30);
        assert_eq!(plan(&health, None, later, fill(Some(2))), vec![0, 1, 2]);
    }

    #[test]
    fn a_session_pin_wins_under_every_strategy_while_healthy() {
        let now = Instant::now();
        let mut health = vec![Health::default(); 3];
        let pin = Some(Pin { index: 2, at: now });
        for order in
            [P, Order::RoundRobin { turn: 0 }, Order::RoundRobin { turn: 1 }, Order::FillFirst { current: Some(0) }]
        {
            assert_eq!(plan(&health, pin, now, order)[0], 2, "{order:?}");
        }
        health[2] = cooling(now, 30);
        assert_eq!(plan(&health, pin, now, Order::RoundRobin { turn: 1 })[0], 1, "a sick pin yields");
        assert_eq!(plan(&health, pin, now, Order::FillFirst { current: Some(0) })[0], 0);
    }

    #[test]
    fn under_round_robin_a_pin_holds_when_an_earlier_upstream_recovers() {
        let t0 = Instant::now();
        let health = vec![cooling(t0, 30), Health::default()];
        let pin = Some(Pin { index: 1, at: t0 });
        let later = t0 + Duration::from_secs(31);
        assert_eq!(plan(&health, pin, later, P)[0], 0, "priority takes the session back");
        assert_eq!(plan(&health, pin, later, Order::RoundRobin { turn: 0 })[0], 1, "round-robin does not");
        assert_eq!(plan(&health, pin, later, Order::FillFirst { current: Some(1) })[0], 1);
    }
}
