use serde_json::{json, Value};

use super::*;

fn chat(body: Value) -> (Value, Translated) {
    let t = translate_request(body.to_string().as_bytes()).unwrap();
    (serde_json::from_slice(&t.body).unwrap(), t)
}

/// What Claude Code 2.1 sends for a turn after a tool ran (trimmed).
fn claude_tool_round_trip() -> Value {
    json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "stream": true,
        "system": [{"type": "text", "text": "You are Claude Code."}, {"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "run echo"}]},
            {"role": "assistant", "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "sig"},
                {"type": "redacted_thinking", "data": "xx"},
                {"type": "text", "text": "Running it."},
                {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "echo hi"}},
                {"type": "tool_use", "id": "toolu_2", "name": "Read", "input": {"file_path": "/a"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "hi\n", "is_error": false, "cache_control": {"type": "ephemeral"}},
                {"type": "tool_result", "tool_use_id": "toolu_2", "content": [{"type": "text", "text": "no such file"}], "is_error": true},
                {"type": "text", "text": "and now?"},
            ]},
        ],
        "tools": [
            {"name": "Bash", "description": "Run a command", "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}},
            {"name": "Read", "description": "Read a file", "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}}},
            {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
        ],
        "tool_choice": {"type": "auto"},
        "thinking": {"type": "adaptive"},
        "metadata": {"user_id": "user_abc"},
        "context_management": {"edits": []},
    })
}

#[test]
fn a_tool_round_trip_becomes_messages_in_order() {
    let (c, t) = chat(claude_tool_round_trip());
    assert_eq!(
        c["messages"],
        json!([
            {"role": "system", "content": "You are Claude Code.\nBe brief."},
            {"role": "user", "content": "run echo"},
            {"role": "assistant", "content": "Running it.", "tool_calls": [
                {"id": "toolu_1", "type": "function", "function": {"name": "Bash", "arguments": "{\"command\":\"echo hi\"}"}},
                {"id": "toolu_2", "type": "function", "function": {"name": "Read", "arguments": "{\"file_path\":\"/a\"}"}},
            ]},
            {"role": "tool", "content": "hi\n", "tool_call_id": "toolu_1"},
            {"role": "tool", "content": "Error: no such file", "tool_call_id": "toolu_2"},
            {"role": "user", "content": "and now?"},
        ])
    );
    assert_eq!(c["model"], "claude-sonnet-4-5");
    assert_eq!(c["max_tokens"], 32000);
    assert_eq!(c["stream"], true);
    assert_eq!(c["stream_options"], json!({"include_usage": true}));
    assert_eq!(c["tool_choice"], "auto");
    assert!(t.stream);
    for unknown in ["system", "thinking", "metadata", "context_management", "stop", "parallel_tool_calls"] {
        assert!(c.get(unknown).is_none(), "{unknown} is not sent: {c}");
    }
}

#[test]
fn tools_become_functions_and_server_tools_are_left_out() {
    let (c, t) = chat(claude_tool_round_trip());
    let tools = c["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 2);
    assert_eq!(
        tools[0],
        json!({"type": "function", "function": {"name": "Bash", "description": "Run a command",
            "parameters": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]}}})
    );
    assert_eq!(t.dropped_tools, ["web_search_20250305 web_search"]);
}

#[test]
fn tool_choice_maps_each_kind() {
    let base = |choice: Value| {
        let mut body = claude_tool_round_trip();
        body["tool_choice"] = choice;
        chat(body).0
    };
    assert_eq!(base(json!({"type": "any"}))["tool_choice"], "required");
    assert_eq!(base(json!({"type": "none"}))["tool_choice"], "none");
    let named = base(json!({"type": "tool", "name": "Bash", "disable_parallel_tool_use": true}));
    assert_eq!(named["tool_choice"], json!({"type": "function", "function": {"name": "Bash"}}));
    assert_eq!(named["parallel_tool_calls"], false);
}

#[test]
fn a_string_system_stops_sampling_and_images() {
    let (c, t) = chat(json!({
        "model": "m", "max_tokens": 10, "system": "be terse", "stop_sequences": ["END"], "temperature": 0.2, "top_p": 0.9,
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "what is this?"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAAA"}},
            {"type": "image", "source": {"type": "url", "url": "https://x/y.png"}},
        ]}],
    }));
    assert_eq!(c["messages"][0], json!({"role": "system", "content": "be terse"}));
    assert_eq!(
        c["messages"][1]["content"],
        json!([
            {"type": "text", "text": "what is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAAA"}},
            {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
        ])
    );
    assert_eq!(c["stop"], json!(["END"]));
    assert_eq!(c["temperature"], 0.2);
    assert_eq!(c["top_p"], 0.9);
    assert_eq!(c["stream"], false);
    assert!(c.get("stream_options").is_none());
    assert!(c.get("tools").is_none() && c.get("tool_choice").is_none());
    assert!(!t.stream);
}

#[test]
fn system_entries_in_messages_and_tool_only_turns() {
    let (c, _) = chat(json!({
        "model": "m", "max_tokens": 10,
        "messages": [
            {"role": "system", "content": "reminder"},
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_9", "name": "Bash", "input": {}}]},
        ],
    }));
    let m = c["messages"].as_array().unwrap();
    assert_eq!(m[0], json!({"role": "system", "content": "reminder"}));
    assert_eq!(m[2]["content"], Value::Null, "a tool-calls-only message has no text");
    assert_eq!(m[2]["tool_calls"][0]["function"]["arguments"], "{}");
    assert_eq!(m[3]["role"], "tool", "an unanswered call gets a placeholder answer");
    assert_eq!(m[3]["tool_call_id"], "toolu_9");
}

#[test]
fn unreadable_requests_say_so() {
    let err = translate_request(b"[1,2]").unwrap_err().to_string();
    assert!(err.contains("Anthropic Messages"), "{err}");
    let err = translate_request(br#"{"messages":[{"role":"user","content":5}]}"#).unwrap_err().to_string();
    assert!(err.contains("neither text nor blocks"), "{err}");
}
