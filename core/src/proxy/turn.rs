//! One request's tries against its upstreams: the request as it goes
//! upstream ([`Turn`], which a stream whose headers went out early carries
//! into its body, see [`super::splice`]), one try ([`try_upstream`]) and what
//! it gave ([`Tried`]), and the accounting of each attempt (health, the
//! log's attempts, the list an all-failed error reports).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Method, StatusCode};
use tokio::time::Instant;

use futures_util::StreamExt;

use super::bridged::{self, ByteStream};
use super::client::SendError;
use super::error::Reason;
use super::headers;
use super::model_map::{self, ModelField};
use super::observe::Observer;
use super::pump::Pump;
use super::splice::hold_opening;
use super::ProxyState;
use crate::lb::error::SNIPPET;
use crate::lb::retry::{classify_status, retry_after, Verdict};
use crate::lb::slots::{self, Slot, SlotPermit};
use crate::lb::{ErrorKind, Outcome, UpstreamError};
use crate::live::ActiveConfig;
use crate::live_settings::LiveSettings;
use crate::logs::{Attempt, RequestRecord};

/// One upstream that did not work out, before anything reached the client.
pub(super) struct Failed {
    pub error: UpstreamError,
    pub retry_after: Option<Duration>,
}

impl From<UpstreamError> for Failed {
    fn from(error: UpstreamError) -> Failed {
        Failed { error, retry_after: None }
    }
}

/// An upstream whose answer goes to the client.
pub(super) struct Chosen {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: ChosenBody,
}

pub(super) enum ChosenBody {
    /// Pieces already read while judging the answer, then the rest.
    Stream(Vec<Bytes>, Box<Pump>),
    /// HEAD, 204, 304: there is no body to stream.
    Empty,
}

pub(super) enum Tried {
    Chosen(Chosen),
    Failed(Failed),
    /// A `200 text/event-stream` the proxy frames: the client's headers can
    /// go out now, its opening events wait for content (see
    /// [`super::splice`]).
    Opened(Opened),
    /// After the client's stream began: an answer that cannot continue it
    /// (not an event stream, or a client error); it ends that stream.
    Unstreamable(Unstreamable),
}

/// A framed event stream whose first content has not arrived yet.
pub(super) struct Opened {
    pub headers: http::HeaderMap,
    pub pump: Box<Pump>,
}

/// An answer that is not a stream the client's stream could go on with.
pub(super) struct Unstreamable {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// What outlives the handler of one request: the request as it goes
/// upstream, and the upstreams still to try. A stream whose headers went
/// out early carries it along, to fail over from inside its body.
pub(super) struct Turn {
    pub state: ProxyState,
    pub method: Method,
    pub uri: http::Uri,
    pub headers: http::HeaderMap,
    /// What the client's `Connection` header lists (hop-by-hop, not sent
    /// upstream), found once for every attempt.
    pub connection_listed: Vec<http::HeaderName>,
    pub body: Bytes,
    pub active: Arc<ActiveConfig>,
    /// Loaded once per request.
    pub settings: Arc<LiveSettings>,
    pub session: Option<String>,
    /// The upstreams not tried yet, in the load balancer's order.
    pub order: std::vec::IntoIter<usize>,
    pub failures: Vec<(usize, Failed)>,
    /// Upstreams passed over because they were at their `max_concurrent`
    /// cap, to wait for once `order` is done.
    pub busy: Vec<usize>,
    /// Until when a request may wait for a slot (set at its first wait, for
    /// the whole request).
    pub wait_deadline: Option<Instant>,
    pub started: Instant,
    /// The client's `model`, found in `body` the first time an upstream with
    /// a model map needs it (never, for configs without maps).
    pub model: std::sync::OnceLock<Option<ModelField>>,
}

/// The next upstream to try, with its slot when it has a cap.
pub(super) type NextAttempt = (usize, Option<SlotPermit>);

impl Turn {
    /// Builds the turn of one request, to try `order`. `connection`: the
    /// client sent a `Connection` header (see [`super::client_facts`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        state: ProxyState,
        parts: http::request::Parts,
        connection: bool,
        body: Bytes,
        active: Arc<ActiveConfig>,
        settings: Arc<LiveSettings>,
        session: Option<String>,
        order: Vec<usize>,
        started: Instant,
    ) -> Turn {
        let connection_listed = if connection { headers::connection_listed(&parts.headers) } else { Vec::new() };
        Turn {
            state,
            method: parts.method,
            uri: parts.uri,
            headers: parts.headers,
            connection_listed,
            body,
            active,
            settings,
            session,
            order: order.into_iter(),
            failures: Vec::new(),
            busy: Vec::new(),
            wait_deadline: None,
            started,
            model: std::sync::OnceLock::new(),
        }
    }

