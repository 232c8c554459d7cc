//! The Messages side of the answer: the chat stream read into Anthropic
//! events ([`ChatToMessages`], see [`crate::bridge::chat_sse`]), a whole
//! non-streaming answer ([`translate_json_body`]), an upstream's error in
//! Anthropic's shape ([`error_body`]), and `count_tokens` answered locally
//! ([`count_tokens`]).

use serde_json::{json, Value};

use super::stream::{Event, Translator};
use crate::bridge::chat_sse::{ChatStream, Translate};

/// The chat stream read into the Messages event stream.
pub type ChatToMessages<E> = ChatStream<Translator, E>;

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
        Translator::fail(self, message);
        Translator::done(self)
    }

    fn finished(&self) -> bool {
        Translator::finished(self)
    }

    fn write_sse(event: &Event, out: &mut Vec<u8>) {
        event.write_sse(out)
    }
}

/// A non-streaming chat answer → the Messages API's `message` object (what
/// `POST /v1/messages` without `stream` returns). An answer that is not a
/// chat completion is an error naming what it was.
pub fn translate_json_body(body: &[u8], mut translator: Translator) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8 text".to_string())?;
    let value: Value = serde_json::from_str(text).map_err(|e| format!("the answer is not JSON ({e})"))?;
    if value.get("choices").is_none() {
        let shown: String = text.chars().take(200).collect();
        return Err(format!("the answer is not a chat completion (no `choices`): {shown}"));
    }
    let mut events = translator.chunk(text);
    events.extend(translator.done());
    let message = translator.message(events.last())?;
    Ok(serde_json::to_vec(&message).expect("a JSON value serialises"))
}

/// A chat upstream's error body (OpenAI's `{"error": {"message", …}}`, or
/// anything else) in Anthropic's shape, `{"type": "error", "error":
/// {"type", "message"}}`, which is what Claude Code shows the user. `kind`
/// is the Anthropic error type for the status.
pub fn error_body(body: &[u8], kind: &str) -> Vec<u8> {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let message = value
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(|e| {
            e.get("message").and_then(Value::as_str).map(str::to_string).or_else(|| e.as_str().map(str::to_string))
        })
        .or_else(|| value.as_ref().and_then(|v| v.get("message")).and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let shown: String = text.trim().chars().take(500).collect();
            if shown.is_empty() {
                "the Chat Completions upstream answered with an error and no details".into()
            } else {
                shown
            }
        });
    serde_json::to_vec(&json!({"type": "error", "error": {"type": kind, "message": message}}))
        .expect("a JSON value serialises")
}

/// The bytes one token stands for in the estimate: a usual ratio for
/// English text and code with BPE tokenizers.
const BYTES_PER_TOKEN: usize = 4;

