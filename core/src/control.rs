//! The proxy's local control endpoint: `GET /__codex_helper/status` tells
//! `ch status` (and anything else holding the token) what a running proxy
//! knows live: who runs it, which config it serves, each upstream's health
//! and request counters.
//!
//! Live state includes error messages from upstreams, so it is not public
//! like the identity endpoint: a caller must send `Authorization: Bearer
//! <token>` with the token from `~/.codex-helper/control_token` (0600 in a
//! 0700 directory, so only the user can read it), and the loopback
//! `Host`/`Origin` guard applies as for every other request.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::lb::UpstreamStatus;
use crate::proxy::ProxyState;
use crate::{fsutil, Paths, Service};

/// Path of the control status endpoint on every proxy.
pub const STATUS_PATH: &str = "/__codex_helper/status";

/// Mode of the token file: whoever can read it can read live state.
const TOKEN_MODE: u32 = 0o600;
const TOKEN_BYTES: usize = 32;

/// Why the control token could not be read or created.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ControlError {
    #[error("cannot read/write the control token {}: {source} (check that ~/.codex-helper is yours and writable)", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> ControlError + '_ {
    move |source| ControlError::Io { path: path.to_path_buf(), source }
}

/// `~/.codex-helper/control_token`.
pub fn token_path(paths: &Paths) -> PathBuf {
    paths.helper_dir().join("control_token")
}

/// The token if the file holds a well-formed one (64 hex digits).
pub fn read_token(paths: &Paths) -> Option<String> {
    let text = fs::read_to_string(token_path(paths)).ok()?;
    let token = text.trim();
    is_well_formed(token).then(|| token.to_string())
}

fn is_well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads the token, creating it (random, 0600) when missing or malformed.
/// Two proxies starting at once agree on one token: the new file is linked
/// into place only if none exists yet, so the loser reads the winner's.
pub fn load_or_create_token(paths: &Paths) -> Result<String, ControlError> {
    let dir = paths.helper_dir();
    fsutil::ensure_private_dir(&dir).map_err(io_err(&dir))?;
    let path = token_path(paths);
    if let Some(token) = read_token(paths) {
        // A token others can read is no secret: tighten a loosened mode.
        fs::set_permissions(&path, fs::Permissions::from_mode(TOKEN_MODE)).map_err(io_err(&path))?;
        return Ok(token);
    }
    let token = random_hex(TOKEN_BYTES).map_err(io_err(Path::new("/dev/urandom")))?;
    let mut contents = token.clone().into_bytes();
    contents.push(b'\n');
    if path.exists() {
        // Another proxy may have linked its token in since our read: that
        // one is good, and replacing it would leave two proxies with two
        // tokens (the race `concurrent_creation_agrees_on_one_token` hit).
        if let Some(winner) = read_token(paths) {
            return Ok(winner);
        }
        // Present but malformed (truncated, hand-edited): nobody can be
        // using it, so replace it, and go by what the file holds after
        // (a racing replacer may have written last).
        fsutil::write_atomic(&path, &contents, TOKEN_MODE).map_err(io_err(&path))?;
        return Ok(read_token(paths).unwrap_or(token));
    }
    // Unique per attempt (the random token itself names it), so threads and
    // processes racing here never share a temp file.
    let tmp = dir.join(format!(".control_token.{}.tmp", &token[..16]));
    let write = || -> io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(TOKEN_MODE).open(&tmp)?;
        f.write_all(&contents)?;
        f.sync_all()
    };
    let linked = write().and_then(|()| fs::hard_link(&tmp, &path));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(token),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => read_token(paths)
            .ok_or_else(|| ControlError::Io { path: path.clone(), source: io::Error::other("malformed") }),
        Err(e) => Err(ControlError::Io { path, source: e }),
    }
}

