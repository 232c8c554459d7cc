//! The body of a streaming answer whose status and headers went out before
//! its upstream was proven: an upstream answered `200 text/event-stream`
//! uncompressed, so the client gets `200` and the headers at once (a model
//! may think for seconds before its first content event), and only the
//! opening events (`response.created`, `message_start`, `ping`…) wait.
//!
//! When that upstream's stream fails before content (breaks, ends, goes
//! quiet, or reports an error [`decide`] fails over on), its held opening
//! events are dropped and the next upstream is tried; its events, opening
//! ones first, continue the same client stream, so the client reads one
//! well-formed stream from one upstream. When none is left, the stream ends
//! with one error event in the client's format, saying what was tried. A
//! backup that answers with something that cannot continue an event stream
//! (a client error such as `context_length_exceeded`, a JSON body) ends it
//! with an error event carrying the upstream's own message.
//!
//! Once content flows, this is a plain [`ProxyBody`].

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream};
use http::StatusCode;
use tokio::time::Instant;

use super::body::{BodyError, Ledger, ProxyBody};
use super::native_error::stream_error_event;
use super::pump::{FaultKind, Pump};
use super::stream_format::StreamFormat;
use super::turn::{try_upstream, Failed, Tried, Turn, Unstreamable};
use crate::lb::retry::decide;
use crate::lb::{ErrorKind, Outcome, UpstreamError};
use crate::logs::{Attempt, RequestLog, RequestRecord};

/// Read while deciding whether a streaming answer is real before giving up
/// waiting for content and committing anyway.
const MAX_HELD: usize = 1 << 20;

/// Reads a judged stream up to its first content event, keeping what it
/// read. Done early by an error event the client must see itself (its own
/// mistake: every upstream would say the same) or [`MAX_HELD`] bytes of
/// opening; an error when the stream fails before content.
pub(super) async fn hold_opening(pump: &mut Pump, status: StatusCode) -> Result<Vec<Bytes>, UpstreamError> {
    let mut held = Vec::new();
    let mut held_bytes = 0;
    loop {
        match poll_fn(|cx| pump.poll_next(cx)).await {
            Some(Ok(piece)) => {
                held_bytes += piece.len();
                held.push(piece);
                if let Some(err) = pump.observer.early_error() {
                    if decide(err.kind, None).fail_over {
                        let mut error = err.clone().context("the stream reported an error before any content");
                        error.status = Some(status.as_u16());
                        return Err(error);
                    }
                    return Ok(held);
                }
                if pump.observer.content_started() || held_bytes > MAX_HELD {
                    return Ok(held);
                }
            }
            Some(Err(fault)) if fault.kind == FaultKind::EndedEarly => {
                return Err(fault.to_upstream_error("the stream ended before any content"))
            }
            Some(Err(fault)) => return Err(fault.to_upstream_error("the stream broke before any content")),
            None => return Err(UpstreamError::new(ErrorKind::StreamEndedEarly, "the stream ended before any content")),
        }
    }
}

/// The client's body: first the search for an upstream whose stream gets to
/// content, then that stream.
pub(super) struct SpliceBody {
    phase: Phase,
}

// It lives in place inside the response body (boxed by axum already):
// boxing the big variant would only add an allocation.
#[allow(clippy::large_enum_variant)]
enum Phase {
    Judging(BoxFuture<'static, Judged>),
    Streaming(ProxyBody),
    /// The one event that ends a stream no upstream could give.
    Ending(Bytes),
    Done,
}

enum Judged {
    Stream(Box<ProxyBody>),
    Failed(Bytes),
}

impl SpliceBody {
    /// `pump`: upstream `index`'s stream, tried since `attempt_started`, whose
    /// status and headers the client is getting now.
    pub fn new(
        turn: Turn,
        record: RequestRecord,
        index: usize,
        attempt_started: Instant,
        pump: Box<Pump>,
    ) -> SpliceBody {
        let line = Line { record: Some(record), log: turn.state.shared.log.clone(), started: turn.started };
        SpliceBody { phase: Phase::Judging(judge(turn, line, index, attempt_started, pump).boxed()) }
    }
}

impl Stream for SpliceBody {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match &mut self.phase {
                Phase::Judging(judging) => match judging.poll_unpin(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Judged::Stream(body)) => self.phase = Phase::Streaming(*body),
                    Poll::Ready(Judged::Failed(event)) => self.phase = Phase::Ending(event),
                },
                Phase::Streaming(body) => return Pin::new(body).poll_next(cx),
                Phase::Ending(_) => {
                    let Phase::Ending(event) = std::mem::replace(&mut self.phase, Phase::Done) else { unreachable!() };
                    return Poll::Ready(Some(Ok(event)));
                }
                Phase::Done => return Poll::Ready(None),
            }
        }
    }
}

