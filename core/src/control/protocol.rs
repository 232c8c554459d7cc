//! The control protocol: what may be asked ([`Request`]), what comes back
//! ([`Response`], or a [`ControlError`]), and how one message is written
//! as one JSON line, stamped with [`PROTOCOL_VERSION`].
//!
//! Both ends of every control transport use these types and these
//! functions, so a request the server cannot read, or one from a peer of
//! another version, is a typed error on both sides and never a guess. The
//! version is checked before the message is read: a newer peer's unknown
//! command is a version mismatch (restart or update), not a malformed line.
//!
//! On a line transport (app.sock, the window's stdin) a request is
//! `{"v":1,"cmd":"route","service":"codex","on":true}` and a reply is
//! `{"v":1,"ok":{"reply":"routed","body":{…}}}` or
//! `{"v":1,"error":{"kind":"failed","reason":"…","message":"…"}}`. The HTTP
//! endpoint maps the same types onto HTTP (see [`super::endpoint`]).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::{ControlError, WireError};
use crate::switch::SwitchReport;
use crate::Service;

/// Bumped whenever a request or response changes incompatibly; peers of
/// two versions refuse each other with [`ControlError::UnsupportedVersion`].
pub const PROTOCOL_VERSION: u32 = 1;

/// The HTTP header carrying the version, both ways.
pub const VERSION_HEADER: &str = "x-codex-helper-protocol";

/// The live state [`Request::Status`] answers with where the proxy itself
/// answers (the HTTP endpoint). Named once here, so the one status type
/// can replace it in one place; the app's socket answers with its own
/// (`Response<AppStatus>` in the agent).
pub type StatusPayload = crate::report::LiveState;

/// One request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    /// The live status.
    Status,
    /// Stream [`Response::Version`] after every refresh.
    Watch,
    /// Point a client at the proxy (`on`) or back.
    Route { service: Service, on: bool },
    /// config.json was edited: serve from it now.
    Reload,
    /// settings.json was edited: start, stop or move proxies to match.
    ApplySettings,
    /// Show the window, at `screen` (`dashboard`, `usage`, `logs`, …; an
    /// unknown one means the dashboard).
    Open { screen: Option<String> },
    /// Quit as from the tray.
    Quit,
}

impl Request {
    /// The `cmd` tag, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Request::Status => "status",
            Request::Watch => "watch",
            Request::Route { .. } => "route",
            Request::Reload => "reload",
            Request::ApplySettings => "apply_settings",
            Request::Open { .. } => "open",
            Request::Quit => "quit",
        }
    }
}

/// One answer. `S` is the status payload of the server answering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", content = "body", rename_all = "snake_case")]
pub enum Response<S = StatusPayload> {
    /// To [`Request::Status`].
    Status(S),
    /// One item of a [`Request::Watch`] stream: the published version.
    Version(u64),
    /// To [`Request::Route`]: what the switch did.
    Routed(SwitchReport),
    /// To the requests that only act (`reload`, `apply_settings`, `open`,
    /// `quit`).
    Done,
}

impl<S> Response<S> {
    /// The `reply` tag, for messages.
    pub fn name(&self) -> &'static str {
        match self {
            Response::Status(_) => "status",
            Response::Version(_) => "version",
            Response::Routed(_) => "routed",
            Response::Done => "done",
        }
    }
}

/// What a server answers to one request.
pub type Answer<S = StatusPayload> = Result<Response<S>, ControlError>;

#[derive(Serialize)]
struct RequestLine<'a> {
    v: u32,
    #[serde(flatten)]
    request: &'a Request,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ReplyBody<S> {
    Ok(Response<S>),
    Error(WireError),
}

/// A reply line as read; its `v` was checked through [`Head`] already.
#[derive(Deserialize)]
struct ReplyLine<S> {
    #[serde(flatten)]
    body: ReplyBody<S>,
}

/// Just the version of a line, read before anything else in it.
#[derive(Deserialize)]
struct Head {
    v: Option<u32>,
}

/// `Ok` when `theirs` is ours; a line without a version predates them (0).
fn check_version(theirs: Option<u32>, we_serve: bool) -> Result<(), ControlError> {
    let theirs = theirs.unwrap_or(0);
    if theirs == PROTOCOL_VERSION {
        return Ok(());
    }
    let (server, client) = if we_serve { (PROTOCOL_VERSION, theirs) } else { (theirs, PROTOCOL_VERSION) };
    Err(ControlError::UnsupportedVersion { server, client })
}

/// A request as one line (with its `\n`).
pub fn encode_request(request: &Request) -> String {
    let mut line = serde_json::to_string(&RequestLine { v: PROTOCOL_VERSION, request }).expect("plain data");
    line.push('\n');
    line
}

/// Read a request line: malformed, of another version, or a request.
pub fn decode_request(line: &str) -> Result<Request, ControlError> {
    let bad = |e: serde_json::Error| ControlError::BadRequest { reason: e.to_string() };
    let head: Head = serde_json::from_str(line).map_err(bad)?;
    check_version(head.v, true)?;
    // `v` is left over for the request, which ignores unknown fields.
    serde_json::from_str(line).map_err(bad)
}

