//! `~/.codex-helper/logs/requests.jsonl`: one JSON line per proxied request.
//!
//! - [`record`]: the line's shape. The first nine fields (`timestamp_ms` …
//!   `usage`) are a public contract shared with the original codex-helper:
//!   they are only ever added to, never renamed or dropped, so people's
//!   scripts and dashboards keep working.
//! - [`line`]: a record as its line, the bytes serde would write, without
//!   serde's per-field cost.
//! - [`writer`]: a dedicated thread that appends lines, flushes as soon as
//!   it is idle and rotates by size, so the request path only pays for a
//!   channel send.
//! - [`filter`] and [`tail`]: reading it back, filtered and followed, for
//!   `ch logs` and the window's Logs screen alike.
//!
//! Never logged: API keys, headers, request or response bodies, query strings.

pub mod filter;
pub mod line;
pub mod reader;
pub mod record;
pub mod tail;
pub mod writer;

pub use filter::{LogFilter, StatusClass};
pub use record::{now_ms, path_without_query, Attempt, RequestRecord, Usage};
pub use tail::{Tail, TailError};
pub use writer::{LogWriterHandle, RequestLog};
