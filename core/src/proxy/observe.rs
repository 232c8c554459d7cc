//! Watches a response as it streams by: which stream format it is, when
//! real content starts (before that, failing over is still invisible to the
//! client), whether the upstream reported an error in-band, whether the
//! terminal event arrived, and the token usage.
//!
//! It reads a decompressed copy when the upstream compressed the body, and
//! parses JSON only for the handful of events that carry usage or errors
//! (and chat chunks, whose meaning is in their JSON), so the stream itself
//! is never slowed. Framing is linear and the held-back tail is bounded by
//! [`sse::MAX_EVENT`] (see [`Observer::overflowed`]).

use http::HeaderMap;

use super::decode::Decoder;
use super::sse::{self, Event, Scanner};
use super::stream_format::{Meaning, StreamFormat};
use super::usage_tally::Tally;
use crate::lb::UpstreamError;
use crate::logs::Usage;
use crate::Service;

/// Non-streaming bodies larger than this are not inspected for usage.
const MAX_JSON_BODY: usize = 16 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyKind {
    Sse,
    Json,
    Other,
}

pub struct Observer {
    service: Service,
    kind: BodyKind,
    decoder: Decoder,
    /// Decoded bytes not yet part of a complete event (SSE) or the body so
    /// far (JSON).
    tail: Vec<u8>,
    /// How far `tail` has been searched for an event boundary.
    scanner: Scanner,
    /// The tail grew past [`sse::MAX_EVENT`] without an event boundary.
    overflowed: bool,
    /// [`sse::MAX_EVENT`]; smaller in the pump's tests.
    pub(super) max_event: usize,
    format: Option<StreamFormat>,
    /// The stream's terminal event (or an in-band error) was seen.
    terminal: bool,
    /// The body ended ([`Observer::finish`]): only then is a non-streaming
    /// body whole enough to read.
    ended: bool,
    content_started: bool,
    early_error: Option<UpstreamError>,
    tally: Tally,
}

/// An answer's own account of itself, taken from an [`Observer`] when the
/// response ends.
pub struct Answer {
    tally: Tally,
    /// A non-streaming body, not read yet (empty for event streams).
    json: Vec<u8>,
    /// Anthropic counts input tokens without the cached ones.
    anthropic: bool,
}

impl Answer {
    /// The bytes it holds (a non-streaming body).
    pub fn held_bytes(&self) -> usize {
        self.json.len()
    }

    /// The token usage and the model the answer reported, if it did.
    pub fn read(mut self) -> (Option<Usage>, Option<String>) {
        if !self.json.is_empty() {
            self.tally.take_json(&self.json);
        }
        (self.tally.usage(self.anthropic), self.tally.model().map(str::to_string))
    }
}

impl Observer {
    pub fn new(service: Service, headers: &HeaderMap) -> Observer {
        // Compared without a lowercased copy: this runs on every answer.
        let content_type = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
        let content_type = content_type.as_bytes();
        let kind = if content_type.get(..17).is_some_and(|start| start.eq_ignore_ascii_case(b"text/event-stream")) {
            BodyKind::Sse
        } else if content_type.starts_with(b"application/json")
            || content_type.windows(4).any(|w| w.eq_ignore_ascii_case(b"json"))
        {
            BodyKind::Json
        } else {
            BodyKind::Other
        };
        Observer {
            service,
            kind,
            decoder: Decoder::for_headers(headers),
            tail: Vec::new(),
            scanner: Scanner::default(),
            overflowed: false,
            max_event: sse::MAX_EVENT,
            format: None,
            terminal: false,
            ended: false,
            content_started: false,
            early_error: None,
            tally: Tally::default(),
        }
    }

    pub fn is_sse(&self) -> bool {
        self.kind == BodyKind::Sse
    }

    /// True when the body reaches us uncompressed (so SSE can be forwarded
    /// event by event and an error event can be appended).
    pub fn is_identity(&self) -> bool {
        self.decoder.is_identity()
    }

    /// Real output has begun: from here on a retry would duplicate it.
    /// Compressed streams we cannot read count as started.
    pub fn content_started(&self) -> bool {
        self.content_started || matches!(self.decoder, Decoder::Opaque)
    }

    /// An error the upstream put in the stream before any content.
    pub fn early_error(&self) -> Option<&UpstreamError> {
        self.early_error.as_ref()
    }

