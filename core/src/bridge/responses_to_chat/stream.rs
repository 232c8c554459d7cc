//! Chat Completions chunks → the Responses event stream, as a state
//! machine fed one chunk at a time ([`Translator::chunk`]) and told when
//! the answer ends ([`Translator::done`] at `[DONE]`, [`Translator::eof`]
//! when the body ends).
//!
//! Items are opened as their first piece arrives and closed when another
//! kind begins or the answer ends: reasoning (`reasoning_content`) as a
//! reasoning item with a summary, text as a message, each tool call (by its
//! chunk `index`, so parallel calls and arguments split over many chunks
//! come together) as a `function_call`, or a `custom_tool_call` for
//! Codex's freeform tools. `response.completed` carries every item, the
//! usage, and `status: incomplete` when the upstream stopped on length.
//!
//! What cannot be translated ends the stream with `response.failed`
//! (a chunk that is not JSON, an error the upstream put in the stream); an
//! answer cut off before any end (no `finish_reason`, no `[DONE]`) ends
//! with nothing more, so the proxy sees a stream that stopped before its
//! terminal event and treats it as such (failover before content).

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use super::events::{self, Event};
use super::request::{Translated, CUSTOM_INPUT};
use crate::bridge::chat::{AnswerPiece, ChatChunk, ChatUsage, ToolCallDelta};

/// An open text item (reasoning or message).
struct OpenText {
    index: usize,
    id: String,
    text: String,
}

/// A tool call being assembled from its pieces.
struct OpenCall {
    index: usize,
    id: String,
    call_id: String,
    name: String,
    arguments: String,
    /// Its `output_item.added` went out (it waits for the name).
    announced: bool,
}

pub struct Translator {
    custom_tools: HashSet<String>,
    model: String,
    response_id: String,
    created_at: u64,
    sequence: u64,
    started: bool,
    /// The stream's last event went out; nothing more is read.
    finished: bool,
    next_index: usize,
    reasoning: Option<OpenText>,
    message: Option<OpenText>,
    /// By the chunks' tool-call index.
    calls: BTreeMap<u64, OpenCall>,
    /// Closed items, by output index.
    output: Vec<(usize, Value)>,
    finish_reason: Option<String>,
    usage: Option<ChatUsage>,
    events: Vec<Event>,
}

impl Translator {
    pub fn new(request: &Translated) -> Translator {
        Translator::with(request.custom_tools.clone(), request.model.clone())
    }

    pub fn with(custom_tools: HashSet<String>, model: String) -> Translator {
        let created_at =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        Translator {
            custom_tools,
            model,
            response_id: next_response_id(),
            created_at,
            sequence: 0,
            started: false,
            finished: false,
            next_index: 0,
            reasoning: None,
            message: None,
            calls: BTreeMap::new(),
            output: Vec::new(),
            finish_reason: None,
            usage: None,
            events: Vec::new(),
        }
    }

