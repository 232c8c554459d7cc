//! Claude Code → a Chat Completions upstream.
//!
//! - [`request`]: an Anthropic Messages request (`POST /v1/messages`)
//!   becomes a Chat Completions request (`POST /v1/chat/completions`).
//! - [`stream`]: the chat answer (chunks, streamed or one JSON body) becomes
//!   the Messages event stream Claude Code reads, `message_start` …
//!   `message_stop`, or one `error` event.
//! - [`answer`]: that translation over the upstream's byte stream (for the
//!   proxy's pump, which then sees a native Messages stream), a whole
//!   non-streaming answer, the upstream's errors in Anthropic's shape, and
//!   `count_tokens` answered locally.

pub mod answer;
pub mod request;
pub mod stream;

pub use answer::{count_tokens, error_body, translate_json_body, ChatToMessages};
pub use request::{translate_request, RequestError, Translated};
pub use stream::Translator;

/// What a Claude request on `path` is to the bridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `…/messages`: a turn, translated.
    Turn,
    /// `…/messages/count_tokens`: answered here, as a chat upstream has no
    /// such endpoint.
    CountTokens,
}

/// The route of a `POST` on `path` (the query, such as `?beta=true`, is not
/// part of it); `None` for other paths, which go to the upstream as they are.
pub fn route(path: &str) -> Option<Route> {
    let path = path.trim_end_matches('/');
    if path.ends_with("/messages") {
        Some(Route::Turn)
    } else if path.ends_with("/messages/count_tokens") {
        Some(Route::CountTokens)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_posts_are_turns_and_count_tokens_is_local() {
        assert_eq!(route("/v1/messages"), Some(Route::Turn));
        assert_eq!(route("/api/v1/messages/"), Some(Route::Turn));
        assert_eq!(route("/v1/messages/count_tokens"), Some(Route::CountTokens));
        assert_eq!(route("/v1/models"), None);
        assert_eq!(route("/"), None);
    }
}
