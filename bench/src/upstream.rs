//! The mock upstream: as cheap as an HTTP/1.1 server can be, so what the
//! bench measures is the proxy in front of it. Any method, any path:
//! the request body (of any size) is read and dropped, and the answer is a
//! fixed Responses-API JSON object — or, with `?sse=N` in the query (or an
//! `x-bench-sse: N` header), a `text/event-stream` of `response.created`,
//! N numbered `response.output_text.delta` events `gap_ms` apart whose
//! delta is `size` bytes, and `response.completed` with usage.
//!
//! A path ending in `/messages` (Claude Code's) gets the same in the
//! Messages API's format: a message object, or `message_start`,
//! `content_block_start`, N `content_block_delta` events,
//! `content_block_stop`, `message_delta` with the usage and `message_stop`
//! (each numbered too, in a `sequence_number` member the API does not
//! have and clients ignore).

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Request, Response};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::sse::Dialect;

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// A completed, non-streamed Responses answer (~300 bytes).
pub const JSON_ANSWER: &str = concat!(
    r#"{"id":"resp_bench","object":"response","created_at":1700000000,"status":"completed","#,
    r#""model":"gpt-5","output":[{"type":"message","id":"msg_bench","status":"completed","role":"assistant","#,
    r#""content":[{"type":"output_text","text":"ok","annotations":[]}]}],"#,
    r#""usage":{"input_tokens":12,"output_tokens":1,"total_tokens":13}}"#
);

/// A completed, non-streamed Messages answer.
pub const MESSAGES_ANSWER: &str = concat!(
    r#"{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5","#,
    r#""content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","stop_sequence":null,"#,
    r#""usage":{"input_tokens":12,"output_tokens":1}}"#
);

/// The shape of an SSE answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseShape {
    pub deltas: u64,
    pub gap: Duration,
    pub size: usize,
    pub dialect: Dialect,
}

impl SseShape {
    /// From `sse=N&gap_ms=G&size=S` (a header value uses the same syntax).
    pub fn parse(query: &str) -> Option<SseShape> {
        let mut shape = SseShape { deltas: 0, gap: Duration::ZERO, size: 32, dialect: Dialect::Responses };
        let mut streamed = false;
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let n: u64 = v.parse().unwrap_or(0);
            match k {
                "sse" => {
                    streamed = true;
                    shape.deltas = n;
                }
                "gap_ms" => shape.gap = Duration::from_millis(n),
                "size" => shape.size = n as usize,
                _ => {}
            }
        }
        streamed.then_some(shape)
    }

    /// Every event the stream carries, numbered from 0.
    pub fn total_events(&self) -> u64 {
        self.dialect.total_events(self.deltas)
    }

    /// Whether event `seq` is a content event (each waits the gap).
    pub fn is_delta(&self, seq: u64) -> bool {
        let first = self.dialect.first_delta();
        seq >= first && seq < first + self.deltas
    }

    /// Event number `seq` of this stream, framed.
    pub fn event(&self, seq: u64) -> Bytes {
        match self.dialect {
            Dialect::Responses => self.responses_event(seq),
            Dialect::Messages => self.messages_event(seq),
        }
    }

    fn messages_event(&self, seq: u64) -> Bytes {
        let (kind, data) = if seq == 0 {
            (
                "message_start",
                r#""message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}"#.to_owned(),
            )
        } else if seq == 1 {
            ("content_block_start", r#""index":0,"content_block":{"type":"text","text":""}"#.to_owned())
        } else if self.is_delta(seq) {
            let delta = "x".repeat(self.size);
            ("content_block_delta", format!(r#""index":0,"delta":{{"type":"text_delta","text":"{delta}"}}"#))
        } else if seq == self.deltas + 2 {
            ("content_block_stop", r#""index":0"#.to_owned())
        } else if seq == self.deltas + 3 {
            (
                "message_delta",
                format!(
                    r#""delta":{{"stop_reason":"end_turn","stop_sequence":null}},"usage":{{"output_tokens":{}}}"#,
                    self.deltas
                ),
            )
        } else {
            ("message_stop", String::new())
        };
        let sep = if data.is_empty() { "" } else { "," };
        Bytes::from(format!("event: {kind}\ndata: {{\"type\":\"{kind}\",\"sequence_number\":{seq}{sep}{data}}}\n\n"))
    }

    fn responses_event(&self, seq: u64) -> Bytes {
        let (kind, data) = if seq == 0 {
            (
                "response.created",
                r#""response":{"id":"resp_bench","object":"response","status":"in_progress","model":"gpt-5"}"#
                    .to_owned(),
            )
        } else if seq <= self.deltas {
            let delta = "x".repeat(self.size);
            (
                "response.output_text.delta",
                format!(r#""item_id":"msg_bench","output_index":0,"content_index":0,"delta":"{delta}""#),
            )
        } else {
            let out = self.deltas;
            (
                "response.completed",
                format!(
                    r#""response":{{"id":"resp_bench","object":"response","status":"completed","model":"gpt-5","usage":{{"input_tokens":12,"output_tokens":{out},"total_tokens":{}}}}}"#,
                    out + 12
                ),
            )
        };
        Bytes::from(format!("event: {kind}\ndata: {{\"type\":\"{kind}\",\"sequence_number\":{seq},{data}}}\n\n"))
    }
}

/// Serves until the process ends.
pub async fn serve(listener: TcpListener) -> anyhow::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(handle);
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(req: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let dialect = Dialect::of_path(req.uri().path());
    let shape = req.uri().query().and_then(SseShape::parse).or_else(|| {
        let v = req.headers().get("x-bench-sse")?.to_str().ok()?;
        SseShape::parse(&format!("sse={v}"))
    });
    let shape = shape.map(|shape| SseShape { dialect, ..shape });
    let mut body = req.into_body();
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            break;
        }
    }
    let response = match shape {
        None => Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from_static(json_answer(dialect).as_bytes())).boxed_unsync()),
        Some(shape) => Response::builder()
            .header(header::CONTENT_TYPE, "text/event-stream")
            .header(header::CACHE_CONTROL, "no-cache")
            .body(sse_body(shape)),
    };
    Ok(response.expect("a static response is valid"))
}

