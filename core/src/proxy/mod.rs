//! The local proxy: one server per service on a loopback port (an axum
//! router behind our own accept loop).
//!
//! - [`forward`]: a request's whole life (checks, body, failover, commit);
//!   [`turn`]: its tries against the upstreams.
//! - [`pump`] / [`body`]: streaming the chosen upstream's answer back;
//!   [`splice`]: a stream whose headers went out before its content, failing
//!   over inside the same client stream.
//! - [`observe`], [`sse`], [`stream_format`], [`decode`]: reading usage,
//!   content starts and terminal events from the stream as it passes, in
//!   each API's format, compressed or not; [`usage_tally`] adds up usage.
//! - [`headers`], [`target`], [`session`]: what goes upstream, and where.
//! - [`guard`]: loopback `Host` only, no browser `Origin`.
//! - [`error`], [`native_error`]: requests the proxy answers itself
//!   ([`error::ProxyError`]), in each client's format.
//! - [`listen`], [`conns`], [`linger`]: accepting clients, with header and
//!   idle timeouts, a connection cap, and a lingering close.
//! - [`identity`], [`counters`]: what the proxy says about itself, and the
//!   requests it answered.
//!
//! Callers bind a listener themselves and hand it to [`serve`], so the CLI,
//! the desktop app and the tests all start the proxy the same way. Routes
//! that are not the proxy's own (the control module's status endpoint)
//! come in from outside through [`serve_with`], so the proxy depends on
//! nothing that reports on it.

pub mod body;
mod bridged;
pub mod client;
mod client_facts;
mod completion;
pub mod conns;
pub mod counters;
pub mod decode;
mod deferred;
pub mod error;
pub mod forward;
pub mod guard;
pub mod headers;
pub mod identity;
mod json_skim;
pub mod linger;
pub mod listen;
pub mod model_map;
pub mod native_error;
pub mod observe;
mod pool;
pub mod pump;
pub mod session;
pub mod splice;
pub mod sse;
pub mod stream_format;
pub mod target;
pub mod turn;
pub mod usage_tally;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use http::HeaderValue;
use tokio::net::TcpListener;

use crate::config::ProxySettings;
use crate::filter::FilterFile;
use crate::lb::LoadBalancer;
use crate::live::LiveConfig;
use crate::live_settings::LiveSettings;
use crate::logs::RequestLog;
use crate::watch::Watched;
use crate::Service;

/// Where the proxy's own endpoints live, its identity and those merged in
/// through [`serve_with`]: a request outside it is forwarded without
/// asking the router (see [`listen`]).
pub const OWN_PREFIX: &str = "/__codex_helper/";

/// Path of the proxy's own identity endpoint: lets `ch` tell a running
/// codex-helper from some other program holding the port.
pub const HEALTH_PATH: &str = "/__codex_helper/health";

/// Timeouts and limits, resolved from settings once per change.
#[derive(Clone, Debug)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub response_header_timeout: Duration,
    pub stream_idle_timeout: Duration,
    pub max_request_body_bytes: usize,
    /// Client side: head and keep-alive timeouts.
    pub client: conns::Timeouts,
    /// Most client connections open at once, per proxy.
    pub max_connections: usize,
}

impl From<&ProxySettings> for Limits {
    fn from(p: &ProxySettings) -> Self {
        Limits {
            connect_timeout: Duration::from_millis(p.connect_timeout_ms),
            response_header_timeout: Duration::from_millis(p.response_header_timeout_ms),
            stream_idle_timeout: Duration::from_millis(p.stream_idle_timeout_ms),
            max_request_body_bytes: usize::try_from(p.max_request_body_bytes).unwrap_or(usize::MAX),
            client: conns::Timeouts {
                header: Duration::from_millis(p.request_header_timeout_ms),
                idle: Duration::from_millis(p.keep_alive_timeout_ms),
            },
            max_connections: match p.max_connections {
                0 => conns::default_cap(),
                n => usize::try_from(n).unwrap_or(usize::MAX),
            },
        }
    }
}

/// What every request of one service's proxy shares.
pub struct Shared {
    pub config: Arc<LiveConfig>,
    pub filters: Arc<FilterFile>,
    pub log: RequestLog,
    pub lb: LoadBalancer,
    /// settings.json as served now: limits, timeouts and the upstream
    /// HTTP client (one atomic load per request).
    pub settings: Arc<Watched<LiveSettings>>,
    /// `Via: 1.1 codex-helper-<port>`, for loop detection.
    pub via: HeaderValue,
    /// Which program runs this proxy (`cli`, `app`), for `ch status`.
    pub owner: &'static str,
    /// Requests answered, by final status (read by the status reports).
    pub counters: Arc<counters::RequestCounters>,
    /// Reads upstreams' rate-limit headers (passive quota).
    pub quota: crate::usage::QuotaTracker,
}

/// The axum state: cheap to clone, one per service server.
#[derive(Clone)]
pub struct ProxyState {
    pub service: Service,
    /// The address the proxy listens on (to refuse loops back to it).
    pub listen: SocketAddr,
    pub shared: Arc<Shared>,
}

/// The proxy's routes: its identity endpoint, and everything else forwarded.
pub fn router(state: ProxyState) -> Router {
    router_with(state, Router::new())
}

/// [`router`] plus `extra` routes (the control endpoint), which take
/// precedence over forwarding but not over the identity endpoint. Every
/// extra route must be under [`OWN_PREFIX`]: the server forwards any other
/// path without consulting the router.
pub fn router_with(state: ProxyState, extra: Router<ProxyState>) -> Router {
    Router::new().route(HEALTH_PATH, get(health)).merge(extra).fallback(forward::handle).with_state(state)
}

/// Who this proxy is. Behind the same Host/Origin guard as everything else:
/// a web page has no business learning that the proxy runs.
async fn health(
    axum::extract::State(state): axum::extract::State<ProxyState>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let (parts, _) = request.into_parts();
    if let Err(refusal) = guard::check(&parts) {
        return error::ProxyError::new(state.service, error::Reason::Guard(refusal)).into_response();
    }
    axum::Json(identity::Identity {
        app: identity::APP.to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        service: state.service,
        pid: std::process::id(),
        port: state.listen.port(),
        owner: state.shared.owner.to_string(),
    })
    .into_response()
}

/// Serve `state` on `listener` until `shutdown` resolves, then finish the
/// requests in flight (see [`listen`] for timeouts and the connection cap).
pub async fn serve(
    listener: TcpListener,
    state: ProxyState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, Router::new(), shutdown).await
}

/// [`serve`] with `extra` routes (see [`router_with`]).
pub async fn serve_with(
    listener: TcpListener,
    state: ProxyState,
    extra: Router<ProxyState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let settings = state.shared.settings.clone();
    let limits: listen::LimitsSource = Arc::new(move || {
        let live = settings.load();
        (live.limits.client, live.limits.max_connections)
    });
    listen::serve(listener, router_with(state.clone(), extra), state, limits, shutdown).await
}

/// The HTTP client used for upstreams: rustls, connection pooling, and
/// redirects followed only within the same host (a key must never be sent
/// to a host the user did not configure). See [`client`].
pub fn http_client(limits: &Limits) -> Result<client::UpstreamClient, client::BuildError> {
    client::UpstreamClient::new(limits.connect_timeout)
}
