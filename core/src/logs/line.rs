//! A [`RequestRecord`] as its `requests.jsonl` line: the bytes
//! `serde_json::to_writer` writes for it, written field by field.
//!
//! The log's thread writes one line per request, and serde's derived
//! serializer (a map, because of the flattened `extra`) was a third of that
//! thread's work: every key went through the string escaper and every
//! member through the map machinery (~4.3k instructions a line, callgrind).
//! Here keys are literals and values that need no escaping (nearly all)
//! are copied; anything else (a string with a quote, a backslash or a
//! control character, a price, an unknown field) goes to serde_json itself,
//! so the output stays the same bytes, which a test checks against serde
//! over many records.

use serde::Serialize;

use super::record::{Attempt, RequestRecord, Usage};

/// Appends `rec`'s JSON (no newline) to `out`.
pub fn write(rec: &RequestRecord, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"timestamp_ms\":");
    number(out, rec.timestamp_ms);
    key_str(out, b",\"service\":", &rec.service);
    key_str(out, b",\"method\":", &rec.method);
    key_str(out, b",\"path\":", &rec.path);
    out.extend_from_slice(b",\"status_code\":");
    number(out, u64::from(rec.status_code));
    out.extend_from_slice(b",\"duration_ms\":");
    number(out, rec.duration_ms);
    key_str(out, b",\"config_name\":", &rec.config_name);
    key_str(out, b",\"upstream_base_url\":", &rec.upstream_base_url);
    out.extend_from_slice(b",\"usage\":");
    usage(out, &rec.usage);
    if let Some(ms) = rec.ttfb_ms {
        out.extend_from_slice(b",\"ttfb_ms\":");
        number(out, ms);
    }
    if let Some(id) = &rec.session_id {
        key_str(out, b",\"session_id\":", id);
    }
    if !rec.attempts.is_empty() {
        out.extend_from_slice(b",\"attempts\":[");
        for (i, a) in rec.attempts.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            attempt(out, a);
        }
        out.push(b']');
    }
    if let Some(e) = &rec.error {
        key_str(out, b",\"error\":", e);
    }
    if rec.streamed {
        out.extend_from_slice(b",\"streamed\":true");
    }
    if let Some(m) = &rec.model {
        key_str(out, b",\"model\":", m);
    }
    if let Some(cost) = rec.cost_usd {
        out.extend_from_slice(b",\"cost_usd\":");
        by_serde(out, &cost);
    }
    // Fields a newer version wrote, after ours, as serde's flatten puts them.
    for (k, v) in &rec.extra {
        out.push(b',');
        string(out, k);
        out.push(b':');
        by_serde(out, v);
    }
    out.push(b'}');
}

fn usage(out: &mut Vec<u8>, u: &Usage) {
    out.extend_from_slice(b"{\"input_tokens\":");
    number(out, u.input_tokens);
    out.extend_from_slice(b",\"output_tokens\":");
    number(out, u.output_tokens);
    out.extend_from_slice(b",\"reasoning_tokens\":");
    number(out, u.reasoning_tokens);
    out.extend_from_slice(b",\"total_tokens\":");
    number(out, u.total_tokens);
    if u.cached_input_tokens != 0 {
        out.extend_from_slice(b",\"cached_input_tokens\":");
        number(out, u.cached_input_tokens);
    }
    if u.cache_creation_input_tokens != 0 {
        out.extend_from_slice(b",\"cache_creation_input_tokens\":");
        number(out, u.cache_creation_input_tokens);
    }
    out.push(b'}');
}

fn attempt(out: &mut Vec<u8>, a: &Attempt) {
    key_str(out, b"{\"upstream_base_url\":", &a.upstream_base_url);
    if let Some(code) = a.status_code {
        out.extend_from_slice(b",\"status_code\":");
        number(out, u64::from(code));
    }
    key_str(out, b",\"outcome\":", &a.outcome);
    out.extend_from_slice(b",\"duration_ms\":");
    number(out, a.duration_ms);
    let optional = [
        (b",\"error\":".as_slice(), &a.error),
        (b",\"error_kind\":", &a.error_kind),
        (b",\"protocol\":", &a.protocol),
        (b",\"upstream_model\":", &a.upstream_model),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            key_str(out, key, v);
        }
    }
    out.push(b'}');
}

fn key_str(out: &mut Vec<u8>, key: &[u8], value: &str) {
    out.extend_from_slice(key);
    string(out, value);
}

/// A JSON string: copied between quotes when no byte needs an escape,
/// else escaped by serde_json.
fn string(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        by_serde(out, s);
    }
}

