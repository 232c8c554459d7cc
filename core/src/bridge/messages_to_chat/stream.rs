//! Chat Completions chunks → the Anthropic Messages event stream, as a
//! state machine fed one chunk at a time ([`Translator::chunk`]) and told
//! when the answer ends ([`Translator::done`] at `[DONE]`,
//! [`Translator::eof`] when the body ends).
//!
//! `message_start` goes out with the first chunk. Content blocks open as
//! their first piece arrives, one at a time as Anthropic streams them, and
//! close when another begins: the upstream's `reasoning_content` as a
//! `thinking` block, text as a `text` block, each tool call (by its chunk
//! `index`, so arguments split over many chunks come together) as a
//! `tool_use` block whose input streams as `input_json_delta` (a call whose
//! pieces come while another call's block streams waits, whole, for the
//! end: upstreams may interleave parallel calls). The end
//! (`[DONE]`, or the body's end after a `finish_reason`, since usage comes
//! after the finish) gives `message_delta` with `stop_reason` and usage,
//! then `message_stop`.
//!
//! What cannot be translated (a chunk that is not JSON, an error the
//! upstream put in the stream) ends the stream with one `error` event. An
//! answer cut off before any end gets nothing more, so the proxy sees a
//! stream that stopped before `message_stop` and treats it as such.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::bridge::chat::{AnswerPiece, ChatChunk, ChatUsage, ToolCallDelta};

/// One Anthropic event: `event: <kind>` + `data: {"type": <kind>, …}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub kind: &'static str,
    pub data: Value,
}

impl Event {
    fn new(kind: &'static str, mut fields: Value) -> Event {
        if let Some(obj) = fields.as_object_mut() {
            obj.insert("type".into(), json!(kind));
        }
        Event { kind, data: fields }
    }

    pub fn write_sse(&self, out: &mut Vec<u8>) {
        crate::bridge::chat_sse::write_event(out, self.kind, &self.data)
    }
}

/// The block being streamed.
enum Open {
    Thinking(String),
    Text(String),
    /// A tool call, by its chunk index.
    Tool(u64),
}

/// A tool call being assembled from its pieces.
#[derive(Default)]
struct Call {
    id: String,
    name: String,
    arguments: String,
    /// Its block index, once its `content_block_start` went out (that
    /// waits for the name).
    block: Option<usize>,
    /// Its block was closed: later pieces cannot join it.
    closed: bool,
}

pub struct Translator {
    model: String,
    message_id: String,
    started: bool,
    finished: bool,
    /// Index of the open block, and what it is.
    open: Option<(usize, Open)>,
    next_block: usize,
    calls: BTreeMap<u64, Call>,
    /// Closed blocks, in order: the non-streaming answer's `content`.
    content: Vec<Value>,
    finish_reason: Option<String>,
    usage: Option<ChatUsage>,
    events: Vec<Event>,
}

impl Translator {
    pub fn new(model: String) -> Translator {
        Translator {
            model,
            message_id: next_message_id(),
            started: false,
            finished: false,
            open: None,
            next_block: 0,
            calls: BTreeMap::new(),
            content: Vec::new(),
            finish_reason: None,
            usage: None,
            events: Vec::new(),
        }
    }

    pub fn finished(&self) -> bool {
        self.finished
    }

    /// One chunk's JSON (an SSE `data:` payload other than `[DONE]`).
    pub fn chunk(&mut self, data: &str) -> Vec<Event> {
        if self.finished {
            return Vec::new();
        }
        match serde_json::from_str::<ChatChunk>(data) {
            Ok(chunk) => self.apply(chunk),
            Err(err) => {
                let shown: String = data.chars().take(200).collect();
                self.fail(&format!(
                    "codex-helper's chat bridge could not read a chunk of the Chat Completions upstream ({err}): {shown}"
                ));
            }
        }
        std::mem::take(&mut self.events)
    }

    /// `data: [DONE]`: the answer is over.
    pub fn done(&mut self) -> Vec<Event> {
        if !self.finished {
            self.complete();
        }
        std::mem::take(&mut self.events)
    }

    /// The body ended: complete after a `finish_reason` (some servers send
    /// no `[DONE]`), left without an end before one.
    pub fn eof(&mut self) -> Vec<Event> {
        if !self.finished && self.finish_reason.is_some() {
            self.complete();
        }
        std::mem::take(&mut self.events)
    }

    /// Ends the stream with one `error` event.
    pub fn fail(&mut self, message: &str) {
        self.fail_as("api_error", message);
    }