    /// The stream's format, once an event showed it.
    pub fn format(&self) -> Option<StreamFormat> {
        self.format
    }

    /// Whether the stream is one the proxy judges: an event stream it can
    /// read, in a format it knows (or none seen yet).
    fn judged(&self) -> bool {
        self.kind == BodyKind::Sse
            && !matches!(self.decoder, Decoder::Opaque)
            && self.format != Some(StreamFormat::Unknown)
    }

    /// A judged stream saw its terminal event (or an in-band error); streams
    /// the proxy does not judge are always complete.
    pub fn complete(&self) -> bool {
        !self.judged() || self.terminal
    }

    /// An event went past [`sse::MAX_EVENT`] without ending; the observer
    /// dropped what it held and reads no further.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Feed bytes exactly as they came from the upstream.
    pub fn observe(&mut self, raw: &[u8]) {
        if self.kind == BodyKind::Other || self.overflowed {
            return;
        }
        if self.decoder.is_identity() && self.tail.is_empty() && self.kind == BodyKind::Sse {
            // The common case: whole events straight from the wire, no copy.
            let used = self.scan_events(raw);
            self.hold(&raw[used..]);
            return;
        }
        if self.decoder.is_identity() && self.kind == BodyKind::Json {
            // Kept for its usage as it comes, without a decoded copy first.
            if self.tail.len() + raw.len() <= MAX_JSON_BODY {
                self.tail.extend_from_slice(raw);
            }
            return;
        }
        let Some(decoded) = self.decoder.decode(raw) else { return };
        match self.kind {
            BodyKind::Sse => self.hold(&decoded),
            BodyKind::Json => {
                if self.tail.len() + decoded.len() <= MAX_JSON_BODY {
                    self.tail.extend_from_slice(&decoded);
                }
            }
            BodyKind::Other => {}
        }
    }

    /// Appends to the held tail and reads the events it completes. Only
    /// new bytes are searched and each event is read once: linear.
    fn hold(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        self.tail.extend_from_slice(bytes);
        if let Some(end) = self.scanner.last_event_end(&self.tail) {
            let mut tail = std::mem::take(&mut self.tail);
            self.scan_events(&tail[..end]);
            tail.drain(..end);
            self.scanner.consume(end);
            self.tail = tail;
        }
        if self.tail.len() > self.max_event {
            tracing::debug!(held = self.tail.len(), "an SSE event exceeds the cap; no longer observed");
            self.overflowed = true;
            self.tail = Vec::new();
            self.scanner.reset();
        }
    }

    /// The body ended: read a last event that came without its blank line.
    /// A non-streaming body is left unread for [`take_answer`](Self::take_answer).
    /// Calling it again does nothing.
    pub fn finish(&mut self) {
        self.ended = true;
        if self.tail.is_empty() || self.kind == BodyKind::Json {
            return;
        }
        let mut tail = std::mem::take(&mut self.tail);
        if self.kind == BodyKind::Sse && !self.overflowed {
            tail.extend_from_slice(b"\n\n");
            self.scan_events(&tail);
        }
        self.scanner.reset();
    }

    /// What the answer says about itself, moved out: the usage and model
    /// its events reported, and a non-streaming body still to be read for
    /// them (only once it ended: a body the client abandoned is not read).
    /// [`Answer::read`] does that reading wherever it costs the request
    /// nothing (the log writer's thread).
    pub fn take_answer(&mut self) -> Answer {
        let json = if self.kind == BodyKind::Json && self.ended { std::mem::take(&mut self.tail) } else { Vec::new() };
        Answer { anthropic: self.anthropic(), tally: std::mem::take(&mut self.tally), json }
    }

    /// Whether usage is counted the Anthropic way (input without cache).
    fn anthropic(&self) -> bool {
        match self.format {
            Some(format) => format == StreamFormat::Anthropic,
            None => self.service == Service::Claude,
        }
    }

    /// Handles the complete events at the start of `buf`; returns how many
    /// bytes they took.
    fn scan_events(&mut self, buf: &[u8]) -> usize {
        let mut used = 0;
        sse::for_each_event(buf, |event, end| {
            used = end;
            self.on_event(&event);
        });
        used
    }

