//! Watches a response as it streams by: when real content starts (before
//! that, failing over is still invisible to the client), whether the
//! upstream reported an error in-band, and the token usage.
//!
//! It reads a decompressed copy when the upstream compressed the body, and
//! parses JSON only for the handful of events that carry usage or errors, so
//! the stream itself is never slowed.

use http::HeaderMap;
use serde_json::Value;

use super::decode::Decoder;
use super::sse::{self, Event};
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

/// Usage as reported so far; later reports overwrite earlier fields (Claude
/// sends cumulative output counts).
#[derive(Clone, Copy, Debug, Default)]
struct Reported {
    input: Option<u64>,
    output: Option<u64>,
    reasoning: Option<u64>,
    total: Option<u64>,
    cached: Option<u64>,
    cache_creation: Option<u64>,
}

pub struct Observer {
    service: Service,
    kind: BodyKind,
    decoder: Decoder,
    /// Decoded bytes not yet part of a complete event (SSE) or the body so
    /// far (JSON).
    tail: Vec<u8>,
    content_started: bool,
    early_error: Option<String>,
    reported: Reported,
    seen_usage: bool,
}

impl Observer {
    pub fn new(service: Service, headers: &HeaderMap) -> Observer {
        let content_type =
            headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let kind = if content_type.starts_with("text/event-stream") {
            BodyKind::Sse
        } else if content_type.contains("json") {
            BodyKind::Json
        } else {
            BodyKind::Other
        };
        Observer {
            service,
            kind,
            decoder: Decoder::for_headers(headers),
            tail: Vec::new(),
            content_started: false,
            early_error: None,
            reported: Reported::default(),
            seen_usage: false,
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
    pub fn early_error(&self) -> Option<&str> {
        self.early_error.as_deref()
    }

    /// Feed bytes exactly as they came from the upstream.
    pub fn observe(&mut self, raw: &[u8]) {
        if self.kind == BodyKind::Other {
            return;
        }
        if self.decoder.is_identity() && self.tail.is_empty() && self.kind == BodyKind::Sse {
            // The common case: whole events straight from the wire, no copy.
            let used = self.scan_events(raw);
            self.tail.extend_from_slice(&raw[used..]);
            return;
        }
        let Some(decoded) = self.decoder.decode(raw) else { return };
        match self.kind {
            BodyKind::Sse => {
                self.tail.extend_from_slice(&decoded);
                let tail = std::mem::take(&mut self.tail);
                let used = self.scan_events(&tail);
                self.tail = tail[used..].to_vec();
            }
            BodyKind::Json => {
                if self.tail.len() + decoded.len() <= MAX_JSON_BODY {
                    self.tail.extend_from_slice(&decoded);
                }
            }
            BodyKind::Other => {}
        }
    }

    /// The body ended: read a non-streaming body's usage.
    pub fn finish(&mut self) {
        if self.kind == BodyKind::Json && !self.tail.is_empty() {
            if let Ok(value) = serde_json::from_slice::<Value>(&self.tail) {
                self.take_usage(&value);
            }
            self.tail.clear();
        }
    }

    /// Token usage, if the upstream reported any.
    pub fn usage(&self) -> Option<Usage> {
        if !self.seen_usage {
            return None;
        }
        let r = self.reported;
        let mut input = r.input.unwrap_or(0);
        let mut cached = r.cached.unwrap_or(0);
        if self.service == Service::Claude {
            // Anthropic counts cache reads and writes apart from
            // input_tokens; OpenAI includes them. Report like OpenAI so the
            // numbers mean the same for both services.
            input += cached + r.cache_creation.unwrap_or(0);
        } else {
            cached = cached.min(input);
        }
        let output = r.output.unwrap_or(0);
        Some(Usage {
            input_tokens: input,
            output_tokens: output,
            reasoning_tokens: r.reasoning.unwrap_or(0),
            total_tokens: r.total.filter(|t| *t >= input + output).unwrap_or(input + output),
            cached_input_tokens: cached,
        })
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
        let Some(kind) = event.kind() else { return };
        match (self.service, kind) {
            (Service::Codex, "response.created" | "response.in_progress" | "response.queued") => {}
            (Service::Claude, "ping") => {}
            (Service::Claude, "message_start") => self.parse_usage(event),
            (Service::Codex, "response.failed" | "error") | (Service::Claude, "error") => {
                if !self.content_started {
                    let data = event.data_joined();
                    self.early_error = Some(error_message(&data));
                }
                self.parse_usage(event);
            }
            (Service::Codex, "response.completed" | "response.done" | "response.incomplete")
            | (Service::Claude, "message_delta") => {
                self.content_started = true;
                self.parse_usage(event);
            }
            _ => self.content_started = true,
        }
    }

    fn parse_usage(&mut self, event: &Event<'_>) {
        let data = event.data_joined();
        if memchr::memmem::find(&data, b"usage").is_none() {
            return;
        }
        if let Ok(value) = serde_json::from_slice::<Value>(&data) {
            self.take_usage(&value);
        }
    }

    fn take_usage(&mut self, value: &Value) {
        let usage = ["usage", "response", "message"]
            .iter()
            .find_map(|key| match *key {
                "usage" => value.get("usage"),
                nested => value.get(nested).and_then(|v| v.get("usage")),
            })
            .filter(|u| u.is_object());
        let Some(u) = usage else { return };
        let num = |path: &[&str]| -> Option<u64> {
            let mut v = u;
            for key in path {
                v = v.get(*key)?;
            }
            v.as_u64()
        };
        let r = &mut self.reported;
        let set = |slot: &mut Option<u64>, value: Option<u64>| {
            if value.is_some() {
                *slot = value;
            }
        };
        set(&mut r.input, num(&["input_tokens"]).or(num(&["prompt_tokens"])));
        set(&mut r.output, num(&["output_tokens"]).or(num(&["completion_tokens"])));
        set(&mut r.total, num(&["total_tokens"]));
        set(
            &mut r.reasoning,
            num(&["output_tokens_details", "reasoning_tokens"])
                .or(num(&["completion_tokens_details", "reasoning_tokens"])),
        );
        set(
            &mut r.cached,
            num(&["input_tokens_details", "cached_tokens"])
                .or(num(&["prompt_tokens_details", "cached_tokens"]))
                .or(num(&["cache_read_input_tokens"])),
        );
        set(&mut r.cache_creation, num(&["cache_creation_input_tokens"]));
        self.seen_usage = true;
    }
}

/// A short message out of an error payload of either service.
fn error_message(data: &[u8]) -> String {
    // Relays echo the key they were sent ("Incorrect API key provided: …").
    crate::redact::scrub_owned(error_message_raw(data))
}

fn error_message_raw(data: &[u8]) -> String {
    let parsed: Option<Value> = serde_json::from_slice(data).ok();
    let found = parsed.as_ref().and_then(|v| {
        let err = v.get("error").or_else(|| v.get("response").and_then(|r| r.get("error")))?;
        let msg = err.get("message").and_then(Value::as_str).unwrap_or("");
        let code = err.get("code").or_else(|| err.get("type")).and_then(Value::as_str).unwrap_or("");
        Some(match (code.is_empty(), msg.is_empty()) {
            (false, false) => format!("{code}: {msg}"),
            (true, false) => msg.to_string(),
            _ => code.to_string(),
        })
    });
    found.filter(|m| !m.is_empty()).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(data);
        text.chars().take(200).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let u = o.usage().unwrap();
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
        let u = o.usage().unwrap();
        assert_eq!((u.input_tokens, u.output_tokens, u.total_tokens, u.cached_input_tokens), (17, 30, 47, 5));
    }

    #[test]
    fn early_error_is_reported_with_its_message() {
        let mut o = Observer::new(Service::Claude, &sse_headers());
        o.observe(&ev("error", r#"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#));
        assert_eq!(o.early_error(), Some("overloaded_error: busy"));
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
        o.observe(&body[..20]);
        o.observe(&body[20..]);
        assert!(o.usage().is_none());
        o.finish();
        let u = o.usage().unwrap();
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
        let u = o.usage().unwrap();
        assert_eq!((u.input_tokens, u.output_tokens), (9, 2));
    }
}
