//! Canned bodies shaped like the real upstreams, as observed from
//! `@openai/codex@0.169.0` and `@anthropic-ai/claude-code@2.1.197`
//! (see shared/notes/real-clients.md): same event names, same order, every
//! event's `type` equal to its SSE event name, same usage fields.

use serde_json::{json, Value};

use super::SseEvent;

const CODEX_RESPONSE_ID: &str = "resp_mock";
const CODEX_ITEM_ID: &str = "msg_mock";
const CODEX_MODEL: &str = "gpt-5";
const CLAUDE_MESSAGE_ID: &str = "msg_mock";
const CLAUDE_MODEL: &str = "claude-sonnet-4-5";
const CREATED_AT: u64 = 1_700_000_000;

/// Splits text into word deltas that concatenate back to exactly `text`
/// (the separating space stays on the preceding word). Empty text gives one
/// empty delta, since real streams always carry at least one.
pub fn words(text: &str) -> Vec<String> {
    let parts: Vec<String> = text.split_inclusive(' ').map(str::to_string).collect();
    if parts.is_empty() {
        vec![String::new()]
    } else {
        parts
    }
}

/// Builds Codex events, numbering `sequence_number` and adding `type`.
struct CodexEvents(Vec<SseEvent>);

impl CodexEvents {
    fn push(&mut self, kind: &str, mut fields: Value) {
        let obj = fields.as_object_mut().expect("event fields are an object");
        obj.insert("type".into(), json!(kind));
        obj.insert("sequence_number".into(), json!(self.0.len()));
        self.0.push(SseEvent::new(kind, fields));
    }
}

fn codex_usage((input, output, reasoning): (u64, u64, u64)) -> Value {
    json!({
        "input_tokens": input,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": input + output,
    })
}

fn codex_output_part(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": []})
}

fn codex_message_item(text: &str, status: &str) -> Value {
    let content = if status == "completed" { vec![codex_output_part(text)] } else { vec![] };
    json!({"id": CODEX_ITEM_ID, "type": "message", "status": status, "role": "assistant", "content": content})
}

/// A `response` object; `usage` and `output` are filled in once completed.
fn codex_response(status: &str, output: Vec<Value>, usage: Value) -> Value {
    json!({
        "id": CODEX_RESPONSE_ID,
        "object": "response",
        "created_at": CREATED_AT,
        "status": status,
        "error": null,
        "model": CODEX_MODEL,
        "output": output,
        "usage": usage,
    })
}

/// A successful streamed `POST /v1/responses` turn answering `text`.
/// `usage` is (input, output, reasoning) tokens.
pub fn codex_stream(text: &str, usage: (u64, u64, u64)) -> Vec<SseEvent> {
    let mut ev = CodexEvents(Vec::new());
    let at = |extra: Value| {
        let mut base = json!({"item_id": CODEX_ITEM_ID, "output_index": 0, "content_index": 0});
        base.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        base
    };
    ev.push("response.created", json!({"response": codex_response("in_progress", vec![], Value::Null)}));
    ev.push("response.in_progress", json!({"response": codex_response("in_progress", vec![], Value::Null)}));
    ev.push("response.output_item.added", json!({"output_index": 0, "item": codex_message_item("", "in_progress")}));
    ev.push("response.content_part.added", at(json!({"part": codex_output_part("")})));
    for word in words(text) {
        ev.push("response.output_text.delta", at(json!({"delta": word})));
    }
    ev.push("response.output_text.done", at(json!({"text": text})));
    ev.push("response.content_part.done", at(json!({"part": codex_output_part(text)})));
    ev.push("response.output_item.done", json!({"output_index": 0, "item": codex_message_item(text, "completed")}));
    let done = codex_response("completed", vec![codex_message_item(text, "completed")], codex_usage(usage));
    ev.push("response.completed", json!({"response": done}));
    ev.0
}

/// A streamed turn that fails upstream: `response.created` then `response.failed`.
pub fn codex_failed(code: &str, message: &str) -> Vec<SseEvent> {
    let mut ev = CodexEvents(Vec::new());
    ev.push("response.created", json!({"response": codex_response("in_progress", vec![], Value::Null)}));
    let mut failed = codex_response("failed", vec![], Value::Null);
    failed["error"] = json!({"code": code, "message": message});
    ev.push("response.failed", json!({"response": failed}));
    ev.0
}

/// A non-streaming `/v1/responses` body (`stream: false`).
pub fn codex_json(text: &str, usage: (u64, u64, u64)) -> Value {
    codex_response("completed", vec![codex_message_item(text, "completed")], codex_usage(usage))
}

/// An OpenAI-style HTTP error body, e.g. for a 429 or 500 reply.
pub fn openai_error_json(code: &str, message: &str) -> Value {
    json!({"error": {"message": message, "type": code, "param": null, "code": code}})
}

fn claude_event(kind: &str, mut fields: Value) -> SseEvent {
    fields.as_object_mut().expect("event fields are an object").insert("type".into(), json!(kind));
    SseEvent::new(kind, fields)
}

