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
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::{Child, Command};
use tokio::runtime::Handle;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

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

/// A window process, supervised by one task (tokio's child watcher, no
/// polling): it writes our orders to the child's stdin, notices its exit
/// (and reaps it, so no zombie lingers), and kills it when asked.
struct Running {
    /// Orders ([`order_line`]s); dropped, the child's stdin closes.
    orders: mpsc::UnboundedSender<String>,
    /// Becomes `true` once the child has exited.
    exited: watch::Receiver<bool>,
    kill: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Running {
    fn is_alive(&self) -> bool {
        !*self.exited.borrow()
    }
}

/// The window process, if one runs.
pub struct WindowProcess {
    bin: PathBuf,
    /// Where the supervising tasks run (callers may be GTK or notification
    /// threads, outside tokio).
    handle: Handle,
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
    /// Call inside a tokio runtime (its tasks run there).
    pub fn new(bin: PathBuf) -> WindowProcess {
        WindowProcess { bin, handle: Handle::current(), running: Mutex::new(None) }
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
            self.handle.spawn(async move {
                tokio::time::sleep(EXIT_RACE).await;
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
        if let Some(r) = running.as_ref() {
            if r.is_alive() && r.orders.send(order_line(Some(screen).filter(|s| !s.is_empty()))).is_ok() {
                return Ok(true);
            }
        }
        let mut command = Command::new(&self.bin);
        command.arg("--from-app");
        if !screen.is_empty() {
            command.args(["--screen", screen]);
        }
        let child = {
            let _in_tokio = self.handle.enter();
            command.stdin(Stdio::piped()).spawn().map_err(|source| OpenError { bin: self.bin.clone(), source })?
        };
        tracing::info!(pid = child.id(), "window process started");
        let (orders, orders_rx) = mpsc::unbounded_channel();
        let (exited_tx, exited) = watch::channel(false);
        let (kill, kill_rx) = oneshot::channel();
        let task = self.handle.spawn(supervise(child, orders_rx, exited_tx, kill_rx));
        // A window process replaced here has exited (or is on its way out).
        if let Some(old) = running.replace(Running { orders, exited, kill, task }) {
            drop(old.orders);
        }
        Ok(false)
    }

    /// Whether a window process runs.
    pub fn is_running(&self) -> bool {
        lock(&self.running).as_ref().is_some_and(Running::is_alive)
    }

    /// Close the window process: its stdin closes, it exits; one that does
    /// not within `grace` is killed.
    pub async fn close(&self, grace: Duration) {
        let Some(Running { orders, mut exited, kill, task }) = lock(&self.running).take() else { return };
        drop(orders);
        if tokio::time::timeout(grace, exited.wait_for(|e| *e)).await.is_err() {
            let _ = kill.send(());
        }
        let _ = task.await;
    }
}

/// The one task per window process: orders → stdin; exit → `exited` (the
/// child is reaped); `kill` → SIGKILL and reap.
async fn supervise(
    mut child: Child,
    mut orders: mpsc::UnboundedReceiver<String>,
    exited: watch::Sender<bool>,
    mut kill: oneshot::Receiver<()>,
) {
    let mut stdin = child.stdin.take();
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            _ = &mut kill => {
                let _ = child.start_kill();
                break child.wait().await;
            }
            order = orders.recv(), if stdin.is_some() => match order {
                Some(line) => {
                    let pipe = stdin.as_mut().expect("checked above");
                    if pipe.write_all(line.as_bytes()).await.and(pipe.flush().await).is_err() {
                        // It is exiting: refuse further orders, so `open`
                        // starts a new window instead of telling this one.
                        stdin = None;
                        orders.close();
                    }
                }
                // The app quits: closing stdin tells the window to exit.
                None => stdin = None,
            },
        }
    };
    exited.send_replace(true);
    match status {
        Ok(status) => tracing::info!(%status, "window process ended"),
        Err(err) => tracing::warn!(%err, "cannot wait for the window process"),
    }
}

/// The order that brings the window up at `screen`: one control-protocol
/// line ([`Request::Open`]).
pub fn order_line(screen: Option<&str>) -> String {
    encode_request(&Request::Open { screen: screen.map(str::to_string) })
}

/// Tell the window process on `stdin` to show itself at `screen`.
pub fn write_order(stdin: &mut impl Write, screen: Option<&str>) -> io::Result<()> {
    stdin.write_all(order_line(screen).as_bytes())?;
    stdin.flush()
}
