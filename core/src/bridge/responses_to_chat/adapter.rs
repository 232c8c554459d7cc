//! The Responses side of the chat stream reader ([`crate::bridge::chat_sse`]):
//! [`ChatToResponses`] is it with this direction's [`Translator`], and
//! [`translate_json_body`] translates a whole non-streaming answer.

use super::events::Event;
use super::stream::Translator;
use crate::bridge::chat_sse::{ChatStream, Translate};

/// The chat stream read into the Responses event stream.
pub type ChatToResponses<E> = ChatStream<Translator, E>;

impl Translate for Translator {
    type Event = Event;

    fn chunk(&mut self, data: &str) -> Vec<Event> {
        Translator::chunk(self, data)
    }

    fn done(&mut self) -> Vec<Event> {
        Translator::done(self)
    }

    fn eof(&mut self) -> Vec<Event> {
        Translator::eof(self)
    }

    fn fail(&mut self, message: &str) -> Vec<Event> {
        Translator::fail(self, "bad_upstream_chunk", message);
        Translator::done(self)
    }

    fn finished(&self) -> bool {
        Translator::finished(self)
    }

    fn write_sse(event: &Event, out: &mut Vec<u8>) {
        event.write_sse(out)
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

    use bytes::Bytes;
    use futures_util::stream;
    use futures_util::StreamExt;
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
