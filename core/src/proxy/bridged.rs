//! An attempt at an upstream that speaks another protocol than the client:
//! the request translated on the way out, and a successful answer wrapped
//! in the translation on the way back, before the pump, so everything after
//! it (observer, failover before content, usage, the log) sees the client's
//! own stream. Error answers are not translated: a Chat Completions error
//! body (`{"error": {…}}`) is already in Codex's native shape, and keeps
//! the failover rules of every upstream (`lb::retry`).
//!
//! Native upstreams never come here (see [`prepare`]).

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use http::{header, HeaderMap, HeaderValue, Method};

use super::turn::Turn;
use crate::bridge::responses_to_chat::{self, translate_json_body, ChatToResponses, Translated, Translator};
use crate::lb::{ErrorKind, UpstreamError};
use crate::live::ActiveUpstream;

/// A non-streaming answer larger than this is not translated.
const MAX_JSON_ANSWER: usize = 32 << 20;

/// A request on its way to a bridged upstream.
pub(super) struct Bridged {
    pub path: &'static str,
    pub body: Bytes,
    translated: Translated,
}

/// `Some` when this request to `upstream` goes through a bridge: a Codex
/// turn (`POST …/responses`) to a `chat` upstream. Other requests to it
/// (`GET /v1/models`…) go as they are.
pub(super) fn prepare(turn: &Turn, upstream: &ActiveUpstream) -> Result<Option<Bridged>, UpstreamError> {
    if upstream.native || turn.method != Method::POST || !responses_to_chat::is_turn(turn.uri.path()) {
        return Ok(None);
    }
    let mut translated = responses_to_chat::translate_request(&turn.body)
        .map_err(|err| UpstreamError::new(ErrorKind::BadRequest, err.to_string()))?;
    let body = Bytes::from(std::mem::take(&mut translated.body));
    Ok(Some(Bridged { path: responses_to_chat::CHAT_PATH, body, translated }))
}

pub(super) type ByteStream = BoxStream<'static, reqwest::Result<Bytes>>;

impl Bridged {
    /// A successful chat answer as the client's: its headers and body.
    pub async fn answer(&self, response: reqwest::Response) -> Result<(HeaderMap, ByteStream), UpstreamError> {
        let mut headers = response.headers().clone();
        for name in [header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::TRANSFER_ENCODING] {
            headers.remove(name);
        }
        let content_type =
            headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
        let translator = Translator::new(&self.translated);
        if content_type.starts_with("text/event-stream") {
            if !self.translated.stream {
                return Err(UpstreamError::new(
                    ErrorKind::Unknown,
                    "the Chat Completions upstream answered a non-streaming request with an event stream",
                ));
            }
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
            return Ok((headers, ChatToResponses::new(response.bytes_stream().boxed(), translator).boxed()));
        }
        // A whole answer: read it, then translate it at once.
        let body = read_all(response).await?;
        let unreadable = |message: String| {
            UpstreamError::new(ErrorKind::Unknown, format!("the Chat Completions upstream's answer: {message}"))
        };
        if self.translated.stream {
            // Asked to stream, it answered at once: Codex still gets a stream.
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
            let events = futures_util::stream::iter([Ok::<_, reqwest::Error>(body)]).boxed();
            return Ok((headers, ChatToResponses::new(events, translator).boxed()));
        }
        let out = translate_json_body(&body, translator).map_err(unreadable)?;
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok((headers, futures_util::stream::iter([Ok(Bytes::from(out))]).boxed()))
    }
}

async fn read_all(response: reqwest::Response) -> Result<Bytes, UpstreamError> {
    let mut stream = response.bytes_stream();
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
