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
use futures_util::{FutureExt, StreamExt};
use tokio::time::{Instant, Sleep};

use super::observe::Observer;
use super::sse::{Scanner, MAX_EVENT};
use super::stream_format::StreamFormat;
use crate::lb::{ErrorKind, UpstreamError};

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

    /// The kind the load balancer decides on.
    pub fn error_kind(self) -> ErrorKind {
        match self {
            FaultKind::Broke => ErrorKind::Connection,
            FaultKind::EndedEarly => ErrorKind::StreamEndedEarly,
            FaultKind::EventTooLarge => ErrorKind::EventTooLarge,
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

    /// The fault as an upstream's failure, `prefix` saying when it happened.
    pub fn to_upstream_error(&self, prefix: &str) -> UpstreamError {
        UpstreamError::new(self.kind.error_kind(), format!("{prefix}: {}", self.message))
    }
}

pub struct Pump {
    upstream: super::bridged::ByteStream,
    pub observer: Observer,
    /// Forward whole SSE events only.
    framed: bool,
    /// Require the terminal event (see [`Observer::complete`]).
    judged: bool,
    pending: BytesMut,
    /// How far `pending` has been searched for an event boundary.
    scanner: Scanner,
    /// [`MAX_EVENT`]; smaller in tests.
    max_event: usize,
    /// The upstream's body is over; only the verdict is left to give.
    upstream_done: bool,
    /// The last piece handed out did not end at an event boundary.
    partial_tail: bool,
    /// A fault found while handing out the events before it: given next.
    deferred: Option<StreamFault>,
    idle_timeout: Duration,
    last_activity: Instant,
    /// Made the first time the upstream keeps the pump waiting: most small
    /// answers arrive whole with their headers and never need it.
    idle: Option<Pin<Box<Sleep>>>,
    ended: bool,
}

impl Pump {
    /// `judged`: the answer is a success whose stream must end properly.
    pub fn new(
        response: super::bridged::UpstreamResponse,
        observer: Observer,
        idle_timeout: Duration,
        judged: bool,
    ) -> Pump {
        Pump::from_stream(super::bridged::body_stream(response), observer, idle_timeout, judged)
    }

    /// A pump over any byte stream (the tests feed it one directly).
    pub fn from_stream(
        upstream: super::bridged::ByteStream,
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
            max_event: MAX_EVENT,
            upstream_done: false,
            partial_tail: false,
            deferred: None,
            idle_timeout,
            last_activity: now,
            idle: None,
            ended: false,
        }
    }

    /// Whether the proxy can append its own SSE event at the point where the
    /// stream stands (uncompressed, at an event boundary).
    pub fn can_append_event(&self) -> bool {
        self.framed
    }

    /// A smaller event cap, so tests can reach it with small inputs.
    #[cfg(test)]
    fn with_max_event(mut self, max_event: usize) -> Pump {
        self.max_event = max_event;
        self.observer.max_event = max_event;
        self
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
        if let Some(fault) = self.deferred.take() {
            return Poll::Ready(Some(Err(fault)));
        }
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
        let ready = if self.pending.is_empty() {
            // Nothing held back (the usual case: upstreams write whole
            // events): scan the chunk where it is, send its events as a
            // slice of it, and copy only a trailing partial event.
            let end = self.scanner.last_event_end(&chunk).unwrap_or(0);
            self.scanner.consume(end);
            self.pending.extend_from_slice(&chunk[end..]);
            (end > 0).then(|| chunk.slice(..end))
        } else {
            self.pending.extend_from_slice(&chunk);
            self.scanner.last_event_end(&self.pending).map(|end| {
                self.scanner.consume(end);
                self.pending.split_to(end).freeze()
            })
        };
        if let Some(ready) = ready {
            self.observer.observe(&ready);
            if self.pending.len() > self.max_event {
                // The events before go out whole; the fault follows them.
                self.deferred = Some(self.too_large());
            }
            return Some(Ok(ready));
        }
        if self.pending.len() > self.max_event {
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
                self.max_event >> 20
            ),
        )
    }

    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFault>>> {
        loop {
            let deadline = self.last_activity + self.idle_timeout;
            let idle = self.idle.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
            if idle.deadline() != deadline {
                idle.as_mut().reset(deadline);
            }
            match idle.poll_unpin(cx) {
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

/// The innermost cause of an error: the part a person can act on.
pub fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    super::client::root_cause(err)
}

/// A body that failed after the response began, in words.
pub fn describe_body_error(err: &hyper::Error) -> String {
    let root = root_cause(err);
    if super::client::is_timeout(err) {
        format!("timed out: {root}")
    } else {
        format!("the upstream connection broke mid-response: {root}")
    }
}

#[cfg(test)]
mod tests {
    //! Property tests of the framer: any split of a body into chunks gives
    //! the same bytes, events and verdict as the body whole; arbitrary bytes
    //! never panic; the held-back buffer never exceeds the cap.

    use super::*;
    use crate::proxy::sse;
    use crate::Service;
    use http::HeaderMap;
    use proptest::prelude::*;

    /// What one pump run produced.
    #[derive(Debug, PartialEq)]
    struct Run {
        pieces: Vec<Bytes>,
        fault: Option<StreamFault>,
        max_held: usize,
        /// The observer's verdict: format, complete, content, early error, usage.
        seen: String,
    }

    impl Run {
        fn bytes(&self) -> Vec<u8> {
            self.pieces.concat()
        }
    }

    fn run(chunks: Vec<Vec<u8>>, max_event: usize) -> Run {
        let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        rt.block_on(async move {
            let mut headers = HeaderMap::new();
            headers.insert("content-type", "text/event-stream".parse().unwrap());
            let stream = futures_util::stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from(c)))).boxed();
            let observer = Observer::new(Service::Codex, &headers);
            let mut pump =
                Pump::from_stream(stream, observer, Duration::from_secs(3600), true).with_max_event(max_event);
            let (mut pieces, mut fault, mut max_held) = (vec![], None, 0);
            while let Some(next) = std::future::poll_fn(|cx| pump.poll_next(cx)).await {
                max_held = max_held.max(pump.held());
                match next {
                    Ok(piece) => pieces.push(piece),
                    Err(f) => fault = Some(f),
                }
            }
            let usage = pump.observer.take_answer().read().0;
            let o = &pump.observer;
            let seen =
                format!("{:?} {} {} {:?} {:?}", o.format(), o.complete(), o.content_started(), o.early_error(), usage);
            Run { pieces, fault, max_held, seen }
        })
    }

    /// Cuts `body` at the given (sorted, deduplicated) points.
    fn split(body: &[u8], cuts: &[prop::sample::Index]) -> Vec<Vec<u8>> {
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        at.sort_unstable();
        at.dedup();
        let mut out = vec![];
        let mut prev = 0;
        for cut in at.into_iter().chain([body.len()]) {
            out.push(body[prev..cut].to_vec());
            prev = cut;
        }
        out
    }

    /// Bodies made of real events of every format, blank lines, comments,
    /// CRLF, and bytes of arbitrary noise in between.
    fn body() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(b"event: response.created\ndata: {\"type\":\"response.created\"}\n\n".to_vec()),
            Just(b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\n\n".to_vec()),
            Just(b"data: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}}\r\n\r\n".to_vec()),
            Just(b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":null}],\"usage\":{\"prompt_tokens\":2}}\n\n".to_vec()),
            Just(b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":9}}}\n\n".to_vec()),
            Just(b"event: error\ndata: {\"type\":\"error\",\"error\":{\"message\":\"busy\"}}\n\n".to_vec()),
            Just(b"data: [DONE]\n\n".to_vec()),
            Just(b": keep-alive\n\n".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b':'), Just(b'"'), any::<u8>()], 0..40),
        ];
        prop::collection::vec(piece, 0..16).prop_map(|v| v.concat())
    }

    /// The longest run of bytes without an event boundary.
    fn longest_stretch(body: &[u8]) -> usize {
        let mut ends = vec![0];
        sse::for_each_event(body, |_, end| ends.push(end));
        ends.push(body.len());
        ends.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
    }

    proptest! {
        #[test]
        fn any_split_gives_what_the_whole_body_gives(body in body(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12)) {
            let whole = run(vec![body.clone()], MAX_EVENT);
            let parts = run(split(&body, &cuts), MAX_EVENT);
            prop_assert_eq!(whole.bytes(), body.clone(), "nothing lost, added or reordered");
            prop_assert_eq!(parts.bytes(), body);
            prop_assert_eq!(&parts.fault, &whole.fault);
            prop_assert_eq!(&parts.seen, &whole.seen);
            // Every piece but an unterminated last one is whole events.
            let n = parts.pieces.len();
            for (i, piece) in parts.pieces.iter().enumerate() {
                if i + 1 < n || sse::last_event_end(piece).is_some() {
                    prop_assert_eq!(sse::last_event_end(piece), Some(piece.len()), "piece {} of {}", i, n);
                }
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic_and_the_held_buffer_stays_under_the_cap(
            body in prop::collection::vec(any::<u8>(), 0..4096),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..24),
            cap in 1usize..512,
        ) {
            let out = run(split(&body, &cuts), cap);
            prop_assert!(out.max_held <= cap, "held {} > cap {}", out.max_held, cap);
            prop_assert!(body.starts_with(&out.bytes()), "only the body's own bytes, in order");
            let too_large = out.fault.as_ref().is_some_and(|f| f.kind == FaultKind::EventTooLarge);
            if longest_stretch(&body) <= cap {
                prop_assert!(!too_large, "no event is over the cap");
            }
            if !too_large {
                prop_assert_eq!(out.bytes(), body, "without a cap fault everything is delivered");
            }
        }
    }

    #[test]
    fn an_unterminated_stream_ends_with_a_fault_after_its_events() {
        let body = b"event: response.created\ndata: {}\n\nevent: response.output_text.delta\ndata: {}\n\n".to_vec();
        let out = run(vec![body.clone()], MAX_EVENT);
        assert_eq!(out.bytes(), body);
        assert_eq!(out.fault.map(|f| f.kind), Some(FaultKind::EndedEarly));
        let done = [&body[..], b"event: response.completed\ndata: {}\n\n"].concat();
        assert_eq!(run(vec![done], MAX_EVENT).fault, None);
    }
}
