//! `codex-helper-window`: the app's window, started by `codex-helper-app`.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    codex_helper_app::run()
}
