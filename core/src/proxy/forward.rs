//! One client request, start to finish: check it, read its body, try the
//! upstreams in the load balancer's order until one gives a real answer,
//! then stream that answer back.
//!
//! Nothing reaches the client until an upstream is committed to, so every
//! failure before that point is invisible and retried; after it, nothing is
//! retried (the client would see output twice). The one exception is a
//! `200 text/event-stream` the proxy can frame: its status and headers go
//! out at once and only its opening events wait for content; a failure
//! before content continues the same client stream with the next upstream
//! (see [`super::splice`]).

use std::future::Future;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};
use tokio::time::Instant;

use super::body::{Ledger, ProxyBody};
use super::client_facts::ClientFacts;
use super::error::{ProxyError, Reason};
use super::headers;
use super::session::session_of;
use super::splice;
use super::turn::{try_upstream, Chosen, ChosenBody, Tried, Turn};
use super::ProxyState;
use crate::lb::retry::{classify_status, Verdict};
use crate::lb::Outcome;
use crate::logs::RequestRecord;

/// Answers one forwarded request.
///
/// Written as a function returning an async block, as the rest of the
/// forwarding path is: an `async fn`'s future keeps a second copy of its
/// arguments (rust-lang/rust#62958), and each level's future is copied
/// whole into its caller's when it is first awaited.
#[allow(clippy::manual_async_fn)] // on purpose: see above
pub fn handle(State(state): State<ProxyState>, req: Request) -> impl Future<Output = Response> {
    async move {
        let started = Instant::now();
        let (parts, body) = req.into_parts();
        let record = RequestRecord::new(state.service.as_str(), parts.method.as_str(), parts.uri.path());
        let mut pending = PendingLine { record: Some(record), log: &state.shared.log, started };
        let record = pending.record.as_mut().expect("just set");
        let response = match run(&state, parts, body, record, started).await {
            Ok(response) => {
                // The response's body (or `run` itself) owns the log line now.
                pending.record = None;
                response
            }
            Err(reason) => {
                let status = reason.status();
                let message = reason.to_string();
                tracing::debug!(%status, %message, "request answered by the proxy");
                let mut record = pending.record.take().expect("still pending");
                record.status_code = status.as_u16();
                record.duration_ms = started.elapsed().as_millis() as u64;
                record.error = Some(message);
                state.shared.log.record(record);
                ProxyError::new(state.service, reason).into_response()
            }
        };
        state.shared.counters.count(response.status());
        response
    }
}

/// The log line of a request whose response has not started yet. If the
/// client goes away first, the server drops the handler mid-way; the line
/// is still written, so every request is in the log.
struct PendingLine<'a> {
    record: Option<RequestRecord>,
    log: &'a crate::logs::RequestLog,
    started: Instant,
}

/// The status nginx logs for "client closed the request"; no HTTP status
/// was ever sent.
const CLIENT_CLOSED: u16 = 499;

impl Drop for PendingLine<'_> {
    fn drop(&mut self) {
        if let Some(mut record) = self.record.take() {
            record.status_code = CLIENT_CLOSED;
            record.duration_ms = self.started.elapsed().as_millis() as u64;
            record.error = Some("the client closed the connection before the response started".into());
            self.log.record(record);
        }
    }
}

