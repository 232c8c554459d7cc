//! [`Reply`]: what the mock answers to one request, including deliberate
//! misbehaviour (resets, stalls, cut streams), and how it is written to the
//! socket.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use flate2::write::GzEncoder;
use flate2::Compression;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One server-sent event. Events parsed back by [`crate::SseStream`] compare
/// equal to the ones the mock sent (raw events excepted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
    /// Written verbatim instead of as `event:`/`data:` lines.
    raw: bool,
}

impl SseEvent {
    /// `event: <event>` + `data: <compact JSON>`.
    pub fn new(event: impl Into<String>, data: serde_json::Value) -> SseEvent {
        SseEvent { event: Some(event.into()), data: data.to_string(), raw: false }
    }

    /// Arbitrary text data, with or without an event name (e.g. `data: [DONE]`).
    pub fn text(event: Option<&str>, data: &str) -> SseEvent {
        SseEvent { event: event.map(str::to_string), data: data.to_string(), raw: false }
    }

    /// Bytes written as-is, for malformed or unusual SSE framing.
    pub fn raw(text: &str) -> SseEvent {
        SseEvent { event: None, data: text.to_string(), raw: true }
    }

    /// The data parsed as JSON; panics (showing the data) if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data).unwrap_or_else(|e| panic!("SSE data is not JSON ({e}): {}", self.data))
    }

    /// The wire form: `event: X\ndata: ...\n\n` (one `data:` line per line of data).
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.raw {
            return self.data.as_bytes().to_vec();
        }
        let mut out = String::new();
        if let Some(event) = &self.event {
            out.push_str(&format!("event: {event}\n"));
        }
        for line in self.data.split('\n') {
            out.push_str(&format!("data: {line}\n"));
        }
        out.push('\n');
        out.into_bytes()
    }
}

/// A door a test opens: a reply [gated](Reply::gate_after_events) on it
/// holds its stream back until then. Opening before the reply reaches the
/// gate is fine (it stays open).
#[derive(Debug, Clone)]
pub struct Gate(Arc<tokio::sync::Semaphore>);

impl Default for Gate {
    fn default() -> Gate {
        Gate::new()
    }
}

impl Gate {
    pub fn new() -> Gate {
        Gate(Arc::new(tokio::sync::Semaphore::new(0)))
    }

    /// Let every stream waiting on this gate go on, now and later.
    pub fn open(&self) {
        // A closed semaphore lets every `acquire` through at once.
        self.0.close();
    }

    async fn wait(&self) {
        // No permit is ever added: this returns when the gate is opened.
        let _ = self.0.acquire().await;
    }
}

#[derive(Debug, Clone)]
enum Body {
    Bytes(Vec<u8>),
    Sse(Vec<SseEvent>),
    /// Read the request, then RST the connection without answering.
    Reset,
}

/// What happened to the connection after a reply was written.
pub(crate) enum Outcome {
    KeepAlive,
    /// Shut down gracefully (FIN).
    Close,
    /// The reply consumed the socket (reset, stall, or the client vanished).
    Done,
}

/// A scripted answer. Builder methods consume and return `self`.
#[derive(Debug, Clone)]
pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Body,
    delay: Option<Duration>,
    event_delay: Option<Duration>,
    reset_after: Option<usize>,
    stall_after: Option<usize>,
    gate: Option<(usize, Gate)>,
    gzip: bool,
    chunked: bool,
}

