//! Pulls the upstream's response body, one piece at a time, watching it as
//! it goes and enforcing the idle timeout.
//!
//! For an uncompressed event stream the pump hands out whole SSE events
//! only: a half event is useless to the client, and keeping to event
//! boundaries is what lets the proxy end a broken stream with a well-formed
//! error event. Anything else is handed out exactly as it arrives.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};
use tokio::time::{Instant, Sleep};

use super::observe::Observer;
use super::sse;

/// An event larger than this is not held back waiting for its end.
const MAX_EVENT: usize = 8 << 20;

pub struct Pump {
    upstream: BoxStream<'static, reqwest::Result<Bytes>>,
    pub observer: Observer,
    /// Forward whole SSE events only.
    framed: bool,
    pending: BytesMut,
    idle_timeout: Duration,
    last_activity: Instant,
    idle: Pin<Box<Sleep>>,
    ended: bool,
}

impl Pump {
    pub fn new(response: reqwest::Response, observer: Observer, idle_timeout: Duration) -> Pump {
        let framed = observer.is_sse() && observer.is_identity();
        let now = Instant::now();
        Pump {
            upstream: response.bytes_stream().boxed(),
            observer,
            framed,
            pending: BytesMut::new(),
            idle_timeout,
            last_activity: now,
            idle: Box::pin(tokio::time::sleep_until(now + idle_timeout)),
            ended: false,
        }
    }

    /// Whether the proxy can append its own SSE event at the point where the
    /// stream stands (uncompressed, at an event boundary).
    pub fn can_append_event(&self) -> bool {
        self.framed
    }

    /// The next piece for the client, an error text when the upstream broke
    /// or went quiet too long, or `None` at a clean end.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, String>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        loop {
            match self.upstream.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    // Resetting the timer on every chunk would touch the
                    // timer wheel per event; remembering the time is enough.
                    self.last_activity = Instant::now();
                    if let Some(out) = self.take_chunk(chunk) {
                        return Poll::Ready(Some(Ok(out)));
                    }
                }
                Poll::Ready(Some(Err(err))) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(describe_body_error(&err))));
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    if !self.pending.is_empty() {
                        // A last event without its blank line: pass it on as
                        // it came, the client decides what it is worth.
                        let rest = self.pending.split().freeze();
                        self.observer.observe(&rest);
                        self.observer.finish();
                        return Poll::Ready(Some(Ok(rest)));
                    }
                    self.observer.finish();
                    return Poll::Ready(None);
                }
                Poll::Pending => return self.poll_idle(cx),
            }
        }
    }

    fn take_chunk(&mut self, chunk: Bytes) -> Option<Bytes> {
        if chunk.is_empty() {
            return None;
        }
        if !self.framed {
            self.observer.observe(&chunk);
            return Some(chunk);
        }
        self.pending.extend_from_slice(&chunk);
        if let Some(end) = sse::last_event_end(&self.pending) {
            let ready = self.pending.split_to(end).freeze();
            self.observer.observe(&ready);
            return Some(ready);
        }
        if self.pending.len() > MAX_EVENT {
            // Not an event stream we understand; stop framing, never buffer
            // without bound.
            self.framed = false;
            let all = self.pending.split().freeze();
            self.observer.observe(&all);
            return Some(all);
        }
        None
    }

    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, String>>> {
        loop {
            let deadline = self.last_activity + self.idle_timeout;
            if self.idle.deadline() != deadline {
                self.idle.as_mut().reset(deadline);
            }
            match self.idle.poll_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if Instant::now() >= self.last_activity + self.idle_timeout => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(format!(
                        "the upstream sent nothing for {} s (stream_idle_timeout_ms)",
                        self.idle_timeout.as_secs_f64()
                    ))));
                }
                Poll::Ready(()) => continue,
            }
        }
    }
}

/// The innermost cause of a reqwest error: the part a person can act on.
pub fn root_cause(err: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// A body that failed after the response began, in words.
pub fn describe_body_error(err: &reqwest::Error) -> String {
    let root = root_cause(err);
    if err.is_timeout() {
        format!("timed out: {root}")
    } else {
        format!("the upstream connection broke mid-response: {root}")
    }
}
