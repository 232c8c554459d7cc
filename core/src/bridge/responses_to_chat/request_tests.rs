use serde_json::{json, Value};

use super::*;

fn chat(body: Value) -> (Value, Translated) {
    let t = translate_request(body.to_string().as_bytes()).unwrap();
    (serde_json::from_slice(&t.body).unwrap(), t)
}

/// What Codex 0.169 sends for a turn after a tool ran (trimmed): the
/// developer prompt, the user's message, a reasoning item, the call and its
/// output.
fn codex_tool_round_trip() -> Value {
    json!({
        "model": "gpt-5",
        "instructions": "You are Codex.",
        "input": [
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "sandbox: none"}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list files"}]},
            {"type": "reasoning", "summary": [], "encrypted_content": "gAAA"},
            {"type": "function_call", "name": "exec_command", "arguments": "{\"cmd\":\"ls\"}", "call_id": "call_1"},
            {"type": "function_call_output", "call_id": "call_1", "output": "Process exited with code 0\nOutput:\na.txt"},
        ],
        "tools": [
            {"type": "function", "name": "exec_command", "description": "Run a command", "strict": false,
             "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}},
            {"type": "custom", "name": "apply_patch", "description": "Edit files",
             "format": {"type": "grammar", "syntax": "lark", "definition": "start: begin_patch"}},
            {"type": "web_search"},
            {"type": "namespace", "name": "multi_agent_v1", "tools": []},
        ],
        "tool_choice": "auto",
        "parallel_tool_calls": true,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "store": false,
        "stream": true,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "thread-1",
    })
}

#[test]
fn a_tool_round_trip_becomes_messages_in_order() {
    let (c, t) = chat(codex_tool_round_trip());
    assert_eq!(
        c["messages"],
        json!([
            {"role": "system", "content": "You are Codex."},
            {"role": "system", "content": "sandbox: none"},
            {"role": "user", "content": "list files"},
            {"role": "assistant", "content": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "exec_command", "arguments": "{\"cmd\":\"ls\"}"}}]},
            {"role": "tool", "content": "Process exited with code 0\nOutput:\na.txt", "tool_call_id": "call_1"},
        ])
    );
    assert_eq!(c["model"], "gpt-5");
    assert_eq!(c["stream"], true);
    assert_eq!(c["stream_options"], json!({"include_usage": true}));
    assert_eq!(c["tool_choice"], "auto");
    assert_eq!(c["parallel_tool_calls"], true);
    assert_eq!(c["reasoning_effort"], "medium");
    for key in ["store", "include", "prompt_cache_key", "reasoning", "instructions", "input"] {
        assert!(c.get(key).is_none(), "{key} is not a chat field: {c}");
    }
    assert!(t.stream);
    assert_eq!(t.dropped_tools, ["web_search", "namespace multi_agent_v1"]);
}

#[test]
fn tools_function_as_is_custom_as_one_string_hosted_left_out() {
    let (c, t) = chat(codex_tool_round_trip());
    let tools = c["tools"].as_array().unwrap();
    assert_eq!(tools.len(), 2, "{tools:?}");
    assert_eq!(
        tools[0],
        json!({"type": "function", "function": {"name": "exec_command", "description": "Run a command",
            "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}}})
    );
    assert_eq!(tools[1]["function"]["name"], "apply_patch");
    assert_eq!(tools[1]["function"]["parameters"]["required"], json!(["input"]));
    assert_eq!(tools[1]["function"]["parameters"]["properties"]["input"]["type"], "string");
    let about = tools[1]["function"]["description"].as_str().unwrap();
    assert!(about.starts_with("Edit files") && about.contains("start: begin_patch"), "{about}");
    assert!(t.custom_tools.contains("apply_patch"));
}

#[test]
fn custom_calls_parallel_calls_and_images() {
    let (c, _) = chat(json!({
        "model": "m",
        "input": [
            {"role": "user", "content": [
                {"type": "input_text", "text": "look"},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "I will patch."}]},
            {"type": "custom_tool_call", "call_id": "c1", "name": "apply_patch", "input": "*** Begin Patch\n*** End Patch"},
            {"type": "function_call", "call_id": "c2", "name": "exec_command", "arguments": ""},
            {"type": "custom_tool_call_output", "call_id": "c1", "output": "Done"},
            {"type": "function_call_output", "call_id": "c2", "output": [{"type": "input_text", "text": "ok"}]},
            {"type": "function_call_output", "call_id": "stray", "output": "answers nothing"},
            {"type": "function_call", "call_id": "c3", "name": "exec_command", "arguments": "{}"},
            {"type": "message", "role": "user", "content": "next"},
        ],
        "max_output_tokens": 100,
        "temperature": 0.2,
    }));
    let m = c["messages"].as_array().unwrap();
    assert_eq!(m[0]["content"][1], json!({"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}));
    assert_eq!(m[1]["content"], "I will patch.");
    let calls = m[1]["tool_calls"].as_array().unwrap();
    assert_eq!(calls.len(), 2, "both calls join the assistant's message");
    assert_eq!(calls[0]["function"]["arguments"], json!({"input": "*** Begin Patch\n*** End Patch"}).to_string());
    assert_eq!(calls[1]["function"]["arguments"], "{}");
    assert_eq!((m[2]["tool_call_id"].as_str(), m[2]["content"].as_str()), (Some("c1"), Some("Done")));
    assert_eq!((m[3]["tool_call_id"].as_str(), m[3]["content"].as_str()), (Some("c2"), Some("ok")));
    // The stray output is gone; the unanswered c3 gets a placeholder.
    assert_eq!(m[4]["tool_calls"][0]["id"], "c3");
    assert_eq!(m[5]["role"], "tool");
    assert_eq!(m[5]["tool_call_id"], "c3");
    assert_eq!(m[6], json!({"role": "user", "content": "next"}));
    assert_eq!(m.len(), 7);
    assert_eq!(c["max_tokens"], 100);
    assert_eq!(c["temperature"], 0.2);
    assert_eq!(c["stream"], false);
    assert!(c.get("stream_options").is_none() && c.get("tools").is_none() && c.get("tool_choice").is_none());
}

#[test]
fn a_named_tool_choice_and_a_text_input() {
    let (c, _) = chat(json!({
        "model": "m", "input": "hi",
        "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}}],
        "tool_choice": {"type": "function", "name": "f"},
        "text": {"format": {"type": "json_schema", "name": "out", "schema": {"type": "object"}, "strict": true}},
    }));
    assert_eq!(c["messages"], json!([{"role": "user", "content": "hi"}]));
    assert_eq!(c["tool_choice"], json!({"type": "function", "function": {"name": "f"}}));
    assert_eq!(c["response_format"]["json_schema"]["name"], "out");
}

#[test]
fn what_is_not_a_responses_request_is_an_error() {
    let err = translate_request(b"not json").unwrap_err();
    assert!(err.to_string().contains("not a Responses API request"), "{err}");
    assert!(translate_request(br#"{"input": [{"type": "function_call"}]}"#).is_err());
}
