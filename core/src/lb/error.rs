//! What went wrong at an upstream, as data: [`UpstreamError`] with a
//! [`ErrorKind`] the load balancer decides on (see [`super::retry::decide`]).
//!
//! Upstreams say what went wrong in several shapes: an HTTP status with an
//! OpenAI-style (`{"error":{"message","type","code"}}`) or Anthropic-style
//! (`{"type":"error","error":{"type","message"}}`) JSON body, a plain-text or
//! HTML page, nothing at all, or an error event inside a stream that began
//! with 200 (Responses `response.failed` / `error`, Anthropic `error`, a chat
//! chunk with `error`). All of them become one type here, so whether to fail
//! over is decided by the kind, never by searching the text for words a
//! message may well contain for other reasons.
//!
//! Messages may echo the key a relay was sent; everything that reaches
//! `message` went through [`crate::redact`] first.

use std::fmt;

use http::StatusCode;
use serde::Serialize;
use serde_json::Value;

/// Why an upstream attempt failed, as far as the proxy can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// 429 or a rate-limit code: slow down, another upstream may have room.
    RateLimited,
    /// Out of credit or quota (`insufficient_quota`, billing limits).
    QuotaExhausted,
    /// 401/403, a bad or unauthorised key.
    Auth,
    /// 404 or a `not_found` code: the path or resource does not exist.
    NotFound,
    /// The requested model does not exist (at this upstream).
    ModelNotFound,
    /// 503/529 or an `overloaded` code.
    Overloaded,
    /// 400/409/413/422 and other 4xx: the request itself is wrong.
    BadRequest,
    /// The prompt is longer than the model's context window.
    ContextLength,
    /// The upstream's content policy refused the request.
    ContentFilter,
    /// 501: the method is not implemented (a property of the request).
    Unsupported,
    /// Other 5xx, `server_error`, `api_error`.
    Server,
    /// No answer in time (no response headers, 408, a `timeout` code).
    Timeout,
    /// The connection could not be made, or broke.
    Connection,
    /// A stream ended cleanly before its terminal event.
    StreamEndedEarly,
    /// A server-sent event larger than the framing cap.
    EventTooLarge,
    /// The upstream's entry in the config cannot be used as it is (a broken
    /// base URL, a URL pointing back at the proxy).
    Misconfigured,
    /// An error the proxy does not recognise.
    Unknown,
}

