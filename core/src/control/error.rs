//! What can go wrong on the control plane, as kinds both ends agree on.
//!
//! One enum for every transport and both sides of it: the server answers
//! with a kind (serialised with `kind` as the tag), the client decodes the
//! same kind, and the kinds only a client can see (nothing answers, no
//! answer in time, an answer that is not the protocol) are in it too, so a
//! caller matches on one type whatever went wrong and wherever.

use serde::{Deserialize, Serialize};

/// A control request that did not get its answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ControlError {
    /// The HTTP endpoint got no bearer token, or another one.
    #[error(
        "the proxy refused the control token (HTTP 401): it needs `Authorization: Bearer <token>` with the token from ~/.codex-helper/control_token; a proxy run under another user or HOME has another one"
    )]
    Unauthorized,
    /// The loopback/browser guard turned the request away.
    #[error("{reason}")]
    Forbidden { reason: String },
    /// The request could not be read as one (malformed JSON, unknown
    /// command, missing field).
    #[error("not a request: {reason}")]
    BadRequest { reason: String },
    /// Server and client speak different versions of the protocol.
    #[error(
        "the running codex-helper speaks control protocol v{server} and this program v{client}: {}",
        version_advice(*server, *client)
    )]
    UnsupportedVersion { server: u32, client: u32 },
    /// A request this end does not answer (the window takes only `open`;
    /// `watch` is a stream, not a call).
    #[error("`{cmd}` is not answered here{}", .hint.as_deref().map(|h| format!(": {h}")).unwrap_or_default())]
    Unsupported { cmd: String, hint: Option<String> },
    /// Nothing answers where the server should be.
    #[error(
        "codex-helper is not running (nothing answers on {at}); start it from the applications menu or with `codex-helper-app`"
    )]
    NotRunning { at: String },
    /// The server tried and could not; `reason` is for the user.
    #[error("{reason}")]
    Failed { reason: String },
    /// No answer in time.
    #[error("codex-helper did not answer within {}", human_ms(*ms))]
    Timeout { ms: u64 },
    /// The connection broke or could not be made.
    #[error("cannot use {at}: {reason}")]
    Io { at: String, reason: String },
    /// The answer was not what the protocol says.
    #[error("unexpected answer from codex-helper: {reason}")]
    BadReply { reason: String },
    /// A kind this build does not know (a newer peer's); the wire's
    /// `message` says it in words ([`WireError::into_error`]).
    #[serde(other)]
    #[error("an error this version of codex-helper does not know")]
    Unknown,
}

fn version_advice(server: u32, client: u32) -> &'static str {
    if server < client {
        "it was started before an update; restart it (Quit from the tray, or stop `ch serve`) so both are the same release"
    } else {
        "this program is older than the running codex-helper; update it (ch, codex-helper-window) to the same release, or restart both"
    }
}

pub(crate) fn human_ms(ms: u64) -> String {
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

impl ControlError {
    pub fn failed(reason: impl std::fmt::Display) -> ControlError {
        ControlError::Failed { reason: reason.to_string() }
    }

    pub fn bad_reply(reason: impl std::fmt::Display) -> ControlError {
        ControlError::BadReply { reason: reason.to_string() }
    }

    /// The HTTP status the endpoint answers this error with.
    pub fn http_status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            ControlError::Unauthorized => S::UNAUTHORIZED,
            ControlError::Forbidden { .. } => S::FORBIDDEN,
            ControlError::BadRequest { .. } | ControlError::UnsupportedVersion { .. } => S::BAD_REQUEST,
            ControlError::Unsupported { .. } => S::NOT_FOUND,
            ControlError::NotRunning { .. } | ControlError::Timeout { .. } | ControlError::Io { .. } => {
                S::SERVICE_UNAVAILABLE
            }
            ControlError::Failed { .. } | ControlError::BadReply { .. } | ControlError::Unknown => {
                S::INTERNAL_SERVER_ERROR
            }
        }
    }
}

/// An error as it travels: the kind and its fields, plus `message` (what
/// [`Display`](std::fmt::Display) says) so that a reader who does not know
/// the kind, or a person with `curl`, still gets the words; over HTTP also
/// the `status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireError {
    #[serde(flatten)]
    pub error: ControlError,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl WireError {
    pub fn new(error: ControlError) -> WireError {
        WireError { message: error.to_string(), error, status: None }
    }

    /// Over HTTP: with the status it is answered with.
    pub fn http(error: ControlError) -> WireError {
        WireError { status: Some(error.http_status().as_u16()), ..WireError::new(error) }
    }

    /// The error, a kind unknown here becoming [`ControlError::Failed`] in
    /// the sender's words.
    pub fn into_error(self) -> ControlError {
        match self.error {
            ControlError::Unknown => ControlError::Failed { reason: self.message },
            error => error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_travels_and_comes_back_the_same() {
        let all = [
            ControlError::Unauthorized,
            ControlError::Forbidden { reason: "web page".into() },
            ControlError::BadRequest { reason: "eof".into() },
            ControlError::UnsupportedVersion { server: 1, client: 2 },
            ControlError::Unsupported { cmd: "route".into(), hint: Some("ask the app".into()) },
            ControlError::NotRunning { at: "/x/app.sock".into() },
            ControlError::failed("the codex proxy is turned off"),
            ControlError::Timeout { ms: 1500 },
            ControlError::Io { at: "/x/app.sock".into(), reason: "broken pipe".into() },
            ControlError::bad_reply("eof"),
        ];
        for error in all {
            let text = serde_json::to_string(&WireError::http(error.clone())).unwrap();
            let back: WireError = serde_json::from_str(&text).unwrap();
            assert_eq!(back.into_error(), error, "{text}");
        }
    }

    #[test]
    fn the_wire_form_names_the_kind_and_says_it_in_words() {
        let v = serde_json::to_value(WireError::http(ControlError::Unauthorized)).unwrap();
        assert_eq!(v["kind"], "unauthorized");
        assert_eq!(v["status"], 401);
        assert!(v["message"].as_str().unwrap().contains("control_token"), "{v}");
    }

    #[test]
    fn a_kind_from_a_newer_peer_keeps_its_words() {
        let text = r#"{"kind":"quota_gone","message":"the pool is empty","limit":3}"#;
        let wire: WireError = serde_json::from_str(text).unwrap();
        assert_eq!(wire.into_error(), ControlError::failed("the pool is empty"));
    }

    #[test]
    fn a_version_mismatch_names_both_versions_and_what_to_do() {
        let old_server = ControlError::UnsupportedVersion { server: 1, client: 2 }.to_string();
        assert!(old_server.contains("v1") && old_server.contains("v2"), "{old_server}");
        assert!(old_server.contains("restart"), "{old_server}");
        let old_client = ControlError::UnsupportedVersion { server: 3, client: 2 }.to_string();
        assert!(old_client.contains("update"), "{old_client}");
    }
}
