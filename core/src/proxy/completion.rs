//! The rest of a request's log line, worked out on the log writer's thread:
//! the usage and model read from the answer, or from the request when the
//! answer names none. The client has its answer before any of that reading
//! happens.
//!
//! What a pending completion holds (the answer's body, the request's) is
//! bounded by [`BUDGET`] over all of them: a writer that falls behind (a
//! slow disk) must not hoard the requests' memory, so past the budget a line
//! is completed on the spot, on the request's thread, as it always was.

use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;

use super::observe::Answer;
use crate::logs::{RequestLog, RequestRecord};

/// Bytes all pending completions may hold at once.
const BUDGET: usize = 64 << 20;

/// Bytes pending completions hold now.
static HELD: AtomicUsize = AtomicUsize::new(0);

pub struct Completion {
    answer: Answer,
    /// The model name a model map sent upstream, which wins over the rest.
    mapped: Option<String>,
    /// The client's request (shared, not copied): its `model` prices an
    /// answer that names none.
    request_body: Bytes,
}

impl Completion {
    pub fn new(answer: Answer, mapped: Option<String>, request_body: Bytes) -> Completion {
        Completion { answer, mapped, request_body }
    }

    /// Hands `rec` to the log, completed by the writer when the budget
    /// allows, else here and now.
    pub fn send(self, log: &RequestLog, mut rec: RequestRecord) {
        if !log.is_enabled() {
            return;
        }
        match Held::take(self.answer.held_bytes() + self.request_body.len()) {
            Some(held) => log.record_then(rec, move |rec| {
                self.apply(rec);
                drop(held);
            }),
            None => {
                self.apply(&mut rec);
                log.record(rec);
            }
        }
    }

    /// Priced by the model actually used: the mapped name when a model map
    /// changed it, else what the answer says it came from, else (a relay
    /// that drops it) what the request asked for.
    fn apply(self, rec: &mut RequestRecord) {
        let (usage, answered) = self.answer.read();
        if let Some(usage) = usage {
            rec.usage = usage;
        }
        rec.model = self
            .mapped
            .or(answered)
            .or_else(|| super::model_map::find_model(&self.request_body).map(|field| field.value));
    }
}

/// A share of [`BUDGET`], given back when dropped.
struct Held(usize);

impl Held {
    fn take(bytes: usize) -> Option<Held> {
        let mut now = HELD.load(Ordering::Relaxed);
        loop {
            if now + bytes > BUDGET {
                return None;
            }
            match HELD.compare_exchange_weak(now, now + bytes, Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => return Some(Held(bytes)),
                Err(actual) => now = actual,
            }
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        HELD.fetch_sub(self.0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_the_budget_are_refused_past_it_and_given_back_when_dropped() {
        // Other tests in this process may hold shares; measure from here.
        let big = Held::take(BUDGET / 2).expect("half the budget is free");
        assert!(Held::take(BUDGET).is_none(), "the whole budget is not free while half is held");
        drop(big);
        let again = Held::take(BUDGET / 2);
        assert!(again.is_some(), "the share came back when it was dropped");
    }
}
