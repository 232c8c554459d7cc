//! An attempt at an upstream that speaks another protocol than the client:
//! the request translated on the way out, and the answer wrapped in the
//! translation on the way back, before the pump, so everything after it
//! (observer, failover before content, usage, the log) sees the client's
//! own stream. Two directions (see [`crate::bridge`]):
//!
//! - Codex → chat: a chat error body (`{"error": {…}}`) is already in
//!   Codex's native shape and goes back as it is.
//! - Claude Code → chat: a chat error body becomes Anthropic's
//!   `{"type": "error", …}`; `count_tokens` is answered here (an estimate),
//!   as a chat upstream has no such endpoint.
//!
//! Which answers fail over stays as for every upstream (`lb::retry`, by
//! status, before the translation). Native upstreams never come here (see
//! [`prepare`]).

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use http::{header, HeaderMap, HeaderValue, Method, StatusCode};

use super::observe::Observer;
use super::pump::Pump;
use super::turn::{Chosen, ChosenBody, Tried, Turn};
use crate::bridge::chat;
use crate::bridge::messages_to_chat::{self, ChatToMessages, Route};
use crate::bridge::responses_to_chat::{self, ChatToResponses};
use crate::lb::{ErrorKind, UpstreamError};
use crate::live::ActiveUpstream;
use crate::Service;

/// A non-streaming answer larger than this is not translated.
const MAX_JSON_ANSWER: usize = 32 << 20;

/// A request on its way to a bridged upstream.
pub(super) struct Bridged {
    pub path: &'static str,
    pub body: Bytes,
    direction: Direction,
}

enum Direction {
    Codex(responses_to_chat::Translated),
    Claude(messages_to_chat::Translated),
    /// Answered here, without the upstream: this JSON body.
    Local(Bytes),
}

/// `Some` when this request to `upstream` goes through a bridge: a turn
/// (Codex `POST …/responses`, Claude `POST …/messages`) to a `chat`
/// upstream, or Claude's `count_tokens`. Other requests to it
/// (`GET /v1/models`…) go as they are.
pub(super) fn prepare(turn: &Turn, upstream: &ActiveUpstream) -> Result<Option<Bridged>, UpstreamError> {
    if upstream.native || turn.method != Method::POST {
        return Ok(None);
    }
    let unreadable = |message: String| UpstreamError::new(ErrorKind::BadRequest, message);
    let path = turn.uri.path();
    let direction = match turn.state.service {
        Service::Codex if responses_to_chat::is_turn(path) => Direction::Codex(
            responses_to_chat::translate_request(&turn.body).map_err(|err| unreadable(err.to_string()))?,
        ),
        Service::Claude => match messages_to_chat::route(path) {
            Some(Route::Turn) => Direction::Claude(
                messages_to_chat::translate_request(&turn.body).map_err(|err| unreadable(err.to_string()))?,
            ),
            Some(Route::CountTokens) => Direction::Local(Bytes::from(messages_to_chat::count_tokens(&turn.body))),
            None => return Ok(None),
        },
        Service::Codex => return Ok(None),
    };
    let body = match &direction {
        Direction::Codex(t) => Bytes::from(t.body.clone()),
        Direction::Claude(t) => Bytes::from(t.body.clone()),
        Direction::Local(_) => Bytes::new(),
    };
    Ok(Some(Bridged { path: chat::CHAT_PATH, body, direction }))
}

pub(super) type ByteStream = BoxStream<'static, Result<Bytes, hyper::Error>>;

/// An upstream's answer as the stream of its body's pieces.
pub(super) type UpstreamResponse = super::pool::UpstreamResponse;

/// The body of `response`, piece by piece as the upstream sends it.
pub(super) fn body_stream(response: UpstreamResponse) -> ByteStream {
    http_body_util::BodyDataStream::new(response.into_body()).boxed()
}

impl Bridged {
    /// The answer when the bridge gives it itself (`count_tokens`): the
    /// upstream is not asked.
    pub fn answered_here(&self, turn: &Turn) -> Option<Tried> {
        let Direction::Local(body) = &self.direction else { return None };
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let observer = Observer::new(turn.state.service, &headers);
        let stream = futures_util::stream::iter([Ok(body.clone())]).boxed();
        let pump = Pump::from_stream(stream, observer, turn.settings.limits.stream_idle_timeout, false);
        let body = ChosenBody::Stream(Vec::new(), Box::new(pump));
        Some(Tried::Chosen(Chosen { status: StatusCode::OK, headers, body }))
    }