/// The log line of a stream still being judged: written even when the
/// client leaves meanwhile (the judging future is then dropped).
struct Line {
    record: Option<RequestRecord>,
    log: RequestLog,
    started: Instant,
}

impl Line {
    fn record(&mut self) -> &mut RequestRecord {
        self.record.as_mut().expect("taken only at the end")
    }

    /// Writes the line of a stream that ends with the proxy's error event.
    fn finish(mut self, error: String) {
        if let Some(mut record) = self.record.take() {
            record.duration_ms = self.started.elapsed().as_millis() as u64;
            record.error = Some(error);
            self.log.record(record);
        }
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if let Some(mut record) = self.record.take() {
            record.duration_ms = self.started.elapsed().as_millis() as u64;
            record.error = Some("the client closed the connection before the response ended".into());
            self.log.record(record);
        }
    }
}

/// Tries upstreams, starting with `index`'s stream `pump`, until one gets
/// to content; every attempt is accounted for as it ends.
async fn judge(
    mut turn: Turn,
    mut line: Line,
    mut index: usize,
    mut attempt_started: Instant,
    mut pump: Box<Pump>,
) -> Judged {
    // The client's stream format, as the first stream showed it.
    let mut format: Option<StreamFormat> = None;
    loop {
        match hold_opening(&mut pump, StatusCode::OK).await {
            Ok(held) => {
                turn.chosen(index, StatusCode::OK, attempt_started, line.record());
                turn.serve(index);
                let ledger = Ledger {
                    service: turn.state.service,
                    record: line.record.take().expect("not taken yet"),
                    started: turn.started,
                    lb: turn.state.shared.lb.clone(),
                    log: line.log.clone(),
                    upstream: turn.active.ids[index].clone(),
                    client_error: false,
                    request_body: turn.body.clone(),
                };
                return Judged::Stream(Box::new(ProxyBody::new(held, pump, ledger, None)));
            }
            Err(error) => {
                format = format.or(pump.format());
                turn.failed(index, Failed::from(error), attempt_started, line.record());
            }
        }
        // The next upstream whose answer is an event stream.
        loop {
            let Some((next, permit)) = turn.next_attempt().await else {
                let reason = turn.all_failed();
                let message = reason.to_string();
                let event = stream_error_event(turn.state.service, format, reason.status(), reason.code(), &message);
                line.finish(message);
                return Judged::Failed(event);
            };
            attempt_started = Instant::now();
            line.record().upstream_base_url = turn.active.upstreams[next].base_url.to_string();
            match try_upstream(&turn, next, true, permit).await {
                Tried::Opened(opened) => {
                    (index, pump) = (next, opened.pump);
                    break;
                }
                Tried::Failed(failed) => turn.failed(next, failed, attempt_started, line.record()),
                Tried::Unstreamable(answer) => {
                    return unstreamable(&turn, line, next, attempt_started, format, answer);
                }
                Tried::Chosen(_) => unreachable!("a spliced try only opens, fails or is unstreamable"),
            }
        }
    }
}

/// Ends the client's stream with upstream `index`'s answer, which cannot
/// continue it: its own error (a client error goes to the client as the
/// upstream said it), or a note that it did not stream.
fn unstreamable(
    turn: &Turn,
    mut line: Line,
    index: usize,
    attempt_started: Instant,
    format: Option<StreamFormat>,
    answer: Unstreamable,
) -> Judged {
    let upstream = &turn.active.upstreams[index];
    let (status, code, message, outcome) = if answer.status.is_client_error() {
        let error = UpstreamError::from_event(&answer.body);
        let code = error.code.unwrap_or_else(|| "upstream_error".into());
        (answer.status, code, error.message, "ok")
    } else {
        let error = UpstreamError::from_answer(answer.status, &answer.body);
        let message = format!(
            "codex-helper: {} answered {} instead of an event stream, after the stream had begun (an earlier upstream's stream failed before content): {}",
            upstream.base_url, answer.content_type, error.message
        );
        (StatusCode::BAD_GATEWAY, "upstream_not_streaming".to_string(), message, "not_a_stream")
    };
    let record = line.record();
    record.attempts.push(Attempt {
        upstream_base_url: upstream.base_url.to_string(),
        status_code: Some(answer.status.as_u16()),
        outcome: outcome.into(),
        duration_ms: attempt_started.elapsed().as_millis() as u64,
        error: Some(message.clone()),
        error_kind: None,
        protocol: upstream.logged_protocol(),
        upstream_model: turn.upstream_model(index),
    });
    // The upstream answered; what it said is about the request.
    let outcome = Outcome::Neutral { status: answer.status.as_u16() };
    turn.state.shared.lb.record(&turn.active.ids[index], &outcome);
    let event = stream_error_event(turn.state.service, format, status, &code, &message);
    line.finish(message);
    Judged::Failed(event)
}
