//! `mock-upstream --name NAME`: the Rust mock upstream as a process, for the
//! GUI suite (tests/gui/mock.mjs starts three), so the suites share one mock.
//!
//! It binds 127.0.0.1 port 0 and answers like a Codex relay: `POST
//! …/responses` with a short SSE turn (the event order the real Codex CLI
//! expects), `GET …/models` for "Test connection", `GET /usage` in the
//! `budget_http_json` quota shape, 404 for anything else (including Codex's
//! WebSocket attempt). Protocol, one JSON object per line:
//!
//! - stdout, first: `{"listening":"127.0.0.1:PORT"}`; then one
//!   `{"request":{"method","path","headers","body"}}` per request, written
//!   before it is answered (`path` without the query, header names
//!   lowercased).
//! - stdin: `{"fail":503}` (every Codex turn gets that status until
//!   `{"fail":null}`), `{"spent":10.0}` / `{"budget":10.0}` (the quota the
//!   `/usage` answer reports); each is acknowledged with `{"ack":true}`
//!   once it applies. The mock exits when stdin closes.

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};

use codex_helper_tests::{MockUpstream, Recorded, Reply, SseEvent};
use serde_json::{json, Value};

/// What stdin can change while the mock runs.
struct Knobs {
    outage: Option<u16>,
    budget: f64,
    spent: f64,
}

fn codex_turn(name: &str) -> Vec<SseEvent> {
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    let id = format!("resp_{name}_{millis}");
    let text = format!("hello from {name}");
    let item_id = format!("msg_{name}");
    let part = json!({ "type": "output_text", "text": text, "annotations": [] });
    let item =
        json!({ "id": item_id, "type": "message", "role": "assistant", "status": "completed", "content": [part] });
    let usage = json!({ "input_tokens": 12, "output_tokens": 5, "output_tokens_details": { "reasoning_tokens": 0 }, "total_tokens": 17 });
    let in_progress =
        json!({ "id": item_id, "type": "message", "role": "assistant", "status": "in_progress", "content": [] });
    let at = |extra: Value| {
        let mut v = json!({ "item_id": item_id, "output_index": 0, "content_index": 0 });
        v.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        v
    };
    // `type` first, as relays send it.
    let ev = |kind: &str, data: Value| {
        let mut ordered = serde_json::Map::new();
        ordered.insert("type".into(), kind.into());
        ordered.extend(data.as_object().cloned().unwrap_or_default());
        SseEvent::new(kind, Value::Object(ordered))
    };
    vec![
        ev("response.created", json!({ "response": { "id": id, "status": "in_progress" } })),
        ev("response.in_progress", json!({ "response": { "id": id, "status": "in_progress" } })),
        ev("response.output_item.added", json!({ "output_index": 0, "item": in_progress })),
        ev("response.content_part.added", at(json!({ "part": { "type": "output_text", "text": "" } }))),
        ev("response.output_text.delta", at(json!({ "delta": text }))),
        ev("response.output_text.done", at(json!({ "text": text }))),
        ev("response.content_part.done", at(json!({ "part": part }))),
        ev("response.output_item.done", json!({ "output_index": 0, "item": item })),
        ev(
            "response.completed",
            json!({ "response": { "id": id, "status": "completed", "output": [item], "usage": usage } }),
        ),
    ]
}

fn answer(name: &str, knobs: &Mutex<Knobs>, req: &Recorded) -> Reply {
    let path = req.path.split('?').next().unwrap_or("");
    let knobs = knobs.lock().unwrap_or_else(|e| e.into_inner());
    match (req.method.as_str(), path) {
        ("POST", p) if p.ends_with("/responses") => match knobs.outage {
            Some(status) => Reply::json(
                status,
                json!({ "error": { "message": format!("mock {name}: down for the test"), "type": "server_error" } }),
            ),
            None => Reply::sse(codex_turn(name)).header("cache-control", "no-cache"),
        },
        ("GET", p) if p.ends_with("/models") => {
            Reply::json(200, json!({ "object": "list", "data": [{ "id": "gpt-5", "object": "model" }] }))
        }
        ("GET", "/usage") => Reply::json(
            200,
            json!({ "data": { "monthly_budget_usd": knobs.budget, "monthly_spent_usd": knobs.spent } }),
        ),
        (method, p) => {
            Reply::json(404, json!({ "error": { "message": format!("mock {name}: no route {method} {p}") } }))
        }
    }
}

fn say(line: Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn record(req: &Recorded) -> Value {
    let headers: serde_json::Map<String, Value> =
        req.headers.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    let path = req.path.split('?').next().unwrap_or("");
    json!({ "request": { "method": req.method, "path": path, "headers": headers, "body": req.text() } })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let name = match (args.next().as_deref(), args.next()) {
        (Some("--name"), Some(name)) => name,
        _ => "mock".to_string(),
    };
    let knobs = Arc::new(Mutex::new(Knobs { outage: None, budget: 10.0, spent: 0.0 }));
    let mock = MockUpstream::start().await;
    let (router_knobs, router_name) = (knobs.clone(), name.clone());
    mock.set_router(move |req| {
        say(record(req));
        answer(&router_name, &router_knobs, req)
    });
    say(json!({ "listening": mock.addr().to_string() }));

    // Stdin is read on a thread of its own; its end ends the mock.
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            let Ok(order) = serde_json::from_str::<Value>(&line) else {
                say(json!({ "error": format!("not a JSON order: {line}") }));
                continue;
            };
            let mut k = knobs.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(fail) = order.get("fail") {
                k.outage = fail.as_u64().and_then(|s| u16::try_from(s).ok());
            }
            if let Some(spent) = order.get("spent").and_then(Value::as_f64) {
                k.spent = spent;
            }
            if let Some(budget) = order.get("budget").and_then(Value::as_f64) {
                k.budget = budget;
            }
            drop(k);
            say(json!({ "ack": true }));
        }
        let _ = done_tx.send(());
    });
    let _ = done_rx.await;
    drop(mock);
}
