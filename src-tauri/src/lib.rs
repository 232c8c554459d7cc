//! codex-helper's window (`codex-helper-window`): the Tauri webview with the
//! six screens. It is started on demand by the resident process
//! (`codex-helper-app`, crate `codex_helper_agent`: proxies, tray,
//! notifications) and exits once hidden a while, so no webview stays in
//! memory while the app lives in the tray. No business logic lives here:
//! files go through `codex_helper_core`, live state through the resident
//! process ([`codex_helper_agent::ipc`]).
//!
//! - [`run`] / [`app_builder`]: plugins, state and the run loop
//!   (`app_builder` is generic so tests drive it with the mock runtime).
//! - [`state`]: what the window holds.
//! - [`commands`]: the typed commands the UI calls (one file per area).
//! - [`events`]: live changes relayed to the UI.
//! - [`window`]: the window, hidden on close, and the process's exit.
//! - [`bindings`]: `ui/src/bindings.ts`, generated.

pub mod bindings;
pub mod commands;
pub mod events;
pub mod state;
pub mod window;

#[cfg(test)]
mod tests;

use codex_helper_core::Paths;
use tauri::{App, Manager, Runtime};

use crate::commands::logs::LogTail;
use crate::state::WindowState;

/// What to set up besides the commands (tests have no window).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub window: bool,
    /// The screen to open at (`--screen logs`).
    pub screen: Option<String>,
    /// Started by the resident process: follow its orders on stdin
    /// (`--from-app`).
    pub from_app: bool,
}

impl Options {
    fn from_args(args: impl IntoIterator<Item = String>) -> Options {
        let mut options = Options { window: true, ..Options::default() };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--screen" => options.screen = args.next(),
                "--from-app" => options.from_app = true,
                _ => {}
            }
        }
        options
    }
}

/// The window process's entry point (`window_main.rs`).
pub fn run() {
    codex_helper_agent::keep_gtk_off_gl();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(err) => {
            eprintln!("codex-helper: {err}");
            std::process::exit(2);
        }
    };
    // Core's error messages speak the window's language (set again each
    // time the UI asks for it, `commands::settings::ui_language`).
    let pref = codex_helper_core::config::Settings::load(&paths).map(|s| s.language).unwrap_or_default();
    codex_helper_core::i18n::set_lang(codex_helper_core::i18n::Lang::current(pref));
    let options = Options::from_args(std::env::args().skip(1));
    let app = app_builder(tauri::Builder::default(), commands::builder(), paths, options)
        .build(tauri::generate_context!())
        .unwrap_or_else(|err| {
            eprintln!("codex-helper: cannot start the window: {err}");
            std::process::exit(1);
        });
    app.run(|_, _| {});
}

/// Everything but the context.
pub fn app_builder<R: Runtime>(
    builder: tauri::Builder<R>,
    specta: tauri_specta::Builder<R>,
    paths: Paths,
    options: Options,
) -> tauri::Builder<R> {
    builder.plugin(tauri_plugin_shell::init()).manage(LogTail::default()).invoke_handler(specta.invoke_handler()).setup(
        move |app| {
            specta.mount_events(app);
            setup(app, paths, options);
            Ok(())
        },
    )
}

fn setup<R: Runtime>(app: &mut App<R>, paths: Paths, options: Options) {
    app.manage(WindowState::new(paths));
    events::relay(app.handle().clone());
    if options.window {
        window::open(app.handle(), options.screen.as_deref());
    }
    if options.from_app {
        window::follow_app(app.handle().clone());
    }
}

#[cfg(test)]
mod options_tests {
    use super::*;

    #[test]
    fn options_come_from_the_command_line() {
        let o = Options::from_args(["--from-app", "--screen", "logs", "--automation"].map(String::from));
        assert!(o.window && o.from_app);
        assert_eq!(o.screen.as_deref(), Some("logs"));
    }
}
