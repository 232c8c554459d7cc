//! How the window (and a second launch) talk to the resident process: one
//! JSON request per line over a Unix socket, `~/.codex-helper/app.sock`,
//! one JSON reply per line (`{"ok": …}` or `{"error": "…"}`); `watch`
//! instead streams `{"version": n}` after every refresh.
//!
//! The socket lives in the 0700 helper directory and is 0600 itself, so
//! only the user reaches it. Being able to connect is also what makes the
//! app single-instance: a second launch finds the first and asks it to
//! open its window.

use std::future::Future;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use codex_helper_core::switch::SwitchReport;
use codex_helper_core::{fsutil, Paths, Service};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::watch;

use crate::status::AppStatus;

/// How long a request may take before the caller gives up.
const CALL_TIMEOUT: Duration = Duration::from_secs(15);

/// `~/.codex-helper/app.sock`.
pub fn socket_path(paths: &Paths) -> PathBuf {
    paths.helper_dir().join("app.sock")
}

/// One request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    /// The live [`AppStatus`].
    Status,
    /// Stream the published version after every refresh.
    Watch,
    /// Point a client at the proxy (`on`) or back.
    Route { service: Service, on: bool },
    /// config.json was edited: serve from it now.
    Reload,
    /// settings.json was edited: start, stop or move proxies to match.
    ApplySettings,
    /// Show the window, at `screen` (`dashboard`, `usage`, `logs`, …).
    Open { screen: Option<String> },
    /// Quit as from the tray.
    Quit,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reply {
    Ok(Value),
    Error(String),
}

/// Why a request to the resident process failed.
#[derive(Debug, thiserror::Error)]
pub enum IpcError {
    #[error("codex-helper is not running (nothing answers on {}); start it from the applications menu or with `codex-helper-app`", .path.display())]
    NotRunning { path: PathBuf },
    #[error("cannot use {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("codex-helper did not answer within {}s", CALL_TIMEOUT.as_secs())]
    Timeout,
    /// The resident process refused, and says why.
    #[error("{0}")]
    Refused(String),
    #[error("unexpected answer from codex-helper: {0}")]
    Protocol(String),
}

/// An answer being worked out.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<Value, String>> + Send + 'a>>;

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

/// Listen on the socket, unless a running instance answers there. A socket
/// file nobody answers on was left by a killed process: replace it.
pub async fn bind(paths: &Paths) -> Result<Bound, IpcError> {
    let dir = paths.helper_dir();
    fsutil::ensure_private_dir(&dir).map_err(|source| IpcError::Io { path: dir.clone(), source })?;
    let path = socket_path(paths);
    let io_err = |source| IpcError::Io { path: path.clone(), source };
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

/// Answer requests until the process ends.
pub async fn serve(listener: UnixListener, handler: Arc<dyn Handler>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let handler = handler.clone();
                tokio::spawn(async move {
                    if let Err(err) = connection(stream, handler).await {
                        tracing::debug!(%err, "app socket connection ended");
                    }
                });
            }
            Err(err) => {
                tracing::warn!(%err, "app socket: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn connection(stream: UnixStream, handler: Arc<dyn Handler>) -> io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Some(line) = lines.next_line().await? {
        let reply = match serde_json::from_str::<Request>(&line) {
            Err(e) => Reply::Error(format!("not a request: {e}")),
            Ok(Request::Watch) => {
                let mut versions = handler.watch();
                loop {
                    let version = *versions.borrow_and_update();
                    write.write_all(format!("{{\"version\":{version}}}\n").as_bytes()).await?;
                    if versions.changed().await.is_err() {
                        return Ok(());
                    }
                }
            }
            Ok(request) => match handler.handle(request).await {
                Ok(value) => Reply::Ok(value),
                Err(message) => Reply::Error(message),
            },
        };
        let mut text = serde_json::to_string(&reply).map_err(io::Error::other)?;
        text.push('\n');
        write.write_all(text.as_bytes()).await?;
    }
    Ok(())
}

/// Talks to the resident process.
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
                IpcError::NotRunning { path: self.path.clone() }
            }
            _ => IpcError::Io { path: self.path.clone(), source: e },
        })
    }

    async fn call<T: DeserializeOwned>(&self, request: &Request) -> Result<T, IpcError> {
        let exchange = async {
            let mut stream = self.connect().await?;
            let io_err = |source| IpcError::Io { path: self.path.clone(), source };
            let mut text = serde_json::to_string(request).map_err(|e| IpcError::Protocol(e.to_string()))?;
            text.push('\n');
            stream.write_all(text.as_bytes()).await.map_err(io_err)?;
            let mut line = String::new();
            BufReader::new(stream).read_line(&mut line).await.map_err(io_err)?;
            match serde_json::from_str::<Reply>(&line).map_err(|e| IpcError::Protocol(e.to_string()))? {
                Reply::Ok(value) => serde_json::from_value(value).map_err(|e| IpcError::Protocol(e.to_string())),
                Reply::Error(message) => Err(IpcError::Refused(message)),
            }
        };
        tokio::time::timeout(CALL_TIMEOUT, exchange).await.map_err(|_| IpcError::Timeout)?
    }

    pub async fn status(&self) -> Result<AppStatus, IpcError> {
        self.call(&Request::Status).await
    }

    pub async fn route(&self, service: Service, on: bool) -> Result<SwitchReport, IpcError> {
        self.call(&Request::Route { service, on }).await
    }

    pub async fn reload(&self) -> Result<(), IpcError> {
        self.call(&Request::Reload).await
    }

    pub async fn apply_settings(&self) -> Result<(), IpcError> {
        self.call(&Request::ApplySettings).await
    }

    pub async fn open(&self, screen: Option<&str>) -> Result<(), IpcError> {
        self.call(&Request::Open { screen: screen.map(str::to_string) }).await
    }

    pub async fn quit(&self) -> Result<(), IpcError> {
        self.call(&Request::Quit).await
    }

    /// Follow the published version: the first item is the current one.
    pub async fn watch(&self) -> Result<Watch, IpcError> {
        let mut stream = self.connect().await?;
        let request = serde_json::to_string(&Request::Watch).expect("serializable") + "\n";
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|source| IpcError::Io { path: self.path.clone(), source })?;
        Ok(Watch { lines: BufReader::new(stream).lines() })
    }
}

