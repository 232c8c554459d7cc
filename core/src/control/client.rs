//! The client of [`super::endpoint`]: what `ch status` uses to ask a
//! running proxy for its live state. Every way it can fail is a
//! [`ControlError`] kind: refused token, other version, nothing there, no
//! answer in time, an answer that is not the protocol.

use std::time::Duration;

use serde::Deserialize;

use super::error::{ControlError, WireError};
use super::protocol::{StatusPayload, PROTOCOL_VERSION, VERSION_HEADER};
use super::STATUS_PATH;

/// Asks the proxy on 127.0.0.1:`port` for its live status.
pub async fn fetch_status(port: u16, token: &str, timeout: Duration) -> Result<StatusPayload, ControlError> {
    let at = format!("127.0.0.1:{port}");
    let transport = |e: reqwest::Error| {
        if e.is_timeout() {
            ControlError::Timeout { ms: timeout.as_millis() as u64 }
        } else if e.is_connect() {
            ControlError::NotRunning { at: at.clone() }
        } else {
            ControlError::Io { at: at.clone(), reason: e.to_string() }
        }
    };
    let client = reqwest::Client::builder().no_proxy().timeout(timeout).build().map_err(transport)?;
    let response = client
        .get(format!("http://{at}{STATUS_PATH}"))
        .bearer_auth(token)
        .header(VERSION_HEADER, PROTOCOL_VERSION)
        .send()
        .await
        .map_err(transport)?;
    // A proxy from before versions sends no header: version 0.
    let server = response
        .headers()
        .get(VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u32>().ok())
        .unwrap_or(0);
    let status = response.status();
    if server != PROTOCOL_VERSION {
        return Err(ControlError::UnsupportedVersion { server, client: PROTOCOL_VERSION });
    }
    let body = response.bytes().await.map_err(transport)?;
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(ControlError::bad_reply);
    }
    #[derive(Deserialize)]
    struct ErrorBody {
        error: WireError,
    }
    match serde_json::from_slice::<ErrorBody>(&body) {
        Ok(body) => Err(body.error.into_error()),
        Err(_) => Err(ControlError::bad_reply(format!("HTTP {status}"))),
    }
}
