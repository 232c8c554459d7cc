//! A Responses API request, as Codex sends it, → a Chat Completions request.
//!
//! - `instructions` → the first `system` message; `developer`/`system`
//!   messages → `system` messages where they stand.
//! - `input` items, in order: messages (text and images), `function_call` /
//!   `custom_tool_call` → an assistant message's `tool_calls` (consecutive
//!   calls share one message), their outputs → `tool` messages. `reasoning`
//!   items are dropped (a chat upstream cannot take them back).
//! - Chat upstreams refuse a tool message that answers no call and a call
//!   left unanswered, so a stray output is dropped and a call with no output
//!   gets a placeholder answer.
//! - `tools`: function tools as they are; custom (freeform) tools such as
//!   `apply_patch` as a function with one string parameter `input`; tools
//!   the upstream cannot run (hosted web search, namespaces…) left out.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::bridge::chat::{
    answer_every_call, ChatFunction, ChatFunctionCall, ChatMessage, ChatRequest, ChatTool, ChatToolCall, StreamOptions,
};

/// A request the bridge could not read.
#[derive(Debug, thiserror::Error)]
#[error("the request is not a Responses API request the Chat Completions bridge can translate: {0}")]
pub struct RequestError(String);

/// The chat request, and what translating the answer back needs.
#[derive(Debug)]
pub struct Translated {
    pub body: Vec<u8>,
    pub stream: bool,
    /// Names of the custom (freeform) tools: their calls go back to Codex as
    /// `custom_tool_call` items carrying the raw `input`.
    pub custom_tools: HashSet<String>,
    pub model: String,
    /// What was left out, for the log.
    pub dropped_tools: Vec<String>,
}

/// The parameter a custom tool's raw text travels in.
pub const CUSTOM_INPUT: &str = "input";

#[derive(Debug, Deserialize)]
struct ResponsesRequest {
    #[serde(default)]
    model: String,
    #[serde(default)]
    instructions: Option<String>,
    #[serde(default)]
    input: Input,
    #[serde(default)]
    tools: Vec<Value>,
    #[serde(default)]
    tool_choice: Option<Value>,
    #[serde(default)]
    parallel_tool_calls: Option<bool>,
    #[serde(default)]
    max_output_tokens: Option<u64>,
    #[serde(default)]
    temperature: Option<f64>,
    #[serde(default)]
    top_p: Option<f64>,
    #[serde(default)]
    reasoning: Option<Reasoning>,
    #[serde(default)]
    text: Option<TextOptions>,
    #[serde(default)]
    stream: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Input {
    Text(String),
    Items(Vec<Value>),
}

impl Default for Input {
    fn default() -> Input {
        Input::Items(Vec::new())
    }
}

#[derive(Debug, Deserialize)]
struct Reasoning {
    #[serde(default)]
    effort: Option<String>,
}

#[derive(Debug, Deserialize)]
struct TextOptions {
    #[serde(default)]
    format: Option<Value>,
}

/// The input items the bridge knows; the rest are dropped.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Item {
    Message {
        role: String,
        #[serde(default)]
        content: Content,
    },
    FunctionCall {
        call_id: String,
        name: String,
        #[serde(default)]
        arguments: String,
    },
    CustomToolCall {
        call_id: String,
        name: String,
        #[serde(default)]
        input: String,
    },
    FunctionCallOutput {
        call_id: String,
        #[serde(default)]
        output: Value,
    },
    CustomToolCallOutput {
        call_id: String,
        #[serde(default)]
        output: Value,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<Value>),
}

impl Default for Content {
    fn default() -> Content {
        Content::Parts(Vec::new())
    }
}

