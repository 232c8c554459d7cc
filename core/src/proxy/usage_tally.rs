//! Token usage as an answer reports it, in any API's naming (Responses'
//! `input_tokens`, Chat's `prompt_tokens`, Anthropic's cache counters),
//! reported the same way for every service.

use serde_json::Value;

use crate::logs::Usage;

/// Usage as reported so far; later reports overwrite earlier fields (Claude
/// sends cumulative output counts).
#[derive(Clone, Copy, Debug, Default)]
struct Reported {
    input: Option<u64>,
    output: Option<u64>,
    reasoning: Option<u64>,
    total: Option<u64>,
    cached: Option<u64>,
    cache_creation: Option<u64>,
}

/// Everything the answer reported so far.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    reported: Reported,
    seen_usage: bool,
}

impl Tally {
    /// Token usage, if the upstream reported any; `anthropic`: counted the
    /// Anthropic way (cache reads and writes apart from input).
    pub fn usage(&self, anthropic: bool) -> Option<Usage> {
        if !self.seen_usage {
            return None;
        }
        let r = self.reported;
        let mut input = r.input.unwrap_or(0);
        let mut cached = r.cached.unwrap_or(0);
        if anthropic {
            // Anthropic counts cache reads and writes apart from
            // input_tokens; OpenAI includes them. Report like OpenAI so the
            // numbers mean the same for both services.
            input += cached + r.cache_creation.unwrap_or(0);
        } else {
            cached = cached.min(input);
        }
        let output = r.output.unwrap_or(0);
        Some(Usage {
            input_tokens: input,
            output_tokens: output,
            reasoning_tokens: r.reasoning.unwrap_or(0),
            total_tokens: r.total.filter(|t| *t >= input + output).unwrap_or(input + output),
            cached_input_tokens: cached,
        })
    }

    /// Reads the `usage` object of a payload (top-level, or in its
    /// `response` / `message`), if it has one.
    pub fn take(&mut self, value: &Value) {
        let usage = ["usage", "response", "message"].iter().find_map(|key| match *key {
            "usage" => value.get("usage"),
            nested => value.get(nested).and_then(|v| v.get("usage")),
        });
        if let Some(u) = usage {
            self.take_usage(u);
        }
    }

    /// [`Tally::take`] for a JSON text: only the `usage` objects are built,
    /// everything else is skipped while parsing (a whole answer's text
    /// used to become a `Value` per response just to read five numbers).
    /// Returns `false` when `json` is not valid JSON.
    pub fn take_json(&mut self, json: &[u8]) -> bool {
        let Ok(payload) = serde_json::from_slice::<lean::Payload>(json) else { return false };
        if let Some(u) = payload.usage() {
            self.take_usage(u);
        }
        true
    }

    fn take_usage(&mut self, u: &Value) {
        if !u.is_object() {
            return;
        }
        let num = |path: &[&str]| -> Option<u64> {
            let mut v = u;
            for key in path {
                v = v.get(*key)?;
            }
            v.as_u64()
        };
        let r = &mut self.reported;
        let set = |slot: &mut Option<u64>, value: Option<u64>| {
            if value.is_some() {
                *slot = value;
            }
        };
        set(&mut r.input, num(&["input_tokens"]).or(num(&["prompt_tokens"])));
        set(&mut r.output, num(&["output_tokens"]).or(num(&["completion_tokens"])));
        set(&mut r.total, num(&["total_tokens"]));
        set(
            &mut r.reasoning,
            num(&["output_tokens_details", "reasoning_tokens"])
                .or(num(&["completion_tokens_details", "reasoning_tokens"])),
        );
        set(
            &mut r.cached,
            num(&["input_tokens_details", "cached_tokens"])
                .or(num(&["prompt_tokens_details", "cached_tokens"]))
                .or(num(&["cache_read_input_tokens"])),
        );
        set(&mut r.cache_creation, num(&["cache_creation_input_tokens"]));
        self.seen_usage = true;
    }
}

/// The parts of a payload that can carry usage, read without building the
/// rest: `usage`, `response.usage`, `message.usage` (the first present
/// wins, as in [`Tally::take`]; a repeated key keeps its last value, as a
/// `Value` does).
mod lean {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::Deserialize;
    use serde_json::Value;

