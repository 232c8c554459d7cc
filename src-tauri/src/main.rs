//! `codex-helper-app`: the resident process (proxies, tray, notifications).
//! It deliberately uses nothing of this crate's library, so it never links
//! Tauri or WebKit; the window is `codex-helper-window`.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The proxies' allocator, as in `ch` (cli/src/bin/ch.rs): mimalloc, not
// glibc's malloc, which was ~12% of a proxied request's instructions.
#[global_allocator]
static ALLOCATOR: codex_helper_alloc::Mimalloc = codex_helper_alloc::Mimalloc;

fn main() -> std::process::ExitCode {
    codex_helper_agent::run()
}