    fn fail_as(&mut self, kind: &str, message: &str) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.emit("error", json!({"error": {"type": kind, "message": message}}));
    }

    /// The whole answer as a non-streaming `message` object (after
    /// [`Translator::done`]); `Err` with the message when it failed.
    pub fn message(&self, last: Option<&Event>) -> Result<Value, String> {
        if let Some(event) = last.filter(|e| e.kind == "error") {
            return Err(event.data["error"]["message"].as_str().unwrap_or("unreadable answer").to_string());
        }
        let mut message = self.message_object(Value::Array(self.content.clone()));
        message["stop_reason"] = json!(self.stop_reason());
        message["usage"] = self.usage_object();
        Ok(message)
    }

    fn apply(&mut self, chunk: ChatChunk) {
        if let Some(error) = chunk.error {
            let message = error.get("message").and_then(Value::as_str).map(str::to_string);
            self.fail_as("api_error", &message.unwrap_or_else(|| error.to_string()));
            return;
        }
        self.start(chunk.model.as_deref());
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage);
        }
        let Some(answer) = AnswerPiece::of(chunk.choices) else { return };
        if let Some(text) = answer.reasoning {
            self.thinking_delta(&text);
        }
        if let Some(text) = answer.text {
            self.text_delta(&text);
        }
        for (position, call) in answer.tool_calls.into_iter().enumerate() {
            self.call_delta(position as u64, call);
        }
        if let Some(reason) = answer.finish_reason {
            self.finish_reason = Some(reason);
        }
    }

    fn start(&mut self, model: Option<&str>) {
        if self.started {
            return;
        }
        self.started = true;
        if let Some(model) = model.filter(|m| !m.is_empty()) {
            self.model = model.to_string();
        }
        // Chat upstreams count the prompt only at the end: 0 here, the
        // real count in `message_delta` (which Claude Code and the log read).
        let mut message = self.message_object(json!([]));
        message["usage"] = json!({"input_tokens": 0, "output_tokens": 0});
        self.emit("message_start", json!({"message": message}));
    }

    fn thinking_delta(&mut self, text: &str) {
        if !matches!(self.open, Some((_, Open::Thinking(_)))) {
            self.open_block(
                Open::Thinking(String::new()),
                json!({"type": "thinking", "thinking": "", "signature": ""}),
            );
        }
        let Some((index, Open::Thinking(all))) = &mut self.open else { unreachable!("opened above") };
        all.push_str(text);
        let index = *index;
        self.emit(
            "content_block_delta",
            json!({"index": index, "delta": {"type": "thinking_delta", "thinking": text}}),
        );
    }

    fn text_delta(&mut self, text: &str) {
        if !matches!(self.open, Some((_, Open::Text(_)))) {
            self.open_block(Open::Text(String::new()), json!({"type": "text", "text": ""}));
        }
        let Some((index, Open::Text(all))) = &mut self.open else { unreachable!("opened above") };
        all.push_str(text);
        let index = *index;
        self.emit("content_block_delta", json!({"index": index, "delta": {"type": "text_delta", "text": text}}));
    }

    fn call_delta(&mut self, position: u64, piece: ToolCallDelta) {
        let key = piece.index.unwrap_or(position);
        // Another call's block is streaming: this one waits, whole, for the
        // end. Closing that block now would drop its later pieces if the
        // upstream interleaves parallel calls (a, b, a, b), and Anthropic
        // streams one block at a time.
        let other_call_open = matches!(self.open, Some((_, Open::Tool(open))) if open != key);
        let call = self.calls.entry(key).or_default();
        if call.closed {
            tracing::warn!(index = key, "chat bridge: a piece of a tool call that was already closed was dropped");
            return;
        }
        if let Some(id) = piece.id.filter(|id| !id.is_empty()) {
            call.id = id;
        }
        if let Some(name) = piece.function.name.filter(|n| !n.is_empty()) {
            call.name.push_str(&name);
        }
        let args = piece.function.arguments.unwrap_or_default();
        call.arguments.push_str(&args);
        if call.block.is_none() && !call.name.is_empty() && !other_call_open {
            // Its block begins now, with what arrived before the name.
            let held = call.arguments.clone();
            self.open_tool(key);
            self.input_delta(key, &held);
        } else if call.block.is_some() {
            self.input_delta(key, &args);
        }
    }

    fn open_tool(&mut self, key: u64) {
        let call = &self.calls[&key];
        let block = json!({"type": "tool_use", "id": tool_use_id(&call.id, self.next_block, &self.message_id), "name": call.name, "input": {}});
        self.open_block(Open::Tool(key), block);
        let index = self.open.as_ref().map(|(i, _)| *i);
        self.calls.get_mut(&key).expect("present").block = index;
    }

    fn input_delta(&mut self, key: u64, json_piece: &str) {
        let Some(index) = self.calls[&key].block else { return };
        if json_piece.is_empty() {
            return;
        }
        if !matches!(self.open, Some((i, Open::Tool(_))) if i == index) {
            return;
        }
        self.emit(
            "content_block_delta",
            json!({"index": index, "delta": {"type": "input_json_delta", "partial_json": json_piece}}),
        );
    }

    /// Closes the open block and starts `block`.
    fn open_block(&mut self, open: Open, block: Value) {
        self.close_block();
        let index = self.next_block;
        self.next_block += 1;
        self.emit("content_block_start", json!({"index": index, "content_block": block}));
        self.open = Some((index, open));
    }

    fn close_block(&mut self) {
        let Some((index, open)) = self.open.take() else { return };
        let block = match open {
            Open::Thinking(text) => json!({"type": "thinking", "thinking": text, "signature": ""}),
            Open::Text(text) => json!({"type": "text", "text": text}),
            Open::Tool(key) => {
                let call = self.calls.get_mut(&key).expect("an open call is known");
                call.closed = true;
                let input = serde_json::from_str::<Value>(&call.arguments).ok().filter(Value::is_object);
                let id = tool_use_id(&call.id, index, &self.message_id);
                json!({"type": "tool_use", "id": id, "name": call.name, "input": input.unwrap_or_else(|| json!({}))})
            }
        };
        self.emit("content_block_stop", json!({"index": index}));
        self.content.push(block);
    }

    /// Closes what is open, then `message_delta` and `message_stop`.
    fn complete(&mut self) {
        self.start(None);
        self.close_block();
        // The calls that waited behind another one's block, and a call whose
        // name never came (announced for Claude Code to answer with an error
        // rather than wait for it), each as one whole block.
        let unnamed: Vec<u64> = self.calls.iter().filter(|(_, c)| c.block.is_none()).map(|(k, _)| *k).collect();
        for key in unnamed {
            self.open_tool(key);
            let held = self.calls[&key].arguments.clone();
            self.input_delta(key, &held);
            self.close_block();
        }
        self.finished = true;
        let delta = json!({"stop_reason": self.stop_reason(), "stop_sequence": null});
        self.emit("message_delta", json!({"delta": delta, "usage": self.usage_object()}));
        self.emit("message_stop", json!({}));
    }

    fn stop_reason(&self) -> &'static str {
        match self.finish_reason.as_deref() {
            Some("length") => "max_tokens",
            Some("tool_calls" | "function_call") => "tool_use",
            Some("content_filter") => "refusal",
            // Some servers (Ollama…) finish a tool call with `stop`.
            _ if !self.calls.is_empty() => "tool_use",
            _ => "end_turn",
        }
    }

    /// Chat usage the Anthropic way: cache reads apart from `input_tokens`
    /// (chat counts them in `prompt_tokens`).
    fn usage_object(&self) -> Value {
        let Some(u) = &self.usage else { return json!({"input_tokens": 0, "output_tokens": 0}) };
        let cached = u.prompt_tokens_details.as_ref().and_then(|d| d.cached_tokens).unwrap_or(0).min(u.prompt_tokens);
        json!({
            "input_tokens": u.prompt_tokens - cached,
            "cache_read_input_tokens": cached,
            "output_tokens": u.completion_tokens,
        })
    }

    fn message_object(&self, content: Value) -> Value {
        json!({
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": null,
            "stop_sequence": null,
        })
    }

    fn emit(&mut self, kind: &'static str, fields: Value) {
        self.events.push(Event::new(kind, fields));
    }
}

/// A `tool_use` id from the chat call's id (`toolu_` in front, as Claude
/// Code expects its ids to look); one made up when the upstream gave none.
fn tool_use_id(chat_id: &str, block: usize, message_id: &str) -> String {
    if chat_id.starts_with("toolu_") {
        chat_id.to_string()
    } else if chat_id.is_empty() {
        format!("toolu_{}_{block}", &message_id[4..])
    } else {
        format!("toolu_{chat_id}")
    }
}

/// `msg_<time><counter>`: unique within this process (and across runs by
/// the time), which is all Claude Code needs of it.
fn next_message_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    format!("msg_{nanos:x}{:04x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