    fn stream(&self) -> bool {
        match &self.direction {
            Direction::Codex(t) => t.stream,
            Direction::Claude(t) => t.stream,
            Direction::Local(_) => false,
        }
    }

    /// The chat answer as the client's: its headers and body. An error
    /// answer (one `lb::retry` did not fail over from) in the client's
    /// error shape.
    pub async fn answer(&self, response: UpstreamResponse) -> Result<(HeaderMap, ByteStream), UpstreamError> {
        let status = response.status();
        if !status.is_success() {
            return self.error_answer(status, response).await;
        }
        let mut headers = translated_headers(&response);
        let content_type =
            headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let event_stream = content_type.starts_with("text/event-stream");
        if event_stream && !self.stream() {
            return Err(UpstreamError::new(
                ErrorKind::Unknown,
                "the Chat Completions upstream answered a non-streaming request with an event stream",
            ));
        }
        if event_stream {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
            return Ok((headers, self.translate_stream(body_stream(response))));
        }
        // A whole answer: read it, then translate it at once.
        let body = read_all(response).await?;
        if self.stream() {
            // Asked to stream, it answered at once: the client still gets a stream.
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
            let events = futures_util::stream::iter([Ok::<_, hyper::Error>(body)]).boxed();
            return Ok((headers, self.translate_stream(events)));
        }
        let out = match &self.direction {
            Direction::Codex(t) => responses_to_chat::translate_json_body(&body, responses_to_chat::Translator::new(t)),
            Direction::Claude(t) => {
                messages_to_chat::translate_json_body(&body, messages_to_chat::Translator::new(t.model.clone()))
            }
            Direction::Local(_) => unreachable!("a local answer never asks the upstream"),
        };
        let out = out.map_err(|message| {
            UpstreamError::new(ErrorKind::Unknown, format!("the Chat Completions upstream's answer: {message}"))
        })?;
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok((headers, futures_util::stream::iter([Ok(Bytes::from(out))]).boxed()))
    }

    fn translate_stream(&self, upstream: ByteStream) -> ByteStream {
        match &self.direction {
            Direction::Codex(t) => ChatToResponses::new(upstream, responses_to_chat::Translator::new(t)).boxed(),
            Direction::Claude(t) => {
                ChatToMessages::new(upstream, messages_to_chat::Translator::new(t.model.clone())).boxed()
            }
            Direction::Local(_) => unreachable!("a local answer never asks the upstream"),
        }
    }

    /// An error answer: as it is for Codex (chat errors are OpenAI's, its
    /// own shape), in Anthropic's shape for Claude Code.
    async fn error_answer(
        &self,
        status: StatusCode,
        response: UpstreamResponse,
    ) -> Result<(HeaderMap, ByteStream), UpstreamError> {
        if !matches!(self.direction, Direction::Claude(_)) {
            return Ok((response.headers().clone(), body_stream(response)));
        }
        let mut headers = translated_headers(&response);
        let body = read_all(response).await?;
        let out = messages_to_chat::error_body(&body, super::native_error::anthropic_type(status));
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok((headers, futures_util::stream::iter([Ok(Bytes::from(out))]).boxed()))
    }
}

/// The upstream's headers without those of its body's framing, which the
/// translated body does not keep.
fn translated_headers(response: &UpstreamResponse) -> HeaderMap {
    let mut headers = response.headers().clone();
    for name in [header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::TRANSFER_ENCODING] {
        headers.remove(name);
    }
    headers
}

async fn read_all(response: UpstreamResponse) -> Result<Bytes, UpstreamError> {
    let mut stream = body_stream(response);
    let mut body = Vec::new();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|err| {
            UpstreamError::new(
                ErrorKind::Connection,
                format!("the answer broke off: {}", super::pump::root_cause(&err)),
            )
        })?;
        body.extend_from_slice(&piece);
        if body.len() > MAX_JSON_ANSWER {
            return Err(UpstreamError::new(
                ErrorKind::Unknown,
                format!("the Chat Completions upstream's answer is larger than {MAX_JSON_ANSWER} bytes"),
            ));
        }
    }
    Ok(Bytes::from(body))
}