impl ErrorKind {
    /// The name written to logs and shown to people (`"rate_limited"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::QuotaExhausted => "quota_exhausted",
            ErrorKind::Auth => "auth",
            ErrorKind::NotFound => "not_found",
            ErrorKind::ModelNotFound => "model_not_found",
            ErrorKind::Overloaded => "overloaded",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::ContextLength => "context_length",
            ErrorKind::ContentFilter => "content_filter",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Server => "server",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Connection => "connection",
            ErrorKind::StreamEndedEarly => "stream_ended_early",
            ErrorKind::EventTooLarge => "event_too_large",
            ErrorKind::Misconfigured => "misconfigured",
            ErrorKind::Unknown => "unknown",
        }
    }

    /// The kind an HTTP status stands for; `None` for 1xx–3xx (no error).
    pub fn from_status(status: u16) -> Option<ErrorKind> {
        Some(match status {
            ..=399 => return None,
            401 | 403 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            408 => ErrorKind::Timeout,
            429 => ErrorKind::RateLimited,
            501 => ErrorKind::Unsupported,
            503 | 529 => ErrorKind::Overloaded,
            500.. => ErrorKind::Server,
            _ => ErrorKind::BadRequest,
        })
    }

    /// The kind an upstream's error code or type names, whichever way it is
    /// spelled (`model_not_found`, `ModelNotFound`, `model-not-found`).
    /// Whole names only: a code merely containing `not_found` is not one.
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        let key: String = code.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_lowercase()).collect();
        Some(match key.as_str() {
            "ratelimitexceeded" | "ratelimiterror" | "ratelimited" | "ratelimit" | "toomanyrequests" => {
                ErrorKind::RateLimited
            }
            "insufficientquota"
            | "quotaexceeded"
            | "quotaexhausted"
            | "billinghardlimitreached"
            | "usagelimitreached"
            | "billingerror"
            | "insufficientbalance" => ErrorKind::QuotaExhausted,
            "authenticationerror"
            | "invalidapikey"
            | "permissionerror"
            | "permissiondenied"
            | "unauthorized"
            | "forbidden"
            | "auth" => ErrorKind::Auth,
            "notfound" | "notfounderror" => ErrorKind::NotFound,
            "modelnotfound" | "modelnotfounderror" => ErrorKind::ModelNotFound,
            "overloaded" | "overloadederror" | "serveroverloaded" | "serviceunavailable" | "enginoverloaded"
            | "engineoverloaded" => ErrorKind::Overloaded,
            "invalidrequesterror" | "invalidrequest" | "invalidprompt" | "badrequest" | "requesttoolarge" => {
                ErrorKind::BadRequest
            }
            "contextlengthexceeded" | "contextlength" | "stringabovemaxlength" => ErrorKind::ContextLength,
            "contentfilter" | "contentpolicyviolation" => ErrorKind::ContentFilter,
            "servererror" | "apierror" | "internalerror" | "internalservererror" => ErrorKind::Server,
            "timeout" | "requesttimeout" | "timeouterror" => ErrorKind::Timeout,
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One failed attempt at one upstream.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UpstreamError {
    /// The HTTP status the upstream answered with; `None` when no answer
    /// came, or the stream failed before any content.
    pub status: Option<u16>,
    /// The upstream's own error code or type (`insufficient_quota`,
    /// `overloaded_error`), when it gave one.
    pub code: Option<String>,
    pub kind: ErrorKind,
    /// What went wrong in words, key-free (this is what logs, `ch status`
    /// and the all-upstreams-failed answer show).
    pub message: String,
}

/// How much of an upstream's error body goes into the message.
pub const SNIPPET: usize = 600;

impl UpstreamError {
    /// An error the proxy found itself (no status, no upstream code).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> UpstreamError {
        UpstreamError { status: None, code: None, kind, message: crate::redact::scrub_owned(message.into()) }
    }

    /// An upstream's HTTP error answer: `status` and (the start of) its body.
    /// The status decides the kind's class; a code in the body only refines
    /// it within that class (a 429 that is really `insufficient_quota`), so
    /// a 5xx stays a server error whatever its body claims.
    pub fn from_answer(status: StatusCode, body: &[u8]) -> UpstreamError {
        let by_status = ErrorKind::from_status(status.as_u16()).unwrap_or(ErrorKind::Unknown);
        let fields = json_error(body);
        let code = fields.as_ref().and_then(|f| f.code.clone());
        let kind = fields.as_ref().and_then(|f| f.kind).filter(|k| same_class(by_status, *k)).unwrap_or(by_status);
        let snippet = snippet(body);
        let message = if snippet.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {snippet}") };
        UpstreamError { status: Some(status.as_u16()), code, kind, message: crate::redact::scrub_owned(message) }
    }

    /// An error event an upstream put in a stream (its `data`; the caller
    /// knows the stream's status). Unrecognised shapes are
    /// [`ErrorKind::Unknown`], with the start of the data as the message.
    pub fn from_event(data: &[u8]) -> UpstreamError {
        let fields = json_error(data);
        let (code, kind, text) = match fields {
            Some(f) => {
                let text = match (f.code.as_deref(), f.message.as_deref()) {
                    (Some(code), Some(msg)) => format!("{code}: {msg}"),
                    (None, Some(msg)) => msg.to_string(),
                    (Some(code), None) => code.to_string(),
                    (None, None) => raw_start(data),
                };
                (f.code, f.kind.unwrap_or(ErrorKind::Unknown), text)
            }
            None => (None, ErrorKind::Unknown, raw_start(data)),
        };
        UpstreamError { status: None, code, kind, message: crate::redact::scrub_owned(text) }
    }

    /// The same error with `prefix` before its message (what the proxy was
    /// doing when it happened).
    pub fn context(mut self, prefix: &str) -> UpstreamError {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

/// Whether a code-derived kind may stand in for a status-derived one: only
/// within the same class (client errors among themselves, and so on).
fn same_class(by_status: ErrorKind, by_code: ErrorKind) -> bool {
    use ErrorKind::*;
    match by_status {
        RateLimited => matches!(by_code, RateLimited | QuotaExhausted),
        NotFound => matches!(by_code, NotFound | ModelNotFound),
        BadRequest => matches!(by_code, BadRequest | ContextLength | ContentFilter | ModelNotFound),
        Server => matches!(by_code, Server | Overloaded),
        Auth => matches!(by_code, Auth | QuotaExhausted),
        _ => false,
    }
}

/// The error fields of an OpenAI- or Anthropic-shaped JSON error.
struct Fields {
    code: Option<String>,
    message: Option<String>,
    kind: Option<ErrorKind>,
}

fn json_error(body: &[u8]) -> Option<Fields> {
    let value: Value = serde_json::from_slice(body).ok()?;
    // `{"error":{…}}` (OpenAI, chat chunks, Responses `error` events),
    // `{"type":"error","error":{…}}` (Anthropic), `{"response":{"error":{…}}}`
    // (Responses `response.failed`).
    let err = value
        .get("error")
        .filter(|e| !e.is_null())
        .or_else(|| value.get("response").and_then(|r| r.get("error")).filter(|e| !e.is_null()))?;
    if let Some(text) = err.as_str() {
        // `{"error":"…"}`, as some relays send it.
        return Some(Fields { code: None, message: Some(text.to_string()), kind: None });
    }
    let text = |key: &str| err.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    let code_str = text("code");
    let type_str = text("type");
    let message = text("message");
    // A numeric code is an HTTP status (`{"error":{"code":429,…}}`).
    let numeric = err.get("code").and_then(Value::as_u64).and_then(|n| u16::try_from(n).ok());
    let kind = code_str
        .as_deref()
        .and_then(ErrorKind::from_code)
        .or_else(|| type_str.as_deref().and_then(ErrorKind::from_code))
        .or_else(|| numeric.and_then(ErrorKind::from_status));
    Some(Fields { code: code_str.or(type_str), message, kind })
}

/// The body as one line, cut at [`SNIPPET`] characters.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut cut: String = text.chars().take(SNIPPET).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

fn raw_start(data: &[u8]) -> String {
    String::from_utf8_lossy(data).chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> UpstreamError {
        UpstreamError::from_answer(StatusCode::from_u16(status).unwrap(), body.as_bytes())
    }

    #[test]
    fn openai_json_answers() {
        let e = answer(
            429,
            r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
        );
        assert_eq!(
            (e.status, e.kind, e.code.as_deref()),
            (Some(429), ErrorKind::QuotaExhausted, Some("insufficient_quota"))
        );
        assert!(e.message.starts_with("HTTP 429 Too Many Requests: {\"error\""), "{}", e.message);
        let e = answer(429, r#"{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}"#);
        assert_eq!(e.kind, ErrorKind::RateLimited);
        let e = answer(
            401,
            r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","code":"invalid_api_key"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Auth);
        let e = answer(
            404,
            r#"{"error":{"message":"The model `gpt-9` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::ModelNotFound);
        let e = answer(
            400,
            r#"{"error":{"message":"too long","type":"invalid_request_error","code":"context_length_exceeded"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::ContextLength);
    }

    #[test]
    fn anthropic_json_answers() {
        let e = answer(529, r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#);
        assert_eq!((e.kind, e.code.as_deref()), (ErrorKind::Overloaded, Some("overloaded_error")));
        let e = answer(500, r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#);
        assert_eq!(e.kind, ErrorKind::Overloaded, "refined within the server class");
        let e = answer(403, r#"{"type":"error","error":{"type":"permission_error","message":"no"}}"#);
        assert_eq!(e.kind, ErrorKind::Auth);
        let e = answer(400, r#"{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}"#);
        assert_eq!(e.kind, ErrorKind::BadRequest);
    }

    #[test]
    fn the_status_class_wins_over_a_body_claiming_otherwise() {
        // A 502 whose relay copied a client error into the body is still
        // the upstream's failure (and worth another upstream).
        let e = answer(502, r#"{"error":{"type":"invalid_request_error","code":"context_length_exceeded"}}"#);
        assert_eq!(e.kind, ErrorKind::Server);
        let e = answer(429, r#"{"type":"error","error":{"type":"not_found_error","message":"?"}}"#);
        assert_eq!(e.kind, ErrorKind::RateLimited);
    }

    #[test]
    fn plain_text_html_and_empty_answers() {
        let e = answer(503, "overloaded");
        assert_eq!(e.message, "HTTP 503 Service Unavailable: overloaded", "the README's example");
        assert_eq!((e.kind, e.code), (ErrorKind::Overloaded, None));
        let html = b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
        let e = UpstreamError::from_answer(StatusCode::BAD_GATEWAY, html);
        assert_eq!(e.kind, ErrorKind::Server);
        assert!(e.message.starts_with("HTTP 502 Bad Gateway: <html> <head><title>502"), "one line: {}", e.message);
        let e = answer(500, "");
        assert_eq!(e.message, "HTTP 500 Internal Server Error");
        assert_eq!(e.kind, ErrorKind::Server);
        let e = answer(504, "   ");
        assert_eq!((e.message.as_str(), e.kind), ("HTTP 504 Gateway Timeout", ErrorKind::Server));
        let e = answer(408, "");
        assert_eq!(e.kind, ErrorKind::Timeout);
        let long = "x".repeat(SNIPPET * 2);
        assert_eq!(answer(500, &long).message.chars().count(), "HTTP 500 Internal Server Error: ".len() + SNIPPET + 1);
    }

    #[test]
    fn keys_echoed_in_answers_are_scrubbed() {
        let key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
        let e = answer(
            401,
            &format!(r#"{{"error":{{"message":"Incorrect API key provided: {key}","code":"invalid_api_key"}}}}"#),
        );
        assert!(!e.message.contains(key), "{}", e.message);
        let e = UpstreamError::from_event(format!(r#"{{"error":{{"message":"bad key {key}"}}}}"#).as_bytes());
        assert!(!e.message.contains(key), "{}", e.message);
    }

    #[test]
    fn in_stream_error_events_of_every_format() {
        // Responses `response.failed`.
        let e = UpstreamError::from_event(
            br#"{"type":"response.failed","response":{"status":"failed","error":{"code":"rate_limit_exceeded","message":"try later"}}}"#,
        );
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::RateLimited, "rate_limit_exceeded: try later"));
        // Responses `error` event.
        let e = UpstreamError::from_event(br#"{"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"too long"}}"#);
        assert_eq!((e.kind, e.code.as_deref()), (ErrorKind::ContextLength, Some("context_length_exceeded")));
        // Anthropic `error`.
        let e = UpstreamError::from_event(br#"{"type":"error","error":{"type":"overloaded_error","message":"busy"}}"#);
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Overloaded, "overloaded_error: busy"));
        // Chat chunk, with a numeric code.
        let e = UpstreamError::from_event(br#"{"error":{"message":"Rate limit reached","code":429}}"#);
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::RateLimited, "Rate limit reached"));
        // Chat chunk with a string error, and data that is not JSON.
        let e = UpstreamError::from_event(br#"{"error":"upstream exploded"}"#);
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Unknown, "upstream exploded"));
        let e = UpstreamError::from_event(b"internal error");
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Unknown, "internal error"));
        // An error with a code only.
        let e = UpstreamError::from_event(br#"{"error":{"code":"server_error"}}"#);
        assert_eq!((e.kind, e.message.as_str()), (ErrorKind::Server, "server_error"));
    }

    #[test]
    fn codes_are_matched_whole_however_they_are_spelled() {
        for spelling in ["model_not_found", "ModelNotFound", "model-not-found", "MODEL_NOT_FOUND"] {
            assert_eq!(ErrorKind::from_code(spelling), Some(ErrorKind::ModelNotFound), "{spelling}");
        }
        assert_eq!(ErrorKind::from_code("not_found_error"), Some(ErrorKind::NotFound));
        // Containing a known word is not being it.
        assert_eq!(ErrorKind::from_code("replica_not_found_retry"), None);
        assert_eq!(ErrorKind::from_code("invalid_request_id"), None);
    }

    #[test]
    fn every_status_has_a_kind() {
        assert_eq!(ErrorKind::from_status(200), None);
        assert_eq!(ErrorKind::from_status(304), None);
        let cases = [
            (400, ErrorKind::BadRequest),
            (401, ErrorKind::Auth),
            (403, ErrorKind::Auth),
            (404, ErrorKind::NotFound),
            (408, ErrorKind::Timeout),
            (409, ErrorKind::BadRequest),
            (413, ErrorKind::BadRequest),
            (422, ErrorKind::BadRequest),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Server),
            (501, ErrorKind::Unsupported),
            (502, ErrorKind::Server),
            (503, ErrorKind::Overloaded),
            (529, ErrorKind::Overloaded),
        ];
        for (status, kind) in cases {
            assert_eq!(ErrorKind::from_status(status), Some(kind), "{status}");
        }
    }
}