    /// Upstream `index`'s cap and in-flight count, when it has a cap.
    fn slot(&self, index: usize) -> Option<(u32, &Arc<Slot>)> {
        let upstream = &self.active.upstreams[index];
        let cap = upstream.max_concurrent?;
        Some((cap, upstream.slot.get_or_init(|| self.state.shared.lb.slot(&self.active.ids[index]))))
    }

    /// The next upstream to try, in the load balancer's order, skipping
    /// those at their cap (the next one takes the request; a session
    /// pinned to a full upstream moves on too: the cap is the relay's
    /// limit, a warm prompt cache is not worth a refused request). When
    /// only full ones are left, waits for the first to free a slot, up to
    /// `lb.max_concurrent_wait_ms` for the whole request. `None`: nothing
    /// left to try (see [`Turn::all_failed`]).
    pub async fn next_attempt(&mut self) -> Option<NextAttempt> {
        while let Some(index) = self.order.next() {
            let Some((cap, slot)) = self.slot(index) else { return Some((index, None)) };
            match slot.try_take(cap) {
                Some(permit) => return Some((index, Some(permit))),
                None => self.busy.push(index),
            }
        }
        if self.busy.is_empty() {
            return None;
        }
        let wait = self.settings.max_concurrent_wait;
        let deadline = *self.wait_deadline.get_or_insert_with(|| Instant::now() + wait);
        let waiting: Vec<(usize, Arc<Slot>, u32)> =
            self.busy.iter().filter_map(|&i| self.slot(i).map(|(cap, slot)| (i, slot.clone(), cap))).collect();
        let (index, permit) = slots::wait_any(&waiting, deadline).await?;
        self.busy.retain(|&i| i != index);
        Some((index, Some(permit)))
    }

    /// Accounts for one failed attempt: health, the log's attempts, and the
    /// list [`Turn::all_failed`] reports.
    pub fn failed(&mut self, index: usize, failed: Failed, attempt_started: Instant, record: &mut RequestRecord) {
        let upstream = &self.active.upstreams[index];
        let error = &failed.error;
        tracing::info!(upstream = %upstream.base_url, kind = %error.kind, %error, "upstream attempt failed");
        self.state.shared.lb.record(
            &self.active.ids[index],
            &Outcome::Failure { error: error.clone(), retry_after: failed.retry_after },
        );
        record.attempts.push(Attempt {
            upstream_base_url: String::from(&*upstream.base_url),
            status_code: error.status,
            outcome: "failed".into(),
            duration_ms: attempt_started.elapsed().as_millis() as u64,
            error: Some(error.message.clone()),
            error_kind: Some(error.kind.as_str().into()),
            protocol: upstream.logged_protocol(),
            upstream_model: self.upstream_model(index),
        });
        self.failures.push((index, failed));
    }

    /// Accounts in the log for the attempt whose answer goes to the client
    /// (see [`Turn::serve`] for the load balancer).
    pub fn chosen(&self, index: usize, status: StatusCode, attempt_started: Instant, record: &mut RequestRecord) {
        record.attempts.push(Attempt {
            upstream_base_url: String::from(&*self.active.upstreams[index].base_url),
            status_code: Some(status.as_u16()),
            outcome: "ok".into(),
            duration_ms: attempt_started.elapsed().as_millis() as u64,
            error: None,
            error_kind: None,
            protocol: self.active.upstreams[index].logged_protocol(),
            upstream_model: self.upstream_model(index),
        });
    }

    /// Tells the load balancer upstream `index` serves this request: pins
    /// the session to it, and it becomes the config's serving upstream.
    pub fn serve(&self, index: usize) {
        self.state.shared.lb.served(self.session.as_deref(), &self.active.ids[index], index);
    }

    /// The model name upstream `index` is sent, when its map changes the
    /// client's: for the log's attempt.
    pub fn upstream_model(&self, index: usize) -> Option<String> {
        let map = &self.active.upstreams[index].model_map;
        if map.is_empty() {
            return None;
        }
        Some(map.target(&self.model_field()?.value)?.to_string())
    }

    fn model_field(&self) -> Option<&ModelField> {
        self.model.get_or_init(|| model_map::find_model(&self.body)).as_ref()
    }

