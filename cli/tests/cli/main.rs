//! The `ch` binary, run as a user would: real process, real signals, a
//! temporary `$HOME`, mock upstreams standing in for the relays. One test
//! binary; a module per command.

mod logs;
mod serve;
mod usage;
mod util;
