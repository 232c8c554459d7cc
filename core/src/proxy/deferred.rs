//! Work that waits until a connection's answer has gone out.
//!
//! hyper drops a response body as soon as its last byte is buffered, before
//! it writes the buffer to the socket; that drop is where a request is
//! accounted for (log line, load balancer, the upstream connection back to
//! its pool) and its state freed: ~2.5k instructions of the ~21k between
//! reading a small answer and writing it to the client. Done there, the
//! client waited for it. A connection's task polls hyper inside
//! [`polling`], and a body's drop hands that work to [`defer`], which runs
//! it once the poll (and so the write) is over, on the same thread, before
//! the task sleeps.
//!
//! Outside a connection's poll (an HTTP/2 stream's own task, a test) there
//! is no write to wait for, and deferred work runs at once.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

type Job = Box<dyn FnOnce()>;

thread_local! {
    /// How many [`polling`] calls are under way on this thread (more than
    /// one only if a poll polls another connection, which none does).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Kept between polls so that deferring allocates only the job.
    static QUEUE: RefCell<VecDeque<Job>> = const { RefCell::new(VecDeque::new()) };
}

/// Runs `poll`, then the work it deferred.
pub(super) fn polling<R>(poll: impl FnOnce() -> R) -> R {
    let _scope = Scope::enter();
    poll()
}

/// Runs `job` after the connection poll under way, or now if none is.
pub(super) fn defer(job: impl FnOnce() + 'static) {
    if DEPTH.get() == 0 {
        job();
        return;
    }
    QUEUE.with_borrow_mut(|queue| queue.push_back(Box::new(job)));
}

/// One [`polling`] call; the outermost runs the queue when it ends.
struct Scope;

impl Scope {
    fn enter() -> Scope {
        DEPTH.set(DEPTH.get() + 1);
        Scope
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        let depth = DEPTH.get() - 1;
        if depth > 0 {
            DEPTH.set(depth);
            return;
        }
        // Jobs may defer more (a drop inside a drop): still queued, they
        // run in this loop; DEPTH drops to 0 only once the queue is empty.
        // (Also while unwinding from a panic in the poll: the jobs are the
        // drops that would have run during the unwinding anyway.)
        while let Some(job) = QUEUE.with_borrow_mut(|queue| queue.pop_front()) {
            job();
        }
        DEPTH.set(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn deferred_work_runs_after_the_poll_in_order_of_drops() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = |what: &'static str| {
            let seen = seen.clone();
            move || seen.borrow_mut().push(what)
        };
        let answer = polling(|| {
            defer(log("first drop"));
            defer(log("second drop"));
            seen.borrow_mut().push("write");
            42
        });
        assert_eq!(answer, 42);
        assert_eq!(*seen.borrow(), ["write", "first drop", "second drop"]);
    }

    #[test]
    fn outside_a_poll_work_runs_at_once() {
        let ran = Rc::new(Cell::new(false));
        let flag = ran.clone();
        defer(move || flag.set(true));
        assert!(ran.get());
    }

    #[test]
    fn work_deferred_by_deferred_work_still_runs_before_the_poll_returns() {
        let ran = Rc::new(Cell::new(0));
        let counter = ran.clone();
        polling(|| {
            defer(move || {
                let counter = counter.clone();
                defer(move || counter.set(counter.get() + 1));
            })
        });
        assert_eq!(ran.get(), 1);
        assert_eq!(DEPTH.get(), 0);
    }
}
