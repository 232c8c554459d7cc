//! Token usage as an answer reports it, in any API's naming (Responses'
//! `input_tokens`, Chat's `prompt_tokens`, Anthropic's cache counters),
//! reported the same way for every service.

#[cfg(test)]
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
#[derive(Clone, Debug, Default)]
pub struct Tally {
    reported: Reported,
    seen_usage: bool,
    /// The `model` beside the latest usage report (the answer's own name
    /// for the model, e.g. a dated snapshot).
    model: Option<Box<str>>,
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
        let mut cache_creation = 0;
        if anthropic {
            // Anthropic counts cache reads and writes apart from
            // input_tokens; OpenAI includes them. Report like OpenAI so the
            // numbers mean the same for both services.
            // The writes are kept apart too: they cost more than input.
            cache_creation = r.cache_creation.unwrap_or(0);
            // Saturating: the numbers are the upstream's, whatever they are.
            input = input.saturating_add(cached).saturating_add(cache_creation);
        } else {
            cached = cached.min(input);
        }
        let output = r.output.unwrap_or(0);
        let sum = input.saturating_add(output);
        Some(Usage {
            input_tokens: input,
            output_tokens: output,
            reasoning_tokens: r.reasoning.unwrap_or(0),
            total_tokens: r.total.filter(|t| *t >= sum).unwrap_or(sum),
            cached_input_tokens: cached,
            cache_creation_input_tokens: cache_creation,
        })
    }

    /// Reads the `usage` object of a payload (top-level, or in its
    /// `response` / `message`), if it has one: the reading of a whole
    /// `Value` that [`Tally::take_json`] must agree with (its tests).
    #[cfg(test)]
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
        // Skimmed when it is an object (every answer and event is); a full
        // parse otherwise, and for what the skim cannot walk, which also
        // tells valid from not.
        let payload = match lean::skim(json, true) {
            Some(payload) => payload,
            None => match serde_json::from_slice::<lean::Payload>(json) {
                Ok(payload) => payload,
                Err(_) => return false,
            },
        };
        self.take_payload(payload);
        true
    }

    fn take_payload(&mut self, payload: lean::Payload) {
        if let Some(lean::Usage::Object(numbers)) = payload.usage() {
            self.take_numbers(numbers);
        }
        if let Some(model) = payload.model.filter(|m| !m.is_empty()) {
            self.model = Some(model.into());
        }
    }

    /// The model the answer named, if it did.
    pub fn model(&self) -> Option<&str> {
        self.model.as_deref()
    }

    #[cfg(test)]
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
        self.take_numbers(&lean::Numbers {
            input_tokens: num(&["input_tokens"]),
            prompt_tokens: num(&["prompt_tokens"]),
            output_tokens: num(&["output_tokens"]),
            completion_tokens: num(&["completion_tokens"]),
            total_tokens: num(&["total_tokens"]),
            output_reasoning: num(&["output_tokens_details", "reasoning_tokens"]),
            completion_reasoning: num(&["completion_tokens_details", "reasoning_tokens"]),
            input_cached: num(&["input_tokens_details", "cached_tokens"]),
            prompt_cached: num(&["prompt_tokens_details", "cached_tokens"]),
            cache_read_input_tokens: num(&["cache_read_input_tokens"]),
            cache_creation_input_tokens: num(&["cache_creation_input_tokens"]),
        });
    }

    fn take_numbers(&mut self, n: &lean::Numbers) {
        let r = &mut self.reported;
        let set = |slot: &mut Option<u64>, value: Option<u64>| {
            if value.is_some() {
                *slot = value;
            }
        };
        set(&mut r.input, n.input_tokens.or(n.prompt_tokens));
        set(&mut r.output, n.output_tokens.or(n.completion_tokens));
        set(&mut r.total, n.total_tokens);
        set(&mut r.reasoning, n.output_reasoning.or(n.completion_reasoning));
        set(&mut r.cached, n.input_cached.or(n.prompt_cached).or(n.cache_read_input_tokens));
        set(&mut r.cache_creation, n.cache_creation_input_tokens);
        self.seen_usage = true;
    }
}

/// The parts of a payload that can carry usage, read without building the
/// rest: `usage`, `response.usage`, `message.usage` (the first present
/// wins, as in [`Tally::take`]; a repeated key keeps its last value, as a
/// `Value` does). The `usage` object itself is read into its numbers
/// directly: building it as a `Value` (an `IndexMap` with a SipHash per key
/// and per lookup) cost more than the rest of the parse.
mod lean {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::Deserialize;

    use super::super::json_skim;

