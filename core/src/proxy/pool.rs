//! Connections to upstreams, kept open between requests: HTTP/1.1
//! connections one request at a time, HTTP/2 connections (by ALPN over
//! TLS) shared by every request to their host.
//!
//! Ours rather than hyper-util's pooled client because the request path
//! is this proxy's whole cost (issue 11): that client hashes its pool key
//! with SipHash, builds a connect future of several KB and spawns a task
//! per request only to notice when the connection is free again. Here a
//! checkout is a short scan under a lock (a user has a handful of upstream
//! hosts), a connection is built only on a miss, and an HTTP/1.1
//! connection goes back to the pool from the answer's body as it ends.
//!
//! What the pooled client did and this keeps:
//! - a request that a reused connection never sent (the upstream closed
//!   it while idle) is sent again on another ([`super::client`] loops);
//! - connections idle for [`IDLE_TIMEOUT`] are closed, by a reaper task
//!   and at checkout;
//! - a connection whose answer was abandoned mid-body is not reused
//!   (hyper closes it).

use std::future::Future;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::HeaderValue;
use http::uri::{Authority, Scheme};
use http::{Request, Response};
use http_body_util::Full;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tokio::time::Instant;

/// How long a connection may sit unused before it is closed (what the
/// pooled client was configured with).
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// How often the reaper looks for connections past [`IDLE_TIMEOUT`].
const REAP_EVERY: Duration = Duration::from_secs(30);

type H1 = http1::SendRequest<Full<Bytes>>;
type H2 = http2::SendRequest<Full<Bytes>>;

/// The pool. Cheap to clone (shares the connections).
#[derive(Clone, Default)]
pub(super) struct Pool {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// One entry per host ever reached; never removed, so an index stays
    /// valid for the lifetime of the pool (there are a handful).
    hosts: Mutex<Vec<Host>>,
    reaper: std::sync::OnceLock<()>,
}

struct Host {
    scheme: Scheme,
    authority: Authority,
    /// What an HTTP/1.1 request's `Host` says (made once).
    host_header: HeaderValue,
    /// Free HTTP/1.1 connections, the most recently used last.
    idle: Vec<Idle>,
    /// HTTP/2 connections, each shared by any number of requests.
    shared: Vec<Shared>,
}

struct Idle {
    tx: H1,
    proxied: bool,
    since: Instant,
}

struct Shared {
    tx: H2,
    last_used: Instant,
}

/// A connection checked out for one request.
pub(super) enum Sender {
    /// `proxied`: to a plain HTTP proxy (the request goes in absolute form).
    Http1 {
        tx: H1,
        proxied: bool,
    },
    Http2(H2),
}

/// A host's place in the pool: where its connections come from and go
/// back to.
#[derive(Clone)]
pub(super) struct Slot {
    pool: Weak<Inner>,
    host: usize,
    pub(super) host_header: HeaderValue,
}

impl Pool {
    /// The host's slot, made on first use.
    pub(super) fn slot(&self, scheme: &Scheme, authority: &Authority) -> Slot {
        let mut hosts = self.inner.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let host = match hosts.iter().position(|h| h.scheme == *scheme && h.authority == *authority) {
            Some(i) => i,
            None => {
                hosts.push(Host {
                    scheme: scheme.clone(),
                    authority: authority.clone(),
                    host_header: host_header(scheme, authority),
                    idle: Vec::new(),
                    shared: Vec::new(),
                });
                hosts.len() - 1
            }
        };
        Slot { pool: Arc::downgrade(&self.inner), host, host_header: hosts[host].host_header.clone() }
    }

    /// A ready connection to the slot's host, if one is open: an HTTP/2
    /// one first (it costs nothing to share), else the most recently
    /// freed HTTP/1.1 one. Closed and expired ones are dropped on the way.
    pub(super) fn checkout(&self, slot: &Slot) -> Option<Sender> {
        let now = Instant::now();
        let mut hosts = self.inner.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let host = &mut hosts[slot.host];
        host.shared.retain(|s| !s.tx.is_closed());
        if let Some(shared) = host.shared.iter_mut().find(|s| s.tx.is_ready()) {
            shared.last_used = now;
            return Some(Sender::Http2(shared.tx.clone()));
        }
        while let Some(idle) = host.idle.pop() {
            if idle.tx.is_ready() && now.duration_since(idle.since) < IDLE_TIMEOUT {
                return Some(Sender::Http1 { tx: idle.tx, proxied: idle.proxied });
            }
        }
        None
    }

    /// Adds a new connection: an HTTP/2 one is shared from now on (an
    /// HTTP/1.1 one joins when its first answer ends).
    pub(super) fn opened(&self, slot: &Slot, sender: &Sender) {
        if let Sender::Http2(tx) = sender {
            let mut hosts = self.inner.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts[slot.host].shared.push(Shared { tx: tx.clone(), last_used: Instant::now() });
        }
    }

    /// Starts a new connection's task (hyper's side of it) and, once, the
    /// reaper.
    pub(super) fn spawn<F>(&self, connection: F)
    where
        F: std::future::Future + Send + 'static,
    {
        tokio::spawn(async move {
            // Its end (the peer closed, an error) is seen by the senders.
            let _ = connection.await;
        });
        self.inner.reaper.get_or_init(|| {
            tokio::spawn(reap(Arc::downgrade(&self.inner)));
        });
    }

