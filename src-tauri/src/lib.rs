//! codex-helper's desktop app: the core proxies in-process, one click from
//! the tray. No business logic lives here; everything goes through
//! `codex_helper_core`, as the CLI does.
//!
//! - [`run`] / [`app_builder`]: plugins, state, tray and the run loop
//!   (`app_builder` is generic so tests drive it with the mock runtime).
//! - [`serve`]: the in-process proxies, client repair, graceful Quit.
//! - [`state`]: what the app holds.
//! - [`commands`]: the typed commands the UI calls (one file per area).
//! - [`events`]: follows state changes, coalesced, to the tray, the UI and
//!   [`notify`].
//! - [`tray`], [`window`]: the tray menu; the window that is destroyed
//!   while hidden.
//! - [`bindings`]: `ui/src/bindings.ts`, generated.

pub mod bindings;
pub mod commands;
pub mod events;
pub mod notify;
pub mod serve;
pub mod state;
pub mod tray;
pub mod window;

#[cfg(test)]
mod tests;

use std::sync::atomic::{AtomicBool, Ordering};

use codex_helper_core::config::Settings;
use codex_helper_core::{Paths, Runtime as CoreRuntime};
use tauri::{App, Manager, RunEvent, Runtime};

use crate::commands::logs::LogTail;
use crate::state::AppState;

/// Set by Quit: the one exit that is not prevented.
pub static QUITTING: AtomicBool = AtomicBool::new(false);

/// What to set up besides the proxies (tests have no tray or window).
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub tray: bool,
    pub window: bool,
}

/// The desktop entry point (`main.rs`).
pub fn run() {
    keep_gtk_off_gl();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .init();
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(err) => {
            eprintln!("codex-helper: {err}");
            std::process::exit(2);
        }
    };
    let builder = tauri::Builder::default()
        // A second launch focuses the first instead of starting again.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| window::open(app)));
    let app = app_builder(builder, commands::builder(), paths, Options { tray: true, window: true })
        .build(tauri::generate_context!())
        .unwrap_or_else(|err| {
            eprintln!("codex-helper: cannot start the app: {err}");
            std::process::exit(1);
        });
    app.run(on_run_event);
}

/// GTK sets up OpenGL at start-up even for a tray-only process, which loads
/// the GL driver (with Mesa's software renderer, all of LLVM): measured 130
/// MB resident while hidden, 78 MB without. The window draws fine without
/// GDK's GL (WebKit renders in its own process), so it is off unless the
/// user asked for something else.
fn keep_gtk_off_gl() {
    if cfg!(target_os = "linux") && std::env::var_os("GDK_GL").is_none() {
        // Single-threaded still: nothing else reads the environment yet.
        std::env::set_var("GDK_GL", "disable");
    }
}

/// Closing the last window (or destroying the hidden one) must not end the
/// app: it lives in the tray until Quit.
pub fn on_run_event<R: Runtime>(_app: &tauri::AppHandle<R>, event: RunEvent) {
    if let RunEvent::ExitRequested { api, code, .. } = event {
        if code.is_none() && !QUITTING.load(Ordering::SeqCst) {
            api.prevent_exit();
        }
    }
}

/// Everything but the single-instance plugin and the context.
pub fn app_builder<R: Runtime>(
    builder: tauri::Builder<R>,
    specta: tauri_specta::Builder<R>,
    paths: Paths,
    options: Options,
) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_shell::init())
        .plugin(tauri_plugin_notification::init())
        .manage(LogTail::default())
        .invoke_handler(specta.invoke_handler())
        .setup(move |app| {
            specta.mount_events(app);
            setup(app, paths, options)?;
            Ok(())
        })
}

fn setup<R: Runtime>(app: &mut App<R>, paths: Paths, options: Options) -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::load(&paths)?;
    let start_hidden = settings.app.start_hidden;
    // The core spawns its background tasks on the current tokio runtime:
    // build it inside Tauri's.
    let runtime =
        tauri::async_runtime::block_on(async move { CoreRuntime::with_settings(paths, settings) })?.with_owner("app");
    app.manage(AppState::new(runtime));
    let state = app.state::<AppState>();
    tauri::async_runtime::block_on(async {
        serve::start_all(&state).await;
        serve::repair_clients(&state).await;
    });
    if options.tray {
        tray::create(app.handle())?;
    }
    events::spawn(app.handle().clone());
    serve::quit_on_signal(app.handle().clone());
    if options.window && !start_hidden {
        window::open(app.handle());
    }
    Ok(())
}