    fn on_event(&mut self, event: &Event<'_>) {
        if self.format.is_none() {
            self.format = StreamFormat::detect(event);
        }
        match StreamFormat::meaning(self.format, event) {
            Meaning::Nothing => {}
            Meaning::Opening => self.parse_usage(event),
            Meaning::Content => {
                self.content_started = true;
                // Claude's `message_delta` and chat chunks carry usage
                // mid-stream; other content events never do.
                let carries = self.format == Some(StreamFormat::Chat) || event.kind() == Some("message_delta");
                if carries {
                    self.parse_usage(event);
                }
            }
            Meaning::Error => {
                if !self.content_started {
                    let data = event.data_joined();
                    self.early_error = Some(UpstreamError::from_event(&data));
                }
                self.terminal = true;
                self.parse_usage(event);
            }
            Meaning::Terminal => {
                // An empty but complete answer is an answer: commit to it.
                self.content_started = true;
                self.terminal = true;
                self.parse_usage(event);
            }
        }
    }

    fn parse_usage(&mut self, event: &Event<'_>) {
        let data = event.data_joined();
        if memchr::memmem::find(&data, b"usage").is_none() {
            return;
        }
        self.tally.take_json(&data);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The usage read so far, leaving the observer as it is.
    fn usage(o: &Observer) -> Option<Usage> {
        let json = if o.kind == BodyKind::Json { o.tail.clone() } else { Vec::new() };
        Answer { tally: o.tally.clone(), json, anthropic: o.anthropic() }.read().0
    }

    fn sse_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("content-type", "text/event-stream; charset=utf-8".parse().unwrap());
        h
    }

    fn ev(name: &str, data: &str) -> Vec<u8> {
        format!("event: {name}\ndata: {data}\n\n").into_bytes()
    }

