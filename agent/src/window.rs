//! The window lives in its own process (`codex-helper-window`, the Tauri
//! webview), started on demand: the resident process never loads WebKit,
//! so a tray-only app stays small. The window process exits by itself once
//! it has been hidden a while.
//!
//! The child's stdin is our line to it, in the control protocol: one
//! [`Request::Open`] line brings it up at a screen; closing stdin (Quit, or
//! this process dying) makes it exit. A pipe and not app.sock: the order
//! goes to the window, which serves no socket, and only the parent holds
//! the pipe, so it needs no address and no auth, and its end of file is
//! the news that the app is gone.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use codex_helper_core::control::{encode_request, Request};

use crate::state::lock;

/// Overrides where the window program is (tests, development).
pub const BIN_ENV: &str = "CODEX_HELPER_WINDOW_BIN";

/// Long enough for a window process that was exiting to be gone (it does
/// nothing but tear down), short enough not to feel like a lost click.
const EXIT_RACE: Duration = Duration::from_millis(600);

/// The screens the window knows (its URL hashes).
pub const SCREENS: &[&str] = &["dashboard", "configs", "usage", "logs", "sessions", "settings"];

/// `codex-helper-window` next to our own executable, unless overridden.
pub fn default_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os(BIN_ENV) {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    exe.with_file_name("codex-helper-window")
}

struct Running {
    child: Arc<Mutex<Child>>,
    stdin: ChildStdin,
}

/// The window process, if one runs.
pub struct WindowProcess {
    bin: PathBuf,
    running: Mutex<Option<Running>>,
}

/// Why the window could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the window program {}: {source} (reinstall codex-helper, or set {BIN_ENV})", .bin.display())]
pub struct OpenError {
    bin: PathBuf,
    #[source]
    source: std::io::Error,
}

impl WindowProcess {
    pub fn new(bin: PathBuf) -> WindowProcess {
        WindowProcess { bin, running: Mutex::new(None) }
    }

    /// Show the window at `screen` (an unknown screen means the dashboard),
    /// starting the window process if none runs.
    ///
    /// A window process that was hidden long enough exits by itself; an
    /// order written while it is on its way out is lost. So after telling a
    /// running one, look again shortly: if it has gone, start a new one.
    pub fn open(self: &Arc<Self>, screen: Option<&str>) -> Result<(), OpenError> {
        let screen = screen.filter(|s| SCREENS.contains(s)).map(str::to_string);
        if self.tell_or_start(screen.as_deref())? {
            let window = self.clone();
            let _ = std::thread::Builder::new().name("window-check".into()).spawn(move || {
                std::thread::sleep(EXIT_RACE);
                if !window.is_running() {
                    tracing::info!("the window process was exiting; starting a new one");
                    if let Err(err) = window.tell_or_start(screen.as_deref()) {
                        tracing::error!(%err, "cannot open the window");
                    }
                }
            });
        }
        Ok(())
    }

    /// `true`: a running window process was told; `false`: one was started.
    fn tell_or_start(&self, screen: Option<&str>) -> Result<bool, OpenError> {
        let screen = screen.unwrap_or("");
        let mut running = lock(&self.running);
        if let Some(r) = running.as_mut() {
            let alive = matches!(lock(&r.child).try_wait(), Ok(None));
            if alive && write_order(&mut r.stdin, Some(screen).filter(|s| !s.is_empty())).is_ok() {
                return Ok(true);
            }
        }
        let mut command = Command::new(&self.bin);
        command.arg("--from-app");
        if !screen.is_empty() {
            command.args(["--screen", screen]);
        }
        let mut child =
            command.stdin(Stdio::piped()).spawn().map_err(|source| OpenError { bin: self.bin.clone(), source })?;
        tracing::info!(pid = child.id(), "window process started");
        let stdin = child.stdin.take().expect("stdin is piped");
        let child = Arc::new(Mutex::new(child));
        reap_when_done(child.clone());
        *running = Some(Running { child, stdin });
        Ok(false)
    }

    /// Whether a window process runs.
    pub fn is_running(&self) -> bool {
        lock(&self.running).as_ref().is_some_and(|r| matches!(lock(&r.child).try_wait(), Ok(None)))
    }

    /// Close the window process: its stdin closes, it exits; one that does
    /// not within `grace` is killed.
    pub fn close(&self, grace: Duration) {
        let Some(Running { child, stdin }) = lock(&self.running).take() else { return };
        drop(stdin);
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if !matches!(lock(&child).try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut child = lock(&child);
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Tell the window process on `stdin` to show itself at `screen`.
pub fn write_order(stdin: &mut impl Write, screen: Option<&str>) -> io::Result<()> {
    let order = Request::Open { screen: screen.map(str::to_string) };
    stdin.write_all(encode_request(&order).as_bytes())?;
    stdin.flush()
}

/// Collect the exit status once the window process ends, so it does not
/// linger as a zombie while the tray keeps running.
fn reap_when_done(child: Arc<Mutex<Child>>) {
    let _ = std::thread::Builder::new().name("window-reaper".into()).spawn(move || loop {
        match lock(&child).try_wait() {
            Ok(None) => {}
            Ok(Some(status)) => {
                tracing::info!(%status, "window process ended");
                return;
            }
            Err(_) => return,
        }
        std::thread::sleep(Duration::from_millis(500));
    });
}
