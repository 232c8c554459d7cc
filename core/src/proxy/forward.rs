//! One client request, start to finish: check it, read its body, try the
//! upstreams in the load balancer's order until one gives a real answer,
//! then stream that answer back.
//!
//! Nothing reaches the client until an upstream is committed to, so every
//! failure before that point is invisible and retried; after it, nothing is
//! retried (the client would see output twice).

use std::future::poll_fn;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::request::Parts;
use http::{header, Method, StatusCode};
use tokio::time::Instant;

use super::body::{Ledger, ProxyBody};
use super::error::{ProxyError, Reason};
use super::headers;
use super::observe::Observer;
use super::pump::{root_cause, FaultKind, Pump};
use super::session::session_id;
use super::target::upstream_url;
use super::ProxyState;
use crate::lb::error::SNIPPET;
use crate::lb::retry::{classify_status, decide, retry_after, Verdict};
use crate::lb::{ErrorKind, Outcome, UpstreamError};
use crate::live::{ActiveConfig, ActiveUpstream};
use crate::logs::{Attempt, RequestRecord};

/// Read while deciding whether a streaming answer is real before giving up
/// waiting for content and committing anyway.
const MAX_HELD: usize = 1 << 20;
/// One upstream that did not work out, before anything reached the client.
struct Failed {
    error: UpstreamError,
    retry_after: Option<Duration>,
}

impl From<UpstreamError> for Failed {
    fn from(error: UpstreamError) -> Failed {
        Failed { error, retry_after: None }
    }
}

/// An upstream whose answer goes to the client.
struct Chosen {
    status: StatusCode,
    headers: http::HeaderMap,
    body: ChosenBody,
}

enum ChosenBody {
    /// Pieces already read while judging the answer, then the rest.
    Stream(Vec<Bytes>, Box<Pump>),
    /// HEAD, 204, 304: there is no body to stream.
    Empty,
}

enum Tried {
    Chosen(Chosen),
    Failed(Failed),
}

