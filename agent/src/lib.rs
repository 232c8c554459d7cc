//! codex-helper's resident desktop process (`codex-helper-app`): the core
//! proxies, the tray and the desktop notifications, in a process that
//! never loads WebKit — so a tray-only app stays small. The window is a
//! separate process (`codex-helper-window`, Tauri), started on demand and
//! gone once hidden a while; it reads live state from here over
//! [`ipc`]. No business logic lives here: everything goes through
//! `codex_helper_core`, as the CLI does.
//!
//! - [`run`]: the entry point (single instance, GTK main loop, Quit).
//! - [`Agent`]: what the tray, the socket and the notifications act on.
//! - [`serve`], [`actions`]: thin adapters over the core supervisor
//!   (`codex_helper_core::supervisor`, shared with `ch`): proxies, client
//!   repair, settings applied, shutdown; activate a config, route a client.
//! - [`state`], [`status`]: what the process holds; the live status.
//! - [`events`]: coalesced state changes → tray, notifications, window.
//! - [`tray`], [`notify`], [`window`], [`ipc`]: the faces.
//! - [`first_run`]: the one-time offer to start at login.

pub mod actions;
pub mod events;
pub mod first_run;
pub mod ipc;
pub mod notify;
pub mod serve;
pub mod speed;
pub mod state;
pub mod status;
pub mod tray;
pub mod window;

mod agent;
mod run;

pub use agent::{Agent, StartError};
pub use run::{keep_gtk_off_gl, run};