    #[derive(Default)]
    pub struct Payload {
        usage: Option<Usage>,
        /// `response.usage`, `message.usage` (top level only).
        response: Option<Usage>,
        message: Option<Usage>,
        /// `model`, else `response.model` / `message.model`, when a string.
        pub model: Option<String>,
    }

    impl Payload {
        pub fn usage(&self) -> Option<&Usage> {
            self.usage.as_ref().or(self.response.as_ref()).or(self.message.as_ref())
        }
    }

    /// A `usage` that is there: an object's numbers, or something else
    /// (which still hides a later place's usage, as with a `Value`).
    pub enum Usage {
        Object(Numbers),
        NotObject,
    }

    /// The numbers a `usage` object may carry, each only when it is an
    /// unsigned integer (what `Value::as_u64` gives).
    #[derive(Default)]
    pub struct Numbers {
        pub input_tokens: Option<u64>,
        pub prompt_tokens: Option<u64>,
        pub output_tokens: Option<u64>,
        pub completion_tokens: Option<u64>,
        pub total_tokens: Option<u64>,
        /// `output_tokens_details.reasoning_tokens`
        pub output_reasoning: Option<u64>,
        /// `completion_tokens_details.reasoning_tokens`
        pub completion_reasoning: Option<u64>,
        /// `input_tokens_details.cached_tokens`
        pub input_cached: Option<u64>,
        /// `prompt_tokens_details.cached_tokens`
        pub prompt_cached: Option<u64>,
        pub cache_read_input_tokens: Option<u64>,
        pub cache_creation_input_tokens: Option<u64>,
    }

    /// What the [`Lean`] visitor reads, from an object's members found by
    /// [`json_skim`], without serde: only `usage`, `model` (and, at the
    /// top, `response` and `message`) are read, as the visitor reads them.
    /// `None` when `json` is not an object the skim can walk: the caller
    /// then parses the whole text.
    pub fn skim(json: &[u8], top: bool) -> Option<Payload> {
        let mut out = Payload::default();
        let mut nested_model = None;
        let mut ok = true;
        json_skim::members(json, |raw, value| {
            let key = json_skim::key(raw);
            match &*key {
                b"usage" => match usage(value) {
                    Some(usage) => out.usage = Some(usage),
                    None => ok = false,
                },
                b"model" => out.model = json_skim::string(value),
                b"response" | b"message" if top => {
                    // Anything but an object gives nothing, as in the visitor.
                    let inner = if value.first() == Some(&b'{') {
                        match skim(value, false) {
                            Some(inner) => inner,
                            None => {
                                ok = false;
                                return;
                            }
                        }
                    } else {
                        Payload::default()
                    };
                    nested_model = nested_model.take().or(inner.model);
                    if &*key == b"response" {
                        out.response = inner.usage;
                    } else {
                        out.message = inner.usage;
                    }
                }
                _ => {}
            }
        })?;
        if !ok {
            return None;
        }
        out.model = out.model.or(nested_model);
        Some(out)
    }

    /// A `usage` value as [`UsageVisitor`] reads it; `None` when it is an
    /// object the skim cannot walk.
    fn usage(value: &[u8]) -> Option<Usage> {
        if value.first() != Some(&b'{') {
            return Some(Usage::NotObject);
        }
        let mut n = Numbers::default();
        let mut ok = true;
        json_skim::members(value, |raw, value| {
            let key = json_skim::key(raw);
            // Each key's slot, and for a `*_tokens_details` object the count
            // inside it that is read.
            let (slot, inside): (_, Option<&[u8]>) = match &*key {
                b"input_tokens" => (&mut n.input_tokens, None),
                b"prompt_tokens" => (&mut n.prompt_tokens, None),
                b"output_tokens" => (&mut n.output_tokens, None),
                b"completion_tokens" => (&mut n.completion_tokens, None),
                b"total_tokens" => (&mut n.total_tokens, None),
                b"cache_read_input_tokens" => (&mut n.cache_read_input_tokens, None),
                b"cache_creation_input_tokens" => (&mut n.cache_creation_input_tokens, None),
                b"output_tokens_details" => (&mut n.output_reasoning, Some(b"reasoning_tokens")),
                b"completion_tokens_details" => (&mut n.completion_reasoning, Some(b"reasoning_tokens")),
                b"input_tokens_details" => (&mut n.input_cached, Some(b"cached_tokens")),
                b"prompt_tokens_details" => (&mut n.prompt_cached, Some(b"cached_tokens")),
                _ => return,
            };
            *slot = match inside {
                None => json_skim::count(value),
                Some(wanted) => match details(value, wanted) {
                    Some(count) => count,
                    None => {
                        ok = false;
                        return;
                    }
                },
            };
        })?;
        ok.then_some(Usage::Object(n))
    }