pub async fn handle(State(state): State<ProxyState>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let record = RequestRecord::new(state.service.as_str(), parts.method.as_str(), parts.uri.path());
    let mut pending = PendingLine { record: Some(record), log: &state.shared.log, started };
    let record = pending.record.as_mut().expect("just set");
    let response = match run(&state, &parts, body, record, started).await {
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

async fn run(
    state: &ProxyState,
    parts: &Parts,
    body: Body,
    record: &mut RequestRecord,
    started: Instant,
) -> Result<Response, Reason> {
    super::guard::check(parts).map_err(Reason::Guard)?;
    if headers::looped(&parts.headers, state.listen.port()) {
        return Err(Reason::Loop { port: state.listen.port() });
    }
    if is_websocket(parts) {
        return Err(Reason::WebSocket);
    }

    let snapshot = state.shared.config.snapshot();
    let active = snapshot.active(state.service).cloned().ok_or(Reason::NoConfig { service: state.service })?;
    record.config_name = active.name.to_string();

    let max_body = state.shared.settings.load().limits.max_request_body_bytes;
    let body = read_body(parts, body, max_body).await?;
    let body = apply_filters(state, parts, body)?;
    let session = session_id(state.service, &parts.headers, &body);
    record.session_id = session.clone();

    let order = state.shared.lb.plan(&active.ids, session.as_deref());
    let mut failures: Vec<(usize, Failed)> = Vec::new();
    for index in order {
        let upstream = &active.upstreams[index];
        let attempt_started = Instant::now();
        record.upstream_base_url = upstream.base_url.to_string();
        match try_upstream(state, parts, &body, upstream).await {
            Tried::Chosen(chosen) => {
                record.attempts.push(Attempt {
                    upstream_base_url: upstream.base_url.to_string(),
                    status_code: Some(chosen.status.as_u16()),
                    outcome: "ok".into(),
                    duration_ms: attempt_started.elapsed().as_millis() as u64,
                    error: None,
                    error_kind: None,
                });
                state.shared.lb.served(session.as_deref(), &active.ids[index], index);
                let ledger = Ledger {
                    service: state.service,
                    record: std::mem::take(record),
                    started,
                    lb: state.shared.lb.clone(),
                    log: state.shared.log.clone(),
                    upstream: active.ids[index].clone(),
                    client_error: classify_status(chosen.status) == Verdict::ClientError,
                };
                return Ok(respond(chosen, ledger));
            }
            Tried::Failed(failed) => {
                let error = &failed.error;
                tracing::info!(upstream = %upstream.base_url, kind = %error.kind, %error, "upstream attempt failed");
                state.shared.lb.record(
                    &active.ids[index],
                    &Outcome::Failure { error: error.clone(), retry_after: failed.retry_after },
                );
                record.attempts.push(Attempt {
                    upstream_base_url: upstream.base_url.to_string(),
                    status_code: error.status,
                    outcome: "failed".into(),
                    duration_ms: attempt_started.elapsed().as_millis() as u64,
                    error: Some(error.message.clone()),
                    error_kind: Some(error.kind.as_str().into()),
                });
                failures.push((index, failed));
            }
        }
    }
    Err(all_failed(&active, failures))
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
            // Passed on to the client unless framed (see ProxyBody::with_length).
            let length = if framed {
                None
            } else {
                chosen
                    .headers
                    .get(header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse().ok())
            };
            (Body::from_stream(ProxyBody::new(held, *pump, ledger).with_length(length)), framed)
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
    *response.headers_mut() = headers::to_client(&chosen.headers, framed);
    response
}

/// One try against one upstream.
async fn try_upstream(state: &ProxyState, parts: &Parts, body: &Bytes, upstream: &ActiveUpstream) -> Tried {
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
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let url = upstream_url(&upstream.url, path_and_query);
    let settings = state.shared.settings.get();
    let request = settings
        .http
        .request(parts.method.clone(), url)
        .headers(headers::to_upstream(&parts.headers, &upstream.auth, &state.shared.via))
        .body(body.clone());
    let limits = &settings.limits;
    let response = match tokio::time::timeout(limits.response_header_timeout, request.send()).await {
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
    if classify_status(status) == Verdict::Retryable {
        let retry_after = retry_after(response.headers());
        let error = UpstreamError::from_answer(status, &error_body(response).await);
        return Tried::Failed(Failed { error, retry_after });
    }
    let headers = response.headers().clone();
    if parts.method == Method::HEAD || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return Tried::Chosen(Chosen { status, headers, body: ChosenBody::Empty });
    }
    let observer = Observer::new(state.service, &headers);
    let judge = observer.is_sse() && status.is_success();
    let mut pump = Pump::new(response, observer, limits.stream_idle_timeout, judge);
    if !judge {
        return Tried::Chosen(Chosen { status, headers, body: ChosenBody::Stream(Vec::new(), Box::new(pump)) });
    }
    // A streaming answer is only real once content flows: hold the opening
    // events until then, so a stream that dies or reports an error first
    // can still go to the next upstream without the client noticing.
    let mut held = Vec::new();
    let mut held_bytes = 0;
    loop {
        match poll_fn(|cx| pump.poll_next(cx)).await {
            Some(Ok(piece)) => {
                held_bytes += piece.len();
                held.push(piece);
                if let Some(err) = pump.observer.early_error() {
                    // The client's own mistake (`context_length_exceeded`…)
                    // goes to it as is: every upstream would say the same.
                    if decide(err.kind, None).fail_over {
                        let mut error = err.clone().context("the stream reported an error before any content");
                        error.status = Some(status.as_u16());
                        return fail(error);
                    }
                    break;
                }
                if pump.observer.content_started() || held_bytes > MAX_HELD {
                    break;
                }
            }
            Some(Err(fault)) if fault.kind == FaultKind::EndedEarly => {
                return fail(fault.to_upstream_error("the stream ended before any content"))
            }
            Some(Err(fault)) => return fail(fault.to_upstream_error("the stream broke before any content")),
            None => {
                return fail(UpstreamError::new(ErrorKind::StreamEndedEarly, "the stream ended before any content"))
            }
        }
    }
    Tried::Chosen(Chosen { status, headers, body: ChosenBody::Stream(held, Box::new(pump)) })
}

async fn read_body(parts: &Parts, body: Body, limit: usize) -> Result<Bytes, Reason> {
    let too_large = || Reason::BodyTooLarge { limit };
    let declared =
        parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
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

fn apply_filters(state: &ProxyState, parts: &Parts, body: Bytes) -> Result<Bytes, Reason> {
    // A broken filter.json with no good rules to fall back on: refuse rather
    // than send what the user asked to redact.
    let rules = state.shared.filters.rules().map_err(|blocked| Reason::FilterInvalid(blocked.to_string()))?;
    // A compressed request body can't be filtered literally; leave it alone.
    if body.is_empty() || parts.headers.contains_key(header::CONTENT_ENCODING) || rules.is_empty() {
        return Ok(body);
    }
    Ok(match rules.apply(&body) {
        Some(filtered) => Bytes::from(filtered),
        None => body,
    })
}

fn is_websocket(parts: &Parts) -> bool {
    parts
        .headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// The answer when no upstream worked: which were tried and why they failed.
fn all_failed(active: &ActiveConfig, failures: Vec<(usize, Failed)>) -> Reason {
    let retry_after = failures.last().and_then(|(_, f)| f.retry_after);
    let tried = failures.into_iter().map(|(i, f)| (active.upstreams[i].base_url.clone(), f.error)).collect();
    Reason::AllFailed { config: active.name.clone(), tried, retry_after }
}

/// The start of an upstream's error body (enough for [`SNIPPET`]), read
/// for at most two seconds.
async fn error_body(response: reqwest::Response) -> Vec<u8> {
    let read = async {
        let mut buf = Vec::new();
        let mut stream = response.bytes_stream();
        use futures_util::StreamExt;
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
fn describe_send_error(err: &reqwest::Error, connect_timeout: Duration) -> String {
    if err.is_connect() && err.is_timeout() {
        return format!("could not connect within {} s (connect_timeout_ms)", connect_timeout.as_secs_f64());
    }
    let root = if err.is_timeout() { format!("timed out: {}", root_cause(err)) } else { root_cause(err) };
    if err.is_connect() {
        format!("could not connect: {root}")
    } else if err.is_redirect() {
        format!("redirect refused: {root}")
    } else {
        format!("request failed: {root}")
    }
}
