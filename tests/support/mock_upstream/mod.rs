//! A scriptable mock upstream (the "relay" codex-helper forwards to), served
//! over real sockets.
//!
//! It is hand-rolled on `tokio::net::TcpListener` rather than built on a web
//! framework because tests need it to misbehave in ways a framework forbids:
//! reset the TCP connection before answering, cut an SSE stream after `n`
//! events, stall forever, or send malformed SSE.
//!
//! Each request takes the next queued [`Reply`] (FIFO), falling back to the
//! default reply once the queue is empty; a [router](MockUpstream::set_router)
//! set instead answers by what was asked (the `mock-upstream` binary of the
//! GUI suite routes by path). Every request is recorded as soon as
//! its body has been read, before the reply is written, so a test can inspect
//! requests that were answered with a reset.

pub mod canned;
mod http;
mod reply;

pub use reply::{Gate, Reply, SseEvent};

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// One request as the mock received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// Request target as sent, including the query string.
    pub path: String,
    /// Header names are lowercased; order and duplicates are preserved.
    pub headers: Vec<(String, String)>,
    /// The body after removing any chunked transfer encoding.
    pub body: Vec<u8>,
    /// 0-based index of the TCP connection that carried the request, so tests
    /// can tell whether a client reused a keep-alive connection.
    pub connection: u64,
}

impl Recorded {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON; panics with the body text if it is not JSON,
    /// because a test calling this expects JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("recorded body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as (lossy) UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// State shared between the test and the server tasks. A plain std mutex is
/// fine: it is never held across an `.await`.
struct State {
    queue: VecDeque<Reply>,
    default: Reply,
    requests: Vec<Recorded>,
    connections: u64,
    router: Option<Router>,
}

/// Picks the reply for one request (see [`MockUpstream::set_router`]).
pub type Router = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

#[derive(Clone)]
pub(crate) struct Shared(Arc<Mutex<State>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not poison the mock for other assertions.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn record(&self, req: Recorded) {
        self.lock().requests.push(req);
    }

    pub(crate) fn reply_for(&self, req: &Recorded) -> Reply {
        let router = self.lock().router.clone();
        if let Some(router) = router {
            return router(req);
        }
        let mut st = self.lock();
        match st.queue.pop_front() {
            Some(r) => r,
            None => st.default.clone(),
        }
    }

    fn next_connection_id(&self) -> u64 {
        let mut st = self.lock();
        let id = st.connections;
        st.connections += 1;
        id
    }
}

/// The running mock server. Dropping it shuts the server down, including
/// connections that are stalled mid-stream.
pub struct MockUpstream {
    addr: SocketAddr,
    shared: Shared,
    task: JoinHandle<()>,
}

impl MockUpstream {
    /// Binds 127.0.0.1 on an ephemeral port and starts serving.
    pub async fn start() -> MockUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind mock upstream");
        let addr = listener.local_addr().expect("mock upstream local addr");
        let shared = Shared(Arc::new(Mutex::new(State {
            queue: VecDeque::new(),
            default: Reply::json(200, serde_json::json!({"ok": true})),
            requests: Vec::new(),
            connections: 0,
            router: None,
        })));
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        MockUpstream { addr, shared, task }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a reply for a future request (first in, first out).
    pub fn push(&self, reply: Reply) {
        self.shared.lock().queue.push_back(reply);
    }

    /// The reply used whenever the queue is empty.
    pub fn set_default(&self, reply: Reply) {
        self.shared.lock().default = reply;
    }

    /// Answer every request with `router(request)` instead of the queue
    /// (called outside the mock's lock, before the reply is written).
    pub fn set_router(&self, router: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) {
        self.shared.lock().router = Some(Arc::new(router));
    }

    /// Number of queued replies not yet consumed.
    pub fn queued(&self) -> usize {
        self.shared.lock().queue.len()
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Number of TCP connections accepted so far.
    pub fn connection_count(&self) -> u64 {
        self.shared.lock().connections
    }
}

impl Drop for MockUpstream {
    fn drop(&mut self) {
        // Aborting the accept task drops the listener and its JoinSet, which in
        // turn aborts every connection task (stalled streams included).
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Shared) {
    // Connection tasks live in a JoinSet owned by this task so that aborting
    // this task tears them all down.
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let id = shared.next_connection_id();
                conns.spawn(http::serve_connection(stream, shared.clone(), id));
            }
            // Reap finished connections so the set does not grow without bound.
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}
