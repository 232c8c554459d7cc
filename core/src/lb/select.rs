//! The order in which one request tries the active config's upstreams.
//!
//! Available upstreams come first, in config order (primary first), with the
//! session's pinned upstream moved to the front so prompt caches stay warm.
//! Upstreams that are cooling down or out of quota come last, the most
//! likely to work first: when everything else failed it is still better to
//! try them than to fail without trying.

use tokio::time::Instant;

use super::health::Health;

/// Where a session was last served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pin {
    pub index: usize,
    /// When the pin was last confirmed by a served request.
    pub at: Instant,
}

/// Indices into the upstream list, in the order to try them. Each appears
/// once. `health[i]` describes upstream `i`.
pub fn plan(health: &[Health], pin: Option<Pin>, now: Instant) -> Vec<usize> {
    let mut available: Vec<usize> = (0..health.len()).filter(|&i| health[i].is_available(now)).collect();
    if let Some(pin) = pin.filter(|p| pin_holds(health, *p, now)) {
        if let Some(pos) = available.iter().position(|&i| i == pin.index) {
            let pinned = available.remove(pos);
            available.insert(0, pinned);
        }
    }
    let mut rest: Vec<usize> = (0..health.len()).filter(|&i| !health[i].is_available(now)).collect();
    // Not exhausted before exhausted (a failing relay recovers on its own, a
    // spent quota does not), then the cooldown that ends first.
    rest.sort_by_key(|&i| (health[i].exhausted, health[i].cooldown_until.filter(|u| *u > now), i));
    available.extend(rest);
    available
}

/// A pin holds while its upstream is usable and no upstream ahead of it in
/// the config came back since the pin was set: when the primary recovers,
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

    fn cooling(now: Instant, secs: u64) -> Health {
        Health { cooldown_until: Some(now + Duration::from_secs(secs)), ..Health::default() }
    }

    #[test]
    fn config_order_when_all_healthy() {
        let now = Instant::now();
        assert_eq!(plan(&vec![Health::default(); 3], None, now), vec![0, 1, 2]);
    }

    #[test]
    fn unavailable_go_last_exhausted_after_cooling() {
        let now = Instant::now();
        let exhausted = Health { exhausted: true, ..Health::default() };
        let health = vec![exhausted, cooling(now, 50), Health::default(), cooling(now, 10)];
        assert_eq!(plan(&health, None, now), vec![2, 3, 1, 0]);
    }

    #[test]
    fn pin_moves_to_front_while_healthy() {
        let now = Instant::now();
        let health = vec![Health::default(); 3];
        let pin = Pin { index: 2, at: now };
        assert_eq!(plan(&health, Some(pin), now), vec![2, 0, 1]);
        let mut sick = health.clone();
        sick[2] = cooling(now, 5);
        assert_eq!(plan(&sick, Some(pin), now), vec![0, 1, 2]);
    }

    #[test]
    fn pin_yields_when_the_primary_recovers_after_it() {
        let t0 = Instant::now();
        // Primary was cooling until t0+30; the session moved to the backup at t0.
        let mut health = vec![cooling(t0, 30), Health::default()];
        let pin = Pin { index: 1, at: t0 };
        assert_eq!(plan(&health, Some(pin), t0 + Duration::from_secs(1)), vec![1, 0]);
        // After the cooldown the primary is back and takes the session.
        let later = t0 + Duration::from_secs(31);
        assert_eq!(plan(&health, Some(pin), later), vec![0, 1]);
        // A pin confirmed after that recovery holds again.
        health[0].cooldown_until = Some(t0 + Duration::from_secs(30));
        let fresh = Pin { index: 1, at: t0 + Duration::from_secs(40) };
        assert_eq!(plan(&health, Some(fresh), t0 + Duration::from_secs(41)), vec![1, 0]);
    }
}
