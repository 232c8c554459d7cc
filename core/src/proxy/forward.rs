//! One client request, start to finish: check it, read its body, try the
//! upstreams in the load balancer's order until one gives a real answer,
//! then stream that answer back.
//!
//! Nothing reaches the client until an upstream is committed to, so every
//! failure before that point is invisible and retried; after it, nothing is
//! retried (the client would see output twice).

use std::future::poll_fn;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::request::Parts;
use http::{header, Method, StatusCode};

use super::body::{Ledger, ProxyBody};
use super::headers;
use super::native_error;
use super::observe::Observer;
use super::pump::{root_cause, FaultKind, Pump};
use super::session::session_id;
use super::target::upstream_url;
use super::ProxyState;
use crate::lb::retry::{classify_status, retry_after, Verdict};
use crate::lb::Outcome;
use crate::live::{ActiveConfig, ActiveUpstream};
use crate::logs::{Attempt, RequestRecord};

/// Read while deciding whether a streaming answer is real before giving up
/// waiting for content and committing anyway.
const MAX_HELD: usize = 1 << 20;
/// How much of an upstream's error body goes into our error message.
const ERROR_SNIPPET: usize = 600;

/// A request the proxy answers itself, with the reason.
pub struct Refused {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl Refused {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Refused { status, code, message: message.into(), retry_after: None }
    }
}

/// One upstream that did not work out, before anything reached the client.
struct Failed {
    status: Option<u16>,
    error: String,
    retry_after: Option<Duration>,
    /// No response headers arrived in time (the client gets a 504 if this
    /// was the last try).
    timed_out: bool,
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
        Err(refused) => {
            tracing::debug!(status = %refused.status, message = %refused.message, "request answered by the proxy");
            let mut record = pending.record.take().expect("still pending");
            record.status_code = refused.status.as_u16();
            record.duration_ms = started.elapsed().as_millis() as u64;
            record.error = Some(refused.message.clone());
            state.shared.log.record(record);
            let mut response = native_error::response(state.service, refused.status, refused.code, &refused.message);
            if let Some(wait) = refused.retry_after {
                if let Ok(v) = http::HeaderValue::from_str(&wait.as_secs().to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            response
        }
    };
    state.shared.control.counters(state.service).count(response.status());
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
) -> Result<Response, Refused> {
    super::guard::check(parts).map_err(|r| Refused::new(r.status(), r.kind(), r.message()))?;
    if headers::looped(&parts.headers, state.listen.port()) {
        return Err(Refused::new(
            StatusCode::LOOP_DETECTED,
            "request_loop",
            format!(
                "request loop: this request already passed through codex-helper on port {}; an upstream's base_url points back at the proxy (fix it in ~/.codex-helper/config.json)",
                state.listen.port()
            ),
        ));
    }
    if is_websocket(parts) {
        return Err(Refused::new(
            StatusCode::UPGRADE_REQUIRED,
            "websocket_not_supported",
            "codex-helper proxies HTTP streaming, not WebSocket; use HTTP for this request",
        ));
    }

    let snapshot = state.shared.config.snapshot();
    let active = snapshot.active(state.service).cloned().ok_or_else(|| no_config(state))?;
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
                tracing::info!(upstream = %upstream.base_url, error = %failed.error, "upstream attempt failed");
                state.shared.lb.record(
                    &active.ids[index],
                    &Outcome::Failure {
                        status: failed.status,
                        error: failed.error.clone(),
                        retry_after: failed.retry_after,
                    },
                );
                record.attempts.push(Attempt {
                    upstream_base_url: upstream.base_url.to_string(),
                    status_code: failed.status,
                    outcome: "failed".into(),
                    duration_ms: attempt_started.elapsed().as_millis() as u64,
                    error: Some(failed.error.clone()),
                });
                failures.push((index, failed));
            }
        }
    }
    Err(all_failed(&active, &failures))
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
    let fail = |error: String| Tried::Failed(Failed { status: None, error, retry_after: None, timed_out: false });
    if let Some(problem) = &upstream.problem {
        return fail(problem.clone());
    }
    if upstream.loopback_port == Some(state.listen.port()) {
        return fail(format!(
            "its base_url points at this proxy itself (port {}), which would loop; change it in ~/.codex-helper/config.json",
            state.listen.port()
        ));
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
            return Tried::Failed(Failed {
                status: None,
                error: format!(
                    "no response within {} s (response_header_timeout_ms)",
                    limits.response_header_timeout.as_secs_f64()
                ),
                retry_after: None,
                timed_out: true,
            })
        }
        Ok(Err(err)) => return fail(describe_send_error(&err, limits.connect_timeout)),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    if classify_status(status) == Verdict::Retryable {
        let retry_after = retry_after(response.headers());
        let snippet = error_snippet(response).await;
        return Tried::Failed(Failed {
            status: Some(status.as_u16()),
            error: if snippet.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {snippet}") },
            retry_after,
            timed_out: false,
        });
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
                    if !is_client_fault(err) {
                        return Tried::Failed(Failed {
                            status: Some(status.as_u16()),
                            error: format!("the stream reported an error before any content: {err}"),
                            retry_after: None,
                            timed_out: false,
                        });
                    }
                    break;
                }
                if pump.observer.content_started() || held_bytes > MAX_HELD {
                    break;
                }
            }
            Some(Err(fault)) if fault.kind == FaultKind::EndedEarly => {
                return fail(format!("the stream ended before any content: {fault}"))
            }
            Some(Err(fault)) => return fail(format!("the stream broke before any content: {fault}")),
            None => return fail("the stream ended before any content".into()),
        }
    }
    Tried::Chosen(Chosen { status, headers, body: ChosenBody::Stream(held, Box::new(pump)) })
}