    /// The stream ended with its terminal event (or a failure).
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
                self.fail("bad_upstream_chunk", &format!(
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

    /// The body ended. After a `finish_reason` that is a complete answer
    /// (some servers send no `[DONE]`); before one it is a cut-off answer,
    /// left without a terminal event.
    pub fn eof(&mut self) -> Vec<Event> {
        if !self.finished && self.finish_reason.is_some() {
            self.complete();
        }
        std::mem::take(&mut self.events)
    }

    /// Ends the stream with `response.failed`.
    pub fn fail(&mut self, code: &str, message: &str) {
        if self.finished {
            return;
        }
        self.finished = true;
        let mut response = self.response("failed", Value::Null);
        response["error"] = json!({"code": code, "message": message});
        self.emit("response.failed", json!({"response": response}));
    }

    fn apply(&mut self, chunk: ChatChunk) {
        if let Some(error) = chunk.error {
            let message = error.get("message").and_then(Value::as_str).map(str::to_string);
            let code = error.get("code").and_then(|c| c.as_str().map(str::to_string).or(Some(c.to_string())));
            let code = code.filter(|c| c != "null").unwrap_or_else(|| "upstream_error".into());
            self.fail(&code, &message.unwrap_or_else(|| error.to_string()));
            return;
        }
        self.start(chunk.model.as_deref());
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage);
        }
        let Some(answer) = AnswerPiece::of(chunk.choices) else { return };
        if let Some(text) = answer.reasoning {
            self.reasoning_delta(&text);
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
        let response = self.response("in_progress", Value::Null);
        self.emit("response.created", json!({"response": response}));
        let response = self.response("in_progress", Value::Null);
        self.emit("response.in_progress", json!({"response": response}));
    }

    fn reasoning_delta(&mut self, text: &str) {
        self.close_message();
        if self.reasoning.is_none() {
            let (index, id) = self.open("rs");
            self.emit(
                "response.output_item.added",
                json!({"output_index": index, "item": events::reasoning_item(&id, None)}),
            );
            self.emit(
                "response.reasoning_summary_part.added",
                json!({"item_id": id, "output_index": index, "summary_index": 0, "part": events::summary_part("")}),
            );
            self.reasoning = Some(OpenText { index, id, text: String::new() });
        }
        let open = self.reasoning.as_mut().expect("opened above");
        open.text.push_str(text);
        let (id, index) = (open.id.clone(), open.index);
        self.emit(
            "response.reasoning_summary_text.delta",
            json!({"item_id": id, "output_index": index, "summary_index": 0, "delta": text}),
        );
    }

    fn text_delta(&mut self, text: &str) {
        self.close_reasoning();
        if self.message.is_none() {
            let (index, id) = self.open("msg");
            self.emit(
                "response.output_item.added",
                json!({"output_index": index, "item": events::message_item(&id, None)}),
            );
            self.emit(
                "response.content_part.added",
                json!({"item_id": id, "output_index": index, "content_index": 0, "part": events::output_text_part("")}),
            );
            self.message = Some(OpenText { index, id, text: String::new() });
        }
        let open = self.message.as_mut().expect("opened above");
        open.text.push_str(text);
        let (id, index) = (open.id.clone(), open.index);
        self.emit(
            "response.output_text.delta",
            json!({"item_id": id, "output_index": index, "content_index": 0, "delta": text}),
        );
    }

    fn call_delta(&mut self, position: u64, piece: ToolCallDelta) {
        self.close_reasoning();
        self.close_message();
        let key = piece.index.unwrap_or(position);
        if !self.calls.contains_key(&key) {
            let (index, id) = self.open("fc");
            let call = OpenCall {
                index,
                id,
                call_id: String::new(),
                name: String::new(),
                arguments: String::new(),
                announced: false,
            };
            self.calls.insert(key, call);
        }
        let call = self.calls.get_mut(&key).expect("inserted above");
        if let Some(id) = piece.id.filter(|id| !id.is_empty()) {
            call.call_id = id;
        }
        if let Some(name) = piece.function.name.filter(|n| !n.is_empty()) {
            call.name.push_str(&name);
        }
        let args = piece.function.arguments.unwrap_or_default();
        call.arguments.push_str(&args);
        let (announce, index, id) = (!call.announced && !call.name.is_empty(), call.index, call.id.clone());
        let (announced, held) = (call.announced, call.arguments.clone());
        if announce {
            call.announced = true;
        }
        // A custom tool's input is known only whole (it is inside the JSON).
        let custom = self.is_custom(key);
        if announce {
            let item = self.call_item(key, false);
            self.emit("response.output_item.added", json!({"output_index": index, "item": item}));
            if !held.is_empty() && !custom {
                self.emit(
                    "response.function_call_arguments.delta",
                    json!({"item_id": id, "output_index": index, "delta": held}),
                );
            }
        } else if announced && !args.is_empty() && !custom {
            self.emit(
                "response.function_call_arguments.delta",
                json!({"item_id": id, "output_index": index, "delta": args}),
            );
        }
    }

    fn is_custom(&self, key: u64) -> bool {
        self.calls.get(&key).is_some_and(|c| self.custom_tools.contains(&c.name))
    }

    /// A custom tool's raw input: the `input` string of its arguments (the
    /// arguments themselves when the model did not follow the schema).
    fn custom_input(arguments: &str) -> String {
        match serde_json::from_str::<Value>(arguments) {
            Ok(Value::Object(obj)) => match obj.get(CUSTOM_INPUT) {
                Some(Value::String(s)) => s.clone(),
                _ => arguments.to_string(),
            },
            _ => arguments.to_string(),
        }
    }

    fn call_item(&self, key: u64, done: bool) -> Value {
        let call = &self.calls[&key];
        let call_id = if call.call_id.is_empty() { format!("call_{}", call.id) } else { call.call_id.clone() };
        if self.is_custom(key) {
            let input = if done { Self::custom_input(&call.arguments) } else { String::new() };
            events::custom_tool_call_item(&call.id, &call_id, &call.name, &input, done)
        } else {
            let arguments = if done { call.arguments.as_str() } else { "" };
            events::function_call_item(&call.id, &call_id, &call.name, arguments, done)
        }
    }

    fn close_calls(&mut self) {
        let keys: Vec<u64> = self.calls.keys().copied().collect();
        for key in keys {
            let custom = self.is_custom(key);
            let call = &self.calls[&key];
            let (index, id, arguments, announced) =
                (call.index, call.id.clone(), call.arguments.clone(), call.announced);
            if !announced {
                // A call whose name never came: still Codex's to answer.
                let item = self.call_item(key, false);
                self.emit("response.output_item.added", json!({"output_index": index, "item": item}));
            }
            if custom {
                let input = Self::custom_input(&arguments);
                self.emit(
                    "response.custom_tool_call_input.delta",
                    json!({"item_id": id, "output_index": index, "delta": input}),
                );
                self.emit(
                    "response.custom_tool_call_input.done",
                    json!({"item_id": id, "output_index": index, "input": input}),
                );
            } else {
                self.emit(
                    "response.function_call_arguments.done",
                    json!({"item_id": id, "output_index": index, "arguments": arguments}),
                );
            }
            let item = self.call_item(key, true);
            self.emit("response.output_item.done", json!({"output_index": index, "item": item.clone()}));
            self.output.push((index, item));
        }
        self.calls.clear();
    }

    fn close_reasoning(&mut self) {
        let Some(open) = self.reasoning.take() else { return };
        let (id, index, text) = (&open.id, open.index, open.text.as_str());
        self.emit(
            "response.reasoning_summary_text.done",
            json!({"item_id": id, "output_index": index, "summary_index": 0, "text": text}),
        );
        self.emit(
            "response.reasoning_summary_part.done",
            json!({"item_id": id, "output_index": index, "summary_index": 0, "part": events::summary_part(text)}),
        );
        let item = events::reasoning_item(id, Some(text));
        self.emit("response.output_item.done", json!({"output_index": index, "item": item.clone()}));
        self.output.push((index, item));
    }

    fn close_message(&mut self) {
        let Some(open) = self.message.take() else { return };
        let (id, index, text) = (&open.id, open.index, open.text.as_str());
        self.emit(
            "response.output_text.done",
            json!({"item_id": id, "output_index": index, "content_index": 0, "text": text}),
        );
        self.emit(
            "response.content_part.done",
            json!({"item_id": id, "output_index": index, "content_index": 0, "part": events::output_text_part(text)}),
        );
        let item = events::message_item(id, Some(text));
        self.emit("response.output_item.done", json!({"output_index": index, "item": item.clone()}));
        self.output.push((index, item));
    }

    /// Closes what is open and ends with `response.completed`.
    fn complete(&mut self) {
        self.start(None);
        self.close_reasoning();
        self.close_message();
        self.close_calls();
        self.finished = true;
        self.output.sort_by_key(|(index, _)| *index);
        let output: Vec<Value> = self.output.iter().map(|(_, item)| item.clone()).collect();
        let incomplete = match self.finish_reason.as_deref() {
            Some("length") => Some("max_output_tokens"),
            Some("content_filter") => Some("content_filter"),
            _ => None,
        };
        let status = if incomplete.is_some() { "incomplete" } else { "completed" };
        let mut response = self.response(status, Value::Array(output));
        response["incomplete_details"] = incomplete.map_or(Value::Null, |reason| json!({"reason": reason}));
        response["usage"] = self.usage.as_ref().map_or(Value::Null, usage);
        self.emit("response.completed", json!({"response": response}));
    }

    /// The next output index and a fresh item id.
    fn open(&mut self, prefix: &str) -> (usize, String) {
        let index = self.next_index;
        self.next_index += 1;
        (index, format!("{prefix}_{}_{index}", &self.response_id[5..]))
    }

    fn response(&self, status: &str, output: Value) -> Value {
        let output = if output.is_null() { json!([]) } else { output };
        json!({
            "id": self.response_id,
            "object": "response",
            "created_at": self.created_at,
            "status": status,
            "error": null,
            "incomplete_details": null,
            "model": self.model,
            "output": output,
            "usage": null,
        })
    }

    fn emit(&mut self, kind: &'static str, fields: Value) {
        let event = Event::new(kind, self.sequence, fields);
        self.sequence += 1;
        self.events.push(event);
    }
}

/// `resp_<time><counter>`: unique within this process (and across runs by
/// the time), which is all Codex needs of it.
fn next_response_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    format!("resp_{nanos:x}{:04x}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Chat usage in the Responses shape (what Codex and the log count).
fn usage(u: &ChatUsage) -> Value {
    let cached = u.prompt_tokens_details.as_ref().and_then(|d| d.cached_tokens).unwrap_or(0);
    let reasoning = u.completion_tokens_details.as_ref().and_then(|d| d.reasoning_tokens).unwrap_or(0);
    json!({
        "input_tokens": u.prompt_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": u.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": u.total_tokens.unwrap_or(u.prompt_tokens + u.completion_tokens),
    })
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
