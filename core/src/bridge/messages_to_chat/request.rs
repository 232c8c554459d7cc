//! An Anthropic Messages request, as Claude Code sends it, → a Chat
//! Completions request.
//!
//! - `system` (a string or text blocks) → the first `system` message;
//!   `system` entries inside `messages` (Claude Code writes some) →
//!   `system` messages where they stand.
//! - User content: `tool_result` blocks → `tool` messages (first, as they
//!   answer the assistant's calls just before), the rest (text, images as
//!   data or URLs) → one user message after them. An error result says so
//!   in its text, as chat has no `is_error`.
//! - Assistant content: text → content, `tool_use` → `tool_calls`,
//!   `thinking` / `redacted_thinking` dropped (a chat upstream cannot take
//!   them back).
//! - `tools` (`input_schema` → `parameters`; Anthropic's server tools such
//!   as `web_search_…` left out), `tool_choice` (`auto`/`any`/`tool`/`none`
//!   → `auto`/`required`/a function/`none`), `max_tokens`, `stop_sequences`
//!   → `stop`, `temperature`, `top_p`, `stream` (with usage asked for).

use serde::Deserialize;
use serde_json::{json, Value};

use crate::bridge::chat::{
    answer_every_call, ChatFunction, ChatFunctionCall, ChatMessage, ChatRequest, ChatTool, ChatToolCall, StreamOptions,
};

/// A request the bridge could not read.
#[derive(Debug, thiserror::Error)]
#[error("the request is not an Anthropic Messages request the Chat Completions bridge can translate: {0}")]
pub struct RequestError(String);

/// The chat request, and what translating the answer back needs.
#[derive(Debug)]
pub struct Translated {
    pub body: Vec<u8>,
    pub stream: bool,
    pub model: String,
    /// What was left out, for the log.
    pub dropped_tools: Vec<String>,
}

/// What an error result's text starts with.
pub const ERROR_RESULT: &str = "Error: ";

#[derive(Debug, Deserialize)]
struct MessagesRequest {
    #[serde(default)]
    model: String,
    #[serde(default)]
    system: Option<Value>,
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    tools: Vec<Value>,
    #[serde(default)]
    tool_choice: Option<Value>,
    #[serde(default)]
    max_tokens: Option<u64>,
    #[serde(default)]
    stop_sequences: Vec<String>,
    #[serde(default)]
    temperature: Option<f64>,
    #[serde(default)]
    top_p: Option<f64>,
    #[serde(default)]
    stream: bool,
}

#[derive(Debug, Deserialize)]
struct Message {
    role: String,
    #[serde(default)]
    content: Value,
}

/// Translates a Messages request body into a Chat Completions one.
pub fn translate_request(body: &[u8]) -> Result<Translated, RequestError> {
    let req: MessagesRequest = serde_json::from_slice(body).map_err(|e| RequestError(e.to_string()))?;
    let mut dropped_tools = Vec::new();
    let tools: Vec<ChatTool> = req.tools.iter().filter_map(|tool| chat_tool(tool, &mut dropped_tools)).collect();
    if !dropped_tools.is_empty() {
        tracing::info!(tools = ?dropped_tools, "chat bridge: tools a Chat Completions upstream cannot run were left out");
    }

    let mut messages = Vec::new();
    if let Some(system) = req.system.as_ref().map(text_of).filter(|s| !s.is_empty()) {
        messages.push(ChatMessage::new("system", Value::String(system)));
    }
    for message in req.messages {
        push_message(&mut messages, message)?;
    }
    let messages = answer_every_call(messages);

    let has_tools = !tools.is_empty();
    let (tool_choice, parallel) = match req.tool_choice.filter(|_| has_tools) {
        Some(choice) => chat_tool_choice(&choice),
        None => (None, None),
    };
    let chat = ChatRequest {
        model: req.model.clone(),
        messages,
        tools,
        tool_choice,
        parallel_tool_calls: parallel,
        max_tokens: req.max_tokens,
        temperature: req.temperature,
        top_p: req.top_p,
        reasoning_effort: None,
        response_format: None,
        stop: (!req.stop_sequences.is_empty()).then_some(req.stop_sequences),
        stream: req.stream,
        stream_options: req.stream.then_some(StreamOptions { include_usage: true }),
    };
    let body = serde_json::to_vec(&chat).map_err(|e| RequestError(e.to_string()))?;
    Ok(Translated { body, stream: req.stream, model: req.model, dropped_tools })
}

fn push_message(messages: &mut Vec<ChatMessage>, message: Message) -> Result<(), RequestError> {
    let blocks = match message.content {
        Value::String(text) => vec![json!({"type": "text", "text": text})],
        Value::Array(blocks) => blocks,
        Value::Null => Vec::new(),
        other => return Err(RequestError(format!("a message's content is neither text nor blocks: {other}"))),
    };
    match message.role.as_str() {
        "assistant" => push_assistant(messages, blocks),
        "system" => {
            let text = text_of(&Value::Array(blocks));
            if !text.is_empty() {
                messages.push(ChatMessage::new("system", Value::String(text)));
            }
        }
        _ => push_user(messages, blocks),
    }
    Ok(())
}