/// A `watch` stream.
pub struct Watch {
    lines: Lines<BufReader<UnixStream>>,
}

impl Watch {
    /// The next version; `None` when the resident process went away.
    pub async fn next(&mut self) -> Option<u64> {
        #[derive(Deserialize)]
        struct Version {
            version: u64,
        }
        let line = self.lines.next_line().await.ok()??;
        serde_json::from_str::<Version>(&line).ok().map(|v| v.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers like the real agent would, from canned state.
    struct Canned {
        versions: watch::Sender<u64>,
    }

    impl Handler for Canned {
        fn handle(&self, request: Request) -> Answer<'_> {
            Box::pin(async move {
                match request {
                    Request::Status => {
                        Ok(serde_json::json!({"services": [], "level": "off", "quota_problem": "canned"}))
                    }
                    Request::Route { .. } => Err("the codex proxy is turned off; enable it in Settings first".into()),
                    _ => Ok(Value::Null),
                }
            })
        }

        fn watch(&self) -> watch::Receiver<u64> {
            self.versions.subscribe()
        }
    }

    async fn listen(paths: &Paths) -> (tokio::task::JoinHandle<()>, Arc<Canned>) {
        let Bound::Listener(listener) = bind(paths).await.unwrap() else { panic!("nothing runs yet") };
        let canned = Arc::new(Canned { versions: watch::Sender::new(1) });
        (tokio::spawn(serve(listener, canned.clone())), canned)
    }

    #[tokio::test]
    async fn a_second_launch_finds_the_first_and_a_dead_socket_is_replaced() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(home.path());
        let client = Client::new(&paths);
        assert!(matches!(client.status().await, Err(IpcError::NotRunning { .. })));

        let (server, _canned) = listen(&paths).await;
        let mode = std::fs::metadata(socket_path(&paths)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only the user may talk to the app");
        let Bound::Running(second) = bind(&paths).await.unwrap() else { panic!("the first instance answers") };
        assert_eq!(second.status().await.unwrap().quota_problem.as_deref(), Some("canned"));

        // Killed: the socket file stays, nobody answers; the next start takes over.
        server.abort();
        let _ = server.await;
        assert!(socket_path(&paths).exists());
        assert!(matches!(bind(&paths).await.unwrap(), Bound::Listener(_)));
    }

    #[tokio::test]
    async fn refusals_arrive_in_words_and_watch_follows_versions() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(home.path());
        let (_server, canned) = listen(&paths).await;
        let client = Client::new(&paths);
        match client.route(Service::Codex, true).await {
            Err(IpcError::Refused(message)) => assert!(message.contains("enable it in Settings"), "{message}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        let mut watch = client.watch().await.unwrap();
        assert_eq!(watch.next().await, Some(1), "the current version first");
        canned.versions.send_replace(7);
        assert_eq!(watch.next().await, Some(7));
        drop(canned);
    }

    #[tokio::test]
    async fn garbage_gets_an_error_line_not_a_hangup() {
        let home = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(home.path());
        let (_server, _canned) = listen(&paths).await;
        let mut stream = UnixStream::connect(socket_path(&paths)).await.unwrap();
        stream.write_all(b"{\"cmd\":\"explode\"}\n").await.unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).await.unwrap();
        assert!(line.starts_with("{\"error\":\"not a request"), "{line}");
    }
}