#[allow(clippy::manual_async_fn)] // on purpose: see forward::handle
fn run<'a>(
    state: &'a ProxyState,
    parts: Parts,
    body: Body,
    record: &'a mut RequestRecord,
    started: Instant,
) -> impl Future<Output = Result<Response, Reason>> + 'a {
    async move {
        let facts = ClientFacts::scan(&parts.headers);
        super::guard::check_facts(&facts, &parts.uri).map_err(Reason::Guard)?;
        if facts.via && headers::looped(&parts.headers, state.listen.port()) {
            return Err(Reason::Loop { port: state.listen.port() });
        }
        if facts.upgrade.and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
            return Err(Reason::WebSocket);
        }

        let snapshot = state.shared.config.snapshot();
        let active = snapshot.active(state.service).cloned().ok_or(Reason::NoConfig { service: state.service })?;
        record.config_name = String::from(&*active.name);

        let settings = state.shared.settings.get();
        let body = read_body(facts.content_length, body, settings.limits.max_request_body_bytes).await?;
        let body = apply_filters(state, facts.content_encoding, body)?;
        let session = session_of(state.service, &facts.session, &body);
        record.session_id = session.clone();
        let connection = facts.connection;

        let order = state.shared.lb.plan(&active.ids, session.as_deref(), active.strategy);
        let mut turn = Turn::new(state.clone(), parts, connection, body, active, settings, session, order, started);
        while let Some((index, permit)) = turn.next_attempt().await {
            let attempt_started = Instant::now();
            record.upstream_base_url = String::from(&*turn.active.upstreams[index].base_url);
            match try_upstream(&turn, index, false, permit).await {
                Tried::Chosen(chosen) => {
                    turn.chosen(index, chosen.status, attempt_started, record);
                    let ledger = Ledger {
                        service: state.service,
                        record: std::mem::take(record),
                        started,
                        lb: state.shared.lb.clone(),
                        log: state.shared.log.clone(),
                        upstream: turn.active.ids[index].clone(),
                        client_error: classify_status(chosen.status) == Verdict::ClientError,
                        request_body: turn.body.clone(),
                    };
                    let response = respond(chosen, ledger);
                    // The load balancer's bookkeeping (three locked maps) and
                    // dropping the turn (the client's headers, the plan) can
                    // wait until the answer is out (see super::deferred): the
                    // next request on this connection comes after it.
                    super::deferred::defer(move || {
                        turn.serve(index);
                        drop(turn)
                    });
                    return Ok(response);
                }
                Tried::Opened(opened) => {
                    record.status_code = StatusCode::OK.as_u16();
                    record.ttfb_ms = Some(started.elapsed().as_millis() as u64);
                    record.streamed = true;
                    let headers = headers::to_client(opened.headers, true);
                    let body =
                        splice::SpliceBody::new(turn, std::mem::take(record), index, attempt_started, opened.pump);
                    let mut response = Response::new(Body::from_stream(body));
                    *response.headers_mut() = headers;
                    return Ok(response);
                }
                Tried::Failed(failed) => turn.failed(index, failed, attempt_started, record),
                Tried::Unstreamable(_) => unreachable!("only after the client's stream began"),
            }
        }
        Err(turn.all_failed())
    }
}

/// The client's response for the chosen upstream, its body accounted for
/// when it ends.
fn respond(chosen: Chosen, mut ledger: Ledger) -> Response {
    ledger.record.status_code = chosen.status.as_u16();
    ledger.record.ttfb_ms = Some(ledger.started.elapsed().as_millis() as u64);
    let (body, framed) = match chosen.body {
        ChosenBody::Stream(held, pump) => {
            let framed = pump.can_append_event();
            ledger.record.streamed = pump.observer.is_sse();
            // Passed on to the client unless framed (see ProxyBody::new).
            let length = if framed {
                None
            } else {
                chosen
                    .headers
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse().ok())
            };
            (Body::from_stream(ProxyBody::new(held, pump, ledger, length)), framed)
        }
        ChosenBody::Empty => {
            // Nothing will poll a body, so account for the request now.
            ledger.record.duration_ms = ledger.started.elapsed().as_millis() as u64;
            let outcome = if ledger.client_error {
                Outcome::Neutral { status: ledger.record.status_code }
            } else {
                Outcome::Success { status: ledger.record.status_code, started: ledger.started }
            };
            ledger.lb.record(&ledger.upstream, &outcome);
            ledger.log.record(ledger.record);
            (Body::empty(), false)
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = chosen.status;
    *response.headers_mut() = headers::to_client(chosen.headers, framed);
    response
}

/// `declared`: the client's `Content-Length`, refused early when over `limit`.
async fn read_body(declared: Option<&HeaderValue>, body: Body, limit: usize) -> Result<Bytes, Reason> {
    let too_large = || Reason::BodyTooLarge { limit };
    let declared = declared.and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|err| {
        let mut source: Option<&dyn std::error::Error> = Some(&err);
        while let Some(e) = source {
            if e.is::<http_body_util::LengthLimitError>() {
                return too_large();
            }
            source = e.source();
        }
        Reason::BadBody(err.to_string())
    })
}

/// `compressed`: the client sent a `Content-Encoding`.
fn apply_filters(state: &ProxyState, compressed: bool, body: Bytes) -> Result<Bytes, Reason> {
    // A broken filter.json with no good rules to fall back on: refuse rather
    // than send what the user asked to redact.
    let rules = state.shared.filters.rules().map_err(|blocked| Reason::FilterInvalid(blocked.to_string()))?;
    // A compressed request body can't be filtered literally; leave it alone.
    if rules.is_empty() || body.is_empty() || compressed {
        return Ok(body);
    }
    Ok(match rules.apply(&body) {
        Some(filtered) => Bytes::from(filtered),
        None => body,
    })
}