    /// The body as upstream `index` gets it in the client's protocol: the
    /// client's, with the model mapped when its map says so (the same bytes
    /// otherwise, not even parsed without a map).
    fn native_body(&self, index: usize) -> Bytes {
        let map = &self.active.upstreams[index].model_map;
        if map.is_empty() {
            return self.body.clone();
        }
        match self.model_field().and_then(|field| Some((field, map.target(&field.value)?))) {
            Some((field, to)) => model_map::rewrite(&self.body, field, to),
            None => self.body.clone(),
        }
    }

    /// Why no upstream worked: which were tried and what went wrong, and
    /// which were at their cap all along.
    pub fn all_failed(&mut self) -> Reason {
        let failures = std::mem::take(&mut self.failures);
        if self.busy.is_empty() {
            return all_failed(&self.active, failures);
        }
        let full = self
            .busy
            .iter()
            .map(|&i| {
                let upstream = &self.active.upstreams[i];
                (upstream.label.clone(), upstream.max_concurrent.unwrap_or_default())
            })
            .collect();
        let tried = failures.into_iter().map(|(i, f)| (self.active.upstreams[i].base_url.clone(), f.error)).collect();
        Reason::AtCapacity { config: self.active.name.clone(), full, waited: self.settings.max_concurrent_wait, tried }
    }
}

/// One try against upstream `index`. `spliced`: the client's stream already
/// began (see [`super::splice`]), so only an uncompressed event stream can
/// continue it.
/// `permit`: its slot, when it has a cap; held by its body stream.
pub(super) async fn try_upstream(turn: &Turn, index: usize, spliced: bool, permit: Option<SlotPermit>) -> Tried {
    let (state, upstream) = (&turn.state, &turn.active.upstreams[index]);
    let fail = |error: UpstreamError| Tried::Failed(error.into());
    if let Some(problem) = &upstream.problem {
        return fail(UpstreamError::new(ErrorKind::Misconfigured, problem.clone()));
    }
    if upstream.loopback_port == Some(state.listen.port()) {
        return fail(UpstreamError::new(ErrorKind::Misconfigured, format!(
            "its base_url points at this proxy itself (port {}), which would loop; change it in ~/.codex-helper/config.json",
            state.listen.port()
        )));
    }
    let bridge = match bridged::prepare(turn, upstream) {
        Ok(bridge) => bridge,
        Err(error) => return fail(error),
    };
    if let Some(tried) = bridge.as_ref().and_then(|b| b.answered_here(turn)) {
        return tried;
    }
    let uri = match upstream_uri(turn, upstream, bridge.as_ref()) {
        Ok(uri) => uri,
        Err(error) => return fail(error),
    };
    // The model map applies whatever the protocol: a bridge's translation
    // keeps the client's `model` at the top level, so it is mapped there.
    let body = match &bridge {
        None => turn.native_body(index),
        Some(b) => model_map::map_model(&b.body, &upstream.model_map).unwrap_or_else(|| b.body.clone()),
    };
    let upstream_headers = || {
        let mut made = headers::to_upstream(
            &turn.headers,
            &turn.connection_listed,
            &upstream.auth,
            &upstream.extra_headers,
            &state.shared.via,
        );
        // The bridge reads the upstream's stream itself, uncompressed.
        if spliced || bridge.is_some() {
            // The client's stream is uncompressed: a backup's events are
            // spliced into it as they are.
            made.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("identity"));
        }
        made
    };
    let settings = &turn.settings;
    // Boxed: the send's future is the largest part of this one, which is
    // moved into its caller's and theirs in turn (a memcpy per level).
    let request = Box::pin(settings.http.send(turn.method.clone(), uri, &upstream_headers, body));
    let limits = &settings.limits;
    let response = match tokio::time::timeout(limits.response_header_timeout, request).await {
        Err(_) => {
            return fail(UpstreamError::new(
                ErrorKind::Timeout,
                format!(
                    "no response within {} s (response_header_timeout_ms)",
                    limits.response_header_timeout.as_secs_f64()
                ),
            ))
        }
        Ok(Err(err)) => {
            return fail(UpstreamError::new(ErrorKind::Connection, describe_send_error(&err, limits.connect_timeout)))
        }
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    // Passive quota: a scan of header names unless a known family is there
    // (a 429 carries them too).
    state.shared.quota.observe_headers(state.service, &turn.active.ids[index], response.headers());
    if classify_status(status) == Verdict::Retryable {
        let retry_after = retry_after(response.headers());
        let error = UpstreamError::from_answer(status, &error_body(response).await);
        return Tried::Failed(Failed { error, retry_after });
    }
    // A bridged answer is translated here, before the pump: from here on
    // it is the client's own stream (or answer, or error).
    let (headers, upstream_body): (http::HeaderMap, ByteStream) = match &bridge {
        // Boxed for the same reason as the send.
        Some(bridge) => match Box::pin(bridge.answer(response)).await {
            Ok(answer) => answer,
            Err(error) => return fail(error),
        },
        _ => {
            // Taken, not cloned: the body stream does not need them.
            let mut response = response;
            (std::mem::take(response.headers_mut()), bridged::body_stream(response))
        }
    };
    // Counted in flight while its body is read (see crate::lb::slots).
    let upstream_body = match permit {
        Some(permit) => slots::hold(upstream_body, permit).boxed(),
        None => upstream_body,
    };
    let observer = Observer::new(state.service, &headers);
    let judge = observer.is_sse() && status.is_success();
    if spliced {
        if !judge {
            let content_type = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("no content type")
                .to_string();
            return Tried::Unstreamable(Unstreamable {
                status,
                content_type,
                body: error_body_of(upstream_body).await,
            });
        }
        if !observer.is_identity() {
            return fail(UpstreamError::new(
                ErrorKind::Unknown,
                "it compressed its event stream although asked for `accept-encoding: identity`, so it cannot continue the stream the client already receives",
            ));
        }
    }
    if turn.method == Method::HEAD || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return Tried::Chosen(Chosen { status, headers, body: ChosenBody::Empty });
    }
    let framed = observer.is_identity();
    // Boxed where it is made: it is moved on to the client's body.
    let mut pump = Box::new(Pump::from_stream(upstream_body, observer, limits.stream_idle_timeout, judge));
    if !judge {
        return Tried::Chosen(Chosen { status, headers, body: ChosenBody::Stream(Vec::new(), pump) });
    }
    if framed && status == StatusCode::OK {
        return Tried::Opened(Opened { headers, pump });
    }
    // A compressed (or non-200) stream is held whole until content: the
    // proxy could not end or continue it well-formed once it went out.
    match hold_opening(&mut pump, status).await {
        Ok(held) => Tried::Chosen(Chosen { status, headers, body: ChosenBody::Stream(held, pump) }),
        Err(error) => fail(error),
    }
}

