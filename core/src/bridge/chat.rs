//! The Chat Completions shapes the bridges write (requests) and read
//! (answers, streamed chunks), shared by both directions. Only what the
//! bridges use; unknown fields in answers are ignored.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where a bridged turn goes, relative to the upstream's base URL (joined
/// like a client path, see [`crate::proxy::target`]).
pub const CHAT_PATH: &str = "/v1/chat/completions";

#[derive(Debug, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ChatTool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Vec<String>>,
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<StreamOptions>,
}

#[derive(Debug, Serialize)]
pub struct StreamOptions {
    pub include_usage: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatMessage {
    pub role: &'static str,
    /// `null` only for an assistant message that just calls tools.
    pub content: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ChatToolCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    pub fn new(role: &'static str, content: Value) -> ChatMessage {
        ChatMessage { role, content: Some(content), tool_calls: Vec::new(), tool_call_id: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatToolCall {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: ChatFunctionCall,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatFunctionCall {
    pub name: String,
    pub arguments: String,
}

#[derive(Debug, Serialize)]
pub struct ChatTool {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub function: ChatFunction,
}

#[derive(Debug, Serialize)]
pub struct ChatFunction {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub parameters: Value,
}

/// One streamed `chat.completion.chunk` (or, with `message` in place of
/// `delta`, a whole non-streaming answer).
#[derive(Debug, Default, Deserialize)]
pub struct ChatChunk {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub choices: Vec<ChunkChoice>,
    #[serde(default)]
    pub usage: Option<ChatUsage>,
    /// Some relays put an error in the stream instead of a chunk.
    #[serde(default)]
    pub error: Option<Value>,
}

/// What one chunk says about the answer the client asked for, the walk
/// both bridges make over a chunk: the first choice (the clients ask for
/// one answer; other choices are ignored), the thinking under either of its
/// names, and empty pieces left out.
#[derive(Debug, Default)]
pub struct AnswerPiece {
    pub reasoning: Option<String>,
    pub text: Option<String>,
    pub tool_calls: Vec<ToolCallDelta>,
    pub finish_reason: Option<String>,
}

impl AnswerPiece {
    /// The piece of the answer in `choices`, if the chunk has one.
    pub fn of(choices: Vec<ChunkChoice>) -> Option<AnswerPiece> {
        let choice = choices.into_iter().find(|c| c.index == 0)?;
        let delta = choice.delta;
        Some(AnswerPiece {
            reasoning: delta.reasoning_content.or(delta.reasoning).filter(|t| !t.is_empty()),
            text: delta.content.filter(|t| !t.is_empty()),
            tool_calls: delta.tool_calls,
            finish_reason: choice.finish_reason.filter(|r| !r.is_empty()),
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ChunkChoice {
    #[serde(default)]
    pub index: u64,
    #[serde(default, alias = "message", deserialize_with = "nullable")]
    pub delta: Delta,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Delta {
    #[serde(default)]
    pub content: Option<String>,
    /// DeepSeek, Qwen, vLLM…: the model's thinking.
    #[serde(default)]
    pub reasoning_content: Option<String>,
    /// OpenRouter's and Ollama's name for it.
    #[serde(default)]
    pub reasoning: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub tool_calls: Vec<ToolCallDelta>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ToolCallDelta {
    /// Which call this piece belongs to; absent in non-streaming answers
    /// (then the position is the index).
    #[serde(default)]
    pub index: Option<u64>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub function: FunctionDelta,
}

#[derive(Debug, Default, Deserialize)]
pub struct FunctionDelta {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub arguments: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ChatUsage {
    #[serde(default, deserialize_with = "nullable")]
    pub prompt_tokens: u64,
    #[serde(default, deserialize_with = "nullable")]
    pub completion_tokens: u64,
    #[serde(default)]
    pub total_tokens: Option<u64>,
    #[serde(default)]
    pub prompt_tokens_details: Option<PromptDetails>,
    #[serde(default)]
    pub completion_tokens_details: Option<CompletionDetails>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PromptDetails {
    #[serde(default)]
    pub cached_tokens: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompletionDetails {
    #[serde(default)]
    pub reasoning_tokens: Option<u64>,
}

/// `null` as the default: relays write `"tool_calls": null`, `"usage":
/// {"prompt_tokens": null}` where OpenAI leaves the field out.
fn nullable<'de, D: serde::Deserializer<'de>, T: Default + Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// What a call with no output in the history is answered with.
const NO_OUTPUT: &str = "(no output was recorded for this call)";

/// Every tool message answers a call of the assistant message before it,
/// and every call is answered, as chat upstreams require.
pub fn answer_every_call(messages: Vec<ChatMessage>) -> Vec<ChatMessage> {
    let mut out: Vec<ChatMessage> = Vec::with_capacity(messages.len());
    // Calls of the latest assistant message not answered yet, in order.
    let mut open: Vec<String> = Vec::new();
    let close = |out: &mut Vec<ChatMessage>, open: &mut Vec<String>| {
        for id in open.drain(..) {
            let mut message = ChatMessage::new("tool", Value::String(NO_OUTPUT.into()));
            message.tool_call_id = Some(id);
            out.push(message);
        }
    };
    let mut answered: HashSet<String> = HashSet::new();
    for message in messages {
        if message.role == "tool" {
            let id = message.tool_call_id.clone().unwrap_or_default();
            if let Some(pos) = open.iter().position(|o| *o == id) {
                open.remove(pos);
                answered.insert(id);
                out.push(message);
            } else {
                tracing::debug!(call_id = %id, "chat bridge: dropped a tool output that answers no call before it");
            }
            continue;
        }
        close(&mut out, &mut open);
        if message.role == "assistant" {
            open = message.tool_calls.iter().map(|c| c.id.clone()).collect();
        }
        out.push(message);
    }
    close(&mut out, &mut open);
    out
}