fn json_answer(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Responses => JSON_ANSWER,
        Dialect::Messages => MESSAGES_ANSWER,
    }
}

fn sse_body(shape: SseShape) -> Body {
    let events = futures_util::stream::unfold(0u64, move |seq| async move {
        if seq >= shape.total_events() {
            return None;
        }
        // The opening event goes at once; each delta waits the gap (the
        // model "thinking"); completion follows the last delta directly.
        if shape.is_delta(seq) && !shape.gap.is_zero() {
            tokio::time::sleep(shape.gap).await;
        }
        Some((Ok::<_, Infallible>(Frame::data(shape.event(seq))), seq + 1))
    });
    StreamBody::new(events).boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sse::{EventSplitter, Integrity, Numbered};

    #[test]
    fn the_query_selects_the_stream_shape() {
        assert_eq!(SseShape::parse("a=1"), None);
        let s = SseShape::parse("sse=5&gap_ms=3&size=10").unwrap();
        assert_eq!(s, SseShape { deltas: 5, gap: Duration::from_millis(3), size: 10, dialect: Dialect::Responses });
        assert_eq!(s.total_events(), 7);
    }

    #[test]
    fn the_generated_stream_passes_the_checker() {
        let shape = SseShape { deltas: 4, gap: Duration::ZERO, size: 3, dialect: Dialect::Responses };
        let bytes: Vec<u8> = (0..shape.total_events()).flat_map(|s| shape.event(s).to_vec()).collect();
        let mut splitter = EventSplitter::default();
        let events: Vec<Numbered> = splitter.feed(&bytes).iter().map(Numbered::of).collect();
        assert!(events[0].kind == "response.created" && events[1].is_content() && events[5].is_completed());
        let seqs: Vec<Option<u64>> = events.iter().map(|e| e.seq).collect();
        assert!(Integrity::of_stream(&seqs, shape.total_events(), true).is_clean());
        serde_json::from_str::<serde_json::Value>(JSON_ANSWER).unwrap();
    }

    #[test]
    fn a_messages_stream_is_the_messages_api_and_passes_the_checker() {
        let shape =
            SseShape { deltas: 3, gap: Duration::ZERO, size: 2, dialect: Dialect::of_path("/v1/messages?sse=3") };
        let bytes: Vec<u8> = (0..shape.total_events()).flat_map(|s| shape.event(s).to_vec()).collect();
        let events = EventSplitter::default().feed(&bytes);
        let kinds: Vec<String> = events.iter().map(|e| Numbered::of(e).kind).collect();
        assert_eq!(
            kinds,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_delta",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        // Each event's name matches its type, and every data line is JSON.
        for e in &events {
            let v: serde_json::Value = serde_json::from_str(&e.data).unwrap();
            assert_eq!(e.name.as_deref(), v["type"].as_str());
        }
        let delta: serde_json::Value = serde_json::from_str(&events[2].data).unwrap();
        assert_eq!(delta["delta"]["text"], "xx");
        let usage: serde_json::Value = serde_json::from_str(&events[6].data).unwrap();
        assert_eq!(usage["usage"]["output_tokens"], 3);
        let numbered: Vec<Numbered> = events.iter().map(Numbered::of).collect();
        assert!(numbered[2].is_content() && !numbered[1].is_content() && numbered[7].is_completed());
        let seqs: Vec<Option<u64>> = numbered.iter().map(|e| e.seq).collect();
        assert!(Integrity::of_stream(&seqs, shape.total_events(), true).is_clean());
        let answer: serde_json::Value = serde_json::from_str(MESSAGES_ANSWER).unwrap();
        assert_eq!(answer["usage"]["input_tokens"], 12);
        assert_eq!(Dialect::of_path("/v1/responses"), Dialect::Responses);
    }
}