/// Where the request goes on `upstream`: its base URL with the client's
/// path (a bridge's path instead) and query.
fn upstream_uri(
    turn: &Turn,
    upstream: &crate::live::ActiveUpstream,
    bridge: Option<&bridged::Bridged>,
) -> Result<http::Uri, UpstreamError> {
    let misconfigured = |why: String| UpstreamError::new(ErrorKind::Misconfigured, why);
    let Some(target) = &upstream.target else {
        return Err(misconfigured(format!("its base_url `{}` is not an absolute http(s) URL", upstream.base_url)));
    };
    let path_and_query = match bridge {
        Some(bridge) => http::uri::PathAndQuery::from_static(bridge.path),
        None => turn.uri.path_and_query().cloned().unwrap_or_else(|| http::uri::PathAndQuery::from_static("/")),
    };
    target.uri(&path_and_query).map_err(|err| misconfigured(format!("its request URL cannot be built: {err}")))
}

/// The answer when no upstream worked: which were tried and why they failed.
fn all_failed(active: &ActiveConfig, failures: Vec<(usize, Failed)>) -> Reason {
    let retry_after = failures.last().and_then(|(_, f)| f.retry_after);
    let tried = failures.into_iter().map(|(i, f)| (active.upstreams[i].base_url.clone(), f.error)).collect();
    Reason::AllFailed { config: active.name.clone(), tried, retry_after }
}

/// The start of an upstream's error body (enough for [`SNIPPET`]), read
/// for at most two seconds.
async fn error_body(response: bridged::UpstreamResponse) -> Vec<u8> {
    error_body_of(bridged::body_stream(response)).await
}

async fn error_body_of(mut stream: ByteStream) -> Vec<u8> {
    let read = async {
        let mut buf = Vec::new();
        while let Some(Ok(chunk)) = stream.next().await {
            buf.extend_from_slice(&chunk);
            if buf.len() >= SNIPPET * 4 {
                break;
            }
        }
        buf
    };
    tokio::time::timeout(Duration::from_secs(2), read).await.unwrap_or_default()
}
fn describe_send_error(err: &SendError, connect_timeout: Duration) -> String {
    match err {
        SendError::ConnectTimeout => {
            format!("could not connect within {} s (connect_timeout_ms)", connect_timeout.as_secs_f64())
        }
        SendError::Connect(root) => format!("could not connect: {root}"),
        SendError::Redirect(root) => format!("redirect refused: {root}"),
        SendError::Request { message, timed_out: true } => format!("request failed: timed out: {message}"),
        SendError::Request { message, timed_out: false } => format!("request failed: {message}"),
    }
}
