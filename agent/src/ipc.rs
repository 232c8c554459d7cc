//! app.sock: how the window (and a second launch) talk to the resident
//! process, in the core control protocol
//! ([`codex_helper_core::control::protocol`]): one versioned JSON request
//! per line over a Unix socket, `~/.codex-helper/app.sock`, one typed reply
//! per line; `watch` instead streams [`Response::Version`] after every
//! refresh.
//!
//! A Unix socket because these are the app's own commands, asked by the
//! same user's programs on the same machine: it lives in the 0700 helper
//! directory and is 0600 itself, so being able to connect already means
//! "same user" (no token to keep), and being able to connect is also what
//! makes the app single-instance: a second launch finds the first and
//! asks it to open its window. (`ch status` asks the proxies' HTTP
//! endpoint instead, which `ch serve` has too.)

use std::future::Future;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use codex_helper_core::control::{self, decode_reply, decode_request, encode_reply, encode_request, Response};
use codex_helper_core::switch::SwitchReport;
use codex_helper_core::tasks::CancellationToken;
use codex_helper_core::{fsutil, Paths, Service};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use codex_helper_core::control::{ControlError as IpcError, Request};

use crate::status::AppStatus;

/// How long a request may take before the caller gives up.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// What [`Request::Status`] answers with on this socket (named once, so
/// the one status type can replace it here).
pub type StatusPayload = AppStatus;

/// One answer of the resident process.
pub type AppResponse = Response<StatusPayload>;

/// `~/.codex-helper/app.sock`.
pub fn socket_path(paths: &Paths) -> PathBuf {
    paths.helper_dir().join("app.sock")
}

/// An answer being worked out.
pub type Answer<'a> = Pin<Box<dyn Future<Output = control::Answer<StatusPayload>> + Send + 'a>>;

/// What the resident process answers.
pub trait Handler: Send + Sync + 'static {
    /// Any request but `Watch`.
    fn handle(&self, request: Request) -> Answer<'_>;
    /// The published version (see [`crate::state::AppState::publish`]).
    fn watch(&self) -> watch::Receiver<u64>;
}

/// The socket was free (we are the first), or another instance answers.
pub enum Bound {
    Listener(UnixListener),
    Running(Client),
}

fn io_error(path: &Path, source: io::Error) -> IpcError {
    IpcError::Io { at: path.display().to_string(), reason: source.to_string() }
}

/// Listen on the socket, unless a running instance answers there. A socket
/// file nobody answers on was left by a killed process: replace it.
pub async fn bind(paths: &Paths) -> Result<Bound, IpcError> {
    let dir = paths.helper_dir();
    fsutil::ensure_private_dir(&dir).map_err(|e| io_error(&dir, e))?;
    let path = socket_path(paths);
    let io_err = |source| io_error(&path, source);
    for _ in 0..3 {
        match UnixListener::bind(&path) {
            Ok(listener) => {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io_err)?;
                return Ok(Bound::Listener(listener));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                if UnixStream::connect(&path).await.is_ok() {
                    return Ok(Bound::Running(Client { path: path.clone() }));
                }
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(io_err(e)),
                    _ => {}
                }
            }
            Err(e) => return Err(io_err(e)),
        }
    }
    Err(io_err(io::Error::other("another codex-helper keeps replacing the socket")))
}

/// Answer requests until `stop` is cancelled, then end every connection
/// (a `watch` stream would otherwise live as long as the process) and
/// return once all of them have: each is owned here, none runs detached,
/// so the shutdown that awaits this task awaits them too.
pub async fn serve(listener: UnixListener, handler: Arc<dyn Handler>, stop: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            // Reap the ones that ended, so a long-running app does not collect them.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let (handler, stop) = (handler.clone(), stop.clone());
                    connections.spawn(async move {
                        if let Err(err) = connection(stream, handler, stop).await {
                            tracing::debug!(%err, "app socket connection ended");
                        }
                    });
                }
                Err(err) => {
                    tracing::warn!(%err, "app socket: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    while connections.join_next().await.is_some() {}
}

/// One peer's requests, until it hangs up or `stop`: a request being
/// answered is finished and its reply written (a `quit` gets its `done`);
/// only waiting for the next line, or for the next version of a `watch`,
/// is cut short.
async fn connection(stream: UnixStream, handler: Arc<dyn Handler>, stop: CancellationToken) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    loop {
        let line = tokio::select! {
            () = stop.cancelled() => return Ok(()),
            line = lines.next_line() => line?,
        };
        let Some(line) = line else { return Ok(()) };
        let answer = match decode_request(&line) {
            Err(error) => Err(error),
            Ok(Request::Watch) => {
                let mut versions = handler.watch();
                loop {
                    let version = *versions.borrow_and_update();
                    write.write_all(encode_reply::<StatusPayload>(&Ok(Response::Version(version))).as_bytes()).await?;
                    tokio::select! {
                        () = stop.cancelled() => return Ok(()),
                        changed = versions.changed() => if changed.is_err() {
                            return Ok(());
                        },
                    }
                }
            }
            Ok(request) => handler.handle(request).await,
        };
        write.write_all(encode_reply(&answer).as_bytes()).await?;
    }
}

