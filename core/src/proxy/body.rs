//! The response body the client receives once an upstream has been chosen:
//! what the upstream sends, as it sends it, and one log line when it ends
//! (completed, broken, or abandoned by the client).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use tokio::time::Instant;

use super::completion::Completion;
use super::native_error;
use super::pump::{Pump, StreamFault};
use crate::lb::{LoadBalancer, Outcome, UpstreamError, UpstreamId};
use crate::logs::{RequestLog, RequestRecord};
use crate::Service;

/// Everything needed to account for the request when its body ends.
pub struct Ledger {
    pub service: Service,
    pub record: RequestRecord,
    pub started: Instant,
    pub lb: LoadBalancer,
    pub log: RequestLog,
    pub upstream: UpstreamId,
    /// The upstream's status was a client error (4xx): the outcome says
    /// nothing about the upstream's health.
    pub client_error: bool,
    /// The client's request body (shared, not copied): its `model` prices
    /// an answer that names none (see [`Completion`]).
    pub request_body: Bytes,
}

/// How a committed response ended.
enum End {
    Complete,
    UpstreamBroke(StreamFault),
    ClientGone,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BodyError(String);

pub struct ProxyBody {
    held: VecDeque<Bytes>,
    /// Kept in the box it came in: a body is moved a few times on its way
    /// to hyper, and a pump is most of its size.
    pump: Box<Pump>,
    done: bool,
    ledger: Option<Ledger>,
    /// Bytes still owed when the client was promised a `Content-Length`.
    remaining: Option<u64>,
}

impl ProxyBody {
    /// `held`: what was already read while deciding this upstream is good.
    ///
    /// `length`: the response carries this `Content-Length`. hyper stops
    /// polling a body once that many bytes are written and drops it without
    /// ever asking for its end, which used to log every fixed-length answer
    /// (all non-streaming JSON) as "client closed" with no usage. Counting
    /// the bytes lets the drop tell a complete body from an abandoned one.
    pub fn new(held: Vec<Bytes>, pump: Box<Pump>, ledger: Ledger, length: Option<u64>) -> ProxyBody {
        ProxyBody { held: held.into(), pump, done: false, ledger: Some(ledger), remaining: length }
    }

    fn deliver(&mut self, piece: Bytes) -> Poll<Option<Result<Bytes, BodyError>>> {
        if let Some(remaining) = self.remaining.as_mut() {
            *remaining = remaining.saturating_sub(piece.len() as u64);
        }
        Poll::Ready(Some(Ok(piece)))
    }

    fn finish(&mut self, end: End) {
        let Some(mut ledger) = self.ledger.take() else { return };
        let rec = &mut ledger.record;
        rec.duration_ms = ledger.started.elapsed().as_millis() as u64;
        // Usage and model: read from the answer later, off this thread.
        let mapped = rec.attempts.last().and_then(|a| a.upstream_model.clone());
        let completion =
            Completion::new(self.pump.observer.take_answer(), mapped, std::mem::take(&mut ledger.request_body));
        let outcome = match &end {
            End::Complete | End::ClientGone if ledger.client_error => Outcome::Neutral { status: rec.status_code },
            End::Complete => Outcome::Success { status: rec.status_code, started: ledger.started },
            End::ClientGone => {
                rec.error = Some("the client closed the connection before the response ended".into());
                Outcome::Neutral { status: rec.status_code }
            }
            End::UpstreamBroke(fault) => {
                rec.error = Some(fault.message.clone());
                let mut error = UpstreamError::new(fault.kind.error_kind(), fault.message.clone());
                error.status = Some(rec.status_code);
                Outcome::Failure { error, retry_after: None }
            }
        };
        if let Some(last) = rec.attempts.last_mut() {
            last.duration_ms = rec.duration_ms;
            if let End::UpstreamBroke(fault) = &end {
                last.outcome = fault.kind.outcome().into();
                last.error = Some(fault.message.clone());
                last.error_kind = Some(fault.kind.error_kind().as_str().into());
            }
        }
        ledger.lb.record(&ledger.upstream, &outcome);
        completion.send(&ledger.log, std::mem::take(rec));
    }
}

impl Stream for ProxyBody {
    type Item = Result<Bytes, BodyError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(piece) = this.held.pop_front() {
            return this.deliver(piece);
        }
        if this.done {
            return Poll::Ready(None);
        }
        match this.pump.poll_next(cx) {
            Poll::Ready(Some(Ok(piece))) => this.deliver(piece),
            Poll::Ready(Some(Err(fault))) => {
                this.done = true;
                let service = this.ledger.as_ref().map(|l| l.service);
                let message = format!(
                    "codex-helper: {fault}; the response was cut off and not retried (part of it was already delivered)"
                );
                tracing::warn!(error = %fault, "upstream stream failed after the response began");
                let appendable = this.pump.can_append_event();
                let (format, partial) = (this.pump.format(), this.pump.partial_tail());
                this.finish(End::UpstreamBroke(fault));
                match service {
                    Some(service) if appendable => {
                        let event = native_error::stream_error_event(
                            service,
                            format,
                            http::StatusCode::BAD_GATEWAY,
                            "upstream_error",
                            &message,
                        );
                        // End an unterminated last event first, so ours is
                        // read as an event of its own.
                        let event = if partial { [&b"\n\n"[..], &event].concat().into() } else { event };
                        Poll::Ready(Some(Ok(event)))
                    }
                    // Compressed or not an event stream: the only honest
                    // signal left is an aborted body.
                    _ => Poll::Ready(Some(Err(BodyError(message)))),
                }
            }
            Poll::Ready(None) => {
                this.done = true;
                this.finish(End::Complete);
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for ProxyBody {
    fn drop(&mut self) {
        // Still owing a log line: the client went away mid-response.
        if self.ledger.is_some() {
            if self.remaining == Some(0) {
                // Every promised byte went out (see `ProxyBody::new`).
                self.pump.observer.finish();
                self.finish(End::Complete);
            } else {
                self.finish(End::ClientGone);
            }
        }
    }
}
