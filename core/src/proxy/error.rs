//! Requests the proxy answers itself: [`ProxyError`], the reason plus the
//! service whose client gets it, so the body's format (OpenAI-style for
//! Codex, Anthropic-style for Claude, see [`super::native_error`]) is chosen
//! in one place, when the error becomes a response.
//!
//! The message is safe to show: it names what is wrong and how to fix it,
//! and upstream text in it went through the key scrubber already (see
//! [`crate::lb::UpstreamError`]).

use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};

use super::guard::Refusal;
use super::native_error;
use crate::lb::{ErrorKind, UpstreamError};
use crate::Service;

/// Why the proxy answered a request itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Reason {
    /// Not from a local program, or malformed (see [`super::guard`]).
    #[error("{}", .0.message())]
    Guard(Refusal),
    #[error(
        "request loop: this request already passed through codex-helper on port {port}; an upstream's base_url points back at the proxy (fix it in ~/.codex-helper/config.json)"
    )]
    Loop { port: u16 },
    #[error("codex-helper proxies HTTP streaming, not WebSocket; use HTTP for this request")]
    WebSocket,
    #[error(
        "no active {service} config with upstreams in ~/.codex-helper/config.json; add one there (a running proxy picks it up within a second)"
    )]
    NoConfig { service: Service },
    #[error(
        "the request body is larger than codex-helper's limit of {limit} bytes; raise proxy.max_request_body_bytes in ~/.codex-helper/settings.json if this is intended"
    )]
    BodyTooLarge { limit: usize },
    #[error("could not read the request body: {0}")]
    BadBody(String),
    /// filter.json is broken and there are no earlier good rules: refuse
    /// rather than send what the user asked to redact.
    #[error("codex-helper is not forwarding requests because filter.json is broken: {0}")]
    FilterInvalid(String),
    /// Every upstream was tried; `tried` in order, with what went wrong.
    #[error("codex-helper: every upstream of config `{config}` failed ({} tried): {}", tried.len(), list(tried))]
    AllFailed {
        config: Arc<str>,
        tried: Vec<(Arc<str>, UpstreamError)>,
        /// The last upstream's `Retry-After`, passed on to the client.
        retry_after: Option<Duration>,
    },
    /// The upstreams left were all at their `max_concurrent` cap for the
    /// whole wait; `tried`: those that were tried and failed meanwhile.
    #[error("{}", at_capacity(config, full, *waited, tried))]
    AtCapacity {
        config: Arc<str>,
        /// Each full upstream's label and cap.
        full: Vec<(Arc<str>, u32)>,
        waited: Duration,
        tried: Vec<(Arc<str>, UpstreamError)>,
    },
}

fn list(tried: &[(Arc<str>, UpstreamError)]) -> String {
    tried.iter().map(|(url, e)| format!("{url} → {e}")).collect::<Vec<_>>().join("; ")
}

fn at_capacity(
    config: &str,
    full: &[(Arc<str>, u32)],
    waited: Duration,
    tried: &[(Arc<str>, UpstreamError)],
) -> String {
    let full = full.iter().map(|(label, cap)| format!("{label} at {cap}/{cap}")).collect::<Vec<_>>().join(", ");
    let mut message = format!(
        "codex-helper: every upstream of config `{config}` that could take this request is at its max_concurrent cap ({full}) and none freed a slot within {} s (lb.max_concurrent_wait_ms in ~/.codex-helper/settings.json); retry shortly, or raise max_concurrent with `ch config add {config} --base-url URL --max-concurrent N`",
        waited.as_secs_f64()
    );
    if !tried.is_empty() {
        message.push_str(&format!("; the others failed: {}", list(tried)));
    }
    message
}

impl Reason {
    pub fn status(&self) -> StatusCode {
        match self {
            Reason::Guard(refusal) => refusal.status(),
            Reason::Loop { .. } => StatusCode::LOOP_DETECTED,
            Reason::WebSocket => StatusCode::UPGRADE_REQUIRED,
            Reason::NoConfig { .. } | Reason::FilterInvalid(_) => StatusCode::SERVICE_UNAVAILABLE,
            Reason::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Reason::BadBody(_) => StatusCode::BAD_REQUEST,
            Reason::AllFailed { tried, .. } => all_failed_status(tried.last().map(|(_, e)| e)),
            // Busy, not broken: clients retry a 503 after Retry-After.
            Reason::AtCapacity { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `code` (OpenAI) the client's error body names.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Guard(refusal) => refusal.kind(),
            Reason::Loop { .. } => "request_loop",
            Reason::WebSocket => "websocket_not_supported",
            Reason::NoConfig { .. } => "no_upstream_configured",
            Reason::BodyTooLarge { .. } => "request_too_large",
            Reason::BadBody(_) => "bad_request_body",
            Reason::FilterInvalid(_) => "filter_invalid",
            Reason::AllFailed { .. } => "all_upstreams_failed",
            Reason::AtCapacity { .. } => "all_upstreams_at_capacity",
        }
    }

    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Reason::AllFailed { retry_after, .. } => *retry_after,
            Reason::AtCapacity { .. } => Some(Duration::from_secs(1)),
            _ => None,
        }
    }
}

