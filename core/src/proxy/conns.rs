//! The proxy's client connections and the phase each is in: waiting for
//! a request head, serving one, or idle between two. The header and
//! keep-alive timeouts and the connection cap are decided from here.
//!
//! hyper's own `header_read_timeout` starts as soon as a connection goes
//! idle, so it would also cut idle keep-alive connections at the header
//! timeout; we keep the two apart (as nginx's `client_header_timeout` and
//! `keepalive_timeout` are) by tracking the phase ourselves.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// How long a client may take between requests, and within a head.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// From accepting a connection, or from the first byte of a later
    /// request, to its complete head.
    pub header: Duration,
    /// From the end of a response to the first byte of the next request.
    pub idle: Duration,
}

#[derive(Debug)]
struct Phase {
    /// Requests whose response has not finished (HTTP/2 may have several).
    in_flight: usize,
    /// Requests started on this connection so far.
    served: u64,
    /// Accepted, or the end of the last response.
    since: Instant,
    /// First bytes of the next request arrived while idle.
    head_started: Option<Instant>,
    /// A request's body was left (partly) unread: the client may still be
    /// sending it when we close, see [`super::linger`].
    unread_body: bool,
    /// The accept loop wants this connection closed to make room.
    evict: bool,
    /// It speaks HTTP/2 (seen on its first request).
    http2: bool,
}

/// One client connection, shared by its task, its I/O and its requests.
#[derive(Debug)]
pub struct Conn {
    id: u64,
    phase: Mutex<Phase>,
    /// Wakes the connection's task to re-read its deadline or eviction.
    pub(crate) changed: Notify,
    /// Set by a read that started a head; see [`Conn::take_rearm`].
    rearm: AtomicBool,
    registry: Arc<Registry>,
}

impl Conn {
    fn lock(&self) -> MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// When to close the connection if nothing happens until then; `None`
    /// while a request is in flight (a slow or long answer is never cut).
    pub fn deadline(&self, t: &Timeouts) -> Option<Instant> {
        let p = self.lock();
        if p.in_flight > 0 {
            return None;
        }
        Some(match p.head_started {
            Some(at) => at + t.header,
            None if p.served == 0 => p.since + t.header,
            None => p.since + t.idle,
        })
    }

    /// The accept loop asked for room and nothing is in flight.
    pub fn should_make_room(&self) -> bool {
        let mut p = self.lock();
        let yes = p.evict && p.in_flight == 0;
        p.evict = false;
        yes
    }

    /// An HTTP/2 connection that has served a request: one to close with a
    /// GOAWAY rather than just drop.
    pub fn is_serving_http2(&self) -> bool {
        let p = self.lock();
        p.http2 && p.served > 0
    }

    pub fn unread_body(&self) -> bool {
        self.lock().unread_body
    }

    /// Bytes arrived from the client: while idle, that starts a new head.
    ///
    /// Reads happen only while the connection's task polls it, so the task
    /// needs no wake-up: it asks [`Conn::take_rearm`] after the poll. (A
    /// wake-up polled the whole connection once more per request, before
    /// the request went upstream.)
    pub fn on_read(&self) {
        let mut p = self.lock();
        if p.in_flight == 0 && p.served > 0 && p.head_started.is_none() {
            p.head_started = Some(Instant::now());
            drop(p);
            self.rearm.store(true, Ordering::Release);
        }
    }

    /// Whether a read during the last poll started a head that is still
    /// incomplete, so its header deadline must be armed now. A head that
    /// was complete in the same poll is a request in flight: no deadline.
    pub fn take_rearm(&self) -> bool {
        if !self.rearm.load(Ordering::Acquire) {
            return false;
        }
        self.rearm.store(false, Ordering::Release);
        self.lock().in_flight == 0
    }

    /// A request head is complete; the returned guard lives as long as its
    /// response.
    ///
    /// The connection's task is not woken: a request in flight only takes
    /// its deadline away, and a deadline that passes meanwhile is checked
    /// again before anything is closed. (Waking it re-polled the whole
    /// connection once more per request, for nothing.)
    pub fn begin(self: &Arc<Self>, body_done: bool, http2: bool) -> InFlight {
        let mut p = self.lock();
        p.http2 |= http2;
        p.in_flight += 1;
        p.served += 1;
        p.head_started = None;
        p.unread_body = !body_done;
        drop(p);
        InFlight { conn: self.clone() }
    }

    /// The request body was read to its end.
    pub fn body_read(&self) {
        self.lock().unread_body = false;
    }
}

/// A request being served; dropped when its response ends (or is dropped).
#[derive(Debug)]
pub struct InFlight {
    conn: Arc<Conn>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut p = self.conn.lock();
        p.in_flight -= 1;
        if p.in_flight == 0 {
            p.since = Instant::now();
            p.head_started = None;
        }
        drop(p);
        self.conn.changed.notify_one();
        // An idle connection may now be closed to make room.
        self.conn.registry.room.notify_one();
    }
}

/// Every live connection of one listener.
#[derive(Debug)]
pub struct Registry {
    /// Follows `proxy.max_connections` (settings apply live).
    cap: std::sync::atomic::AtomicUsize,
    next: AtomicU64,
    live: Mutex<HashMap<u64, Arc<Conn>>>,
    /// A connection closed or went idle: the accept loop may go on.
    pub(crate) room: Notify,
}

