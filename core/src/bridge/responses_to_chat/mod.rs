//! Codex → a Chat Completions upstream.
//!
//! - [`request`]: a Responses API request (`POST /v1/responses`) becomes a
//!   Chat Completions request (`POST /v1/chat/completions`).
//! - [`stream`]: the chat answer (chunks, streamed or one JSON body) becomes
//!   the ordered Responses event stream Codex reads, ending with
//!   `response.completed` (usage, status) or `response.failed`.
//! - [`adapter`]: that translation over the upstream's byte stream, for the
//!   proxy's pump, which then sees a native Responses stream.
//! - `events`: the Responses items and events both build.

pub mod adapter;
mod events;
pub mod request;
pub mod stream;

pub use adapter::{translate_json_body, ChatToResponses};
pub use request::{translate_request, RequestError, Translated};
pub use stream::Translator;

pub use crate::bridge::chat::CHAT_PATH;

/// Whether a Codex request on `path` is a turn the bridge translates
/// (`/v1/responses`, or `/responses` under another prefix). Other paths
/// (`/v1/models`…) go to the upstream as they are.
pub fn is_turn(path: &str) -> bool {
    path.trim_end_matches('/').ends_with("/responses")
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_responses_posts_are_turns() {
        assert!(super::is_turn("/v1/responses"));
        assert!(super::is_turn("/responses"));
        assert!(!super::is_turn("/v1/models"));
        assert!(!super::is_turn("/v1/responses/compact"));
    }
}
