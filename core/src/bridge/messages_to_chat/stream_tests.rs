use serde_json::{json, Value};

use super::*;

fn run(chunks: &[Value], end: &str) -> Vec<Event> {
    let mut t = Translator::new("claude-sonnet-4-5".into());
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(t.chunk(&chunk.to_string()));
    }
    out.extend(match end {
        "done" => t.done(),
        _ => t.eof(),
    });
    out
}

fn delta(d: Value) -> Value {
    json!({"choices": [{"index": 0, "delta": d}]})
}

fn finish(reason: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
}

fn call(index: u64, id: Option<&str>, name: Option<&str>, args: &str) -> Value {
    let mut c = json!({"index": index, "function": {"arguments": args}});
    if let Some(id) = id {
        c["id"] = json!(id);
    }
    if let Some(name) = name {
        c["function"]["name"] = json!(name);
    }
    delta(json!({"tool_calls": [c]}))
}

fn kinds(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.kind).collect()
}

/// The `partial_json` pieces of block `index`, joined.
fn input_of(events: &[Event], index: u64) -> String {
    events
        .iter()
        .filter(|e| e.kind == "content_block_delta" && e.data["index"] == index)
        .filter_map(|e| e.data["delta"]["partial_json"].as_str())
        .collect()
}

#[test]
fn text_then_a_tool_call_split_over_many_deltas() {
    let args = r#"{"command":"echo hi"}"#;
    let mut chunks = vec![delta(json!({"role": "assistant", "content": "Let me run it."}))];
    chunks.push(call(0, Some("call_1"), Some("Bash"), ""));
    for piece in args.as_bytes().chunks(3) {
        chunks.push(call(0, None, None, std::str::from_utf8(piece).unwrap()));
    }
    chunks.push(finish("tool_calls"));
    chunks.push(json!({"choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 12}}));
    let events = run(&chunks, "done");
    let k = kinds(&events);
    assert_eq!(k[0], "message_start");
    assert_eq!(&k[1..4], ["content_block_start", "content_block_delta", "content_block_stop"]);
    let start = events.iter().filter(|e| e.kind == "content_block_start").nth(1).unwrap();
    assert_eq!(
        start.data["content_block"],
        json!({"type": "tool_use", "id": "toolu_call_1", "name": "Bash", "input": {}})
    );
    assert_eq!(start.data["index"], 1);
    assert_eq!(input_of(&events, 1), args);
    let md = events.iter().find(|e| e.kind == "message_delta").unwrap();
    assert_eq!(md.data["delta"]["stop_reason"], "tool_use");
    assert_eq!(md.data["usage"], json!({"input_tokens": 50, "cache_read_input_tokens": 0, "output_tokens": 12}));
    assert_eq!(k.last(), Some(&"message_stop"));
}

#[test]
fn parallel_tool_calls_are_one_block_each() {
    let chunks = vec![
        call(0, Some("call_a"), Some("Read"), "{\"file_path\":"),
        call(0, None, None, "\"/a\"}"),
        call(1, Some("call_b"), Some("Read"), "{\"file_path\":\"/b\"}"),
        finish("tool_calls"),
    ];
    let events = run(&chunks, "done");
    let starts: Vec<&Value> = events.iter().filter(|e| e.kind == "content_block_start").map(|e| &e.data).collect();
    assert_eq!(starts.len(), 2);
    assert_eq!(starts[0]["content_block"]["id"], "toolu_call_a");
    assert_eq!(starts[1]["content_block"]["id"], "toolu_call_b");
    assert_eq!(input_of(&events, 0), r#"{"file_path":"/a"}"#);
    assert_eq!(input_of(&events, 1), r#"{"file_path":"/b"}"#);
    // Each block is stopped before the next starts, as Anthropic streams.
    let order: Vec<(&str, u64)> = events
        .iter()
        .filter(|e| e.kind.starts_with("content_block_s"))
        .map(|e| (e.kind, e.data["index"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        order,
        [("content_block_start", 0), ("content_block_stop", 0), ("content_block_start", 1), ("content_block_stop", 1)]
    );
}

/// Some upstreams interleave the pieces of parallel calls (a, b, a, b):
/// a piece of the first call that came after the second began was dropped,
/// leaving Claude Code a tool_use with half its input.
#[test]
fn regression_interleaved_parallel_tool_calls_lose_no_piece() {
    let chunks = vec![
        call(0, Some("call_a"), Some("Read"), "{\"file_path\":"),
        call(1, Some("call_b"), Some("Read"), "{\"file_path\":"),
        call(0, None, None, "\"/a\"}"),
        call(1, None, None, "\"/b\"}"),
        finish("tool_calls"),
    ];
    let events = run(&chunks, "done");
    let starts: Vec<&Value> = events.iter().filter(|e| e.kind == "content_block_start").map(|e| &e.data).collect();
    assert_eq!(starts.len(), 2);
    assert_eq!(starts[0]["content_block"]["id"], "toolu_call_a");
    assert_eq!(starts[1]["content_block"]["id"], "toolu_call_b");
    assert_eq!(input_of(&events, 0), r#"{"file_path":"/a"}"#);
    assert_eq!(input_of(&events, 1), r#"{"file_path":"/b"}"#);
    assert_eq!(events.iter().filter(|e| e.kind == "content_block_stop").count(), 2);
    assert_eq!(kinds(&events).last(), Some(&"message_stop"));
}

#[test]
fn tool_calls_only_with_no_text_and_a_stop_finish_still_is_tool_use() {
    let chunks = vec![delta(json!({"content": null})), call(0, Some("toolu_x"), Some("Bash"), "{}"), finish("stop")];
    let events = run(&chunks, "eof");
    assert!(!events.iter().any(|e| e.data["content_block"]["type"] == "text"));
    let start = events.iter().find(|e| e.kind == "content_block_start").unwrap();
    assert_eq!(start.data["content_block"]["id"], "toolu_x", "an id that already looks like Claude's is kept");
    let md = events.iter().find(|e| e.kind == "message_delta").unwrap();
    assert_eq!(md.data["delta"]["stop_reason"], "tool_use");
    assert_eq!(kinds(&events).last(), Some(&"message_stop"), "an end after a finish completes without [DONE]");
}

#[test]
fn stop_reasons_and_cached_usage() {
    let stop = |reason: &str| {
        let events = run(&[delta(json!({"content": "x"})), finish(reason)], "done");
        events.iter().find(|e| e.kind == "message_delta").unwrap().data["delta"]["stop_reason"].clone()
    };
    assert_eq!(stop("length"), "max_tokens");
    assert_eq!(stop("stop"), "end_turn");
    assert_eq!(stop("content_filter"), "refusal");
    let usage = json!({"choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 60}}});
    let events = run(&[delta(json!({"content": "x"})), finish("stop"), usage], "done");
    let md = events.iter().find(|e| e.kind == "message_delta").unwrap();
    assert_eq!(md.data["usage"], json!({"input_tokens": 40, "cache_read_input_tokens": 60, "output_tokens": 5}));
    assert_eq!(events[0].data["message"]["usage"]["input_tokens"], 0, "not known yet at the start");
}

#[test]
fn reasoning_becomes_a_thinking_block_before_the_text() {
    let events = run(
        &[delta(json!({"reasoning_content": "think"})), delta(json!({"content": "answer"})), finish("stop")],
        "done",
    );
    let starts: Vec<&Value> = events.iter().filter(|e| e.kind == "content_block_start").map(|e| &e.data).collect();
    assert_eq!(starts[0]["content_block"]["type"], "thinking");
    assert_eq!(starts[1]["content_block"]["type"], "text");
    let thinking = events.iter().find(|e| e.data["delta"]["type"] == "thinking_delta").unwrap();
    assert_eq!(thinking.data["delta"]["thinking"], "think");
}

#[test]
fn a_cut_off_answer_has_no_end_and_errors_end_with_one_error_event() {
    let cut = run(&[delta(json!({"content": "x"}))], "eof");
    assert!(!cut.iter().any(|e| e.kind == "message_stop" || e.kind == "error"));

    let in_stream = json!({"error": {"message": "quota exceeded", "code": 429}});
    let failed = run(&[delta(json!({"content": "x"})), in_stream, delta(json!({"content": "more"}))], "done");
    let errors: Vec<&Event> = failed.iter().filter(|e| e.kind == "error").collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].data["error"]["message"], "quota exceeded");
    assert_eq!(failed.last().unwrap().kind, "error", "nothing after the error");

    let mut t = Translator::new("m".into());
    let events = t.chunk("{\"choices\": [{\"delta\": {\"content\": 5}}]}");
    assert_eq!(events.last().unwrap().kind, "error");
    assert!(t.finished());
    assert!(t.done().is_empty());
}
