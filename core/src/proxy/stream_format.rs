//! Which API's event stream a response carries, and what one event means in
//! it: still opening, real content, the terminal event, or an error.
//!
//! The proxy judges a streaming answer by these (fail over while nothing
//! real was sent; a stream that stops before its terminal event is a
//! failure), so each format the proxy may carry is recognised on its own
//! terms, whichever service's port it came through:
//!
//! - OpenAI Responses: `event: response.*` (or data-only with a top-level
//!   `"type"`, as LiteLLM sends it, ending with `data: [DONE]`).
//! - OpenAI Chat Completions: data-only `chat.completion.chunk`s with no
//!   `event:` and no `"type"`; ends with `data: [DONE]` or a choice whose
//!   `finish_reason` is set.
//! - Anthropic Messages: `message_start` … `message_stop`.
//! - Anything else is [`StreamFormat::Unknown`]: passed through untouched
//!   and never judged (no content or terminal-event requirement, never a
//!   failure of the upstream), since the proxy cannot know what it means.

use serde_json::Value;

use super::sse::{self, Event};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamFormat {
    Responses,
    Chat,
    Anthropic,
    Unknown,
}

/// What one event means for the stream's judgement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// Carries nothing (a blank line, a comment, an `id:` only).
    Nothing,
    /// Opening or bookkeeping events sent before any output
    /// (`response.created`, `message_start`, `ping`, a chat role chunk).
    Opening,
    /// Real output: from here a retry would duplicate what the client saw.
    Content,
    /// The stream's normal end.
    Terminal,
    /// The upstream reported an error in-band; this also ends the stream.
    Error,
}

const ANTHROPIC_EVENTS: [&str; 7] = [
    "message_start",
    "message_delta",
    "message_stop",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "ping",
];

/// The chat delta fields that are output (an empty `content` is not).
const CHAT_OUTPUT: [&str; 6] = ["content", "tool_calls", "function_call", "reasoning", "reasoning_content", "refusal"];

impl StreamFormat {
    /// The format the first meaningful event shows, or `None` when the
    /// event carries nothing to tell it by.
    pub fn detect(event: &Event<'_>) -> Option<StreamFormat> {
        let data = event.data.first().copied().unwrap_or_default();
        if event.name.is_none() && event.data.is_empty() {
            return None;
        }
        if event.name.is_none() && is_done(event) {
            return Some(StreamFormat::Chat);
        }
        if let Some(kind) = event.kind() {
            if kind.starts_with("response.") {
                return Some(StreamFormat::Responses);
            }
            if ANTHROPIC_EVENTS.contains(&kind) {
                return Some(StreamFormat::Anthropic);
            }
            if kind == "error" {
                // An error first: either API; decided by what follows, if
                // anything does (the error itself is judged the same way).
                return None;
            }
        }
        let chat = event.name.is_none()
            && (sse::has_top_level_key(data, b"choices") || sse::has_top_level_key(data, b"error"));
        Some(if chat { StreamFormat::Chat } else { StreamFormat::Unknown })
    }

    /// What `event` means in a stream of this format (`None`: not known yet).
    pub fn meaning(format: Option<StreamFormat>, event: &Event<'_>) -> Meaning {
        if event.name.is_none() && event.data.is_empty() {
            return Meaning::Nothing;
        }
        if is_done(event) {
            // `[DONE]` ends chat streams and LiteLLM's Responses streams.
            return Meaning::Terminal;
        }
        let kind = event.kind();
        if kind == Some("error") {
            return Meaning::Error;
        }
        match format {
            None => Meaning::Opening,
            Some(StreamFormat::Unknown) => Meaning::Content,
            Some(StreamFormat::Responses) => match kind {
                Some("response.created" | "response.in_progress" | "response.queued") => Meaning::Opening,
                Some("response.completed" | "response.done" | "response.incomplete") => Meaning::Terminal,
                Some("response.failed") => Meaning::Error,
                _ => Meaning::Content,
            },
            Some(StreamFormat::Anthropic) => match kind {
                Some("message_start" | "ping") => Meaning::Opening,
                Some("message_stop") => Meaning::Terminal,
                _ => Meaning::Content,
            },
            Some(StreamFormat::Chat) => chat_meaning(&event.data_joined()),
        }
    }

    /// The terminal events this format ends with, for error messages.
    pub fn terminal_events(format: Option<StreamFormat>) -> &'static str {
        match format {
            Some(StreamFormat::Responses) => "`response.completed`, `response.failed` or `response.incomplete`",
            Some(StreamFormat::Anthropic) => "`message_stop`",
            Some(StreamFormat::Chat) => "`data: [DONE]` or a choice with a `finish_reason`",
            Some(StreamFormat::Unknown) | None => "any event",
        }
    }
}

