//! The control plane: how `ch`, the tray app and its window ask a running
//! codex-helper what it knows live, and tell it what to do. One protocol
//! ([`protocol`]: [`Request`], [`Response`], [`ControlError`] with kinds,
//! [`PROTOCOL_VERSION`]) over one transport per purpose:
//!
//! - **The proxy's HTTP endpoint** ([`endpoint`], [`client`]):
//!   `GET /__codex_helper/status` answers [`Request::Status`] for one
//!   proxy. It is what `ch status` asks *any* running proxy, including one
//!   run by `ch serve`, which has no app socket; the proxy already listens
//!   on the port `ch status` looks at. Live state carries upstream error
//!   texts, so the caller needs the bearer token from [`token`] (a file
//!   only the user can read), and the proxy's loopback/browser guard
//!   applies as to every request.
//! - **app.sock** (the agent's `ipc`): every request, for the tray app. A
//!   Unix socket, 0600 in the 0700 helper directory, so being able to
//!   connect already means "same user" and no token is needed; it also
//!   makes the app single-instance, and carries `watch` as a stream.
//! - **The window's stdin**: orders from the app to the window process it
//!   started ([`Request::Open`], one line each, same encoding as app.sock).
//!   The order goes from the app to the window, the opposite way to
//!   app.sock (the window is that socket's client and serves nothing), and
//!   a pipe only the parent holds needs no address or auth; its end of
//!   file tells the window that the app quit or died.
//!
//! The proxy knows nothing of this module: [`routes`] hands it the
//! endpoint from outside, and the request counters it keeps are read here.

pub mod client;
pub mod endpoint;
pub mod error;
pub mod protocol;
pub mod status;
pub mod token;

use std::sync::Arc;

pub use client::fetch_status;
pub use endpoint::{routes, STATUS_PATH};
pub use error::{ControlError, WireError};
pub use protocol::{
    decode_reply, decode_request, encode_reply, encode_request, Answer, Request, Response, StatusPayload,
    PROTOCOL_VERSION, VERSION_HEADER,
};
pub use status::live_status;
pub use token::{load_or_create_token, read_token, token_path, Token, TokenError};

pub use crate::proxy::counters::{RequestCounters, RequestCounts};
use crate::{Paths, Service};

/// What a runtime's proxies share for the control endpoint: the token,
/// when the runtime started, and each service's request counters (which
/// the proxies count into).
#[derive(Debug)]
pub struct Control {
    token: Token,
    started_at_ms: u64,
    codex: Arc<RequestCounters>,
    claude: Arc<RequestCounters>,
}

impl Control {
    /// Loads (or creates) the token for a runtime starting now.
    pub fn load(paths: &Paths) -> Result<Control, TokenError> {
        Ok(Control::with_token(load_or_create_token(paths)?))
    }

    pub fn with_token(token: String) -> Control {
        Control {
            token: Token::new(token),
            started_at_ms: crate::logs::now_ms(),
            codex: Arc::default(),
            claude: Arc::default(),
        }
    }

    pub fn token(&self) -> &Token {
        &self.token
    }

    pub fn started_at_ms(&self) -> u64 {
        self.started_at_ms
    }

    /// `service`'s counters (handed to its proxy, which counts into them).
    pub fn counters(&self, service: Service) -> &Arc<RequestCounters> {
        match service {
            Service::Codex => &self.codex,
            Service::Claude => &self.claude,
        }
    }
}
