//! The mock upstream: as cheap as an HTTP/1.1 server can be, so what the
//! bench measures is the proxy in front of it. Any method, any path:
//! the request body (of any size) is read and dropped, and the answer is a
//! fixed Responses-API JSON object — or, with `?sse=N` in the query (or an
//! `x-bench-sse: N` header), a `text/event-stream` of `response.created`,
//! N numbered `response.output_text.delta` events `gap_ms` apart whose
//! delta is `size` bytes, and `response.completed` with usage.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Request, Response};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// A completed, non-streamed Responses answer (~300 bytes).
pub const JSON_ANSWER: &str = concat!(
    r#"{"id":"resp_bench","object":"response","created_at":1700000000,"status":"completed","#,
    r#""model":"gpt-5","output":[{"type":"message","id":"msg_bench","status":"completed","role":"assistant","#,
    r#""content":[{"type":"output_text","text":"ok","annotations":[]}]}],"#,
    r#""usage":{"input_tokens":12,"output_tokens":1,"total_tokens":13}}"#
);

/// The shape of an SSE answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SseShape {
    pub deltas: u64,
    pub gap: Duration,
    pub size: usize,
}

impl SseShape {
    /// From `sse=N&gap_ms=G&size=S` (a header value uses the same syntax).
    pub fn parse(query: &str) -> Option<SseShape> {
        let mut shape = SseShape { deltas: 0, gap: Duration::ZERO, size: 32 };
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

    /// Every event the stream carries: `deltas + 2`, numbered from 0.
    pub fn total_events(&self) -> u64 {
        self.deltas + 2
    }

    /// Event number `seq` of this stream, framed.
    pub fn event(&self, seq: u64) -> Bytes {
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
    let shape = req.uri().query().and_then(SseShape::parse).or_else(|| {
        let v = req.headers().get("x-bench-sse")?.to_str().ok()?;
        SseShape::parse(&format!("sse={v}"))
    });
    let mut body = req.into_body();
    while let Some(frame) = body.frame().await {
        if frame.is_err() {
            break;
        }
    }
    let response = match shape {
        None => Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from_static(JSON_ANSWER.as_bytes())).boxed_unsync()),
        Some(shape) => Response::builder()
            .header(header::CONTENT_TYPE, "text/event-stream")
            .header(header::CACHE_CONTROL, "no-cache")
            .body(sse_body(shape)),
    };
    Ok(response.expect("a static response is valid"))
}

fn sse_body(shape: SseShape) -> Body {
    let events = futures_util::stream::unfold(0u64, move |seq| async move {
        if seq >= shape.total_events() {
            return None;
        }
        // The opening event goes at once; each delta waits the gap (the
        // model "thinking"); completion follows the last delta directly.
        if seq >= 1 && seq <= shape.deltas && !shape.gap.is_zero() {
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
        assert_eq!(s, SseShape { deltas: 5, gap: Duration::from_millis(3), size: 10 });
        assert_eq!(s.total_events(), 7);
    }

    #[test]
    fn the_generated_stream_passes_the_checker() {
        let shape = SseShape { deltas: 4, gap: Duration::ZERO, size: 3 };
        let bytes: Vec<u8> = (0..shape.total_events()).flat_map(|s| shape.event(s).to_vec()).collect();
        let mut splitter = EventSplitter::default();
        let events: Vec<Numbered> = splitter.feed(&bytes).iter().map(Numbered::of).collect();
        assert!(events[0].kind == "response.created" && events[1].is_content() && events[5].is_completed());
        let seqs: Vec<Option<u64>> = events.iter().map(|e| e.seq).collect();
        assert!(Integrity::of_stream(&seqs, shape.total_events(), true).is_clean());
        serde_json::from_str::<serde_json::Value>(JSON_ANSWER).unwrap();
    }
}