/// A successful streamed `POST /v1/messages` turn answering `text`.
pub fn claude_stream(text: &str, input: u64, output: u64) -> Vec<SseEvent> {
    let message = json!({
        "id": CLAUDE_MESSAGE_ID,
        "type": "message",
        "role": "assistant",
        "model": CLAUDE_MODEL,
        "content": [],
        "stop_reason": null,
        "stop_sequence": null,
        "usage": {
            "input_tokens": input,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 1,
        },
    });
    let mut ev = vec![
        claude_event("message_start", json!({"message": message})),
        claude_event("content_block_start", json!({"index": 0, "content_block": {"type": "text", "text": ""}})),
        claude_event("ping", json!({})),
    ];
    for word in words(text) {
        let delta = json!({"index": 0, "delta": {"type": "text_delta", "text": word}});
        ev.push(claude_event("content_block_delta", delta));
    }
    ev.push(claude_event("content_block_stop", json!({"index": 0})));
    ev.push(claude_event(
        "message_delta",
        json!({"delta": {"stop_reason": "end_turn", "stop_sequence": null}, "usage": {"output_tokens": output}}),
    ));
    ev.push(claude_event("message_stop", json!({})));
    ev
}

/// An in-stream error, e.g. `claude_error_event("overloaded_error", "Overloaded")`.
pub fn claude_error_event(kind: &str, message: &str) -> Vec<SseEvent> {
    vec![SseEvent::new("error", claude_error_json(kind, message))]
}

/// An Anthropic-style HTTP error body (same shape as the in-stream error).
pub fn claude_error_json(kind: &str, message: &str) -> Value {
    json!({"type": "error", "error": {"type": kind, "message": message}})
}

/// A non-streaming `/v1/messages` body.
pub fn claude_json(text: &str, input: u64, output: u64) -> Value {
    json!({
        "id": CLAUDE_MESSAGE_ID,
        "type": "message",
        "role": "assistant",
        "model": CLAUDE_MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {
            "input_tokens": input,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output,
        },
    })
}

/// A streamed Chat Completions turn (`POST /v1/chat/completions`,
/// `stream: true`) answering `text`, the way OpenAI sends it: data-only
/// `chat.completion.chunk`s (no `event:`, no `"type"`), a role chunk, one
/// content chunk per word, a `finish_reason` chunk, a usage chunk with no
/// choices (`stream_options.include_usage`), then `data: [DONE]`.
pub fn chat_stream(text: &str, prompt: u64, completion: u64) -> Vec<SseEvent> {
    let chunk = |choices: Value, usage: Value| {
        let data = json!({
            "id": "chatcmpl-mock",
            "object": "chat.completion.chunk",
            "created": CREATED_AT,
            "model": CODEX_MODEL,
            "choices": choices,
            "usage": usage,
        });
        SseEvent::text(None, &data.to_string())
    };
    let choice =
        |delta: Value, finish: Value| json!([{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]);
    let mut ev = vec![chunk(choice(json!({"role": "assistant", "content": ""}), Value::Null), Value::Null)];
    for word in words(text) {
        ev.push(chunk(choice(json!({"content": word}), Value::Null), Value::Null));
    }
    ev.push(chunk(choice(json!({}), json!("stop")), Value::Null));
    let usage = json!({"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion});
    ev.push(chunk(json!([]), usage));
    ev.push(SseEvent::text(None, "[DONE]"));
    ev
}

/// A streamed Chat Completions turn that calls one tool: the call's id and
/// name in the first chunk, its `arguments` split in a few pieces (as real
/// upstreams send them), `finish_reason: "tool_calls"`, usage, `[DONE]`.
pub fn chat_tool_call_stream(call_id: &str, name: &str, arguments: &str) -> Vec<SseEvent> {
    let chunk = |choices: Value, usage: Value| {
        let data = json!({
            "id": "chatcmpl-mock-tool",
            "object": "chat.completion.chunk",
            "created": CREATED_AT,
            "model": CODEX_MODEL,
            "choices": choices,
            "usage": usage,
        });
        SseEvent::text(None, &data.to_string())
    };
    let choice = |delta: Value, finish: Value| json!([{"index": 0, "delta": delta, "finish_reason": finish}]);
    let call = |fields: Value| json!({"tool_calls": [fields]});
    let mut ev = vec![chunk(
        choice(
            json!({"role": "assistant", "content": null, "tool_calls": [{"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}]}),
            Value::Null,
        ),
        Value::Null,
    )];
    let chars: Vec<char> = arguments.chars().collect();
    for piece in chars.chunks(7) {
        let piece: String = piece.iter().collect();
        ev.push(chunk(choice(call(json!({"index": 0, "function": {"arguments": piece}})), Value::Null), Value::Null));
    }
    ev.push(chunk(choice(json!({}), json!("tool_calls")), Value::Null));
    ev.push(chunk(json!([]), json!({"prompt_tokens": 30, "completion_tokens": 9, "total_tokens": 39})));
    ev.push(SseEvent::text(None, "[DONE]"));
    ev
}