    /// The `wanted` count of a `*_tokens_details` value (the last one
    /// written, nothing when not an object); `None` when it is an object
    /// the skim cannot walk.
    fn details(value: &[u8], wanted: &[u8]) -> Option<Option<u64>> {
        if value.first() != Some(&b'{') {
            return Some(None);
        }
        let mut count = None;
        json_skim::members(value, |raw, value| {
            if *json_skim::key(raw) == *wanted {
                count = json_skim::count(value);
            }
        })?;
        Some(count)
    }

    impl<'de> Deserialize<'de> for Payload {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Payload, D::Error> {
            Lean { top: true }.deserialize(d)
        }
    }

    /// The value of any JSON text, dropped: what a visitor that wants
    /// nothing of a value answers with.
    macro_rules! nothing_but_maps {
        ($value:ty, $nothing:expr) => {
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<$value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok($nothing)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<$value, E> {
                Ok($nothing)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<$value, E> {
                Ok($nothing)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<$value, E> {
                Ok($nothing)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<$value, E> {
                Ok($nothing)
            }
            fn visit_unit<E: de::Error>(self) -> Result<$value, E> {
                Ok($nothing)
            }
        };
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
            let mut nested_model = None;
            while let Some(key) = map.next_key::<Key>()? {
                match key {
                    Key::Usage => out.usage = Some(map.next_value()?),
                    Key::Model => out.model = map.next_value::<serde_json::Value>()?.as_str().map(str::to_string),
                    Key::Response | Key::Message if self.top => {
                        let inner = map.next_value_seed(Lean { top: false })?;
                        nested_model = nested_model.or(inner.model);
                        match key {
                            Key::Response => out.response = inner.usage,
                            _ => out.message = inner.usage,
                        }
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            out.model = out.model.or(nested_model);
            Ok(out)
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Payload, E> {
            Ok(Payload::default())
        }

        nothing_but_maps!(Payload, Payload::default());
    }

    impl<'de> Deserialize<'de> for Usage {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Usage, D::Error> {
            d.deserialize_any(UsageVisitor)
        }
    }

    struct UsageVisitor;

    impl<'de> Visitor<'de> for UsageVisitor {
        type Value = Usage;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Usage, A::Error> {
            let mut n = Numbers::default();
            while let Some(key) = map.next_key::<Key>()? {
                let slot = match key {
                    Key::InputTokens => &mut n.input_tokens,
                    Key::PromptTokens => &mut n.prompt_tokens,
                    Key::OutputTokens => &mut n.output_tokens,
                    Key::CompletionTokens => &mut n.completion_tokens,
                    Key::TotalTokens => &mut n.total_tokens,
                    Key::CacheReadInputTokens => &mut n.cache_read_input_tokens,
                    Key::CacheCreationInputTokens => &mut n.cache_creation_input_tokens,
                    Key::OutputTokensDetails => {
                        n.output_reasoning = map.next_value::<Details>()?.reasoning_tokens;
                        continue;
                    }
                    Key::CompletionTokensDetails => {
                        n.completion_reasoning = map.next_value::<Details>()?.reasoning_tokens;
                        continue;
                    }
                    Key::InputTokensDetails => {
                        n.input_cached = map.next_value::<Details>()?.cached_tokens;
                        continue;
                    }
                    Key::PromptTokensDetails => {
                        n.prompt_cached = map.next_value::<Details>()?.cached_tokens;
                        continue;
                    }
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                };
                *slot = map.next_value::<Count>()?.0;
            }
            Ok(Usage::Object(n))
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Usage, E> {
            Ok(Usage::NotObject)
        }

        nothing_but_maps!(Usage, Usage::NotObject);
    }

    /// A `*_tokens_details` object's counts (nothing when not an object).
    #[derive(Default)]
    struct Details {
        reasoning_tokens: Option<u64>,
        cached_tokens: Option<u64>,
    }

    impl<'de> Deserialize<'de> for Details {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Details, D::Error> {
            struct DetailsVisitor;
            impl<'de> Visitor<'de> for DetailsVisitor {
                type Value = Details;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Details, A::Error> {
                    let mut out = Details::default();
                    while let Some(key) = map.next_key::<Key>()? {
                        match key {
                            Key::ReasoningTokens => out.reasoning_tokens = map.next_value::<Count>()?.0,
                            Key::CachedTokens => out.cached_tokens = map.next_value::<Count>()?.0,
                            _ => {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(out)
                }
                fn visit_u64<E: de::Error>(self, _: u64) -> Result<Details, E> {
                    Ok(Details::default())
                }
                nothing_but_maps!(Details, Details::default());
            }
            d.deserialize_any(DetailsVisitor)
        }
    }

    /// A count: an unsigned integer, else nothing (as `Value::as_u64`).
    struct Count(Option<u64>);

    impl<'de> Deserialize<'de> for Count {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
            struct CountVisitor;
            impl<'de> Visitor<'de> for CountVisitor {
                type Value = Count;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                    Ok(Count(Some(v)))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Count, A::Error> {
                    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Count(None))
                }
                nothing_but_maps!(Count, Count(None));
            }
            d.deserialize_any(CountVisitor)
        }
    }

    /// An object key, compared without allocating.
    enum Key {
        Usage,
        Model,
        Response,
        Message,
        InputTokens,
        PromptTokens,
        OutputTokens,
        CompletionTokens,
        TotalTokens,
        CacheReadInputTokens,
        CacheCreationInputTokens,
        OutputTokensDetails,
        CompletionTokensDetails,
        InputTokensDetails,
        PromptTokensDetails,
        ReasoningTokens,
        CachedTokens,
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
                        "model" => Key::Model,
                        "response" => Key::Response,
                        "message" => Key::Message,
                        "input_tokens" => Key::InputTokens,
                        "prompt_tokens" => Key::PromptTokens,
                        "output_tokens" => Key::OutputTokens,
                        "completion_tokens" => Key::CompletionTokens,
                        "total_tokens" => Key::TotalTokens,
                        "cache_read_input_tokens" => Key::CacheReadInputTokens,
                        "cache_creation_input_tokens" => Key::CacheCreationInputTokens,
                        "output_tokens_details" => Key::OutputTokensDetails,
                        "completion_tokens_details" => Key::CompletionTokensDetails,
                        "input_tokens_details" => Key::InputTokensDetails,
                        "prompt_tokens_details" => Key::PromptTokensDetails,
                        "reasoning_tokens" => Key::ReasoningTokens,
                        "cached_tokens" => Key::CachedTokens,
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
                json!({"usage": {"input_tokens": 10, "output_tokens": 4, "total_tokens": 14, "output_tokens_details": {"reasoning_tokens": 3}, "input_tokens_details": {"cached_tokens": 6}}}),
                json!({"usage": {"prompt_tokens": 8, "completion_tokens": 2, "completion_tokens_details": {"reasoning_tokens": 1, "x": [1]}, "prompt_tokens_details": {"cached_tokens": 9, "audio_tokens": 0}}}),
                json!({"usage": {"input_tokens": 4, "cache_read_input_tokens": 2, "cache_creation_input_tokens": 3, "output_tokens": 1}}),
                json!({"usage": {"input_tokens": -1, "output_tokens": 2.5, "total_tokens": "7", "cache_read_input_tokens": null}}),
                json!({"usage": {"input_tokens": {"n": 1}, "output_tokens": [1], "output_tokens_details": 3, "input_tokens_details": [{"cached_tokens": 1}]}}),
                json!({"usage": {"input_tokens_details": {"cached_tokens": -2}, "prompt_tokens_details": {"cached_tokens": 5}}}),
                json!({"usage": [1, 2], "response": {"usage": {"input_tokens": 1}}}),
                json!({"usage": "n/a", "message": {"usage": {"input_tokens": 1}}}),
                json!({"usage": {}}),
                json!({"response": {"usage": null}, "message": {"usage": {"input_tokens": 1}}}),
                json!({"usage": {"input_tokens": 18446744073709551615_u64, "output_tokens": 0}}),
            ];
            for case in cases {
                let (mut by_value, mut lean) = (Tally::default(), Tally::default());
                by_value.take(&case);
                // Objects take the skim, not the full parse.
                assert_eq!(super::skim(case.to_string().as_bytes(), true).is_some(), case.is_object(), "{case}");
                assert!(lean.take_json(case.to_string().as_bytes()));
                for anthropic in [false, true] {
                    assert_eq!(by_value.usage(anthropic), lean.usage(anthropic), "{case}");
                }
            }
            let repeated = br#"{"response":{"usage":{"input_tokens":1}},"response":{"id":2},"message":{"usage":{"output_tokens":5}}}"#;
            let mut lean = Tally::default();
            assert!(lean.take_json(repeated));
            assert_eq!(lean.usage(false).map(|u| u.output_tokens), Some(5), "the last `response` counts");
            // A repeated key inside `usage` keeps its last value, as a `Value` does.
            let repeated = br#"{"usage":{"input_tokens":1,"output_tokens_details":{"reasoning_tokens":2},"input_tokens":3,"output_tokens_details":{}}}"#;
            let (mut by_value, mut lean) = (Tally::default(), Tally::default());
            by_value.take(&serde_json::from_slice(repeated).unwrap());
            assert!(lean.take_json(repeated));
            assert_eq!(by_value.usage(false), lean.usage(false));
            assert_eq!(lean.usage(false).map(|u| (u.input_tokens, u.reasoning_tokens)), Some((3, 0)));
            assert!(!Tally::default().take_json(b"{\"usage\": {"), "not JSON");
            assert!(!Tally::default().take_json(b"{} trailing"), "not JSON");
            // Escaped keys, quotes and brackets inside strings, pretty-printed.
            let tricky = br#"{ "text": "\"usage\": {\"input_tokens\": 99} }[", "us\u0061ge" : { "input_tokens" : 4 } ,
                "response": {"output": [{"text": "}{]["}], "model": "m\"1"} }"#;
            assert!(super::skim(tricky, true).is_some());
            let (mut by_value, mut lean) = (Tally::default(), Tally::default());
            by_value.take(&serde_json::from_slice(tricky).unwrap());
            assert!(lean.take_json(tricky));
            assert_eq!(lean.usage(false).map(|u| u.input_tokens), Some(4));
            assert_eq!(by_value.usage(false), lean.usage(false));
            assert_eq!(lean.model(), Some("m\"1"));
            assert_eq!(lean.model(), full_parse(tricky).model());
        }

        /// An upstream's absurd counts saturate; they used to overflow
        /// (a panic in a debug build, wrapped totals in a release one).
        #[test]
        fn huge_counts_saturate_instead_of_overflowing() {
            let mut tally = Tally::default();
            let huge = br#"{"usage":{"input_tokens":18446744073709551615,"output_tokens":5,"cache_read_input_tokens":3,"cache_creation_input_tokens":2}}"#;
            assert!(tally.take_json(huge));
            let openai = tally.usage(false).unwrap();
            assert_eq!((openai.input_tokens, openai.total_tokens), (u64::MAX, u64::MAX));
            let anthropic = tally.usage(true).unwrap();
            assert_eq!((anthropic.input_tokens, anthropic.total_tokens), (u64::MAX, u64::MAX));
        }

        /// The tally of the full serde parse the skim stands in for.
        fn full_parse(json: &[u8]) -> Tally {
            let mut tally = Tally::default();
            tally.take_payload(serde_json::from_slice(json).unwrap());
            tally
        }

        use proptest::prelude::*;

        /// JSON values shaped like answers and events: the keys the tally
        /// reads among others, at any depth, with strings that hold
        /// quotes, backslashes, brackets and key names.
        fn value() -> impl Strategy<Value = serde_json::Value> {
            let key = prop::sample::select(vec![
                "usage",
                "model",
                "response",
                "message",
                "input_tokens",
                "output_tokens",
                "total_tokens",
                "prompt_tokens",
                "completion_tokens",
                "input_tokens_details",
                "cached_tokens",
                "reasoning_tokens",
                "output_tokens_details",
                "cache_read_input_tokens",
                "text",
                "output",
                "type",
                "us\"age",
                "}",
            ]);
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<u64>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                (-1e9f64..1e9).prop_map(serde_json::Value::from),
                "[a-z\"\\{}\\[\\]:, \u{e9}\u{4e2d}]{0,12}".prop_map(serde_json::Value::from),
            ];
            leaf.prop_recursive(5, 64, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::from),
                    prop::collection::vec((key.clone(), inner), 0..6).prop_map(|members| {
                        serde_json::Value::Object(members.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
                    }),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
            /// The skim reads what the `Value` reading reads, compact or
            /// pretty-printed.
            #[test]
            fn the_skim_agrees_with_the_value_reading(case in value()) {
                for text in [case.to_string(), serde_json::to_string_pretty(&case).unwrap()] {
                    let (mut by_value, mut lean) = (Tally::default(), Tally::default());
                    by_value.take(&case);
                    prop_assert!(lean.take_json(text.as_bytes()));
                    prop_assert_eq!(super::skim(text.as_bytes(), true).is_some(), case.is_object());
                    for anthropic in [false, true] {
                        prop_assert_eq!(by_value.usage(anthropic), lean.usage(anthropic));
                    }
                    let full = full_parse(text.as_bytes());
                    prop_assert_eq!(full.model(), lean.model());
                }
            }
        }
    }
}