fn push_assistant(messages: &mut Vec<ChatMessage>, blocks: Vec<Value>) {
    let mut text = Vec::new();
    let mut calls = Vec::new();
    for block in blocks {
        match kind(&block) {
            "text" => text.push(block["text"].as_str().unwrap_or("").to_string()),
            "tool_use" | "server_tool_use" => {
                let input = block.get("input").cloned().unwrap_or_else(|| json!({}));
                let arguments = if input.is_null() { "{}".to_string() } else { input.to_string() };
                calls.push(ChatToolCall {
                    id: block["id"].as_str().unwrap_or("").to_string(),
                    kind: "function",
                    function: ChatFunctionCall { name: block["name"].as_str().unwrap_or("").to_string(), arguments },
                });
            }
            // thinking, redacted_thinking…: nothing a chat upstream takes.
            _ => {}
        }
    }
    let text = text.join("");
    if text.is_empty() && calls.is_empty() {
        return;
    }
    let mut message = ChatMessage::new("assistant", Value::String(text));
    if calls.is_empty() {
        messages.push(message);
        return;
    }
    if message.content.as_ref().and_then(Value::as_str) == Some("") {
        message.content = None;
    }
    message.tool_calls = calls;
    messages.push(message);
}

fn push_user(messages: &mut Vec<ChatMessage>, blocks: Vec<Value>) {
    let mut parts = Vec::new();
    let mut images = false;
    for block in blocks {
        match kind(&block) {
            "tool_result" => {
                let mut content = block.get("content").map(text_of).unwrap_or_default();
                if block.get("is_error").and_then(Value::as_bool) == Some(true) {
                    content = format!("{ERROR_RESULT}{content}");
                }
                let mut message = ChatMessage::new("tool", Value::String(content));
                message.tool_call_id = Some(block["tool_use_id"].as_str().unwrap_or("").to_string());
                messages.push(message);
            }
            "text" => parts.push(json!({"type": "text", "text": block["text"].as_str().unwrap_or("")})),
            "image" => {
                if let Some(url) = image_url(&block) {
                    parts.push(json!({"type": "image_url", "image_url": {"url": url}}));
                    images = true;
                }
            }
            _ => {}
        }
    }
    if parts.is_empty() {
        return;
    }
    let content = if images {
        Value::Array(parts)
    } else {
        let text: Vec<&str> = parts.iter().filter_map(|p| p["text"].as_str()).collect();
        Value::String(text.join("\n"))
    };
    messages.push(ChatMessage::new("user", content));
}

fn kind(block: &Value) -> &str {
    block.get("type").and_then(Value::as_str).unwrap_or("")
}

/// An image block's source as a URL: `data:` for base64 data.
fn image_url(block: &Value) -> Option<String> {
    let source = block.get("source")?;
    match source.get("type").and_then(Value::as_str)? {
        "base64" => {
            let media = source.get("media_type").and_then(Value::as_str).unwrap_or("image/png");
            Some(format!("data:{media};base64,{}", source.get("data")?.as_str()?))
        }
        "url" => source.get("url")?.as_str().map(str::to_string),
        _ => None,
    }
}

/// The text of a string or of text blocks (others, such as images inside a
/// tool result, are noted, since a `tool` message carries only text).
fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => {
            let texts: Vec<String> = blocks
                .iter()
                .filter_map(|b| match kind(b) {
                    "text" => b.get("text").and_then(Value::as_str).map(str::to_string),
                    "image" => Some("[image]".to_string()),
                    _ => None,
                })
                .collect();
            texts.join("\n")
        }
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// One Anthropic tool as a chat function, or `None` (noted in `dropped`)
/// for a server tool (`web_search_…`, `code_execution_…`) no chat upstream
/// runs.
fn chat_tool(tool: &Value, dropped: &mut Vec<String>) -> Option<ChatTool> {
    let name = tool.get("name").and_then(Value::as_str).unwrap_or("").to_string();
    let kind = tool.get("type").and_then(Value::as_str).unwrap_or("custom");
    if kind != "custom" || name.is_empty() {
        dropped.push(if name.is_empty() { kind.to_string() } else { format!("{kind} {name}") });
        return None;
    }
    let mut parameters =
        tool.get("input_schema").cloned().unwrap_or_else(|| json!({"type": "object", "properties": {}}));
    // Some chat upstreams refuse the JSON Schema dialect marker Claude Code
    // puts on every schema; it says nothing the model needs.
    if let Some(obj) = parameters.as_object_mut() {
        obj.remove("$schema");
    }
    let description = tool.get("description").and_then(Value::as_str).map(str::to_string);
    Some(ChatTool { kind: "function", function: ChatFunction { name, description, parameters } })
}

/// Anthropic's `tool_choice` as chat's, and `parallel_tool_calls: false`
/// when it disables parallel calls.
fn chat_tool_choice(choice: &Value) -> (Option<Value>, Option<bool>) {
    let parallel = choice.get("disable_parallel_tool_use").and_then(Value::as_bool).filter(|d| *d).map(|_| false);
    let chat = match choice.get("type").and_then(Value::as_str) {
        Some("auto") => json!("auto"),
        Some("any") => json!("required"),
        Some("none") => json!("none"),
        Some("tool") => match choice.get("name").and_then(Value::as_str) {
            Some(name) => json!({"type": "function", "function": {"name": name}}),
            None => json!("required"),
        },
        _ => return (None, parallel),
    };
    (Some(chat), parallel)
}

#[cfg(test)]
#[path = "request_tests.rs"]
mod tests;