/// Translates a Responses request body into a Chat Completions one.
pub fn translate_request(body: &[u8]) -> Result<Translated, RequestError> {
    let req: ResponsesRequest = serde_json::from_slice(body).map_err(|e| RequestError(e.to_string()))?;
    let mut custom_tools = HashSet::new();
    let mut dropped_tools = Vec::new();
    let tools: Vec<ChatTool> =
        req.tools.iter().filter_map(|tool| chat_tool(tool, &mut custom_tools, &mut dropped_tools)).collect();
    if !dropped_tools.is_empty() {
        tracing::info!(tools = ?dropped_tools, "chat bridge: tools a Chat Completions upstream cannot run were left out");
    }

    let mut messages = Vec::new();
    if let Some(instructions) = req.instructions.filter(|i| !i.is_empty()) {
        messages.push(ChatMessage::new("system", Value::String(instructions)));
    }
    match req.input {
        Input::Text(text) => messages.push(ChatMessage::new("user", Value::String(text))),
        Input::Items(items) => {
            for item in items {
                push_item(&mut messages, item)?;
            }
        }
    }
    let messages = answer_every_call(messages);

    let has_tools = !tools.is_empty();
    let chat = ChatRequest {
        model: req.model.clone(),
        messages,
        tools,
        tool_choice: req.tool_choice.filter(|_| has_tools).map(chat_tool_choice),
        parallel_tool_calls: req.parallel_tool_calls.filter(|_| has_tools),
        max_tokens: req.max_output_tokens,
        temperature: req.temperature,
        top_p: req.top_p,
        reasoning_effort: req.reasoning.and_then(|r| r.effort).filter(|e| e != "none"),
        response_format: req.text.and_then(|t| t.format).and_then(response_format),
        stop: None,
        stream: req.stream,
        stream_options: req.stream.then_some(StreamOptions { include_usage: true }),
    };
    let body = serde_json::to_vec(&chat).map_err(|e| RequestError(e.to_string()))?;
    Ok(Translated { body, stream: req.stream, custom_tools, model: req.model, dropped_tools })
}

fn push_item(messages: &mut Vec<ChatMessage>, mut raw: Value) -> Result<(), RequestError> {
    // An "easy" input message may leave out its type.
    if let Some(obj) = raw.as_object_mut() {
        if !obj.contains_key("type") && obj.contains_key("role") {
            obj.insert("type".into(), json!("message"));
        }
    }
    let item: Item = serde_json::from_value(raw).map_err(|e| RequestError(format!("an input item: {e}")))?;
    match item {
        Item::Message { role, content } => {
            let role = match role.as_str() {
                "assistant" => "assistant",
                "developer" | "system" => "system",
                _ => "user",
            };
            if let Some(content) = message_content(role, content) {
                messages.push(ChatMessage::new(role, content));
            }
        }
        Item::FunctionCall { call_id, name, arguments } => {
            push_call(messages, call_id, name, if arguments.is_empty() { "{}".into() } else { arguments })
        }
        Item::CustomToolCall { call_id, name, input } => {
            push_call(messages, call_id, name, json!({ CUSTOM_INPUT: input }).to_string())
        }
        Item::FunctionCallOutput { call_id, output } | Item::CustomToolCallOutput { call_id, output } => {
            let mut message = ChatMessage::new("tool", Value::String(output_text(&output)));
            message.tool_call_id = Some(call_id);
            messages.push(message);
        }
        Item::Other => {}
    }
    Ok(())
}

/// A call joins the assistant message just before it (its text, or the
/// calls before it); otherwise it opens a new assistant message.
fn push_call(messages: &mut Vec<ChatMessage>, id: String, name: String, arguments: String) {
    let call = ChatToolCall { id, kind: "function", function: ChatFunctionCall { name, arguments } };
    match messages.last_mut() {
        Some(last) if last.role == "assistant" => last.tool_calls.push(call),
        _ => {
            let mut message = ChatMessage::new("assistant", Value::Null);
            message.content = None;
            message.tool_calls.push(call);
            messages.push(message);
        }
    }
}

