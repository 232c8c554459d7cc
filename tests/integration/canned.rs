//! Tests that the canned upstream bodies keep the shapes real clients expect
//! (see shared/notes/real-clients.md).

use codex_helper_tests::canned;
use codex_helper_tests::SseEvent;

fn names(events: &[SseEvent]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_deref().unwrap()).collect()
}

/// Every event's JSON `type` equals its SSE event name.
fn assert_types_match(events: &[SseEvent]) {
    for e in events {
        assert_eq!(e.json()["type"].as_str(), e.event.as_deref(), "{e:?}");
    }
}

#[test]
fn codex_stream_has_the_real_event_sequence_and_usage() {
    let events = canned::codex_stream("hello big world", (100, 20, 8));
    assert_eq!(
        names(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_types_match(&events);
    let seq: Vec<u64> = events.iter().map(|e| e.json()["sequence_number"].as_u64().unwrap()).collect();
    assert_eq!(seq, (0..events.len() as u64).collect::<Vec<_>>());
    let text: String = events[4..7].iter().map(|e| e.json()["delta"].as_str().unwrap().to_string()).collect();
    assert_eq!(text, "hello big world");
    let completed = events.last().unwrap().json();
    assert_eq!(completed["response"]["id"], "resp_mock");
    assert_eq!(completed["response"]["status"], "completed");
    let usage = &completed["response"]["usage"];
    assert_eq!(usage["input_tokens"], 100);
    assert_eq!(usage["input_tokens_details"]["cached_tokens"], 0);
    assert_eq!(usage["output_tokens"], 20);
    assert_eq!(usage["output_tokens_details"]["reasoning_tokens"], 8);
    assert_eq!(usage["total_tokens"], 120);
    assert_eq!(canned::codex_json("hello big world", (100, 20, 8))["usage"], *usage);
    // Wire form is `event: X` then `data: {...}` then a blank line.
    let wire = String::from_utf8(events[0].to_bytes()).unwrap();
    assert!(wire.starts_with("event: response.created\ndata: {") && wire.ends_with("}\n\n"), "{wire}");
}

#[test]
fn codex_failed_carries_code_and_message() {
    let events = canned::codex_failed("rate_limit_exceeded", "try later");
    assert_eq!(names(&events), ["response.created", "response.failed"]);
    assert_types_match(&events);
    let error = &events[1].json()["response"]["error"];
    assert_eq!((error["code"].as_str(), error["message"].as_str()), (Some("rate_limit_exceeded"), Some("try later")));
}

#[test]
fn claude_stream_has_the_real_event_sequence_and_usage() {
    let events = canned::claude_stream("hi there", 42, 9);
    assert_eq!(
        names(&events),
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
    );
    assert_types_match(&events);
    let start = events[0].json();
    assert_eq!(start["message"]["usage"]["input_tokens"], 42);
    assert_eq!(start["message"]["usage"]["output_tokens"], 1);
    let text: String = events[3..5].iter().map(|e| e.json()["delta"]["text"].as_str().unwrap().to_string()).collect();
    assert_eq!(text, "hi there");
    assert_eq!(events[3].json()["delta"]["type"], "text_delta");
    let delta = events[6].json();
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(delta["usage"]["output_tokens"], 9);
    let json = canned::claude_json("hi there", 42, 9);
    assert_eq!((json["usage"]["input_tokens"].as_u64(), json["usage"]["output_tokens"].as_u64()), (Some(42), Some(9)));
    assert_eq!(json["content"][0]["text"], "hi there");
}

#[test]
fn claude_error_event_shape() {
    let events = canned::claude_error_event("overloaded_error", "Overloaded");
    assert_eq!(names(&events), ["error"]);
    assert_types_match(&events);
    assert_eq!(events[0].json()["error"]["type"], "overloaded_error");
    assert_eq!(events[0].json()["error"]["message"], "Overloaded");
}
