//! Per-upstream concurrency caps (`max_concurrent` in config.json): how many
//! requests an upstream carries at once.
//!
//! A [`Slot`] counts an upstream's requests in flight with one atomic; a
//! [`SlotPermit`] is one of them, released when it is dropped. The proxy
//! takes a permit before an attempt and hands it to the upstream's body
//! stream, so it is held exactly while the upstream's answer is being read
//! and released however that ends: the body finished, the upstream broke,
//! the attempt failed over, or the client went away (the body is dropped).
//!
//! The cap itself is not stored here: it is read from the config being
//! served at each attempt, so an edited cap applies to the next request and
//! the count (kept per [`UpstreamId`] across reloads) stays exact. An
//! upstream without a cap never touches any of this.
//!
//! A request that finds every upstream at its cap waits for one of them to
//! free a slot ([`wait_any`]), up to `lb.max_concurrent_wait_ms`.

use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::future::select_all;
use futures_util::Stream;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{Map, UpstreamId};

/// One upstream's requests in flight.
#[derive(Debug, Default)]
pub struct Slot {
    in_flight: AtomicU32,
    /// Woken on every release, for requests waiting on this upstream.
    freed: Notify,
}

impl Slot {
    /// One more request, unless `cap` are in flight already.
    pub fn try_take(self: &Arc<Self>, cap: u32) -> Option<SlotPermit> {
        let mut now = self.in_flight.load(Ordering::Relaxed);
        loop {
            if now >= cap {
                return None;
            }
            match self.in_flight.compare_exchange_weak(now, now + 1, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return Some(SlotPermit(self.clone())),
                Err(actual) => now = actual,
            }
        }
    }

    /// Requests in flight right now.
    pub fn in_flight(&self) -> u32 {
        self.in_flight.load(Ordering::Relaxed)
    }
}

/// One request in flight at an upstream; dropping it frees the slot.
#[derive(Debug)]
pub struct SlotPermit(Arc<Slot>);

impl Drop for SlotPermit {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
        // Every waiter re-checks: one woken waiter may take another
        // upstream's slot instead, and must not swallow this wake-up.
        self.0.freed.notify_waiters();
    }
}

/// The slots of one service's upstreams, by identity, so a reload keeps
/// the counts of requests still running.
#[derive(Debug, Default)]
pub struct Slots(Mutex<Map<UpstreamId, Arc<Slot>>>);

impl Slots {
    /// The slot of `id` (made on first use; callers cache it per snapshot).
    pub fn of(&self, id: &UpstreamId) -> Arc<Slot> {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(id.clone()).or_default().clone()
    }

    /// Requests in flight at `id` (0 for an upstream never capped).
    pub fn in_flight(&self, id: &UpstreamId) -> u32 {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id).map_or(0, |slot| slot.in_flight())
    }
}

/// Waits until one of `slots` (an index, its slot and its cap) has room and
/// takes it, first come first served in the given order; `None` once
/// `deadline` passes without one.
pub async fn wait_any(slots: &[(usize, Arc<Slot>, u32)], deadline: Instant) -> Option<(usize, SlotPermit)> {
    if slots.is_empty() {
        return None;
    }
    loop {
        // Registered before checking, so a release between the check and
        // the wait is not missed.
        let mut woken: Vec<_> = slots.iter().map(|(_, slot, _)| Box::pin(slot.freed.notified())).collect();
        for notified in &mut woken {
            notified.as_mut().enable();
        }
        for (index, slot, cap) in slots {
            if let Some(permit) = slot.try_take(*cap) {
                return Some((*index, permit));
            }
        }
        tokio::select! {
            _ = select_all(woken) => {}
            _ = tokio::time::sleep_until(deadline) => return None,
        }
    }
}

/// `stream` holding `permit` until it ends or is dropped.
pub fn hold<S: Stream + Unpin>(stream: S, permit: SlotPermit) -> Held<S> {
    Held { stream, permit: Some(permit) }
}

/// An upstream's body that keeps its request counted while it is read.
pub struct Held<S> {
    stream: S,
    permit: Option<SlotPermit>,
}

impl<S: Stream + Unpin> Stream for Held<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let polled = Pin::new(&mut self.stream).poll_next(cx);
        if let Poll::Ready(None) = polled {
            // Done: free the slot now, not when the client's body is dropped.
            self.permit = None;
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_slot_admits_up_to_its_cap_and_frees_on_drop() {
        let slot = Arc::new(Slot::default());
        let a = slot.try_take(2).unwrap();
        let b = slot.try_take(2).unwrap();
        assert!(slot.try_take(2).is_none());
        assert_eq!(slot.in_flight(), 2);
        drop(a);
        assert_eq!(slot.in_flight(), 1);
        let _c = slot.try_take(2).expect("room again");
        // A lowered cap admits nothing until enough finished.
        assert!(slot.try_take(1).is_none());
        drop(b);
        assert!(slot.try_take(1).is_none());
    }

    #[test]
    fn slots_are_kept_per_identity() {
        let slots = Slots::default();
        let a = UpstreamId::with_key("m", "https://r/v1", Some("sk-one-111111"));
        let b = UpstreamId::with_key("m", "https://r/v1", Some("sk-two-222222"));
        let _held = slots.of(&a).try_take(1).unwrap();
        assert_eq!(slots.in_flight(&a), 1);
        assert_eq!(slots.in_flight(&b), 0, "another key of the same relay has its own cap");
        assert!(slots.of(&a).try_take(1).is_none(), "the same identity is the same slot");
    }

    #[tokio::test]
    async fn a_held_stream_frees_its_slot_at_its_end_or_when_dropped() {
        use futures_util::StreamExt;
        let slot = Arc::new(Slot::default());
        let mut held = hold(futures_util::stream::iter([1, 2]), slot.try_take(1).unwrap());
        assert_eq!(held.next().await, Some(1));
        assert_eq!(slot.in_flight(), 1);
        assert_eq!(held.next().await, Some(2));
        assert_eq!(held.next().await, None);
        assert_eq!(slot.in_flight(), 0, "freed at the end");
        let dropped = hold(futures_util::stream::iter([1]), slot.try_take(1).unwrap());
        assert_eq!(slot.in_flight(), 1);
        drop(dropped);
        assert_eq!(slot.in_flight(), 0, "freed when dropped unread");
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_gets_the_first_slot_freed_or_gives_up_at_the_deadline() {
        let (a, b) = (Arc::new(Slot::default()), Arc::new(Slot::default()));
        let held_a = a.try_take(1).unwrap();
        let _held_b = b.try_take(1).unwrap();
        let both = vec![(0, a.clone(), 1), (1, b.clone(), 1)];
        let deadline = Instant::now() + Duration::from_secs(30);
        let waiter = tokio::spawn(async move { wait_any(&both, deadline).await.map(|(i, _)| i) });
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(held_a);
        assert_eq!(waiter.await.unwrap(), Some(0));

        let started = Instant::now();
        let none = wait_any(&[(1, b.clone(), 1)], started + Duration::from_secs(30)).await;
        assert!(none.is_none());
        assert_eq!(started.elapsed(), Duration::from_secs(30));
    }
}