fn is_done(event: &Event<'_>) -> bool {
    event.data.len() == 1 && event.data[0].trim_ascii() == b"[DONE]"
}

fn chat_meaning(data: &[u8]) -> Meaning {
    let Ok(chunk) = serde_json::from_slice::<Value>(data) else {
        // Not JSON in a chat stream: nothing we can read, pass it on.
        return Meaning::Content;
    };
    if chunk.get("error").is_some_and(|e| !e.is_null()) {
        return Meaning::Error;
    }
    let choices = chunk.get("choices").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    if choices.iter().any(|c| c.get("finish_reason").is_some_and(|f| !f.is_null())) {
        return Meaning::Terminal;
    }
    let output = |delta: &Value| {
        CHAT_OUTPUT.iter().any(|field| match delta.get(*field) {
            None | Some(Value::Null) => false,
            Some(Value::String(s)) => !s.is_empty(),
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        })
    };
    if choices.iter().any(|c| c.get("delta").is_some_and(output)) {
        Meaning::Content
    } else {
        Meaning::Opening
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(buf: &[u8]) -> Vec<(Option<StreamFormat>, Meaning)> {
        let mut format = None;
        let mut out = vec![];
        sse::for_each_event(buf, |event, _| {
            if format.is_none() {
                format = StreamFormat::detect(&event);
            }
            let meaning = StreamFormat::meaning(format, &event);
            if meaning != Meaning::Nothing {
                out.push((format, meaning));
            }
        });
        out
    }

    #[test]
    fn responses_events_by_name_or_data_only() {
        use Meaning::*;
        let named = b"event: response.created\ndata: {}\n\nevent: response.output_text.delta\ndata: {}\n\nevent: response.completed\ndata: {}\n\n";
        let f = Some(StreamFormat::Responses);
        assert_eq!(read(named), vec![(f, Opening), (f, Content), (f, Terminal)]);
        let data_only = b"data: {\"type\":\"response.in_progress\"}\n\ndata: {\"response\":{\"output\":[{\"type\":\"message\"}]},\"type\":\"response.completed\"}\n\ndata: [DONE]\n\n";
        assert_eq!(read(data_only), vec![(f, Opening), (f, Terminal), (f, Terminal)]);
    }

    #[test]
    fn chat_chunks_are_recognised_without_names_or_types() {
        use Meaning::*;
        let f = Some(StreamFormat::Chat);
        let role = br#"data: {"object":"chat.completion.chunk","choices":[{"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#;
        let text = br#"data: {"choices":[{"delta":{"content":"hi"},"finish_reason":null}]}"#;
        let tool = br#"data: {"choices":[{"delta":{"tool_calls":[{"type":"function"}]},"finish_reason":null}]}"#;
        let stop = br#"data: {"choices":[{"delta":{},"finish_reason":"stop"}]}"#;
        let usage = br#"data: {"choices":[],"usage":{"prompt_tokens":1}}"#;
        let mut body = Vec::new();
        for line in [&role[..], text, tool, stop, usage, b"data: [DONE]"] {
            body.extend_from_slice(line);
            body.extend_from_slice(b"\n\n");
        }
        assert_eq!(
            read(&body),
            vec![(f, Opening), (f, Content), (f, Content), (f, Terminal), (f, Opening), (f, Terminal)]
        );
        assert_eq!(read(b"data: {\"error\":{\"message\":\"x\"}}\n\n"), vec![(f, Error)]);
    }

    #[test]
    fn anthropic_and_unknown_formats() {
        use Meaning::*;
        let a = Some(StreamFormat::Anthropic);
        let body = b"event: message_start\ndata: {}\n\nevent: ping\ndata: {}\n\nevent: content_block_delta\ndata: {}\n\nevent: message_stop\ndata: {}\n\n";
        assert_eq!(read(body), vec![(a, Opening), (a, Opening), (a, Content), (a, Terminal)]);
        let u = Some(StreamFormat::Unknown);
        assert_eq!(read(b": comment\n\nevent: tick\ndata: 1\n\ndata: hello\n\n"), vec![(u, Content), (u, Content)]);
        // An error first is an error whatever follows.
        assert_eq!(read(b"event: error\ndata: {\"type\":\"error\"}\n\n"), vec![(None, Error)]);
    }
}
