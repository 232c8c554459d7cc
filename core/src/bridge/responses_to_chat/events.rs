//! The Responses API events and items the bridge writes, in the shapes
//! Codex reads: `event: <type>` + `data: {"type": <type>, …}`.

use serde_json::{json, Value};

/// One Responses event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: &'static str,
    pub data: Value,
}

impl Event {
    /// `fields` is an object; `type` and `sequence_number` are added.
    pub fn new(kind: &'static str, sequence: u64, mut fields: Value) -> Event {
        if let Some(obj) = fields.as_object_mut() {
            obj.insert("type".into(), json!(kind));
            obj.insert("sequence_number".into(), json!(sequence));
        }
        Event { kind, data: fields }
    }

    /// The event framed for an event stream.
    pub fn write_sse(&self, out: &mut Vec<u8>) {
        crate::bridge::chat_sse::write_event(out, self.kind, &self.data)
    }
}

pub fn message_item(id: &str, text: Option<&str>) -> Value {
    let (status, content) = match text {
        Some(text) => ("completed", json!([output_text_part(text)])),
        None => ("in_progress", json!([])),
    };
    json!({"type": "message", "id": id, "status": status, "role": "assistant", "content": content})
}

pub fn output_text_part(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": []})
}

pub fn reasoning_item(id: &str, text: Option<&str>) -> Value {
    let summary = match text {
        Some(text) => json!([summary_part(text)]),
        None => json!([]),
    };
    json!({"type": "reasoning", "id": id, "summary": summary})
}

pub fn summary_part(text: &str) -> Value {
    json!({"type": "summary_text", "text": text})
}

pub fn function_call_item(id: &str, call_id: &str, name: &str, arguments: &str, done: bool) -> Value {
    let status = if done { "completed" } else { "in_progress" };
    json!({"type": "function_call", "id": id, "status": status, "call_id": call_id, "name": name, "arguments": arguments})
}

pub fn custom_tool_call_item(id: &str, call_id: &str, name: &str, input: &str, done: bool) -> Value {
    let status = if done { "completed" } else { "in_progress" };
    json!({"type": "custom_tool_call", "id": id, "status": status, "call_id": call_id, "name": name, "input": input})
}