    #[test]
    fn codex_stream_usage_and_content_start() {
        let mut o = Observer::new(Service::Codex, &sse_headers());
        o.observe(&ev("response.created", r#"{"type":"response.created"}"#));
        o.observe(&ev("response.in_progress", r#"{"type":"response.in_progress"}"#));
        assert!(!o.content_started());
        o.observe(&ev("response.output_text.delta", r#"{"type":"response.output_text.delta","delta":"hi"}"#));
        assert!(o.content_started());
        o.observe(&ev(
            "response.completed",
            r#"{"type":"response.completed","response":{"usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":40},"output_tokens":20,"output_tokens_details":{"reasoning_tokens":7},"total_tokens":120}}}"#,
        ));
        let u = usage(&o).unwrap();
        assert_eq!((u.input_tokens, u.output_tokens, u.reasoning_tokens, u.total_tokens), (100, 20, 7, 120));
        assert_eq!(u.cached_input_tokens, 40);
    }

    #[test]
    fn claude_stream_usage_is_cumulative() {
        let mut o = Observer::new(Service::Claude, &sse_headers());
        o.observe(&ev(
            "message_start",
            r#"{"type":"message_start","message":{"usage":{"input_tokens":10,"cache_read_input_tokens":5,"cache_creation_input_tokens":2,"output_tokens":1}}}"#,
        ));
        o.observe(&ev("ping", r#"{"type":"ping"}"#));
        assert!(!o.content_started());
        o.observe(&ev("content_block_start", r#"{"type":"content_block_start"}"#));
        assert!(o.content_started());
        o.observe(&ev("message_delta", r#"{"type":"message_delta","usage":{"output_tokens":30}}"#));
        let u = usage(&o).unwrap();
        assert_eq!((u.input_tokens, u.output_tokens, u.total_tokens, u.cached_input_tokens), (17, 30, 47, 5));
    }

    #[test]
    fn early_error_is_reported_with_its_message() {
        let mut o = Observer::new(Service::Claude, &sse_headers());
        o.observe(&ev("error", r#"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#));
        let error = o.early_error().unwrap();
        assert_eq!(error.message, "overloaded_error: busy");
        assert_eq!(error.kind, crate::lb::ErrorKind::Overloaded);
        assert!(!o.content_started());
    }

    #[test]
    fn events_split_across_chunks_are_seen_once_whole() {
        let mut o = Observer::new(Service::Codex, &sse_headers());
        let bytes = ev("response.output_text.delta", r#"{"type":"response.output_text.delta"}"#);
        let (a, b) = bytes.split_at(10);
        o.observe(a);
        assert!(!o.content_started());
        o.observe(b);
        assert!(o.content_started());
    }

    #[test]
    fn json_body_usage_at_finish_including_chat_naming() {
        let mut h = HeaderMap::new();
        h.insert("content-type", "application/json".parse().unwrap());
        let mut o = Observer::new(Service::Codex, &h);
        let body = br#"{"usage":{"prompt_tokens":3,"completion_tokens":4,"completion_tokens_details":{"reasoning_tokens":1}}}"#;
        let mut abandoned = Observer::new(Service::Codex, &h);
        abandoned.observe(body);
        assert!(abandoned.take_answer().read().0.is_none(), "a body that never ended is not read");
        o.observe(&body[..20]);
        o.observe(&body[20..]);
        o.finish();
        let (usage, _) = o.take_answer().read();
        let u = usage.unwrap();
        assert_eq!((u.input_tokens, u.output_tokens, u.reasoning_tokens, u.total_tokens), (3, 4, 1, 7));
    }

    #[test]
    fn gzip_sse_is_observed_through_the_decoder() {
        use flate2::write::GzEncoder;
        use std::io::Write;
        let mut h = sse_headers();
        h.insert("content-encoding", "gzip".parse().unwrap());
        let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&ev("message_start", r#"{"type":"message_start","message":{"usage":{"input_tokens":9}}}"#))
            .unwrap();
        enc.write_all(&ev("message_delta", r#"{"type":"message_delta","usage":{"output_tokens":2}}"#)).unwrap();
        let gz = enc.finish().unwrap();
        let mut o = Observer::new(Service::Claude, &h);
        for chunk in gz.chunks(7) {
            o.observe(chunk);
        }
        let u = usage(&o).unwrap();
        assert_eq!((u.input_tokens, u.output_tokens), (9, 2));
    }

    mod props {
        //! The observer fed raw pieces (as for compressed or unframed
        //! bodies): any split reads the same as the body whole, arbitrary
        //! bytes never panic, and the held tail stays under the cap.
        use super::*;
        use proptest::prelude::*;

        fn seen(o: &Observer) -> String {
            format!(
                "{:?} {} {} {:?} {:?} {}",
                o.format(),
                o.complete(),
                o.content_started(),
                o.early_error(),
                usage(o),
                o.overflowed()
            )
        }

        fn feed(chunks: &[&[u8]], gzip: bool, cap: usize) -> (String, usize) {
            let mut h = sse_headers();
            if gzip {
                h.insert("content-encoding", "gzip".parse().unwrap());
            }
            let mut o = Observer::new(Service::Claude, &h);
            o.max_event = cap;
            let mut max_tail = 0;
            for chunk in chunks {
                o.observe(chunk);
                max_tail = max_tail.max(o.tail.len());
            }
            o.finish();
            (seen(&o), max_tail)
        }

        fn events() -> impl Strategy<Value = Vec<u8>> {
            let piece = prop_oneof![
                Just(ev("message_start", r#"{"type":"message_start","message":{"usage":{"input_tokens":10}}}"#)),
                Just(ev("content_block_delta", r#"{"type":"content_block_delta"}"#)),
                Just(ev("message_delta", r#"{"type":"message_delta","usage":{"output_tokens":3}}"#)),
                Just(ev("message_stop", r#"{"type":"message_stop"}"#)),
                Just(b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\r\n\r\n".to_vec()),
                Just(b": ping\n\n".to_vec()),
                prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()], 0..30),
            ];
            prop::collection::vec(piece, 0..12).prop_map(|v| v.concat())
        }

        proptest! {
            #[test]
            fn any_split_reads_the_same(body in events(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10)) {
                let mut at: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
                at.sort_unstable();
                let mut chunks = vec![];
                let mut prev = 0;
                for cut in at.into_iter().chain([body.len()]) {
                    chunks.push(&body[prev..cut]);
                    prev = cut;
                }
                prop_assert_eq!(feed(&chunks, false, sse::MAX_EVENT).0, feed(&[&body], false, sse::MAX_EVENT).0);
            }

            #[test]
            fn arbitrary_bytes_never_panic(
                body in prop::collection::vec(any::<u8>(), 0..2048),
                gzip in any::<bool>(),
                cap in 1usize..256,
            ) {
                let chunks: Vec<&[u8]> = body.chunks(97).collect();
                let (_, max_tail) = feed(&chunks, gzip, cap);
                prop_assert!(max_tail <= cap, "tail {} > cap {}", max_tail, cap);
            }
        }
    }
}