/// Talks to the resident process; every method returns its typed answer
/// or the [`IpcError`] kind saying why not.
#[derive(Clone, Debug)]
pub struct Client {
    path: PathBuf,
}

impl Client {
    pub fn new(paths: &Paths) -> Client {
        Client { path: socket_path(paths) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn connect(&self) -> Result<UnixStream, IpcError> {
        UnixStream::connect(&self.path).await.map_err(|e| match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                IpcError::NotRunning { at: self.path.display().to_string() }
            }
            _ => io_error(&self.path, e),
        })
    }

    /// Send `request`, read the first reply line.
    async fn send(&self, request: &Request) -> Result<(BufReader<UnixStream>, AppResponse), IpcError> {
        let mut stream = self.connect().await?;
        stream.write_all(encode_request(request).as_bytes()).await.map_err(|e| io_error(&self.path, e))?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).await.map_err(|e| io_error(&self.path, e))?;
        Ok((reader, decode_reply(&line)?))
    }

    async fn call(&self, request: &Request) -> Result<AppResponse, IpcError> {
        let timeout = IpcError::Timeout { ms: CALL_TIMEOUT.as_millis() as u64 };
        let (_, response) = tokio::time::timeout(CALL_TIMEOUT, self.send(request)).await.map_err(|_| timeout)??;
        Ok(response)
    }

    /// A call answered with [`Response::Done`].
    async fn act(&self, request: &Request) -> Result<(), IpcError> {
        match self.call(request).await? {
            Response::Done => Ok(()),
            other => Err(unexpected(request, &other)),
        }
    }

    pub async fn status(&self) -> Result<StatusPayload, IpcError> {
        let request = Request::Status;
        match self.call(&request).await? {
            Response::Status(status) => Ok(status),
            other => Err(unexpected(&request, &other)),
        }
    }

    pub async fn route(&self, service: Service, on: bool) -> Result<SwitchReport, IpcError> {
        let request = Request::Route { service, on };
        match self.call(&request).await? {
            Response::Routed(report) => Ok(report),
            other => Err(unexpected(&request, &other)),
        }
    }

    pub async fn reload(&self) -> Result<(), IpcError> {
        self.act(&Request::Reload).await
    }

    pub async fn apply_settings(&self) -> Result<(), IpcError> {
        self.act(&Request::ApplySettings).await
    }

    pub async fn open(&self, screen: Option<&str>) -> Result<(), IpcError> {
        self.act(&Request::Open { screen: screen.map(str::to_string) }).await
    }

    pub async fn quit(&self) -> Result<(), IpcError> {
        self.act(&Request::Quit).await
    }

    /// Follow the published version: the first item is the current one
    /// (read here, so a refusal is this call's error).
    pub async fn watch(&self) -> Result<Watch, IpcError> {
        let request = Request::Watch;
        let timeout = IpcError::Timeout { ms: CALL_TIMEOUT.as_millis() as u64 };
        let (reader, first) = tokio::time::timeout(CALL_TIMEOUT, self.send(&request)).await.map_err(|_| timeout)??;
        match first {
            Response::Version(version) => Ok(Watch { first: Some(version), lines: reader.lines() }),
            other => Err(unexpected(&request, &other)),
        }
    }
}

fn unexpected(request: &Request, response: &AppResponse) -> IpcError {
    IpcError::bad_reply(format!("`{}` was answered with `{}`", request.name(), response.name()))
}

/// A `watch` stream.
pub struct Watch {
    first: Option<u64>,
    lines: Lines<BufReader<UnixStream>>,
}

impl Watch {
    /// The next version; `None` when the resident process went away (or
    /// sent something that is not a version).
    pub async fn next(&mut self) -> Option<u64> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        let line = self.lines.next_line().await.ok()??;
        match decode_reply::<StatusPayload>(&line) {
            Ok(Response::Version(version)) => Some(version),
            other => {
                tracing::debug!(?other, "watch stream ended");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
