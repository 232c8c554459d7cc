//! The translation over bytes: a chat upstream's event stream in, the
//! Responses event stream out ([`ChatToResponses`], a `Stream` of the same
//! item type as the upstream's, so the proxy's pump takes it unchanged),
//! and a whole non-streaming answer ([`translate_json_body`]).
//!
//! The chat stream is read line by line (`data:` lines, an event ends at a
//! blank line); each event becomes zero or more Responses events, sent as
//! one piece. After the last event (`response.completed` or
//! `response.failed`) the rest of the upstream's body is not read.

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};

use super::events::Event;
use super::stream::Translator;

/// A line longer than this without its end is not a chat stream.
const MAX_LINE: usize = 8 << 20;

pub struct ChatToResponses<E> {
    upstream: BoxStream<'static, Result<Bytes, E>>,
    translator: Translator,
    /// Bytes of a line not ended yet.
    line: Vec<u8>,
    /// The `data:` lines of the event being read.
    data: Vec<String>,
    ready: VecDeque<Bytes>,
    ended: bool,
}

impl<E> ChatToResponses<E> {
    pub fn new(upstream: BoxStream<'static, Result<Bytes, E>>, translator: Translator) -> ChatToResponses<E> {
        ChatToResponses {
            upstream,
            translator,
            line: Vec::new(),
            data: Vec::new(),
            ready: VecDeque::new(),
            ended: false,
        }
    }

    /// Feeds upstream bytes; returns the Responses events they completed.
    fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
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
            self.translator.fail(
                "bad_upstream_chunk",
                &format!("the Chat Completions upstream sent a line longer than {MAX_LINE} bytes; that is not an event stream"),
            );
            out.extend(self.translator.done());
        }
        out
    }

    fn line_done(&mut self, line: &[u8]) -> Vec<Event> {
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

    fn dispatch(&mut self) -> Vec<Event> {
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
    fn finish(&mut self) -> Vec<Event> {
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

fn frame(events: &[Event]) -> Option<Bytes> {
    if events.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for event in events {
        event.write_sse(&mut out);
    }
    Some(Bytes::from(out))
}

impl<E> Stream for ChatToResponses<E> {
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
                    if let Some(piece) = frame(&events) {
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
                    if let Some(piece) = frame(&events) {
                        self.ready.push_back(piece);
                    }
                }
            }
        }
    }
}

/// A non-streaming chat answer → the Responses API's `response` object
/// (what `POST /v1/responses` with `stream: false` returns). An answer
/// that is not a chat completion is an error naming what it was.
pub fn translate_json_body(body: &[u8], mut translator: Translator) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8 text".to_string())?;
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("the answer is not JSON ({e})"))?;
    if value.get("choices").is_none() {
        let shown: String = text.chars().take(200).collect();
        return Err(format!("the answer is not a chat completion (no `choices`): {shown}"));
    }
    let mut events = translator.chunk(text);
    events.extend(translator.done());
    let last = events.into_iter().last().ok_or("the answer gave no events")?;
    let mut response = last.data.get("response").cloned().ok_or("the answer gave no response")?;
    if last.kind == "response.failed" {
        let message = response["error"]["message"].as_str().unwrap_or("unreadable answer").to_string();
        return Err(message);
    }
    // The object as a non-streaming answer returns it.
    if let Some(obj) = response.as_object_mut() {
        obj.remove("sequence_number");
    }
    Ok(serde_json::to_vec(&response).expect("a JSON value serialises"))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use futures_util::stream;
    use serde_json::{json, Value};

    use super::*;

    fn translator() -> Translator {
        Translator::with(HashSet::new(), "m".into())
    }

    async fn run(pieces: Vec<&'static str>) -> Vec<Value> {
        let upstream = stream::iter(pieces.into_iter().map(|p| Ok::<_, std::io::Error>(Bytes::from(p)))).boxed();
        let out: Vec<Bytes> =
            ChatToResponses::new(upstream, translator()).map(|r| r.unwrap()).collect::<Vec<_>>().await;
        let text = String::from_utf8(out.concat()).unwrap();
        text.split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| {
                let (head, data) = e.split_once("\ndata: ").expect("event then data");
                let v: Value = serde_json::from_str(data).unwrap();
                assert_eq!(head.strip_prefix("event: "), v["type"].as_str(), "{e}");
                v
            })
            .collect()
    }

    fn types(events: &[Value]) -> Vec<&str> {
        events.iter().map(|e| e["type"].as_str().unwrap()).collect()
    }

    #[tokio::test]
    async fn lines_split_anywhere_and_crlf_are_read() {
        let events = run(vec![
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"he",
            "llo\"}}]}\r\n\r",
            "\n: keep-alive\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: [DONE]\n\n",
        ])
        .await;
        let kinds = types(&events);
        assert_eq!(kinds.first(), Some(&"response.created"));
        assert_eq!(kinds.last(), Some(&"response.completed"));
        let text: Vec<&str> = events
            .iter()
            .filter(|e| e["type"] == "response.output_text.delta")
            .map(|e| e["delta"].as_str().unwrap())
            .collect();
        assert_eq!(text, ["hello"]);
    }

    #[tokio::test]
    async fn an_end_without_done_after_finish_completes_and_without_finish_does_not() {
        let finished =
            run(vec!["data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}"]).await;
        assert_eq!(types(&finished).last(), Some(&"response.completed"));
        let cut = run(vec!["data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n"]).await;
        assert!(!types(&cut).iter().any(|t| *t == "response.completed" || *t == "response.failed"), "{cut:?}");
    }

    #[tokio::test]
    async fn a_malformed_chunk_fails_the_stream_and_stops_reading() {
        let events = run(vec![
            "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n",
            "data: {not json\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"after\"}}]}\n\n",
        ])
        .await;
        let last = events.last().unwrap();
        assert_eq!(last["type"], "response.failed");
        assert_eq!(last["response"]["error"]["code"], "bad_upstream_chunk");
        assert!(!events.iter().any(|e| e["delta"] == "after"), "nothing is read after the failure");
    }

    #[tokio::test]
    async fn upstream_errors_pass_through() {
        let upstream = stream::iter(vec![
            Ok(Bytes::from_static(b"data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n")),
            Err(std::io::Error::other("reset")),
        ])
        .boxed();
        let out: Vec<Result<Bytes, std::io::Error>> = ChatToResponses::new(upstream, translator()).collect().await;
        assert!(out[0].is_ok());
        assert_eq!(out.last().unwrap().as_ref().unwrap_err().to_string(), "reset");
    }

    #[test]
    fn a_json_answer_becomes_a_response_object() {
        let body = json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "deepseek-chat",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi there",
                "tool_calls": [{"id": "call_9", "type": "function", "function": {"name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"}}]},
                "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        });
        let out = translate_json_body(body.to_string().as_bytes(), translator()).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["object"], "response");
        assert_eq!(v["status"], "completed");
        assert_eq!(v["model"], "deepseek-chat");
        assert_eq!(v["output"][0]["type"], "message");
        assert_eq!(v["output"][0]["content"][0]["text"], "hi there");
        assert_eq!(v["output"][1]["type"], "function_call");
        assert_eq!(v["output"][1]["call_id"], "call_9");
        assert_eq!(v["output"][1]["arguments"], "{\"cmd\":\"ls\"}");
        assert_eq!(v["usage"]["input_tokens"], 7);
        assert_eq!(v["usage"]["output_tokens"], 3);
        let err = translate_json_body(b"{\"data\": []}", translator()).unwrap_err();
        assert!(err.contains("not a chat completion"), "{err}");
    }
}