/// A reply as one line (with its `\n`).
pub fn encode_reply<S: Serialize>(answer: &Answer<S>) -> String {
    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Body<'a, S> {
        Ok(&'a Response<S>),
        Error(WireError),
    }
    #[derive(Serialize)]
    struct Line<'a, S> {
        v: u32,
        #[serde(flatten)]
        body: Body<'a, S>,
    }
    let body = match answer {
        Ok(response) => Body::Ok(response),
        Err(error) => Body::Error(WireError::new(error.clone())),
    };
    match serde_json::to_string(&Line { v: PROTOCOL_VERSION, body }) {
        Ok(line) => line + "\n",
        // A status that cannot be serialised is the server's failure, and
        // the client still gets a line it can read.
        Err(e) => encode_reply::<S>(&Err(ControlError::failed(format!("cannot encode the answer: {e}")))),
    }
}

/// Read a reply line: the server's answer, its error, or why the line is
/// not a reply of our version.
pub fn decode_reply<S: DeserializeOwned>(line: &str) -> Answer<S> {
    if line.trim().is_empty() {
        return Err(ControlError::bad_reply("the connection closed without an answer"));
    }
    let head: Head = serde_json::from_str(line).map_err(ControlError::bad_reply)?;
    check_version(head.v, false)?;
    match serde_json::from_str::<ReplyLine<S>>(line).map_err(ControlError::bad_reply)?.body {
        ReplyBody::Ok(response) => Ok(response),
        ReplyBody::Error(wire) => Err(wire.into_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests() -> Vec<Request> {
        vec![
            Request::Status,
            Request::Watch,
            Request::Route { service: Service::Claude, on: true },
            Request::Reload,
            Request::ApplySettings,
            Request::Open { screen: Some("logs".into()) },
            Request::Open { screen: None },
            Request::Quit,
        ]
    }

    #[test]
    fn every_request_reads_back_as_written() {
        for request in requests() {
            let line = encode_request(&request);
            assert!(line.ends_with('\n') && !line.trim_end().contains('\n'), "one line: {line:?}");
            assert!(line.contains(&format!("\"cmd\":\"{}\"", request.name())), "{line}");
            assert_eq!(decode_request(&line), Ok(request));
        }
    }

    #[test]
    fn every_reply_reads_back_as_written() {
        let report = SwitchReport {
            service: Service::Codex,
            file: "/h/.codex/config.toml".into(),
            backup: None,
            port: Some(3211),
            changed: true,
            already: false,
            restored: None,
            keys: vec![],
            kept: vec![],
        };
        let answers: Vec<Answer<Vec<u8>>> = vec![
            Ok(Response::Status(vec![1, 2])),
            Ok(Response::Version(7)),
            Ok(Response::Routed(report)),
            Ok(Response::Done),
            Err(ControlError::failed("the codex proxy is turned off; enable it in Settings first")),
        ];
        for answer in answers {
            let line = encode_reply(&answer);
            assert_eq!(decode_reply::<Vec<u8>>(&line), answer, "{line}");
        }
    }

    #[test]
    fn a_malformed_line_is_a_bad_request() {
        for line in ["", "not json", "{\"v\":1,\"cmd\":\"explode\"}", "{\"v\":1,\"cmd\":\"route\"}", "[1]"] {
            let error = decode_request(line).unwrap_err();
            assert!(matches!(error, ControlError::BadRequest { .. }), "{line}: {error:?}");
            assert!(error.to_string().starts_with("not a request"), "{error}");
        }
    }

    #[test]
    fn another_version_is_refused_before_its_command_is_read() {
        assert_eq!(
            decode_request("{\"v\":2,\"cmd\":\"something_new\"}"),
            Err(ControlError::UnsupportedVersion { server: PROTOCOL_VERSION, client: 2 })
        );
        assert_eq!(
            decode_request("{\"cmd\":\"status\"}"),
            Err(ControlError::UnsupportedVersion { server: PROTOCOL_VERSION, client: 0 }),
            "a line without a version is from before versions"
        );
        assert_eq!(
            decode_reply::<()>("{\"v\":9,\"ok\":{\"reply\":\"done\"}}"),
            Err(ControlError::UnsupportedVersion { server: 9, client: PROTOCOL_VERSION })
        );
        // What a server from before versions answered.
        assert_eq!(
            decode_reply::<()>("{\"error\":\"not a request: unknown variant\"}"),
            Err(ControlError::UnsupportedVersion { server: 0, client: PROTOCOL_VERSION })
        );
    }

    #[test]
    fn a_reply_that_is_not_one_is_a_bad_reply() {
        for line in ["", "garbage", "{\"v\":1}", "{\"v\":1,\"ok\":{\"reply\":\"status\",\"body\":\"x\"}}"] {
            assert!(matches!(decode_reply::<Vec<u8>>(line), Err(ControlError::BadReply { .. })), "{line}");
        }
    }
}
