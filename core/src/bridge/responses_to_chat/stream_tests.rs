use std::collections::HashSet;

use serde_json::{json, Value};

use super::*;

fn translator() -> Translator {
    Translator::with(HashSet::from(["apply_patch".to_string()]), "gpt-5".into())
}

/// Feeds chunks (then `[DONE]` when `done`), returns every event's data.
fn run(chunks: &[Value], done: bool) -> Vec<Value> {
    let mut t = translator();
    let mut out = Vec::new();
    for chunk in chunks {
        out.extend(t.chunk(&chunk.to_string()));
    }
    out.extend(if done { t.done() } else { t.eof() });
    for (i, e) in out.iter().enumerate() {
        assert_eq!(e.data["type"], e.kind);
        assert_eq!(e.data["sequence_number"], i as u64, "numbered in order");
    }
    out.into_iter().map(|e| e.data).collect()
}

fn delta(d: Value) -> Value {
    json!({"id": "chatcmpl-1", "model": "deepseek-chat", "choices": [{"index": 0, "delta": d, "finish_reason": null}]})
}

fn finish(reason: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
}

fn call(index: u64, id: Option<&str>, name: Option<&str>, args: &str) -> Value {
    let mut f = json!({"arguments": args});
    if let Some(name) = name {
        f["name"] = json!(name);
    }
    let mut c = json!({"index": index, "type": "function", "function": f});
    if let Some(id) = id {
        c["id"] = json!(id);
    }
    delta(json!({"tool_calls": [c]}))
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

fn completed(events: &[Value]) -> &Value {
    let last = events.last().unwrap();
    assert_eq!(last["type"], "response.completed", "{events:#?}");
    &last["response"]
}

#[test]
fn text_is_a_complete_ordered_message() {
    let usage = json!({"choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25,
        "prompt_tokens_details": {"cached_tokens": 8}, "completion_tokens_details": {"reasoning_tokens": 2}}});
    let ev = run(
        &[
            delta(json!({"role": "assistant", "content": ""})),
            delta(json!({"content": "hel"})),
            delta(json!({"content": "lo"})),
            finish("stop"),
            usage,
        ],
        true,
    );
    assert_eq!(
        types(&ev),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_eq!(ev[6]["text"], "hello");
    assert_eq!(ev[8]["item"]["content"][0], json!({"type": "output_text", "text": "hello", "annotations": []}));
    let r = completed(&ev);
    assert_eq!(r["status"], "completed");
    assert_eq!(r["model"], "deepseek-chat");
    assert_eq!(r["output"].as_array().unwrap().len(), 1);
    assert_eq!(
        r["usage"],
        json!({"input_tokens": 20, "input_tokens_details": {"cached_tokens": 8}, "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 2}, "total_tokens": 25})
    );
    assert_eq!(ev[0]["response"]["id"], r["id"], "one response id throughout");
}

#[test]
fn arguments_split_across_many_deltas_come_together() {
    let mut chunks = vec![call(0, Some("call_a"), Some("exec_command"), "")];
    for piece in ["{\"c", "md\":", " \"ec", "ho hi\"", "}"] {
        chunks.push(call(0, None, None, piece));
    }
    chunks.push(finish("tool_calls"));
    let ev = run(&chunks, true);
    let deltas: Vec<&str> = ev
        .iter()
        .filter(|e| e["type"] == "response.function_call_arguments.delta")
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    assert_eq!(deltas.concat(), "{\"cmd\": \"echo hi\"}");
    let done = ev.iter().find(|e| e["type"] == "response.function_call_arguments.done").unwrap();
    assert_eq!(done["arguments"], "{\"cmd\": \"echo hi\"}");
    let item = &ev.iter().find(|e| e["type"] == "response.output_item.done").unwrap()["item"];
    assert_eq!(item["type"], "function_call");
    assert_eq!(item["call_id"], "call_a");
    assert_eq!(item["name"], "exec_command");
    assert_eq!(item["arguments"], "{\"cmd\": \"echo hi\"}");
    let r = completed(&ev);
    assert_eq!(r["status"], "completed");
    assert_eq!(r["output"][0], *item);
}

#[test]
fn tool_calls_only_no_message_item() {
    let ev = run(
        &[
            delta(json!({"role": "assistant", "content": null})),
            call(0, Some("c"), Some("f"), "{}"),
            finish("tool_calls"),
        ],
        true,
    );
    assert!(!types(&ev).contains(&"response.content_part.added"), "{ev:#?}");
    let r = completed(&ev);
    assert_eq!(r["output"].as_array().unwrap().len(), 1);
    assert_eq!(r["output"][0]["type"], "function_call");
}

#[test]
fn parallel_tool_calls_interleaved_by_index() {
    let ev = run(
        &[
            call(0, Some("c0"), Some("exec_command"), "{\"cmd\":"),
            call(1, Some("c1"), Some("exec_command"), "{\"cmd\":"),
            call(1, None, None, "\"pwd\"}"),
            call(0, None, None, "\"ls\"}"),
            finish("tool_calls"),
        ],
        true,
    );
    let r = completed(&ev);
    let out = r["output"].as_array().unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!((out[0]["call_id"].as_str(), out[0]["arguments"].as_str()), (Some("c0"), Some("{\"cmd\":\"ls\"}")));
    assert_eq!((out[1]["call_id"].as_str(), out[1]["arguments"].as_str()), (Some("c1"), Some("{\"cmd\":\"pwd\"}")));
    let added: Vec<u64> = ev
        .iter()
        .filter(|e| e["type"] == "response.output_item.added")
        .map(|e| e["output_index"].as_u64().unwrap())
        .collect();
    assert_eq!(added, [0, 1]);
    // Each delta belongs to its own item.
    for e in ev.iter().filter(|e| e["type"] == "response.function_call_arguments.delta") {
        let index = e["output_index"].as_u64().unwrap() as usize;
        assert_eq!(e["item_id"], out[index]["id"]);
    }
}

#[test]
fn text_then_a_call_closes_the_message_first() {
    let ev = run(
        &[delta(json!({"content": "Running it."})), call(0, Some("c"), Some("f"), "{}"), finish("tool_calls")],
        true,
    );
    let kinds = types(&ev);
    let message_done = kinds.iter().position(|k| *k == "response.output_text.done").unwrap();
    let call_added = kinds.iter().rposition(|k| *k == "response.output_item.added").unwrap();
    assert!(message_done < call_added, "{kinds:?}");
    let r = completed(&ev);
    assert_eq!(r["output"][0]["type"], "message");
    assert_eq!(r["output"][1]["type"], "function_call");
}

#[test]
fn a_custom_tool_call_goes_back_as_custom_with_its_raw_input() {
    let args = json!({"input": "*** Begin Patch\n*** End Patch"}).to_string();
    let (a, b) = args.split_at(10);
    let ev = run(&[call(0, Some("cp"), Some("apply_patch"), a), call(0, None, None, b), finish("tool_calls")], true);
    assert!(!types(&ev).contains(&"response.function_call_arguments.delta"));
    let input_done = ev.iter().find(|e| e["type"] == "response.custom_tool_call_input.done").unwrap();
    assert_eq!(input_done["input"], "*** Begin Patch\n*** End Patch");
    let item = &completed(&ev)["output"][0];
    assert_eq!(item["type"], "custom_tool_call");
    assert_eq!(item["call_id"], "cp");
    assert_eq!(item["input"], "*** Begin Patch\n*** End Patch");
}

#[test]
fn reasoning_content_becomes_a_reasoning_summary_before_the_text() {
    let ev = run(
        &[
            delta(json!({"reasoning_content": "think"})),
            delta(json!({"reasoning_content": "ing"})),
            delta(json!({"content": "answer"})),
            finish("stop"),
        ],
        true,
    );
    let kinds = types(&ev);
    assert_eq!(
        kinds[2..5],
        [
            "response.output_item.added",
            "response.reasoning_summary_part.added",
            "response.reasoning_summary_text.delta"
        ]
    );
    let done = ev.iter().find(|e| e["type"] == "response.reasoning_summary_text.done").unwrap();
    assert_eq!(done["text"], "thinking");
    let r = completed(&ev);
    assert_eq!(
        r["output"][0],
        json!({"type": "reasoning", "id": r["output"][0]["id"], "summary": [{"type": "summary_text", "text": "thinking"}]})
    );
    assert_eq!(r["output"][1]["content"][0]["text"], "answer");
}

#[test]
fn a_length_stop_is_incomplete() {
    let ev = run(&[delta(json!({"content": "trunc"})), finish("length")], true);
    let r = completed(&ev);
    assert_eq!(r["status"], "incomplete");
    assert_eq!(r["incomplete_details"], json!({"reason": "max_output_tokens"}));
}

#[test]
fn a_malformed_chunk_is_a_clear_failure_and_the_rest_is_ignored() {
    let mut t = translator();
    let mut ev = t.chunk(&delta(json!({"content": "x"})).to_string());
    ev.extend(t.chunk("{\"choices\": [{\"delta\": {\"content\": 5}}]}"));
    let last = ev.last().unwrap();
    assert_eq!(last.kind, "response.failed");
    let error = &last.data["response"]["error"];
    assert_eq!(error["code"], "bad_upstream_chunk");
    assert!(error["message"].as_str().unwrap().contains("could not read a chunk"), "{error}");
    assert!(t.finished());
    assert!(t.chunk(&delta(json!({"content": "y"})).to_string()).is_empty());
    assert!(t.done().is_empty(), "no second terminal event");
}

#[test]
fn an_error_in_the_stream_is_a_failure_with_its_message() {
    let ev = run(&[json!({"error": {"message": "model overloaded", "code": "overloaded"}})], true);
    assert_eq!(types(&ev), ["response.failed"]);
    assert_eq!(ev[0]["response"]["error"], json!({"code": "overloaded", "message": "model overloaded"}));
}

#[test]
fn a_cut_off_answer_has_no_terminal_event() {
    let ev = run(&[delta(json!({"content": "half"}))], false);
    assert!(!types(&ev).iter().any(|k| *k == "response.completed" || *k == "response.failed"), "{ev:#?}");
    // After a finish_reason, no [DONE] is still a complete answer.
    let ev = run(&[delta(json!({"content": "all"})), finish("stop")], false);
    assert_eq!(completed(&ev)["status"], "completed");
}

#[test]
fn nulls_where_openai_leaves_fields_out_are_fine() {
    let ev = run(
        &[
            json!({"choices": [{"index": 0, "delta": {"content": "x", "tool_calls": null}, "finish_reason": null}], "usage": null}),
            json!({"choices": null, "usage": {"prompt_tokens": null, "completion_tokens": 3}}),
            finish("stop"),
        ],
        true,
    );
    assert_eq!(completed(&ev)["usage"]["output_tokens"], 3);
}