impl Reply {
    fn with(status: u16, content_type: Option<&str>, body: Body) -> Reply {
        let headers = content_type.map(|ct| vec![("content-type".to_string(), ct.to_string())]);
        Reply {
            status,
            headers: headers.unwrap_or_default(),
            body,
            delay: None,
            event_delay: None,
            reset_after: None,
            stall_after: None,
            gate: None,
            gzip: false,
            chunked: true,
        }
    }

    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply::with(status, Some("application/json"), Body::Bytes(value.to_string().into_bytes()))
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply::with(status, Some("text/plain; charset=utf-8"), Body::Bytes(body.as_bytes().to_vec()))
    }

    /// Any bytes with any content type.
    pub fn bytes(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::with(status, Some(content_type), Body::Bytes(body.into()))
    }

    /// 200 `text/event-stream`, chunked, one chunk per event.
    pub fn sse(events: Vec<SseEvent>) -> Reply {
        Reply::with(200, Some("text/event-stream"), Body::Sse(events)).header("cache-control", "no-cache")
    }

    /// No response at all: the connection is reset once the request is read.
    pub fn reset() -> Reply {
        Reply::with(0, None, Body::Reset)
    }

    pub fn status(mut self, status: u16) -> Reply {
        self.status = status;
        self
    }

    /// Sets a header, replacing any earlier one of the same name. Setting
    /// `content-length` yourself suppresses the computed one (to send a lying
    /// length); `connection: close` makes the mock close after the reply.
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        let name = name.to_ascii_lowercase();
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value.to_string()));
        self
    }

    pub fn retry_after(self, secs: u64) -> Reply {
        self.header("retry-after", &secs.to_string())
    }

    /// Wait before the status line (or before the reset, for [`Reply::reset`]).
    pub fn delay(mut self, d: Duration) -> Reply {
        self.delay = Some(d);
        self
    }

    /// Wait between consecutive SSE events.
    pub fn event_delay(mut self, d: Duration) -> Reply {
        self.event_delay = Some(d);
        self
    }

    /// Send `n` events, then RST the connection (no terminating chunk).
    pub fn reset_after_events(mut self, n: usize) -> Reply {
        self.reset_after = Some(n);
        self
    }

    /// Send `n` events, then hold the connection open silently until the
    /// client goes away (or the mock is dropped).
    pub fn stall_after_events(mut self, n: usize) -> Reply {
        self.stall_after = Some(n);
        self
    }

    /// Send `n` events (and the headers), then wait until `gate` opens
    /// before the rest: a model thinking, for as long as the test wants.
    pub fn gate_after_events(mut self, n: usize, gate: Gate) -> Reply {
        self.gate = Some((n, gate));
        self
    }

    /// `Content-Encoding: gzip`. SSE is compressed incrementally with a sync
    /// flush per event, so each event is decodable as soon as it arrives.
    pub fn gzip(mut self) -> Reply {
        self.gzip = true;
        self
    }

    /// SSE without chunked encoding: `Connection: close`, body ends at EOF.
    pub fn no_chunked(mut self) -> Reply {
        self.chunked = false;
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n == name)
    }

    fn head(&self, extra: &[(&str, String)]) -> Vec<u8> {
        let reason =
            http::StatusCode::from_u16(self.status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown");
        let mut out = format!("HTTP/1.1 {} {}\r\n", self.status, reason);
        let all = self.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        for (name, value) in all.chain(extra.iter().map(|(n, v)| (*n, v.as_str()))) {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        out.into_bytes()
    }

    pub(crate) async fn write_to(&self, stream: &mut TcpStream, client_close: bool) -> Outcome {
        if let Some(d) = self.delay {
            tokio::time::sleep(d).await;
        }
        let close =
            client_close || self.headers.iter().any(|(n, v)| n == "connection" && v.eq_ignore_ascii_case("close"));
        match &self.body {
            Body::Reset => reset(stream),
            Body::Bytes(body) => self.write_plain(stream, body, close).await,
            Body::Sse(events) => self.write_sse(stream, events, close).await,
        }
    }

    async fn write_plain(&self, stream: &mut TcpStream, body: &[u8], close: bool) -> Outcome {
        let body = if self.gzip { gzip_all(body) } else { body.to_vec() };
        let mut extra = Vec::new();
        if self.gzip {
            extra.push(("content-encoding", "gzip".to_string()));
        }
        if !self.has_header("content-length") {
            extra.push(("content-length", body.len().to_string()));
        }
        if close && !self.has_header("connection") {
            extra.push(("connection", "close".to_string()));
        }
        let mut out = self.head(&extra);
        out.extend_from_slice(&body);
        match stream.write_all(&out).await {
            Ok(()) if close => Outcome::Close,
            Ok(()) => Outcome::KeepAlive,
            Err(_) => Outcome::Done,
        }
    }

    async fn write_sse(&self, stream: &mut TcpStream, events: &[SseEvent], close: bool) -> Outcome {
        let mut extra = Vec::new();
        if self.gzip {
            extra.push(("content-encoding", "gzip".to_string()));
        }
        if self.chunked {
            extra.push(("transfer-encoding", "chunked".to_string()));
        }
        if (close || !self.chunked) && !self.has_header("connection") {
            extra.push(("connection", "close".to_string()));
        }
        if stream.write_all(&self.head(&extra)).await.is_err() {
            return Outcome::Done;
        }
        let mut enc = self.gzip.then(|| GzEncoder::new(Vec::new(), Compression::default()));
        // A cut beyond the last event still suppresses the normal ending.
        let reset_at = self.reset_after.map(|n| n.min(events.len()));
        let stall_at = self.stall_after.map(|n| n.min(events.len()));
        for i in 0..=events.len() {
            // The gate first: a stream may wait, then reset or stall.
            if let Some((_, gate)) = self.gate.as_ref().filter(|(n, _)| *n == i) {
                gate.wait().await;
            }
            if reset_at == Some(i) {
                return reset(stream);
            }
            if stall_at == Some(i) {
                return stall(stream).await;
            }
            let Some(event) = events.get(i) else { break };
            if i > 0 {
                if let Some(d) = self.event_delay {
                    tokio::time::sleep(d).await;
                }
            }
            let bytes = match enc.as_mut() {
                Some(gz) => {
                    // Sync flush: emits everything so far on a byte boundary.
                    gz.write_all(&event.to_bytes()).and_then(|()| gz.flush()).expect("gzip to Vec");
                    std::mem::take(gz.get_mut())
                }
                None => event.to_bytes(),
            };
            if self.write_body(stream, &bytes).await.is_err() {
                return Outcome::Done;
            }
        }
        let mut tail = match enc {
            Some(gz) => gz.finish().expect("gzip to Vec"),
            None => Vec::new(),
        };
        if self.chunked {
            tail = frame_chunk(&tail);
            tail.extend_from_slice(b"0\r\n\r\n");
        }
        match stream.write_all(&tail).await {
            Ok(()) if close || !self.chunked => Outcome::Close,
            Ok(()) => Outcome::KeepAlive,
            Err(_) => Outcome::Done,
        }
    }

    /// Writes one event's bytes as a single chunk (or raw, without chunking).
    async fn write_body(&self, stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
        if self.chunked {
            stream.write_all(&frame_chunk(bytes)).await
        } else {
            stream.write_all(bytes).await
        }
    }
}

/// Frames bytes as one chunk; empty input yields nothing, because an empty
/// chunk would terminate the body.
fn frame_chunk(bytes: &[u8]) -> Vec<u8> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let mut out = format!("{:x}\r\n", bytes.len()).into_bytes();
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
    out
}

fn gzip_all(body: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(body).expect("gzip to Vec");
    gz.finish().expect("gzip to Vec")
}

/// Zero linger makes the caller's drop of the socket send RST instead of FIN.
fn reset(stream: &mut TcpStream) -> Outcome {
    let _ = stream.set_zero_linger();
    Outcome::Done
}

/// Stays silent until the client closes (or errors), discarding anything it sends.
async fn stall(stream: &mut TcpStream) -> Outcome {
    let mut sink = [0u8; 4096];
    while let Ok(n) = stream.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
    Outcome::Done
}