/// `n` random bytes as lowercase hex, from the kernel's generator.
fn random_hex(n: usize) -> io::Result<String> {
    let mut bytes = vec![0u8; n];
    fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares without an early exit, so the time taken says nothing about
/// how much of a guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Requests a proxy answered, by final status. A response that started
/// with a success and failed mid-stream counts as a success here (the
/// request log and upstream health record the failure).
#[derive(Debug, Default)]
pub struct RequestCounters {
    total: AtomicU64,
    errors: AtomicU64,
}

impl RequestCounters {
    /// Count one request answered with `status` (errors: 4xx and 5xx).
    pub fn count(&self, status: StatusCode) {
        self.total.fetch_add(1, Ordering::Relaxed);
        if status.is_client_error() || status.is_server_error() {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn get(&self) -> RequestCounts {
        RequestCounts { total: self.total.load(Ordering::Relaxed), errors: self.errors.load(Ordering::Relaxed) }
    }
}

/// Counter values since the proxy started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RequestCounts {
    pub total: u64,
    pub errors: u64,
}

/// What a runtime's proxies share for the control endpoint.
#[derive(Debug)]
pub struct Control {
    token: String,
    started_at_ms: u64,
    codex: RequestCounters,
    claude: RequestCounters,
}

impl Control {
    /// Loads (or creates) the token for a runtime starting now.
    pub fn load(paths: &Paths) -> Result<Control, ControlError> {
        Ok(Control::with_token(load_or_create_token(paths)?))
    }

    pub fn with_token(token: String) -> Control {
        Control {
            token,
            started_at_ms: crate::logs::now_ms(),
            codex: RequestCounters::default(),
            claude: RequestCounters::default(),
        }
    }

    pub fn started_at_ms(&self) -> u64 {
        self.started_at_ms
    }

    pub fn counters(&self, service: Service) -> &RequestCounters {
        match service {
            Service::Codex => &self.codex,
            Service::Claude => &self.claude,
        }
    }

    /// Whether `header` (an `Authorization` value) carries our token.
    fn authorizes(&self, header: Option<&http::HeaderValue>) -> bool {
        let presented = header.and_then(|h| h.to_str().ok()).and_then(|h| h.strip_prefix("Bearer ")).map(str::trim);
        presented.is_some_and(|t| constant_time_eq(t.as_bytes(), self.token.as_bytes()))
    }
}

/// One upstream's live health as the control endpoint reports it.
pub type LiveUpstream = UpstreamStatus;

/// The body of `GET /__codex_helper/status`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlStatus {
    pub service: Service,
    /// `cli` or `app`.
    pub owner: String,
    pub pid: u32,
    pub port: u16,
    pub version: String,
    pub started_at_ms: u64,
    /// Why the config on disk is not being served (the last good one is).
    pub config_problem: Option<String>,
    /// Why settings.json is not applied as written (the last good settings
    /// are); absent from older proxies.
    #[serde(default)]
    pub settings_problem: Option<String>,
    /// The config requests are served from (else the file's `active`).
    pub active_config: Option<String>,
    pub upstreams: Vec<LiveUpstream>,
    pub requests: RequestCounts,
}

/// The axum handler for [`STATUS_PATH`].
pub async fn status(State(state): State<ProxyState>, req: Request) -> Response {
    let (parts, _body) = req.into_parts();
    if let Err(refusal) = crate::proxy::guard::check(&parts) {
        return refuse(refusal.status(), &refusal.message());
    }
    let control = &state.shared.control;
    if !control.authorizes(parts.headers.get(http::header::AUTHORIZATION)) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "this endpoint needs `Authorization: Bearer <token>` with the token from ~/.codex-helper/control_token",
        );
    }
    axum::Json(live_status(&state)).into_response()
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": { "status": status.as_u16(), "message": message } }))).into_response()
}

