//! The control protocol on the proxy's HTTP port: `GET
//! /__codex_helper/status` is [`Request::Status`](super::Request::Status),
//! a 200 with the [`StatusPayload`] as its body is
//! [`Response::Status`](super::Response::Status), and any other status
//! carries `{"error": WireError}` (kind, fields, message, status).
//!
//! HTTP because this is what `ch status` asks every running proxy, the
//! app's and `ch serve`'s alike, on the port it looks at anyway. The
//! version travels in [`VERSION_HEADER`] both ways; a request without it
//! (`curl`) is taken as ours. The proxy merges [`routes`] into its router
//! ([`crate::proxy::serve_with`]), so it does not depend on this module.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::request::Parts;
use http::HeaderValue;
use serde_json::json;

use super::error::{ControlError, WireError};
use super::protocol::{StatusPayload, PROTOCOL_VERSION, VERSION_HEADER};
use super::{live_status, Control};
use crate::proxy::guard::{self, Refusal};
use crate::proxy::ProxyState;

/// Path of the control status endpoint on every proxy.
pub const STATUS_PATH: &str = "/__codex_helper/status";

/// The endpoint's routes, for [`crate::proxy::router_with`].
pub fn routes(control: Arc<Control>) -> Router<ProxyState> {
    Router::new().route(
        STATUS_PATH,
        get(move |State(state): State<ProxyState>, request: Request| {
            let control = control.clone();
            async move { reply(answer(&state, &control, &request.into_parts().0)) }
        }),
    )
}

fn answer(state: &ProxyState, control: &Control, parts: &Parts) -> Result<StatusPayload, ControlError> {
    guard::check(parts).map_err(|refusal| match refusal {
        Refusal::DuplicateHost => ControlError::BadRequest { reason: refusal.message() },
        _ => ControlError::Forbidden { reason: refusal.message() },
    })?;
    if !control.token().authorizes(parts.headers.get(http::header::AUTHORIZATION)) {
        return Err(ControlError::Unauthorized);
    }
    if let Some(theirs) = parts.headers.get(VERSION_HEADER) {
        let theirs = theirs.to_str().ok().and_then(|v| v.trim().parse::<u32>().ok());
        match theirs {
            Some(PROTOCOL_VERSION) => {}
            Some(client) => return Err(ControlError::UnsupportedVersion { server: PROTOCOL_VERSION, client }),
            None => return Err(ControlError::BadRequest { reason: format!("{VERSION_HEADER} is not a number") }),
        }
    }
    Ok(live_status(state, control))
}

fn reply(answer: Result<StatusPayload, ControlError>) -> Response {
    let mut response = match answer {
        Ok(status) => axum::Json(status).into_response(),
        Err(error) => (error.http_status(), axum::Json(json!({ "error": WireError::http(error) }))).into_response(),
    };
    response.headers_mut().insert(VERSION_HEADER, HeaderValue::from(PROTOCOL_VERSION));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The proxy forwards every path outside its own prefix without asking
    /// its router, so a control route elsewhere would never be reached.
    #[test]
    fn the_status_endpoint_is_under_the_proxys_own_prefix() {
        assert!(STATUS_PATH.starts_with(crate::proxy::OWN_PREFIX));
        assert!(crate::proxy::HEALTH_PATH.starts_with(crate::proxy::OWN_PREFIX));
    }
}
