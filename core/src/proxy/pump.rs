//! Pulls the upstream's response body, one piece at a time, watching it as
//! it goes and enforcing the idle timeout.
//!
//! For an uncompressed event stream the pump hands out whole SSE events
//! only: a half event is useless to the client, and keeping to event
//! boundaries is what lets the proxy end a broken stream with a well-formed
//! error event. Anything else is handed out exactly as it arrives.
//!
//! A judged stream (a 2xx event stream in a format the proxy knows, see
//! [`super::stream_format`]) that ends cleanly before its terminal event
//! ends with a [`StreamFault`] instead: to the client that turn is lost, so
//! it must not look like a success (issue 9 #2). So does an event that grows
//! past [`sse::MAX_EVENT`] without its end (issue 9 #4): the held-back
//! buffer is bounded, and searching it for boundaries is linear.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::stream::BoxStream;
use futures_util::{FutureExt, StreamExt};
use tokio::time::{Instant, Sleep};

use super::observe::Observer;
use super::sse::{Scanner, MAX_EVENT};
use super::stream_format::StreamFormat;

/// How a stream failed once its response had begun.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The connection broke, or went quiet past the idle timeout.
    Broke,
    /// A clean end before the terminal event.
    EndedEarly,
    /// An event larger than [`MAX_EVENT`].
    EventTooLarge,
}

impl FaultKind {
    /// The attempt's `outcome` in requests.jsonl when this ends a stream the
    /// client already receives.
    pub fn outcome(self) -> &'static str {
        match self {
            FaultKind::Broke => "broke_mid_stream",
            FaultKind::EndedEarly => "ended_mid_stream",
            FaultKind::EventTooLarge => "event_too_large",
        }
    }
}

/// A stream that did not end well, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StreamFault {
    pub kind: FaultKind,
    pub message: String,
}

impl StreamFault {
    fn new(kind: FaultKind, message: String) -> StreamFault {
        StreamFault { kind, message }
    }
}

pub struct Pump {
    upstream: BoxStream<'static, reqwest::Result<Bytes>>,
    pub observer: Observer,
    /// Forward whole SSE events only.
    framed: bool,
    /// Require the terminal event (see [`Observer::complete`]).
    judged: bool,
    pending: BytesMut,
    /// How far `pending` has been searched for an event boundary.
    scanner: Scanner,
    /// The upstream's body is over; only the verdict is left to give.
    upstream_done: bool,
    /// The last piece handed out did not end at an event boundary.
    partial_tail: bool,
    idle_timeout: Duration,
    last_activity: Instant,
    idle: Pin<Box<Sleep>>,
    ended: bool,
}

impl Pump {
    /// `judged`: the answer is a success whose stream must end properly.
    pub fn new(response: reqwest::Response, observer: Observer, idle_timeout: Duration, judged: bool) -> Pump {
        Pump::from_stream(response.bytes_stream().boxed(), observer, idle_timeout, judged)
    }

    /// A pump over any byte stream (the tests feed it one directly).
    pub fn from_stream(
        upstream: BoxStream<'static, reqwest::Result<Bytes>>,
        observer: Observer,
        idle_timeout: Duration,
        judged: bool,
    ) -> Pump {
        let framed = observer.is_sse() && observer.is_identity();
        let now = Instant::now();
        Pump {
            upstream,
            observer,
            framed,
            judged,
            pending: BytesMut::new(),
            scanner: Scanner::default(),
            upstream_done: false,
            partial_tail: false,
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

    /// The stream's format, once known (for an error event in its style).
    pub fn format(&self) -> Option<StreamFormat> {
        self.observer.format()
    }

    /// The last piece handed out stopped mid-event (an unterminated last
    /// event at the end of the body): an appended event must first end it.
    pub fn partial_tail(&self) -> bool {
        self.partial_tail
    }

    /// Bytes held back waiting for an event's end (never above
    /// [`MAX_EVENT`]).
    pub fn held(&self) -> usize {
        self.pending.len()
    }

    /// The next piece for the client, a [`StreamFault`] when the upstream
    /// broke, went quiet too long or ended too early, or `None` at a clean,
    /// complete end.
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFault>>> {
        if self.ended {
            return Poll::Ready(None);
        }
        if self.upstream_done {
            return Poll::Ready(self.verdict());
        }
        loop {
            match self.upstream.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(chunk))) => {
                    // Resetting the timer on every chunk would touch the
                    // timer wheel per event; remembering the time is enough.
                    self.last_activity = Instant::now();
                    if let Some(out) = self.take_chunk(chunk) {
                        return Poll::Ready(Some(out));
                    }
                }
                Poll::Ready(Some(Err(err))) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(StreamFault::new(FaultKind::Broke, describe_body_error(&err)))));
                }
                Poll::Ready(None) => {
                    self.upstream_done = true;
                    if !self.pending.is_empty() {
                        // A last event without its blank line: pass it on as
                        // it came, the client decides what it is worth.
                        let rest = self.pending.split().freeze();
                        self.observer.observe(&rest);
                        self.partial_tail = true;
                        return Poll::Ready(Some(Ok(rest)));
                    }
                    return Poll::Ready(self.verdict());
                }
                Poll::Pending => return self.poll_idle(cx),
            }
        }
    }

    /// The end of a body the upstream finished cleanly: a judged stream
    /// without its terminal event is a failure, not a short success.
    fn verdict(&mut self) -> Option<Result<Bytes, StreamFault>> {
        self.ended = true;
        self.observer.finish();
        if !self.judged || self.observer.complete() {
            return None;
        }
        let format = self.observer.format();
        Some(Err(StreamFault::new(
            FaultKind::EndedEarly,
            format!(
                "the upstream ended the stream without its terminal event (expected {}); the answer is incomplete",
                StreamFormat::terminal_events(format)
            ),
        )))
    }

    fn take_chunk(&mut self, chunk: Bytes) -> Option<Result<Bytes, StreamFault>> {
        if chunk.is_empty() {
            return None;
        }
        if !self.framed {
            self.observer.observe(&chunk);
            if self.judged && self.observer.overflowed() {
                return Some(Err(self.too_large()));
            }
            return Some(Ok(chunk));
        }
        self.pending.extend_from_slice(&chunk);
        if let Some(end) = self.scanner.last_event_end(&self.pending) {
            let ready = self.pending.split_to(end).freeze();
            self.scanner.consume(end);
            self.observer.observe(&ready);
            return Some(Ok(ready));
        }
        if self.pending.len() > MAX_EVENT {
            return Some(Err(self.too_large()));
        }
        None
    }

    /// Ends the stream: an event this large is not one we can forward whole,
    /// and holding more would grow without bound. The memory goes at once.
    fn too_large(&mut self) -> StreamFault {
        self.ended = true;
        self.pending = BytesMut::new();
        self.scanner.reset();
        StreamFault::new(
            FaultKind::EventTooLarge,
            format!(
                "the upstream sent a server-sent event larger than {} MiB (or a body that is not event-stream framing despite its text/event-stream type); the stream was stopped",
                MAX_EVENT >> 20
            ),
        )
    }

    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFault>>> {
        loop {
            let deadline = self.last_activity + self.idle_timeout;
            if self.idle.deadline() != deadline {
                self.idle.as_mut().reset(deadline);
            }
            match self.idle.poll_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(()) if Instant::now() >= self.last_activity + self.idle_timeout => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(StreamFault::new(
                        FaultKind::Broke,
                        format!(
                            "the upstream sent nothing for {} s (stream_idle_timeout_ms)",
                            self.idle_timeout.as_secs_f64()
                        ),
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
