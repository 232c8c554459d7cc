//! The accept loop: our own, on hyper-util, instead of `axum::serve`, which
//! has no header timeout, no idle timeout and no connection cap (1,100 idle
//! local connections used to exhaust a desktop's 1,024 descriptors and lock
//! every real client out).
//!
//! Each connection is served HTTP/1.1 or h2c (auto-detected, as
//! `axum::serve` did) with `TCP_NODELAY`, in a task that also closes it
//! when its phase's deadline passes ([`super::conns`]). At the cap, idle
//! connections make room before another is accepted. On shutdown the
//! listener closes at once, idle connections close, and answers in flight
//! finish.

use std::convert::Infallible;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use bytes::Bytes;
use futures_util::task::AtomicWaker;
use futures_util::FutureExt;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::conns::{Conn, InFlight, Registered, Registry, Timeouts};
use super::linger::Tracked;
use super::{forward, ProxyState};

/// How often the accept loop looks again when every connection is busy.
const RECHECK: Duration = Duration::from_millis(250);

/// The client-side timeouts and the connection cap now; asked at each
/// accept and each deadline, so edited settings apply without a restart.
pub type LimitsSource = Arc<dyn Fn() -> (Timeouts, usize) + Send + Sync>;

/// Serves `router` and `state`'s forwarding on `listener` until `shutdown`
/// resolves, then waits for the answers in flight. Requests outside
/// [`super::OWN_PREFIX`] go to [`forward::handle`] directly (see
/// [`Handler`]); `router` answers the proxy's own paths.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    state: ProxyState,
    limits: LimitsSource,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let registry = Registry::new(limits().1);
    let (stop, stopped) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    let mut warned_full = false;
    'accept: loop {
        registry.set_cap(limits().1);
        while !registry.make_room() {
            if !warned_full {
                warned_full = true;
                tracing::warn!(cap = registry.cap(), "every connection is busy; new ones wait (raise proxy.max_connections in ~/.codex-helper/settings.json if this is normal)");
            }
            tokio::select! {
                () = registry.room.notified() => {}
                () = tokio::time::sleep(RECHECK) => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                () = &mut shutdown => break 'accept,
            }
        }
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Streamed events are small writes; don't let Nagle hold them.
                    let _ = stream.set_nodelay(true);
                    let registered = registry.add();
                    let app = App { router: router.clone(), state: state.clone() };
                    tasks.spawn(serve_connection(stream, registered, app, limits.clone(), stopped.clone()));
                }
                Err(err) => accept_failed(err, &registry).await,
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = &mut shutdown => break,
        }
        warned_full &= registry.len() >= registry.cap();
    }
    drop(listener);
    let _ = stop.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// Descriptors ran out (something else in the process holds them, since