/// In-stream errors that are about the request, not the upstream: another
/// upstream would say the same, so the client gets it as is.
fn is_client_fault(error: &str) -> bool {
    const CLIENT: [&str; 5] = ["invalid_request", "context_length", "invalid_prompt", "not_found", "content_filter"];
    CLIENT.iter().any(|c| error.contains(c))
}

async fn read_body(parts: &Parts, body: Body, limit: usize) -> Result<Bytes, Refused> {
    let too_large = || {
        Refused::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            format!(
                "the request body is larger than codex-helper's limit of {} bytes; raise proxy.max_request_body_bytes in ~/.codex-helper/settings.json if this is intended",
                limit
            ),
        )
    };
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
        Refused::new(StatusCode::BAD_REQUEST, "bad_request_body", format!("could not read the request body: {err}"))
    })
}

fn apply_filters(state: &ProxyState, parts: &Parts, body: Bytes) -> Result<Bytes, Refused> {
    // A broken filter.json with no good rules to fall back on: refuse rather
    // than send what the user asked to redact.
    let rules = state.shared.filters.rules().map_err(|blocked| {
        Refused::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "filter_invalid",
            format!("codex-helper is not forwarding requests because filter.json is broken: {blocked}"),
        )
    })?;
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

fn no_config(state: &ProxyState) -> Refused {
    Refused::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "no_upstream_configured",
        format!(
            "no active {} config with upstreams in ~/.codex-helper/config.json; add one there (a running proxy picks it up within a second)",
            state.service
        ),
    )
}

/// The answer when no upstream worked: which were tried and why they failed.
fn all_failed(active: &ActiveConfig, failures: &[(usize, Failed)]) -> Refused {
    let tried: Vec<String> =
        failures.iter().map(|(i, f)| format!("{} → {}", active.upstreams[*i].base_url, f.error)).collect();
    let last = failures.last().map(|(_, f)| f);
    let status = match last {
        Some(Failed { status: Some(s), .. }) => StatusCode::from_u16(*s).unwrap_or(StatusCode::BAD_GATEWAY),
        Some(f) if f.timed_out => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::BAD_GATEWAY,
    };
    // A 2xx whose stream failed is still a failure to the client.
    let status = if status.is_success() { StatusCode::BAD_GATEWAY } else { status };
    let mut refused = Refused::new(
        status,
        "all_upstreams_failed",
        format!(
            "codex-helper: every upstream of config `{}` failed ({} tried): {}",
            active.name,
            failures.len(),
            tried.join("; ")
        ),
    );
    refused.retry_after = last.and_then(|f| f.retry_after);
    refused
}

async fn error_snippet(response: reqwest::Response) -> String {
    let read = async {
        let mut buf = Vec::new();
        let mut stream = response.bytes_stream();
        use futures_util::StreamExt;
        while let Some(Ok(chunk)) = stream.next().await {
            buf.extend_from_slice(&chunk);
            if buf.len() >= ERROR_SNIPPET * 4 {
                break;
            }
        }
        buf
    };
    let buf = tokio::time::timeout(Duration::from_secs(2), read).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&buf);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = text.chars().take(ERROR_SNIPPET).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    // Relays echo the key they were sent ("Incorrect API key provided: …").
    crate::redact::scrub_owned(cut)
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
