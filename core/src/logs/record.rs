//! One line of `requests.jsonl`.
//!
//! Field order matters to people reading the file with `tail`, so the
//! contract fields come first, in the order the original tool wrote them.
//! Our additions are skipped when empty to keep lines short, and unknown
//! fields are kept on read so an older reader never loses newer data.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize};

/// Token counts reported by the upstream for one request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub reasoning_tokens: u64,
    pub total_tokens: u64,
    /// Not in the original contract; omitted when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub cached_input_tokens: u64,
    /// Of `input_tokens`, those written to Anthropic's prompt cache
    /// (`cache_creation_input_tokens`, billed above the input rate). Not in
    /// the original contract; omitted when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub cache_creation_input_tokens: u64,
}

impl Usage {
    /// No tokens were reported at all.
    pub fn is_empty(&self) -> bool {
        *self == Usage::default()
    }

    /// Adds `other` field by field (saturating: a bogus upstream number must
    /// not panic the proxy).
    pub fn add(&mut self, other: &Usage) {
        self.input_tokens = self.input_tokens.saturating_add(other.input_tokens);
        self.output_tokens = self.output_tokens.saturating_add(other.output_tokens);
        self.reasoning_tokens = self.reasoning_tokens.saturating_add(other.reasoning_tokens);
        self.total_tokens = self.total_tokens.saturating_add(other.total_tokens);
        self.cached_input_tokens = self.cached_input_tokens.saturating_add(other.cached_input_tokens);
        self.cache_creation_input_tokens =
            self.cache_creation_input_tokens.saturating_add(other.cache_creation_input_tokens);
    }
}

/// One try against one upstream, when a request needed more than one or failed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct Attempt {
    pub upstream_base_url: String,
    /// `None` when no response arrived (connect error, timeout).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Short free text: "ok", "failed" (before anything reached the client),
    /// or, for the chosen upstream when its stream went wrong after the
    /// response began: "broke_mid_stream" (connection lost or idle timeout),
    /// "ended_mid_stream" (clean end before the terminal event),
    /// "event_too_large" (an event past the framing cap).
    pub outcome: String,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What kind of failure `error` is (`rate_limited`, `server`,
    /// `stream_ended_early`…, see `lb::ErrorKind`), for filtering without
    /// reading the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<String>,
    /// The API this attempt spoke to its upstream, when that was not the
    /// client's own (`"chat"`: through the Chat Completions bridge); absent
    /// for native upstreams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The model name sent to this upstream, when its model map changed the
    /// client's (`"deepseek-chat"` for Codex's `gpt-5-codex`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_model: Option<String>,
}

/// One proxied request. Build it with [`RequestRecord::new`] or a struct
/// literal with `..Default::default()`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct RequestRecord {
    // --- The contract: these names, in this order, never renamed or dropped.
    pub timestamp_ms: u64,
    pub service: String,
    pub method: String,
    /// The request path WITHOUT the query string (queries may carry secrets).
    pub path: String,
    pub status_code: u16,
    pub duration_ms: u64,
    /// Empty when no config was involved (e.g. rejected by the proxy itself).
    /// Always a string, never null, as in the original tool.
    #[serde(deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub config_name: String,
    /// Empty when no upstream was contacted. Always a string, never null.
    #[serde(deserialize_with = "null_as_empty")]
    #[cfg_attr(feature = "specta", specta(type = String))]
    pub upstream_base_url: String,
    pub usage: Usage,

    // --- Our additions, omitted when empty.
    /// Time until the first response byte reached us from the upstream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttfb_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<Attempt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub streamed: bool,
    /// The model the answer came from: the name sent upstream when the
    /// upstream's model map changed it, else the one the answer reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// What the request cost in USD, from `model` and `usage` at the prices
    /// of `crate::cost`; absent when the model has no price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,

    /// Fields this version does not know (written by a newer one), kept so
    /// that reading and re-writing a line loses nothing.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl RequestRecord {
    /// A record stamped now, with the query string stripped from `path`.
    pub fn new(service: impl Into<String>, method: impl Into<String>, path: &str) -> Self {
        RequestRecord {
            timestamp_ms: now_ms(),
            service: service.into(),
            method: method.into(),
            path: path_without_query(path).to_string(),
            ..Default::default()
        }
    }
}

/// `path` up to (not including) any `?query` or `#fragment`.
pub fn path_without_query(path: &str) -> &str {
    match path.find(['?', '#']) {
        Some(i) => &path[..i],
        None => path,
    }
}

/// Milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Lines written by other tools may carry `null` here; read it as "none".
fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract_record() -> RequestRecord {
        RequestRecord {
            timestamp_ms: 1730000000000,
            service: "codex".into(),
            method: "POST".into(),
            path: "/v1/responses".into(),
            status_code: 200,
            duration_ms: 1234,
            config_name: "openai-main".into(),
            upstream_base_url: "https://api.openai.com/v1".into(),
            usage: Usage {
                input_tokens: 123,
                output_tokens: 456,
                reasoning_tokens: 0,
                total_tokens: 579,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn minimal_record_is_exactly_the_documented_line() {
        // Byte-for-byte the example in the README's "Filtering & logging".
        let line = serde_json::to_string(&contract_record()).unwrap();
        assert_eq!(
            line,
            r#"{"timestamp_ms":1730000000000,"service":"codex","method":"POST","path":"/v1/responses","status_code":200,"duration_ms":1234,"config_name":"openai-main","upstream_base_url":"https://api.openai.com/v1","usage":{"input_tokens":123,"output_tokens":456,"reasoning_tokens":0,"total_tokens":579}}"#
        );
    }

    #[test]
    fn contract_keys_come_first_in_order_then_additions() {
        let mut r = contract_record();
        r.usage.cached_input_tokens = 7;
        r.ttfb_ms = Some(80);
        r.session_id = Some("s1".into());
        r.streamed = true;
        r.error = Some("upstream reset".into());
        r.attempts = vec![Attempt {
            upstream_base_url: "https://a".into(),
            status_code: Some(502),
            outcome: "retried".into(),
            duration_ms: 5,
            error: None,
            error_kind: None,
            protocol: None,
            upstream_model: None,
        }];
        let v: serde_json::Value = serde_json::to_value(&r).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "timestamp_ms",
                "service",
                "method",
                "path",
                "status_code",
                "duration_ms",
                "config_name",
                "upstream_base_url",
                "usage",
                "ttfb_ms",
                "session_id",
                "attempts",
                "error",
                "streamed",
            ]
        );
        let usage: Vec<&str> = v["usage"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(usage, ["input_tokens", "output_tokens", "reasoning_tokens", "total_tokens", "cached_input_tokens"]);
        assert_eq!(
            v["attempts"][0],
            serde_json::json!({"upstream_base_url":"https://a","status_code":502,"outcome":"retried","duration_ms":5})
        );
    }

    #[test]
    fn no_config_serializes_as_empty_strings_not_null() {
        let r = RequestRecord::new("claude", "POST", "/v1/messages");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["config_name"], "");
        assert_eq!(v["upstream_base_url"], "");
        assert!(v["usage"].is_object(), "usage is always present");
    }

    #[test]
    fn round_trips_and_keeps_unknown_fields() {
        let line = r#"{"timestamp_ms":1,"service":"codex","method":"GET","path":"/v1/models","status_code":200,"duration_ms":3,"config_name":null,"upstream_base_url":"-","usage":{"input_tokens":1,"output_tokens":2,"reasoning_tokens":0,"total_tokens":3},"future_field":{"x":1}}"#;
        let r: RequestRecord = serde_json::from_str(line).unwrap();
        assert_eq!(r.config_name, "");
        assert_eq!(r.upstream_base_url, "-");
        assert_eq!(r.extra["future_field"], serde_json::json!({"x":1}));
        let again = serde_json::to_string(&r).unwrap();
        assert!(again.ends_with(r#""future_field":{"x":1}}"#), "{again}");
        // A line without usage (the original omitted it when unknown) still reads.
        let r: RequestRecord = serde_json::from_str(r#"{"timestamp_ms":1,"service":"codex"}"#).unwrap();
        assert!(r.usage.is_empty());
    }

    #[test]
    fn path_drops_query_and_usage_adds() {
        assert_eq!(path_without_query("/v1/responses?key=sk-123"), "/v1/responses");
        assert_eq!(path_without_query("/v1/models#x"), "/v1/models");
        assert_eq!(RequestRecord::new("codex", "GET", "/a?b=c").path, "/a");
        let mut u = Usage { input_tokens: 1, total_tokens: u64::MAX, ..Default::default() };
        u.add(&Usage {
            input_tokens: 2,
            output_tokens: 3,
            total_tokens: 5,
            cached_input_tokens: 1,
            ..Default::default()
        });
        assert_eq!(
            u,
            Usage {
                input_tokens: 3,
                output_tokens: 3,
                reasoning_tokens: 0,
                total_tokens: u64::MAX,
                cached_input_tokens: 1,
                cache_creation_input_tokens: 0,
            }
        );
        assert!(!u.is_empty());
    }
}