/// the cap keeps ours below the limit): wait a little rather than spin.
async fn accept_failed(err: std::io::Error, registry: &Registry) {
    use std::io::ErrorKind::*;
    if matches!(err.kind(), ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted) {
        return;
    }
    tracing::warn!(%err, open = registry.len(), "cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

async fn serve_connection(
    stream: TcpStream,
    registered: Registered,
    app: App,
    limits: LimitsSource,
    mut stopped: watch::Receiver<bool>,
) {
    let conn = registered.conn.clone();
    let io = TokioIo::new(Tracked::new(stream, conn.clone()));
    let service = Handler { router: TowerToHyperService::new(app.router), state: app.state, conn: conn.clone() };
    let builder = Builder::new(TokioExecutor::new());
    let mut connection = pin!(builder.serve_connection(io, service));
    let mut stopping = false;
    // Set once we said goodbye to an idle connection: it is dropped if the
    // client has not closed it by then.
    let mut goodbye_until: Option<tokio::time::Instant> = None;
    // One timer for the connection's life, moved as its deadline moves: a
    // new one per wake-up (twice per request) cost a timer-wheel insert
    // and removal each time; moving an armed timer later costs nothing.
    let mut timer = pin!(tokio::time::sleep_until(tokio::time::Instant::now()));
    let mut armed = false;
    let gate = Arc::new(Gate::default());
    let gate_waker = Waker::from(gate.clone());
    loop {
        let timeouts = limits().0;
        // Never while a request is in flight, whatever else is pending.
        let deadline = conn.deadline(&timeouts).map(|d| goodbye_until.unwrap_or(d));
        if let Some(at) = deadline {
            if !armed || timer.deadline() != at {
                timer.as_mut().reset(at);
            }
        }
        armed = deadline.is_some();
        // The connection is polled on every wake-up (each event streamed
        // goes through here); the signals only when one of them woke us.
        // Polling all four each time (as `select!` does) was ~5% of a
        // streamed event's instructions.
        let mut stop = pin!(stopped.wait_for(|s| *s));
        let mut changed = pin!(conn.changed.notified());
        gate.woken.store(true, Ordering::Release);
        let event = std::future::poll_fn(|cx| {
            // Bodies dropped in this poll are accounted for after it
            // (after hyper wrote the answer): see super::deferred.
            if let Poll::Ready(result) = super::deferred::polling(|| connection.as_mut().poll(cx)) {
                return Poll::Ready(Event::Ended(result));
            }
            if conn.take_rearm() {
                // A head began and is not complete: its deadline, now.
                return Poll::Ready(Event::Changed);
            }
            gate.task.register(cx.waker());
            if !gate.woken.swap(false, Ordering::AcqRel) {
                return Poll::Pending;
            }
            let mut signals = Context::from_waker(&gate_waker);
            if !stopping && stop.as_mut().poll(&mut signals).is_ready() {
                return Poll::Ready(Event::Stop);
            }
            if armed && timer.as_mut().poll(&mut signals).is_ready() {
                return Poll::Ready(Event::Deadline);
            }
            if changed.as_mut().poll(&mut signals).is_ready() {
                return Poll::Ready(Event::Changed);
            }
            Poll::Pending
        })
        .await;
        match event {
            Event::Ended(result) => {
                if let Err(err) = result {
                    tracing::trace!(%err, "connection ended with an error");
                }
                return;
            }
            Event::Stop => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
            Event::Deadline => {
                let now = tokio::time::Instant::now();
                if goodbye_until.is_some_and(|at| at <= now) {
                    return;
                }
                if conn.deadline(&timeouts).is_some_and(|d| d <= now) {
                    tracing::debug!("closing a connection that sent no request in time");
                    if !polite_close(&conn, &mut goodbye_until) {
                        return;
                    }
                    if !std::mem::replace(&mut stopping, true) {
                        connection.as_mut().graceful_shutdown();
                    }
                }
                // Fired for a deadline that has moved since: re-armed above.
                armed = false;
            }
            Event::Changed => {
                if conn.should_make_room() {
                    if !polite_close(&conn, &mut goodbye_until) {
                        return;
                    }
                    if !std::mem::replace(&mut stopping, true) {
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    }
}

/// What woke a connection's task.
enum Event<E> {
    /// The connection is over (the client closed it, or it failed).
    Ended(Result<(), E>),
    /// The proxy is shutting down.
    Stop,
    /// The timer fired: its deadline may have passed.
    Deadline,
    /// The connection's phase changed, or the accept loop wants room.
    Changed,
}

/// Tells a connection's task that one of its signals (not the connection
/// itself) woke it, so the signals are polled only then.
#[derive(Default)]
struct Gate {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for Gate {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// How long a client gets to close a connection after our GOAWAY.
const GOODBYE_GRACE: Duration = Duration::from_secs(1);

/// An idle connection is to be closed. An HTTP/2 one that has served a
/// request is closed politely: hyper's graceful shutdown sends a GOAWAY, so
/// the client opens a new connection instead of failing the requests it
/// was about to send on this one; returns `true`, start it and wait
/// [`GOODBYE_GRACE`] for the client. Any other is dropped at once (`false`):
/// HTTP/1.1 has no goodbye to say, and keeping an idle HTTP/1.1 connection
/// open a moment longer only widens the window in which a client reuses it
/// just as it closes (a reset instead of an answer); a connection that
/// never completed a request, or was already told, gets no courtesy either.
fn polite_close(conn: &Conn, goodbye_until: &mut Option<tokio::time::Instant>) -> bool {
    if !conn.is_serving_http2() || goodbye_until.is_some() {
        return false;
    }
    *goodbye_until = Some(tokio::time::Instant::now() + GOODBYE_GRACE);
    true
}

/// What each connection serves: the router for the proxy's own paths, and
/// the state forwarded requests need.
struct App {
    router: Router,
    state: ProxyState,
}

/// The router (or forwarding), with each request's life reported to its
/// connection.
///
/// A forwarded request (every path outside [`super::OWN_PREFIX`], which is
/// where the router's fallback would send it anyway) skips the router: its
/// path match, its handler's extractors and its boxed futures came to ~4%
/// of a small request's instructions.
#[derive(Clone)]
struct Handler {
    router: TowerToHyperService<Router>,
    state: ProxyState,
    conn: Arc<Conn>,
}

impl hyper::service::Service<http::Request<Incoming>> for Handler {
    type Response = http::Response<Counted>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, request: http::Request<Incoming>) -> Self::Future {
        use hyper::body::Body as _;
        let http2 = request.version() == http::Version::HTTP_2;
        let in_flight = self.conn.begin(request.body().is_end_stream(), http2);
        let conn = self.conn.clone();
        let request = request.map(|body| Body::new(Watched { body, conn }));
        if !request.uri().path().starts_with(super::OWN_PREFIX) {
            // Mapped rather than awaited in an async block, which would
            // move the handler's large future once more on its first poll.
            let answer = forward::handle(axum::extract::State(self.state.clone()), request);
            return Box::pin(answer.map(|response| Ok(response.map(|body| Counted { body, _in_flight: in_flight }))));
        }
        let answer = self.router.call(request);
        Box::pin(async move {
            let response = answer.await?;
            Ok(response.map(|body| Counted { body, _in_flight: in_flight }))
        })
    }
}

/// A request body that tells its connection when it was read to the end.
struct Watched {
    body: Incoming,
    conn: Arc<Conn>,
}

impl hyper::body::Body for Watched {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.body.is_end_stream() {
            self.conn.body_read();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A response body that keeps its request in flight until it ends.
struct Counted {
    body: Body,
    _in_flight: InFlight,
}

/// hyper drops a body once its last byte is buffered, before writing it
/// out; what the drop does (the request's accounting) waits for the write.
impl Drop for Counted {
    fn drop(&mut self) {
        let body = std::mem::replace(&mut self.body, Body::empty());
        super::deferred::defer(move || drop(body));
    }
}

impl hyper::body::Body for Counted {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
