//! Bridges between a client's API and an upstream that speaks another one,
//! one module per direction. Each is pure: typed request in, request out;
//! the upstream's answer in, the client's answer out (a byte-stream adapter
//! for streams), so every mapping is unit-tested without sockets. The proxy
//! ([`crate::proxy`]) uses them only for an upstream whose `protocol` is
//! not the client's own; native upstreams never come here.
//!
//! - [`responses_to_chat`]: Codex (OpenAI Responses API) → an OpenAI Chat
//!   Completions upstream.
//! - [`messages_to_chat`]: Claude Code (Anthropic Messages) → an OpenAI
//!   Chat Completions upstream.
//! - Shared by both: [`chat`], the Chat Completions shapes, and
//!   [`chat_sse`], the reader of a chat event stream that feeds a
//!   direction's translator.

pub mod chat;
pub mod chat_sse;
pub mod messages_to_chat;
pub mod responses_to_chat;
