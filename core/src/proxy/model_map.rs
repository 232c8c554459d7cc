//! The model map on the request path: the JSON body's top-level `model`
//! rewritten to the upstream's name ([`crate::config::ModelMap`]).
//!
//! Only the model's value is replaced; every other byte of the body goes as
//! it came (key order, spacing, numbers), so a mapped request differs from
//! the client's in that one string. Upstreams without a map never get here,
//! and a body that does not even contain `"model"` is not parsed.

use std::fmt;

use bytes::Bytes;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::config::ModelMap;

/// Where the top-level `model` string sits in a body, and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelField {
    pub value: String,
    /// The byte range of the JSON string (quotes included).
    start: usize,
    end: usize,
}

/// The body with its model mapped, or `None` when it goes as it is: no
/// entry (and no catch-all) for its model, a model that is not a string,
/// or a body that is not a JSON object. The one rewrite every protocol
/// uses: native bodies in `proxy::turn`, and a bridge's translated one.
pub fn map_model(body: &Bytes, map: &ModelMap) -> Option<Bytes> {
    if map.is_empty() {
        return None;
    }
    let field = find_model(body)?;
    Some(rewrite(body, &field, map.target(&field.value)?))
}

/// The top-level `model` of a JSON object body, if it is a string.
pub fn find_model(body: &[u8]) -> Option<ModelField> {
    // The cheap check: most bodies without a model (GETs, empty) stop here.
    memchr::memmem::find(body, b"\"model\"")?;
    let mut de = serde_json::Deserializer::from_slice(body);
    let raw = de.deserialize_map(TopLevelModel).ok()??;
    // Trailing text: not one JSON document, so not ours to edit.
    de.end().ok()?;
    let value: String = serde_json::from_str(raw.get()).ok()?;
    let start = raw.get().as_ptr() as usize - body.as_ptr() as usize;
    Some(ModelField { value, start, end: start + raw.get().len() })
}

/// `body` with the model at `field` replaced by `to`.
pub fn rewrite(body: &[u8], field: &ModelField, to: &str) -> Bytes {
    let quoted = serde_json::to_string(to).expect("a string serializes");
    let mut out = Vec::with_capacity(body.len() + quoted.len());
    out.extend_from_slice(&body[..field.start]);
    out.extend_from_slice(quoted.as_bytes());
    out.extend_from_slice(&body[field.end..]);
    Bytes::from(out)
}

/// Walks the top-level object, keeping only the raw text of `model` (the
/// last one, as serde_json's own maps do) and skipping everything else
/// without building values.
struct TopLevelModel;

impl<'de> Visitor<'de> for TopLevelModel {
    type Value = Option<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut model = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "model" {
                model = Some(map.next_value::<&'de RawValue>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> ModelMap {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn mapped(body: &str, m: &ModelMap) -> Option<String> {
        map_model(&Bytes::from(body.to_string()), m).map(|b| String::from_utf8(b.to_vec()).unwrap())
    }

    #[test]
    fn an_exact_entry_rewrites_only_the_model() {
        let m = map(&[("gpt-5-codex", "deepseek-chat")]);
        let body = r#"{"model" : "gpt-5-codex","input":[{"model":"gpt-5-codex"}], "n": 1.50}"#;
        assert_eq!(
            mapped(body, &m).unwrap(),
            r#"{"model" : "deepseek-chat","input":[{"model":"gpt-5-codex"}], "n": 1.50}"#,
            "nested models, spacing and number text stay as they were"
        );
    }

    #[test]
    fn the_catch_all_maps_every_other_model() {
        let m = map(&[("gpt-5", "kimi-k2"), ("*", "deepseek-chat")]);
        assert_eq!(
            mapped(r#"{"stream":true,"model":"o3"}"#, &m).unwrap(),
            r#"{"stream":true,"model":"deepseek-chat"}"#
        );
        assert_eq!(mapped(r#"{"model":"gpt-5"}"#, &m).unwrap(), r#"{"model":"kimi-k2"}"#);
    }

    #[test]
    fn no_entry_leaves_the_body_alone() {
        let m = map(&[("gpt-5", "kimi-k2")]);
        assert_eq!(mapped(r#"{"model":"o3"}"#, &m), None);
        assert_eq!(mapped(r#"{"model":"o3"}"#, &ModelMap::default()), None);
        assert_eq!(mapped(r#"{"input":"the word \"model\" here"}"#, &map(&[("*", "x")])), None);
    }

    #[test]
    fn a_body_that_is_not_a_json_object_is_left_alone() {
        let m = map(&[("*", "x")]);
        for body in ["", "not json \"model\"", r#"["model"]"#, r#"{"model":"a""#, r#"{"model":"a"} trailing"#] {
            assert_eq!(mapped(body, &m), None, "{body}");
        }
    }

    #[test]
    fn a_model_that_is_not_a_string_is_left_alone() {
        let m = map(&[("*", "x")]);
        for body in [r#"{"model":null}"#, r#"{"model":5}"#, r#"{"model":{"id":"a"}}"#] {
            assert_eq!(mapped(body, &m), None, "{body}");
        }
    }

    #[test]
    fn escapes_are_read_and_written() {
        let m = map(&[("a\"b", "c\\d\u{e9}")]);
        assert_eq!(mapped(r#"{"mod\u0065l":"a\"b"}"#, &m), None, "an escaped key still contains no literal \"model\"");
        assert_eq!(mapped(r#"{"model":"a\u0022b"}"#, &m).unwrap(), "{\"model\":\"c\\\\d\u{e9}\"}");
    }
}
