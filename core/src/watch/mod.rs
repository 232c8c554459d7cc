//! One way to watch a file: `config.json`, `filter.json`,
//! `usage_providers.json` and `settings.json` are each a [`Watched`] value
//! (parsed once per change, held in an `ArcSwap`, with the last
//! [`FileProblem`] and a version counter), and one [`Watcher`] task per
//! runtime polls them all. Readers — the request path above all — only
//! ever do an atomic load: no `stat`, no lock.
//!
//! A broken edit is never served and never rewritten: the last good value
//! stays, the problem names file, line, column and key, and says so.

mod file;
mod poll;
mod problem;

pub use file::{Check, Watched};
pub use poll::{Watcher, POLL_INTERVAL};
pub use problem::{FileProblem, Located, Serving};