impl Registry {
    pub fn new(cap: usize) -> Arc<Registry> {
        Arc::new(Registry {
            cap: cap.max(1).into(),
            next: AtomicU64::new(0),
            live: Mutex::new(HashMap::new()),
            room: Notify::new(),
        })
    }

    fn live(&self) -> MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn cap(&self) -> usize {
        self.cap.load(Ordering::Relaxed)
    }

    /// A new cap (from edited settings); existing connections stay, and
    /// idle ones make room at the next accept.
    pub fn set_cap(&self, cap: usize) {
        self.cap.store(cap.max(1), Ordering::Relaxed);
    }

    pub fn len(&self) -> usize {
        self.live().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Registers a newly accepted connection; it leaves the registry when
    /// the returned [`Registered`] is dropped.
    pub fn add(self: &Arc<Self>) -> Registered {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let phase = Phase {
            in_flight: 0,
            served: 0,
            since: Instant::now(),
            head_started: None,
            unread_body: false,
            evict: false,
            http2: false,
        };
        let conn = Arc::new(Conn {
            id,
            phase: Mutex::new(phase),
            changed: Notify::new(),
            rearm: AtomicBool::new(false),
            registry: self.clone(),
        });
        self.live().insert(id, conn.clone());
        Registered { conn }
    }

    /// At the cap, asks idle connections to close so one more fits: first
    /// those that never completed a request head (oldest first), then idle
    /// keep-alive ones (longest idle first). Returns whether there is room
    /// now; `false` means wait for [`Registry::room`].
    pub fn make_room(&self) -> bool {
        let live = self.live();
        let cap = self.cap();
        if live.len() < cap {
            return true;
        }
        let needed = live.len() + 1 - cap;
        let mut pending = 0;
        let mut candidates = Vec::new();
        for conn in live.values() {
            let p = conn.lock();
            if p.evict {
                pending += 1;
            } else if p.in_flight == 0 {
                let waiting_for_head = p.served == 0 || p.head_started.is_some();
                let since = p.head_started.unwrap_or(p.since);
                candidates.push((!waiting_for_head, since, conn.clone()));
            }
        }
        drop(live);
        candidates.sort_by_key(|(class, since, conn)| (*class, *since, conn.id));
        for (_, _, conn) in candidates.into_iter().take(needed.saturating_sub(pending)) {
            tracing::debug!(conn = conn.id, "at the connection cap: closing an idle connection");
            conn.lock().evict = true;
            conn.changed.notify_one();
        }
        false
    }
}

/// A connection's place in its registry; dropping it frees the place.
pub struct Registered {
    pub conn: Arc<Conn>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        let registry = &self.conn.registry;
        registry.live().remove(&self.conn.id);
        registry.room.notify_one();
    }
}

/// The connection cap when settings leave it at 0: a quarter of the
/// process's file-descriptor limit (minus some for logs, config files and
/// the like), because each of the two proxies' client connections may hold
/// an upstream connection too. 1024 descriptors give 240 per proxy.
pub fn default_cap() -> usize {
    const RESERVED: u64 = 64;
    let nofile = fd_limit().unwrap_or(1024);
    usize::try_from((nofile.saturating_sub(RESERVED) / 4).clamp(16, 4096)).unwrap_or(4096)
}

#[cfg(unix)]
fn fd_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn fd_limit() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timeouts = Timeouts { header: Duration::from_secs(1), idle: Duration::from_secs(10) };

    #[tokio::test(start_paused = true)]
    async fn deadline_follows_the_phase() {
        let registry = Registry::new(4);
        let reg = registry.add();
        let accepted = Instant::now();
        assert_eq!(reg.conn.deadline(&T), Some(accepted + T.header), "a new connection owes a head");
        let request = reg.conn.begin(true, false);
        assert_eq!(reg.conn.deadline(&T), None, "never while serving");
        tokio::time::advance(Duration::from_secs(60)).await;
        drop(request);
        let done = Instant::now();
        assert_eq!(reg.conn.deadline(&T), Some(done + T.idle), "idle keep-alive");
        tokio::time::advance(Duration::from_secs(3)).await;
        reg.conn.on_read();
        assert_eq!(reg.conn.deadline(&T), Some(Instant::now() + T.header), "a started head");
        assert!(reg.conn.take_rearm(), "its task must arm the header deadline");
        assert!(!reg.conn.take_rearm(), "once");
    }

    #[tokio::test(start_paused = true)]
    async fn a_head_completed_in_the_same_poll_needs_no_deadline() {
        let registry = Registry::new(4);
        let reg = registry.add();
        drop(reg.conn.begin(true, false));
        reg.conn.on_read();
        let _request = reg.conn.begin(true, false);
        assert!(!reg.conn.take_rearm());
        assert_eq!(reg.conn.deadline(&T), None);
    }

    #[tokio::test(start_paused = true)]
    async fn room_is_made_from_idle_connections_heads_first_never_busy_ones() {
        let registry = Registry::new(3);
        let keep_alive = registry.add();
        drop(keep_alive.conn.begin(true, false));
        tokio::time::advance(Duration::from_millis(10)).await;
        let fresh = registry.add();
        let busy = registry.add();
        let _serving = busy.conn.begin(true, false);
        assert!(!registry.make_room());
        assert!(fresh.conn.should_make_room(), "a connection that never sent a head goes first");
        assert!(!keep_alive.conn.should_make_room());
        assert!(!busy.conn.should_make_room());
        drop(fresh);
        assert!(registry.make_room(), "a place was freed");
    }
}