/// `POST /v1/messages/count_tokens` answered here, for an upstream with no
/// such endpoint: an estimate (about one token per four bytes of the
/// serialized system prompt, messages and tools), so Claude Code, which
/// uses it to see how full the context is, does not fail. Not a billing
/// count.
pub fn count_tokens(body: &[u8]) -> Vec<u8> {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let bytes: usize = ["system", "messages", "tools"]
        .iter()
        .filter_map(|key| value.get(*key))
        .map(|v| serde_json::to_vec(v).map(|b| b.len()).unwrap_or(0))
        .sum();
    let tokens = bytes.div_ceil(BYTES_PER_TOKEN).max(1);
    serde_json::to_vec(&json!({"input_tokens": tokens})).expect("a JSON value serialises")
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use futures_util::{stream, StreamExt};
    use serde_json::{json, Value};

    use super::*;

    async fn run(pieces: Vec<&'static str>) -> Vec<(String, Value)> {
        let upstream = stream::iter(pieces.into_iter().map(|p| Ok::<_, std::io::Error>(Bytes::from(p)))).boxed();
        let out: Vec<Bytes> =
            ChatToMessages::new(upstream, Translator::new("m".into())).map(|r| r.unwrap()).collect().await;
        let text = String::from_utf8(out.concat()).unwrap();
        text.split("\n\n")
            .filter(|e| !e.is_empty())
            .map(|e| {
                let (head, data) = e.split_once("\ndata: ").expect("event then data");
                let v: Value = serde_json::from_str(data).unwrap();
                let name = head.strip_prefix("event: ").unwrap().to_string();
                assert_eq!(Some(name.as_str()), v["type"].as_str(), "{e}");
                (name, v)
            })
            .collect()
    }

    #[tokio::test]
    async fn a_split_stream_becomes_anthropic_events() {
        let events = run(vec![
            "data: {\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"he",
            "llo\"}}]}\r\n\r\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n",
        ])
        .await;
        let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
        assert_eq!(events[0].1["message"]["model"], "deepseek-chat");
        assert_eq!(events[2].1["delta"], json!({"type": "text_delta", "text": "hello"}));
        assert_eq!(events[4].1["usage"]["input_tokens"], 9);
        assert_eq!(events[4].1["usage"]["output_tokens"], 2);
    }

    #[tokio::test]
    async fn a_malformed_chunk_is_one_error_event_and_reading_stops() {
        let events = run(vec![
            "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n",
            "data: {not json\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"after\"}}]}\n\n",
        ])
        .await;
        let (name, last) = events.last().unwrap();
        assert_eq!(name, "error");
        assert_eq!(last["error"]["type"], "api_error");
        assert_eq!(events.iter().filter(|(n, _)| n == "error").count(), 1);
        assert!(!events.iter().any(|(_, e)| e["delta"]["text"] == "after"));
    }

    #[test]
    fn a_json_answer_becomes_a_message_object() {
        let body = json!({
            "id": "chatcmpl-1", "object": "chat.completion", "model": "kimi-k2",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "running it",
                "tool_calls": [{"id": "call_9", "type": "function", "function": {"name": "Bash", "arguments": "{\"command\":\"ls\"}"}}]},
                "finish_reason": "tool_calls"}],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        });
        let out = translate_json_body(body.to_string().as_bytes(), Translator::new("m".into())).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["type"], "message");
        assert_eq!(v["model"], "kimi-k2");
        assert_eq!(v["stop_reason"], "tool_use");
        assert_eq!(v["content"][0], json!({"type": "text", "text": "running it"}));
        assert_eq!(
            v["content"][1],
            json!({"type": "tool_use", "id": "toolu_call_9", "name": "Bash", "input": {"command": "ls"}})
        );
        assert_eq!(v["usage"]["input_tokens"], 7);
        assert_eq!(v["usage"]["output_tokens"], 3);
        let err = translate_json_body(b"{\"data\": []}", Translator::new("m".into())).unwrap_err();
        assert!(err.contains("not a chat completion"), "{err}");
    }

    #[test]
    fn errors_take_anthropics_shape() {
        let openai = br#"{"error":{"message":"model not found","type":"invalid_request_error","code":null}}"#;
        let v: Value = serde_json::from_slice(&error_body(openai, "not_found_error")).unwrap();
        assert_eq!(v, json!({"type": "error", "error": {"type": "not_found_error", "message": "model not found"}}));
        let v: Value = serde_json::from_slice(&error_body(b"Bad Gateway", "api_error")).unwrap();
        assert_eq!(v["error"]["message"], "Bad Gateway");
        let v: Value = serde_json::from_slice(&error_body(b"", "api_error")).unwrap();
        assert!(v["error"]["message"].as_str().unwrap().contains("no details"));
    }

    #[test]
    fn count_tokens_is_an_estimate_over_the_prompt() {
        let body = json!({"model": "m", "system": "x".repeat(400), "messages": [{"role": "user", "content": "hi"}]});
        let v: Value = serde_json::from_slice(&count_tokens(body.to_string().as_bytes())).unwrap();
        let n = v["input_tokens"].as_u64().unwrap();
        assert!((100..120).contains(&n), "{n}");
        let v: Value = serde_json::from_slice(&count_tokens(b"not json")).unwrap();
        assert_eq!(v["input_tokens"], 1);
    }
}