/// The live state of the proxy behind `state`.
pub fn live_status(state: &ProxyState) -> ControlStatus {
    let shared = &state.shared;
    let snapshot = shared.config.snapshot();
    let served = snapshot.active(state.service);
    let mut upstreams = served.map(|a| shared.lb.snapshot(&a.ids)).unwrap_or_default();
    // Upstream error texts echo keys; this endpoint must never carry one.
    for u in &mut upstreams {
        u.last_error = u.last_error.take().map(crate::redact::scrub_owned);
    }
    ControlStatus {
        service: state.service,
        owner: shared.owner.to_string(),
        pid: std::process::id(),
        port: state.listen.port(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        started_at_ms: shared.control.started_at_ms(),
        config_problem: shared.config.problem().map(crate::redact::scrub_owned),
        settings_problem: shared.settings.problem().map(|p| crate::redact::scrub_owned(p.to_string())),
        active_config: served
            .map(|a| a.name.to_string())
            .or_else(|| snapshot.file.service(state.service).active.clone()),
        upstreams,
        requests: shared.control.counters(state.service).get(),
    }
}

/// Why [`fetch_status`] got no status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("the proxy refused the control token (HTTP {0}); it may run under another user or HOME")]
    Refused(u16),
    #[error("cannot reach the proxy's control endpoint: {0}")]
    Http(String),
}

/// Asks the proxy on 127.0.0.1:`port` for its live status.
pub async fn fetch_status(port: u16, token: &str, timeout: Duration) -> Result<ControlStatus, FetchError> {
    let client =
        reqwest::Client::builder().no_proxy().timeout(timeout).build().map_err(|e| FetchError::Http(e.to_string()))?;
    let response = client
        .get(format!("http://127.0.0.1:{port}{STATUS_PATH}"))
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| FetchError::Http(e.to_string()))?;
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(FetchError::Refused(status.as_u16()));
    }
    if !status.is_success() {
        return Err(FetchError::Http(format!("HTTP {status}")));
    }
    response.json().await.map_err(|e| FetchError::Http(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn token_is_created_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        assert_eq!(read_token(&paths), None);
        let a = load_or_create_token(&paths).unwrap();
        assert!(is_well_formed(&a), "{a}");
        assert_eq!(mode_of(&token_path(&paths)), 0o600);
        assert_eq!(mode_of(&paths.helper_dir()), 0o700);
        fs::set_permissions(token_path(&paths), fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(load_or_create_token(&paths).unwrap(), a);
        assert_eq!(mode_of(&token_path(&paths)), 0o600, "a loosened mode is tightened");
        assert_eq!(read_token(&paths), Some(a.clone()));
        fs::write(token_path(&paths), "short").unwrap();
        let b = load_or_create_token(&paths).unwrap();
        assert_ne!(a, b, "a malformed token is replaced");
        let names: Vec<_> = fs::read_dir(paths.helper_dir()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("control_token")], "no temp files left");
    }

    #[test]
    fn concurrent_creation_agrees_on_one_token() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        let tokens: Vec<String> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| load_or_create_token(&paths).unwrap())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(tokens.iter().all(|t| *t == tokens[0]), "{tokens:?}");
    }

    #[test]
    fn authorization_needs_the_exact_bearer_token() {
        let control = Control::with_token("ab".repeat(32));
        let hv = |s: &str| http::HeaderValue::from_str(s).unwrap();
        assert!(control.authorizes(Some(&hv(&format!("Bearer {}", "ab".repeat(32))))));
        assert!(!control.authorizes(None));
        assert!(!control.authorizes(Some(&hv(&format!("Bearer {}", "ab".repeat(31))))));
        assert!(!control.authorizes(Some(&hv(&format!("Bearer {}ac", "ab".repeat(31))))));
        assert!(!control.authorizes(Some(&hv(&format!("Basic {}", "ab".repeat(32))))));
    }

    #[test]
    fn counters_count_errors_by_status() {
        let c = RequestCounters::default();
        for s in [200, 201, 404, 502] {
            c.count(StatusCode::from_u16(s).unwrap());
        }
        assert_eq!(c.get(), RequestCounts { total: 4, errors: 2 });
    }
}