/// The last upstream's status, a 504 if it never answered in time, else a
/// 502. A 2xx whose stream failed is still a failure to the client.
fn all_failed_status(last: Option<&UpstreamError>) -> StatusCode {
    let status = match last {
        Some(UpstreamError { status: Some(s), .. }) => StatusCode::from_u16(*s).unwrap_or(StatusCode::BAD_GATEWAY),
        Some(e) if e.kind == ErrorKind::Timeout => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::BAD_GATEWAY,
    };
    if status.is_success() {
        StatusCode::BAD_GATEWAY
    } else {
        status
    }
}

/// A request the proxy answered itself, for `service`'s client.
#[derive(Debug, thiserror::Error)]
#[error("{reason}")]
pub struct ProxyError {
    pub service: Service,
    pub reason: Reason,
}

impl ProxyError {
    pub fn new(service: Service, reason: Reason) -> ProxyError {
        ProxyError { service, reason }
    }
}

impl IntoResponse for ProxyError {
    fn into_response(self) -> Response {
        let reason = &self.reason;
        let mut response = native_error::response(self.service, reason.status(), reason.code(), &reason.to_string());
        if let Some(wait) = reason.retry_after() {
            if let Ok(v) = HeaderValue::from_str(&wait.as_secs().to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body(resp: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    fn all_failed(last: UpstreamError, retry_after: Option<Duration>) -> Reason {
        let first = UpstreamError::new(ErrorKind::Connection, "could not connect: Connection refused (os error 111)");
        Reason::AllFailed {
            config: "codex-main".into(),
            tried: vec![("https://a/v1".into(), first), ("https://b/v1".into(), last)],
            retry_after,
        }
    }

    #[tokio::test]
    async fn codex_gets_the_readme_shape() {
        let last = UpstreamError::from_answer(StatusCode::SERVICE_UNAVAILABLE, b"overloaded");
        let resp = ProxyError::new(Service::Codex, all_failed(last, Some(Duration::from_secs(12)))).into_response();
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.headers()["retry-after"], "12");
        assert_eq!(resp.headers()["x-codex-helper-error"], "1");
        let v = body(resp).await;
        assert_eq!(
            v["error"]["message"],
            "codex-helper: every upstream of config `codex-main` failed (2 tried): https://a/v1 → could not connect: Connection refused (os error 111); https://b/v1 → HTTP 503 Service Unavailable: overloaded"
        );
        assert_eq!(
            (v["error"]["type"].as_str(), v["error"]["code"].as_str()),
            (Some("server_error"), Some("all_upstreams_failed"))
        );
        assert!(v["error"]["param"].is_null());
    }

    #[tokio::test]
    async fn claude_gets_the_anthropic_shape() {
        let resp = ProxyError::new(Service::Claude, Reason::BodyTooLarge { limit: 10 }).into_response();
        assert_eq!(resp.status(), 413);
        let v = body(resp).await;
        assert_eq!((v["type"].as_str(), v["error"]["type"].as_str()), (Some("error"), Some("request_too_large")));
        assert!(v["error"]["message"].as_str().unwrap().contains("limit of 10 bytes"));
    }

    #[tokio::test]
    async fn at_capacity_is_a_503_naming_each_full_upstream_and_the_setting() {
        let reason = Reason::AtCapacity {
            config: "main".into(),
            full: vec![("r.example [work]".into(), 2), ("r.example [sk-…beef]".into(), 1)],
            waited: Duration::from_secs(30),
            tried: vec![],
        };
        let resp = ProxyError::new(Service::Claude, reason).into_response();
        assert_eq!(resp.status(), 503);
        assert_eq!(resp.headers()["retry-after"], "1");
        let v = body(resp).await;
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains("(r.example [work] at 2/2, r.example [sk-…beef] at 1/1)"), "{message}");
        assert!(message.contains("within 30 s (lb.max_concurrent_wait_ms"), "{message}");
        assert!(!message.contains("the others failed"), "{message}");
    }

    #[test]
    fn all_failed_status_follows_the_last_attempt() {
        let timeout = UpstreamError::new(ErrorKind::Timeout, "no response within 1 s (response_header_timeout_ms)");
        assert_eq!(all_failed(timeout, None).status(), StatusCode::GATEWAY_TIMEOUT);
        let broke = UpstreamError::new(ErrorKind::Connection, "the stream broke before any content");
        assert_eq!(all_failed(broke, None).status(), StatusCode::BAD_GATEWAY);
        let mut in_stream = UpstreamError::from_event(br#"{"error":{"code":"server_error"}}"#);
        in_stream.status = Some(200);
        assert_eq!(all_failed(in_stream, None).status(), StatusCode::BAD_GATEWAY, "a 2xx is not passed on");
        let limited = UpstreamError::from_answer(StatusCode::TOO_MANY_REQUESTS, b"");
        assert_eq!(all_failed(limited, None).status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
