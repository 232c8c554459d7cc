//! The `ch` binary, run as a user would: real process, real signals, a
//! temporary `$HOME`, mock upstreams standing in for the relays. One test
//! binary; a module per command.

mod backup;
mod bootstrap;
mod config;
mod crash;
mod doctor;
mod import;
mod language;
mod logs;
mod oneshot;
mod output;
#[cfg(feature = "real-clients")]
mod real_clients;
mod secrets;
mod serve;
mod session;
mod speedtest;
mod status;
mod switch;
mod symlinks;
mod usage;
mod util;
