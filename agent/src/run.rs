//! The entry point of `codex-helper-app`: one instance per user (a second
//! launch shows the first one's window), the proxies and the tray on a
//! GTK main loop, the window on demand, and Quit (tray, socket, SIGTERM,
//! Ctrl-C) that puts clients back.

use std::process::ExitCode;
use std::sync::Arc;

use codex_helper_core::config::Settings;
use codex_helper_core::Paths;

use crate::ipc::{self, Bound};
use crate::{events, tray, window, Agent};

/// What the command line asks for. Unknown arguments are ignored: desktop
/// launchers and WebDriver add their own.
#[derive(Debug, Default, PartialEq)]
struct Args {
    /// Start in the tray only, whatever settings.json says.
    hidden: bool,
    /// Open the window at this screen.
    screen: Option<String>,
}

impl Args {
    fn parse(args: impl IntoIterator<Item = String>) -> Args {
        let mut out = Args::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--hidden" => out.hidden = true,
                "--screen" => out.screen = args.next(),
                _ => {}
            }
        }
        out
    }
}

pub fn run() -> ExitCode {
    keep_gtk_off_gl();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse(std::env::args().skip(1));
    let paths = match Paths::from_env() {
        Ok(p) => p,
        Err(err) => return fail(err),
    };
    // Before anything can go wrong in words (the "cannot start" note).
    let language = Settings::load(&paths).map(|s| s.language).unwrap_or_default();
    codex_helper_core::i18n::set_lang(codex_helper_core::i18n::Lang::current(language));
    let rt = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(err) => return fail(err),
    };
    let _entered = rt.enter();
    // First of all, before anything that takes time: from here on a
    // SIGTERM or Ctrl-C waits in these streams and becomes a clean Quit
    // once the app is up, instead of killing it half-started (status 143).
    let signals = match QuitSignals::install() {
        Ok(s) => s,
        Err(err) => return fail(err),
    };
    let listener = match rt.block_on(ipc::bind(&paths)) {
        Ok(Bound::Listener(listener)) => listener,
        Ok(Bound::Running(_)) if args.hidden && args.screen.is_none() => {
            // Autostart while it already runs: nothing to do.
            eprintln!("{}", codex_helper_core::t!("tray-already-running"));
            return ExitCode::SUCCESS;
        }
        Ok(Bound::Running(client)) => {
            // Single instance: the running app shows its window instead.
            return match rt.block_on(client.open(args.screen.as_deref())) {
                Ok(()) => {
                    eprintln!("{}", codex_helper_core::t!("tray-already-running-showing"));
                    ExitCode::SUCCESS
                }
                Err(err) => fail(err),
            };
        }
        Err(err) => return fail(err),
    };
    let start_hidden = Settings::load(&paths).map(|s| s.app.start_hidden).unwrap_or(false);
    let agent = match rt.block_on(Agent::start(paths, window::default_bin())) {
        Ok(agent) => agent,
        Err(err) => {
            // Started from a menu, there is no terminal to print to.
            crate::notify::show_and_wait(&crate::notify::Note::problem(codex_helper_core::t!(
                "notify-cannot-start",
                error = err.to_string()
            )));
            return fail(err);
        }
    };
    // Every long-running task hangs off the runtime's one shutdown signal
    // and is awaited by `Agent::shutdown`.
    let tasks = agent.state.runtime.tasks();
    tasks.spawn("app socket", ipc::serve(listener, agent.clone(), tasks.child()));

    let gui = gtk::init().is_ok();
    if gui {
        let on_tray = agent.clone();
        if let Err(err) = tray::create(move |action| on_tray.on_tray(action)) {
            tracing::error!(%err, "cannot put the icon in the tray");
        }
        crate::first_run::offer_autostart(agent.paths());
    } else {
        tracing::warn!("no display: serving without tray or window (Ctrl-C or SIGTERM quits)");
    }
    let refresher = agent.clone();
    events::spawn(agent.state.clone(), move |status, events| refresher.refresh(status, events, gui));
    quit_on_signal(agent.clone(), signals);
    if gui && (args.screen.is_some() || !(args.hidden || start_hidden)) {
        agent.open_window(args.screen.as_deref());
    }

    if gui {
        // On GTK's own loop, not a tokio thread: a Quit asked before
        // gtk::main runs (an early SIGTERM) would call gtk::main_quit with
        // no loop to quit, and the app would never exit.
        let waiter = agent.clone();
        glib::MainContext::default().spawn_local(async move {
            waiter.quit_requested().await;
            gtk::main_quit();
        });
        gtk::main();
    } else {
        rt.block_on(agent.quit_requested());
    }
    tracing::info!("quitting");
    rt.block_on(agent.shutdown());
    ExitCode::SUCCESS
}

/// GTK sets up OpenGL at start-up even for a process that only has a tray
/// icon, which loads the GL driver (with Mesa's software renderer, all of
/// LLVM): measured 88 MB resident for the tray process, 44 MB of it LLVM.
/// Neither the tray nor the window needs GDK's GL (WebKit renders in its
/// own process), so it is off unless the user asked for something else.
/// Call before any thread starts.
pub fn keep_gtk_off_gl() {
    if cfg!(target_os = "linux") && std::env::var_os("GDK_GL").is_none() {
        // Single-threaded still: nothing else reads the environment yet.
        std::env::set_var("GDK_GL", "disable");
    }
}

fn fail(err: impl std::fmt::Display) -> ExitCode {
    eprintln!("codex-helper: {err}");
    ExitCode::FAILURE
}

/// SIGTERM and SIGINT, caught from the moment [`QuitSignals::install`]
/// returns (tokio installs the handler when the stream is made, and a
/// signal that arrives before anyone waits is kept for the first `recv`).
struct QuitSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl QuitSignals {
    /// Call inside the runtime.
    fn install() -> std::io::Result<QuitSignals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(QuitSignals { term: signal(SignalKind::terminate())?, int: signal(SignalKind::interrupt())? })
    }
}

/// SIGTERM / SIGINT (logout, `kill`, Ctrl-C in a terminal) quit the same
/// way as the tray's Quit, so clients are switched back.
fn quit_on_signal(agent: Arc<Agent>, signals: QuitSignals) {
    let runtime = agent.state.runtime.clone();
    let stopped = runtime.tasks().stopped();
    runtime.tasks().spawn("quit on signal", async move {
        let QuitSignals { mut term, mut int } = signals;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
            () = stopped => return,
        }
        tracing::info!("asked to stop");
        agent.request_quit();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Args {
        Args::parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn arguments_it_does_not_know_are_ignored() {
        assert_eq!(parse(&[]), Args::default());
        assert_eq!(parse(&["--automation", "--hidden"]), Args { hidden: true, screen: None });
        assert_eq!(parse(&["--screen", "logs"]), Args { hidden: false, screen: Some("logs".into()) });
    }
}