    pub(super) fn http1() -> http1::Builder {
        http1::Builder::new()
    }

    pub(super) fn http2() -> http2::Builder<TokioExecutor> {
        let mut builder = http2::Builder::new(TokioExecutor::new());
        builder.timer(TokioTimer::new());
        builder
    }
}

/// `Host` for an authority: its host, and its port unless the scheme's
/// own (no user info).
fn host_header(scheme: &Scheme, authority: &Authority) -> HeaderValue {
    let default = if *scheme == Scheme::HTTPS { 443 } else { 80 };
    let text = match authority.port_u16() {
        Some(port) if port != default => format!("{}:{port}", authority.host()),
        _ => authority.host().to_string(),
    };
    // A parsed authority holds only characters a header value may hold.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl Slot {
    /// A free HTTP/1.1 connection back into the pool. Called as its
    /// answer's body ends; hyper marks the connection ready a moment
    /// later when its task runs on another thread, so until then a task
    /// waits for it (on one thread it is ready already).
    fn put_back(self, mut tx: H1, proxied: bool) {
        if tx.is_ready() {
            self.put(tx, proxied);
        } else if !tx.is_closed() {
            tokio::spawn(async move {
                if tx.ready().await.is_ok() {
                    self.put(tx, proxied);
                }
            });
        }
    }

    fn put(self, tx: H1, proxied: bool) {
        if let Some(inner) = self.pool.upgrade() {
            let mut hosts = inner.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts[self.host].idle.push(Idle { tx, proxied, since: Instant::now() });
        }
    }
}

/// Every [`REAP_EVERY`], closes what has been unused past [`IDLE_TIMEOUT`]
/// (so an idle app holds no sockets); ends with the pool.
async fn reap(pool: Weak<Inner>) {
    let mut tick = tokio::time::interval(REAP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(inner) = pool.upgrade() else { return };
        let now = Instant::now();
        let mut hosts = inner.hosts.lock().unwrap_or_else(|e| e.into_inner());
        for host in hosts.iter_mut() {
            host.idle.retain(|i| !i.tx.is_closed() && now.duration_since(i.since) < IDLE_TIMEOUT);
            host.shared.retain(|s| !s.tx.is_closed() && now.duration_since(s.last_used) < IDLE_TIMEOUT);
        }
    }
}

/// An upstream's answer body. Over HTTP/1.1 it gives its connection back
/// to the pool when it ends; dropped before its end, the connection goes
/// with it (hyper closes a connection whose body was not read).
pub struct UpstreamBody {
    inner: Incoming,
    release: Option<Release>,
}

impl std::fmt::Debug for UpstreamBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamBody").field("pooled", &self.release.is_some()).finish_non_exhaustive()
    }
}

struct Release {
    slot: Slot,
    tx: H1,
    proxied: bool,
}

impl UpstreamBody {
    pub(super) fn new(inner: Incoming, release: Option<(Slot, H1, bool)>) -> UpstreamBody {
        let mut body =
            UpstreamBody { inner, release: release.map(|(slot, tx, proxied)| Release { slot, tx, proxied }) };
        // An empty answer (204, HEAD, `content-length: 0`) may never be read.
        if body.inner.is_end_stream() {
            body.ended();
        }
        body
    }

    fn ended(&mut self) {
        if let Some(Release { slot, tx, proxied }) = self.release.take() {
            slot.put_back(tx, proxied);
        }
    }
}

impl Body for UpstreamBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            // A reader may stop at the last frame (hyper's server does).
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.ended(),
            Poll::Ready(None) => self.ended(),
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A send's failure, with the request when it never went out.
pub(super) type NotSent = (hyper::Error, Option<Request<Full<Bytes>>>);

/// What a send gives back: the answer, with its body wrapped.
pub(super) type UpstreamResponse = Response<UpstreamBody>;

/// Sends `request` on `sender`. `Err(Some(request))`: it never went out
/// (the connection had closed), so it may be sent on another.
#[allow(clippy::manual_async_fn)] // on purpose: see forward::handle
pub(super) fn send(
    sender: Sender,
    slot: &Slot,
    request: Request<Full<Bytes>>,
) -> impl Future<Output = Result<UpstreamResponse, NotSent>> + '_ {
    async move {
        match sender {
            Sender::Http1 { mut tx, proxied } => {
                let response = tx.try_send_request(request).await.map_err(not_sent)?;
                Ok(response.map(|body| UpstreamBody::new(body, Some((slot.clone(), tx, proxied)))))
            }
            Sender::Http2(mut tx) => {
                let response = tx.try_send_request(request).await.map_err(not_sent)?;
                Ok(response.map(|body| UpstreamBody::new(body, None)))
            }
        }
    }
}

/// A failed send's error, with its request when it never went out.
fn not_sent(mut err: hyper::client::conn::TrySendError<Request<Full<Bytes>>>) -> NotSent {
    let unsent = err.take_message();
    (err.into_error(), unsent)
}

#[cfg(test)]
#[path = "pool_tests.rs"]
mod tests;
