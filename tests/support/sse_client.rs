//! A small SSE reader for tests: turns a `reqwest::Response` into
//! [`SseEvent`]s, keeping the events received before a stream broke.
//!
//! reqwest is built without its gzip feature here, so a `Content-Encoding:
//! gzip` body is inflated incrementally with flate2 (each event becomes
//! visible as soon as its bytes arrive, like a real client would see it).

use std::io::Write;
use std::pin::Pin;

use bytes::Bytes;
use flate2::write::GzDecoder;
use futures_util::{Stream, StreamExt};

use crate::SseEvent;

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Everything read from one SSE response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseRead {
    /// Events completed before the end (or the break) of the stream.
    pub events: Vec<SseEvent>,
    /// Why the stream broke, if it did not end cleanly.
    pub error: Option<String>,
}

impl SseRead {
    /// Event names in order (`""` for events without a name).
    pub fn names(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.event.as_deref().unwrap_or("")).collect()
    }
}

/// Reads a whole SSE response; never fails, errors land in [`SseRead::error`].
pub async fn read_sse_events(resp: reqwest::Response) -> SseRead {
    let mut stream = SseStream::new(resp);
    let mut events = Vec::new();
    while let Some(next) = stream.next_event().await {
        match next {
            Ok(ev) => events.push(ev),
            Err(error) => return SseRead { events, error: Some(error) },
        }
    }
    SseRead { events, error: None }
}

/// Pull-style reader, for tests that act in the middle of a stream.
pub struct SseStream {
    body: ByteStream,
    gzip: Option<GzDecoder<Vec<u8>>>,
    parser: Parser,
    finished: bool,
}

impl SseStream {
    pub fn new(resp: reqwest::Response) -> SseStream {
        let gzip = resp
            .headers()
            .get("content-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"gzip"))
            .then(|| GzDecoder::new(Vec::new()));
        SseStream { body: Box::pin(resp.bytes_stream()), gzip, parser: Parser::default(), finished: false }
    }

    /// The next complete event; `None` at a clean end; `Err` once if the body
    /// broke (then `None`). A partial event at the end is dropped, as the SSE
    /// spec requires.
    pub async fn next_event(&mut self) -> Option<Result<SseEvent, String>> {
        loop {
            if let Some(ev) = self.parser.next_event() {
                return Some(Ok(ev));
            }
            if self.finished {
                return None;
            }
            match self.body.next().await {
                None => self.finished = true,
                Some(Err(e)) => {
                    self.finished = true;
                    return Some(Err(error_chain(&e)));
                }
                Some(Ok(chunk)) => {
                    if let Err(e) = self.feed(&chunk) {
                        self.finished = true;
                        return Some(Err(format!("gzip: {e}")));
                    }
                }
            }
        }
    }

    fn feed(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        match self.gzip.as_mut() {
            Some(gz) => {
                // flush() makes the decoder emit all it can from the input so far.
                gz.write_all(chunk)?;
                gz.flush()?;
                let out = std::mem::take(gz.get_mut());
                self.parser.push(&out);
            }
            None => self.parser.push(chunk),
        }
        Ok(())
    }
}

/// An error with its sources, e.g. "error decoding response body: connection reset".
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Incremental SSE line parser (event/data fields; comments, id and retry ignored).
#[derive(Default)]
struct Parser {
    buf: Vec<u8>,
    event: Option<String>,
    data: Option<String>,
    ready: std::collections::VecDeque<SseEvent>,
}

impl Parser {
    fn push(&mut self, bytes: &[u8]) {
        // Only the new bytes are searched for line ends, and the consumed
        // lines are dropped once per push: linear in the body, so a test
        // can send tens of megabytes (with or without line ends).
        let searched = self.buf.len();
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        let mut from = searched;
        while let Some(off) = self.buf[from..].iter().position(|&b| b == b'\n') {
            let end = from + off;
            let line = String::from_utf8_lossy(&self.buf[start..end]).into_owned();
            self.line(line.strip_suffix('\r').unwrap_or(&line));
            start = end + 1;
            from = start;
        }
        self.buf.drain(..start);
    }

    fn line(&mut self, line: &str) {
        if line.is_empty() {
            // Blank line dispatches; per the spec only if some data was seen.
            let event = self.event.take();
            if let Some(data) = self.data.take() {
                self.ready.push_back(SseEvent::text(event.as_deref(), &data));
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => self.event = Some(value.to_string()),
            "data" => match self.data.as_mut() {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            },
            _ => {}
        }
    }

    fn next_event(&mut self) -> Option<SseEvent> {
        self.ready.pop_front()
    }
}
