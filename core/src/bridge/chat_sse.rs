//! A Chat Completions upstream's event stream, read line by line (`data:`
//! lines, an event ends at a blank line) and fed to a direction's
//! translator ([`Translate`]); what it gives back goes out as one piece per
//! upstream piece. [`ChatStream`] is a `Stream` of the same item type as the
//! upstream's, so the proxy's pump takes it unchanged. After the
//! translator's last event the rest of the upstream's body is not read.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};

/// One direction's chat-chunk → client-event state machine.
pub trait Translate {
    type Event;
    /// One chunk's JSON (an SSE `data:` payload other than `[DONE]`).
    fn chunk(&mut self, data: &str) -> Vec<Self::Event>;
    /// `data: [DONE]`: the answer is over.
    fn done(&mut self) -> Vec<Self::Event>;
    /// The body ended (complete after a `finish_reason`, else cut off).
    fn eof(&mut self) -> Vec<Self::Event>;
    /// Ends the stream with the client's error event; `message` says why.
    fn fail(&mut self, message: &str) -> Vec<Self::Event>;
    /// The stream's last event went out; nothing more is read.
    fn finished(&self) -> bool;
    fn write_sse(event: &Self::Event, out: &mut Vec<u8>);
}

/// A line longer than this without its end is not a chat stream.
const MAX_LINE: usize = 8 << 20;

pub struct ChatStream<T: Translate, E> {
    upstream: BoxStream<'static, Result<Bytes, E>>,
    translator: T,
    /// Bytes of a line not ended yet.
    line: Vec<u8>,
    /// The `data:` lines of the event being read.
    data: Vec<String>,
    ready: VecDeque<Bytes>,
    ended: bool,
}

impl<T: Translate, E> ChatStream<T, E> {
    pub fn new(upstream: BoxStream<'static, Result<Bytes, E>>, translator: T) -> ChatStream<T, E> {
        ChatStream { upstream, translator, line: Vec::new(), data: Vec::new(), ready: VecDeque::new(), ended: false }
    }

    /// Feeds upstream bytes; returns the Responses events they completed.
    fn feed(&mut self, bytes: &[u8]) -> Vec<T::Event> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|b| *b == b'\n') {
            self.line.extend_from_slice(&rest[..pos]);
            rest = &rest[pos + 1..];
            let line = std::mem::take(&mut self.line);
            out.extend(self.line_done(&line));
            if self.translator.finished() {
                return out;
            }
        }
        self.line.extend_from_slice(rest);
        if self.line.len() > MAX_LINE {
            self.line.clear();
            out.extend(self.translator.fail(&format!(
                "the Chat Completions upstream sent a line longer than {MAX_LINE} bytes; that is not an event stream"
            )));
        }
        out
    }

    fn line_done(&mut self, line: &[u8]) -> Vec<T::Event> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return self.dispatch();
        }
        if let Some(value) = line.strip_prefix(b"data:") {
            let value = value.strip_prefix(b" ").unwrap_or(value);
            self.data.push(String::from_utf8_lossy(value).into_owned());
        }
        // `event:`, `id:`, `retry:` and `:` comments carry nothing here.
        Vec::new()
    }

    fn dispatch(&mut self) -> Vec<T::Event> {
        if self.data.is_empty() {
            return Vec::new();
        }
        let data = std::mem::take(&mut self.data).join("\n");
        if data.trim() == "[DONE]" {
            self.translator.done()
        } else {
            self.translator.chunk(&data)
        }
    }

    /// The upstream's body is over.
    fn finish(&mut self) -> Vec<T::Event> {
        let mut out = Vec::new();
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            out.extend(self.line_done(&line));
        }
        out.extend(self.dispatch());
        out.extend(self.translator.eof());
        out
    }
}

fn frame<T: Translate>(events: &[T::Event]) -> Option<Bytes> {
    if events.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for event in events {
        T::write_sse(event, &mut out);
    }
    Some(Bytes::from(out))
}

impl<T: Translate + Unpin, E> Stream for ChatStream<T, E> {
    type Item = Result<Bytes, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(piece) = self.ready.pop_front() {
                return Poll::Ready(Some(Ok(piece)));
            }
            if self.ended || self.translator.finished() {
                return Poll::Ready(None);
            }
            match self.upstream.poll_next_unpin(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(bytes))) => {
                    let events = self.feed(&bytes);
                    if let Some(piece) = frame::<T>(&events) {
                        self.ready.push_back(piece);
                    }
                }
                Poll::Ready(Some(Err(err))) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(err)));
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    let events = self.finish();
                    if let Some(piece) = frame::<T>(&events) {
                        self.ready.push_back(piece);
                    }
                }
            }
        }
    }
}

/// One event framed for an event stream: `event: <kind>` and its JSON as
/// one `data:` line (what both bridges send their clients).
pub fn write_event(out: &mut Vec<u8>, kind: &str, data: &serde_json::Value) {
    out.extend_from_slice(b"event: ");
    out.extend_from_slice(kind.as_bytes());
    out.extend_from_slice(b"\ndata: ");
    // A Value always serialises.
    serde_json::to_writer(&mut *out, data).expect("a JSON value serialises");
    out.extend_from_slice(b"\n\n");
}