    #[derive(Default)]
    pub struct Payload {
        usage: Option<Value>,
        /// `response.usage`, `message.usage` (top level only).
        response: Option<Value>,
        message: Option<Value>,
    }

    impl Payload {
        pub fn usage(&self) -> Option<&Value> {
            self.usage.as_ref().or(self.response.as_ref()).or(self.message.as_ref())
        }
    }

    impl<'de> Deserialize<'de> for Payload {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Payload, D::Error> {
            Lean { top: true }.deserialize(d)
        }
    }

    /// Reads any JSON value into a [`Payload`]: an object gives its
    /// `usage` (and, at the top, its `response`'s and `message`'s), anything
    /// else gives nothing.
    struct Lean {
        top: bool,
    }

    impl<'de> DeserializeSeed<'de> for Lean {
        type Value = Payload;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Payload, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Lean {
        type Value = Payload;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Payload, A::Error> {
            let mut out = Payload::default();
            while let Some(key) = map.next_key::<Key>()? {
                match key {
                    Key::Usage => out.usage = Some(map.next_value()?),
                    Key::Response if self.top => out.response = map.next_value_seed(Lean { top: false })?.usage,
                    Key::Message if self.top => out.message = map.next_value_seed(Lean { top: false })?.usage,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            Ok(out)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Payload, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Payload::default())
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Payload, E> {
            Ok(Payload::default())
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Payload, E> {
            Ok(Payload::default())
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Payload, E> {
            Ok(Payload::default())
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Payload, E> {
            Ok(Payload::default())
        }

        fn visit_str<E: de::Error>(self, _: &str) -> Result<Payload, E> {
            Ok(Payload::default())
        }

        fn visit_unit<E: de::Error>(self) -> Result<Payload, E> {
            Ok(Payload::default())
        }
    }

    /// An object key, compared without allocating.
    enum Key {
        Usage,
        Response,
        Message,
        Other,
    }

    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
            struct KeyVisitor;
            impl Visitor<'_> for KeyVisitor {
                type Value = Key;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("an object key")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                    Ok(match v {
                        "usage" => Key::Usage,
                        "response" => Key::Response,
                        "message" => Key::Message,
                        _ => Key::Other,
                    })
                }
            }
            d.deserialize_str(KeyVisitor)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::super::Tally;
        use serde_json::json;

        /// `take_json` reads exactly what `take` reads from the same text.
        #[test]
        fn lean_reading_agrees_with_the_value_reading() {
            let cases = [
                json!({"usage": {"input_tokens": 3, "output_tokens": 4}}),
                json!({"type": "response.completed", "response": {"output": [{"text": "x"}], "usage": {"input_tokens": 9, "input_tokens_details": {"cached_tokens": 2}}}}),
                json!({"type": "message_start", "message": {"usage": {"input_tokens": 5, "cache_read_input_tokens": 1}}}),
                json!({"usage": null, "response": {"usage": {"input_tokens": 1}}}),
                json!({"response": "text", "message": {"usage": {"output_tokens": 7}}}),
                json!({"response": {"id": 1}, "message": {"usage": {"output_tokens": 7}}}),
                json!({"choices": [{"delta": {"content": "x"}}], "usage": {"prompt_tokens": 2, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": 1}}}),
                json!({"response": {"message": {"usage": {"input_tokens": 1}}}}),
                json!([1, {"usage": {"input_tokens": 1}}]),
                json!("usage"),
                json!(12),
            ];
            for case in cases {
                let (mut by_value, mut lean) = (Tally::default(), Tally::default());
                by_value.take(&case);
                assert!(lean.take_json(case.to_string().as_bytes()));
                for anthropic in [false, true] {
                    assert_eq!(by_value.usage(anthropic), lean.usage(anthropic), "{case}");
                }
            }
            let repeated = br#"{"response":{"usage":{"input_tokens":1}},"response":{"id":2},"message":{"usage":{"output_tokens":5}}}"#;
            let mut lean = Tally::default();
            assert!(lean.take_json(repeated));
            assert_eq!(lean.usage(false).map(|u| u.output_tokens), Some(5), "the last `response` counts");
            assert!(!Tally::default().take_json(b"{\"usage\": {"), "not JSON");
            assert!(!Tally::default().take_json(b"{} trailing"), "not JSON");
        }
    }
}
