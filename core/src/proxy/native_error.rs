//! The bodies of errors the proxy itself produces, in the format each
//! client expects: OpenAI-style for Codex, Anthropic-style for Claude. A
//! client that only understands its own API's errors then shows the user our
//! message. [`super::error::ProxyError`] picks the format from its service;
//! [`stream_error_event`] ends a stream the proxy cannot finish (it broke
//! after it began, or every upstream failed after the client's headers
//! went out).

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{HeaderValue, StatusCode};
use serde_json::json;

use super::stream_format::StreamFormat;
use crate::Service;

/// A JSON error response for `service`.
pub fn response(service: Service, status: StatusCode, code: &str, message: &str) -> Response {
    let body = match service {
        Service::Codex => json!({
            "error": { "message": message, "type": openai_type(status), "code": code, "param": null }
        }),
        Service::Claude => json!({
            "type": "error",
            "error": { "type": anthropic_type(status), "message": message }
        }),
    };
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert("x-codex-helper-error", HeaderValue::from_static("1"));
    resp
}

/// An SSE event that ends a stream the proxy could not finish, in the
/// stream's own format (`format`), else the service's usual one. `status`
/// and `code` say what kind of error it is, as a JSON error response would
/// (`code` is what the Codex CLI branches on, e.g. `context_length_exceeded`).
pub fn stream_error_event(
    service: Service,
    format: Option<StreamFormat>,
    status: StatusCode,
    code: &str,
    message: &str,
) -> Bytes {
    let style = match format {
        Some(known @ (StreamFormat::Responses | StreamFormat::Anthropic | StreamFormat::Chat)) => known,
        Some(StreamFormat::Unknown) | None => match service {
            Service::Codex => StreamFormat::Responses,
            Service::Claude => StreamFormat::Anthropic,
        },
    };
    let (name, data) = match style {
        StreamFormat::Chat => {
            // Chat clients (the openai SDKs) read a data-only chunk with an
            // `error` object as the stream's error.
            let data =
                json!({ "error": { "message": message, "type": openai_type(status), "code": code, "param": null } });
            return Bytes::from(format!("data: {data}\n\n"));
        }
        StreamFormat::Responses | StreamFormat::Unknown => (
            "response.failed",
            json!({
                "type": "response.failed",
                "response": {
                    "id": "resp_codex_helper_error",
                    "object": "response",
                    "status": "failed",
                    "error": { "code": code, "message": message },
                    "usage": null
                }
            }),
        ),
        StreamFormat::Anthropic => {
            ("error", json!({ "type": "error", "error": { "type": anthropic_type(status), "message": message } }))
        }
    };
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

fn openai_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 | 400 | 422 => "invalid_request_error",
        429 => "rate_limit_error",
        _ => "server_error",
    }
}

/// The Anthropic error type for `status` (also the Claude bridge's).
pub(super) fn anthropic_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 | 503 => "overloaded_error",
        _ => "api_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_json(resp: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn codex_errors_are_openai_shaped() {
        let r = response(Service::Codex, StatusCode::BAD_GATEWAY, "all_upstreams_failed", "nope");
        assert_eq!(r.status(), 502);
        let v = body_json(r).await;
        assert_eq!(v["error"]["message"], "nope");
        assert_eq!(v["error"]["code"], "all_upstreams_failed");
        assert_eq!(v["error"]["type"], "server_error");
    }

    #[tokio::test]
    async fn claude_errors_are_anthropic_shaped() {
        let v = body_json(response(Service::Claude, StatusCode::PAYLOAD_TOO_LARGE, "x", "too big")).await;
        assert_eq!(v["type"], "error");
        assert_eq!(v["error"]["type"], "request_too_large");
        assert_eq!(v["error"]["message"], "too big");
    }

    #[test]
    fn stream_error_events_are_well_formed() {
        let formats = [None, Some(StreamFormat::Responses), Some(StreamFormat::Anthropic), Some(StreamFormat::Chat)];
        for service in Service::ALL {
            for format in formats {
                let ev = stream_error_event(service, format, StatusCode::BAD_GATEWAY, "upstream_error", "cut off");
                let text = std::str::from_utf8(&ev).unwrap();
                assert!(text.ends_with("\n\n"));
                let data = text.lines().find_map(|l| l.strip_prefix("data: ")).unwrap();
                let v: serde_json::Value = serde_json::from_str(data).unwrap();
                assert!(v.to_string().contains("cut off"));
                assert_eq!(text.starts_with("data: "), format == Some(StreamFormat::Chat), "{text}");
            }
        }
    }
}