fn number(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn by_serde<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Writing a value serde_json can always represent into a Vec cannot
    // fail (a non-finite price becomes `null`, as serde writes it).
    let _ = serde_json::to_writer(&mut *out, value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(rec: &RequestRecord) -> String {
        let mut out = Vec::new();
        write(rec, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn text() -> impl Strategy<Value = String> {
        // Plain text most of the time, and the bytes that need escapes.
        prop_oneof![
            "[a-zA-Z0-9 /:._-]{0,24}",
            any::<String>(),
            prop::collection::vec(
                prop_oneof![
                    Just('"'),
                    Just('\\'),
                    Just('\n'),
                    Just('\u{1}'),
                    Just('\u{7f}'),
                    Just('é'),
                    Just('😀'),
                    Just('a')
                ],
                0..8
            )
            .prop_map(|c| c.into_iter().collect()),
        ]
    }

    prop_compose! {
        fn attempt_strategy()(
            upstream_base_url in text(),
            status_code in any::<Option<u16>>(),
            outcome in text(),
            duration_ms in any::<u64>(),
            error in prop::option::of(text()),
            error_kind in prop::option::of(text()),
            protocol in prop::option::of(text()),
            upstream_model in prop::option::of(text()),
        ) -> Attempt {
            Attempt { upstream_base_url, status_code, outcome, duration_ms, error, error_kind, protocol, upstream_model }
        }
    }

    fn record_strategy() -> impl Strategy<Value = RequestRecord> {
        let usage = prop::array::uniform6(prop_oneof![Just(0u64), any::<u64>()]).prop_map(|n| Usage {
            input_tokens: n[0],
            output_tokens: n[1],
            reasoning_tokens: n[2],
            total_tokens: n[3],
            cached_input_tokens: n[4],
            cache_creation_input_tokens: n[5],
        });
        let cost =
            prop::option::of(prop_oneof![any::<f64>(), 0.0..1.0, Just(f64::NAN), Just(f64::INFINITY), Just(1e-7)]);
        let extra = prop::collection::vec(
            (
                text(),
                prop_oneof![
                    Just(serde_json::json!(null)),
                    Just(serde_json::json!({"x":[1,"y"]})),
                    text().prop_map(serde_json::Value::String)
                ],
            ),
            0..3,
        );
        (
            (any::<u64>(), text(), text(), text(), any::<u16>(), any::<u64>(), text(), text()),
            (
                usage,
                prop::option::of(any::<u64>()),
                prop::option::of(text()),
                prop::collection::vec(attempt_strategy(), 0..3),
            ),
            (prop::option::of(text()), any::<bool>(), prop::option::of(text()), cost, extra),
        )
            .prop_map(|(a, b, c)| {
                let (timestamp_ms, service, method, path, status_code, duration_ms, config_name, upstream_base_url) = a;
                let (usage, ttfb_ms, session_id, attempts) = b;
                let (error, streamed, model, cost_usd, extra) = c;
                RequestRecord {
                    timestamp_ms,
                    service,
                    method,
                    path,
                    status_code,
                    duration_ms,
                    config_name,
                    upstream_base_url,
                    usage,
                    ttfb_ms,
                    session_id,
                    attempts,
                    error,
                    streamed,
                    model,
                    cost_usd,
                    extra: extra.into_iter().collect(),
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn every_record_is_written_as_serde_writes_it(rec in record_strategy()) {
            prop_assert_eq!(line(&rec), serde_json::to_string(&rec).unwrap());
        }
    }

    #[test]
    fn the_documented_line_and_a_full_one() {
        let mut rec = RequestRecord::new("codex", "POST", "/v1/responses");
        rec.timestamp_ms = 1730000000000;
        assert_eq!(
            line(&rec),
            r#"{"timestamp_ms":1730000000000,"service":"codex","method":"POST","path":"/v1/responses","status_code":0,"duration_ms":0,"config_name":"","upstream_base_url":"","usage":{"input_tokens":0,"output_tokens":0,"reasoning_tokens":0,"total_tokens":0}}"#
        );
        rec.error = Some("said \"no\"\n\u{1}".into());
        rec.cost_usd = Some(0.000051);
        rec.streamed = true;
        rec.attempts = vec![Attempt {
            upstream_base_url: "https://a".into(),
            status_code: Some(502),
            outcome: "failed".into(),
            ..Default::default()
        }];
        rec.extra.insert("newer".into(), serde_json::json!({"x": 1}));
        assert_eq!(line(&rec), serde_json::to_string(&rec).unwrap());
        assert!(line(&rec).contains(r#""error":"said \"no\"\n\u0001""#), "{}", line(&rec));
    }
}