/// A chat message's content: a plain string when it is only text (what
/// every chat upstream takes), parts when it carries images.
fn message_content(role: &str, content: Content) -> Option<Value> {
    let parts = match content {
        Content::Text(text) => return Some(Value::String(text)),
        Content::Parts(parts) => parts,
    };
    let mut out = Vec::new();
    let mut images = false;
    for part in parts {
        let kind = part.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "input_text" | "output_text" | "text" | "refusal" => {
                let text = part.get("text").or_else(|| part.get("refusal")).and_then(Value::as_str).unwrap_or("");
                out.push(json!({"type": "text", "text": text}));
            }
            "input_image" if role == "user" => {
                let url = part.get("image_url").and_then(Value::as_str).unwrap_or("");
                let mut image = Map::new();
                image.insert("url".into(), json!(url));
                if let Some(detail) = part.get("detail").filter(|d| d.is_string()) {
                    image.insert("detail".into(), detail.clone());
                }
                out.push(json!({"type": "image_url", "image_url": image}));
                images = true;
            }
            _ => {}
        }
    }
    if out.is_empty() {
        return None;
    }
    if images {
        return Some(Value::Array(out));
    }
    let text: Vec<&str> = out.iter().filter_map(|p| p["text"].as_str()).collect();
    Some(Value::String(text.join("\n")))
}

/// A tool's output as text: Codex sends a string, or content items.
fn output_text(output: &Value) -> String {
    match output {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let texts: Vec<&str> = items.iter().filter_map(|i| i.get("text").and_then(Value::as_str)).collect();
            texts.join("\n")
        }
        Value::Object(obj) => match obj.get("content") {
            Some(inner) => output_text(inner),
            None => output.to_string(),
        },
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One Responses tool as a chat tool, or `None` (noted in `dropped`) for
/// one a chat upstream cannot run.
fn chat_tool(tool: &Value, custom: &mut HashSet<String>, dropped: &mut Vec<String>) -> Option<ChatTool> {
    let kind = tool.get("type").and_then(Value::as_str).unwrap_or("");
    let name = tool.get("name").and_then(Value::as_str).unwrap_or("").to_string();
    let description = tool.get("description").and_then(Value::as_str).map(str::to_string);
    match kind {
        "function" if !name.is_empty() => {
            let parameters =
                tool.get("parameters").cloned().unwrap_or_else(|| json!({"type": "object", "properties": {}}));
            Some(ChatTool { kind: "function", function: ChatFunction { name, description, parameters } })
        }
        "custom" if !name.is_empty() => {
            custom.insert(name.clone());
            let mut about = description.unwrap_or_default();
            if let Some(format) = tool.get("format") {
                let syntax = format.get("syntax").and_then(Value::as_str).unwrap_or("grammar");
                if let Some(definition) = format.get("definition").and_then(Value::as_str) {
                    about.push_str(&format!(
                        "\n\nPut the tool's raw input, exactly in this format ({syntax}), in the `{CUSTOM_INPUT}` string:\n{definition}"
                    ));
                }
            }
            let parameters = json!({
                "type": "object",
                "properties": {CUSTOM_INPUT: {"type": "string", "description": "The raw input of the tool."}},
                "required": [CUSTOM_INPUT],
            });
            Some(ChatTool { kind: "function", function: ChatFunction { name, description: Some(about), parameters } })
        }
        _ => {
            dropped.push(if name.is_empty() { kind.to_string() } else { format!("{kind} {name}") });
            None
        }
    }
}

/// `auto` / `none` / `required` as they are; a named tool in chat's shape.
fn chat_tool_choice(choice: Value) -> Value {
    match &choice {
        Value::Object(obj) => match obj.get("name").and_then(Value::as_str) {
            Some(name) => json!({"type": "function", "function": {"name": name}}),
            None => json!("auto"),
        },
        _ => choice,
    }
}

/// `text.format` (a JSON schema for the answer) as chat's `response_format`.
fn response_format(format: Value) -> Option<Value> {
    match format.get("type").and_then(Value::as_str)? {
        "json_schema" => {
            let mut schema = Map::new();
            for key in ["name", "schema", "strict", "description"] {
                if let Some(v) = format.get(key) {
                    schema.insert(key.into(), v.clone());
                }
            }
            Some(json!({"type": "json_schema", "json_schema": schema}))
        }
        "json_object" => Some(json!({"type": "json_object"})),
        _ => None,
    }
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
