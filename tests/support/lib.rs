//! Test support for codex-helper's integration tests: a scriptable mock
//! upstream on real sockets, canned upstream bodies, and an SSE reader.

pub mod harness;
pub mod mock_upstream;
pub mod port;
pub mod sse_client;

pub use harness::{claude_body, codex_body, config_with, Proxy, TestHome};
pub use mock_upstream::{canned, Gate, MockUpstream, Recorded, Reply, SseEvent};
pub use port::ReservedPort;
pub use sse_client::{read_sse_events, SseRead, SseStream};

use std::time::Duration;

/// A reqwest client for talking to local test servers. System proxy settings
/// are ignored so an `HTTP_PROXY` in the environment cannot hijack 127.0.0.1.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().expect("build reqwest client")
}

/// Like [`client`], with a total per-request timeout (body reading included).
pub fn client_with_timeout(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder().no_proxy().timeout(timeout).build().expect("build reqwest client")
}
