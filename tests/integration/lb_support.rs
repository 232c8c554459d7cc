//! Shared setup for the failover, reload and log tests: a proxy in front of
//! a primary and a backup mock upstream, plus small polling helpers.

use std::future::Future;
use std::time::Duration;

use codex_helper_core::lb::{UpstreamId, UpstreamStatus};
use codex_helper_core::Service;
use codex_helper_tests::{canned, claude_body, client, codex_body, MockUpstream, Proxy, Reply, SseEvent, TestHome};
use serde_json::{json, Value};
use tokio::time::Instant;

pub const PRIMARY_KEY: &str = "tok-primary";
pub const BACKUP_KEY: &str = "tok-backup";

/// A base URL on 127.0.0.1 where nothing listens (bound, then released).
pub fn closed_port_url(service: Service) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    base_url_for(service, &format!("http://127.0.0.1:{port}"))
}

/// How a relay is usually written for each client: `…/v1` for Codex, the
/// bare host for Claude.
pub fn base_url_for(service: Service, mock_url: &str) -> String {
    match service {
        Service::Codex => format!("{mock_url}/v1"),
        Service::Claude => mock_url.to_string(),
    }
}

pub fn path_for(service: Service) -> &'static str {
    match service {
        Service::Codex => "/v1/responses",
        Service::Claude => "/v1/messages",
    }
}

pub fn body_for(service: Service) -> Value {
    match service {
        Service::Codex => codex_body(),
        Service::Claude => claude_body(),
    }
}

/// A successful streamed turn in `service`'s format answering `text`.
pub fn ok_stream(service: Service, text: &str) -> Vec<SseEvent> {
    match service {
        Service::Codex => canned::codex_stream(text, (10, 3, 0)),
        Service::Claude => canned::claude_stream(text, 10, 3),
    }
}

/// A config.json whose `service` section holds several named configs, each
/// a list of `(base_url, auth_token)`; `active` is the active one.
pub fn config_multi(service: Service, active: &str, configs: &[(&str, Vec<(String, String)>)]) -> Value {
    let mut named = serde_json::Map::new();
    for (name, ups) in configs {
        let ups: Vec<Value> = ups
            .iter()
            .map(|(url, tok)| json!({ "base_url": url, "auth": { "auth_token": tok, "api_key": null }, "tags": {} }))
            .collect();
        named.insert(name.to_string(), json!({ "name": name, "alias": null, "upstreams": ups }));
    }
    let section = json!({ "active": active, "configs": named });
    let empty = json!({ "active": null, "configs": {} });
    let (codex, claude) = match service {
        Service::Codex => (section, empty),
        Service::Claude => (empty, section),
    };
    json!({ "version": 1, "codex": codex, "claude": claude, "default_service": null })
}

/// A running proxy for `service` with config `main` = [primary, backup].
pub struct Pair {
    pub service: Service,
    pub home: TestHome,
    pub proxy: Proxy,
    pub primary: MockUpstream,
    pub backup: MockUpstream,
    pub primary_url: String,
    pub backup_url: String,
}

impl Pair {
    /// Both mocks answer with a good stream by default (saying "from the
    /// primary" / "from the backup").
    pub async fn start(service: Service, settings: Value) -> Pair {
        Pair::start_inner(service, settings, None).await
    }

    /// Like [`Pair::start`], with the primary's base URL replaced.
    pub async fn start_with_primary_url(service: Service, settings: Value, primary_url: String) -> Pair {
        Pair::start_inner(service, settings, Some(primary_url)).await
    }

    async fn start_inner(service: Service, settings: Value, primary_url: Option<String>) -> Pair {
        let primary = MockUpstream::start().await;
        let backup = MockUpstream::start().await;
        primary.set_default(Reply::sse(ok_stream(service, "from the primary")));
        backup.set_default(Reply::sse(ok_stream(service, "from the backup")));
        let primary_url = primary_url.unwrap_or_else(|| base_url_for(service, &primary.url()));
        let backup_url = base_url_for(service, &backup.url());
        let home = TestHome::new();
        home.write_settings(&settings);
        home.write_config(&config_multi(
            service,
            "main",
            &[("main", vec![(primary_url.clone(), PRIMARY_KEY.into()), (backup_url.clone(), BACKUP_KEY.into())])],
        ));
        let proxy = Proxy::start(&home, service).await;
        Pair { service, home, proxy, primary, backup, primary_url, backup_url }
    }

    pub fn ids(&self) -> Vec<UpstreamId> {
        vec![
            UpstreamId::with_key("main", &self.primary_url, Some(PRIMARY_KEY)),
            UpstreamId::with_key("main", &self.backup_url, Some(BACKUP_KEY)),
        ]
    }

    pub fn snapshot(&self) -> Vec<UpstreamStatus> {
        self.proxy.runtime.lb(self.service).snapshot(&self.ids())
    }

    /// One request of the service's usual shape, optionally with a session.
    pub async fn send(&self, session: Option<&str>) -> reqwest::Response {
        send(&self.proxy, self.service, session).await
    }

    /// Which mock served one proxied request: "primary" or "backup".
    pub async fn served_by(&self) -> &'static str {
        let (p, b) = (self.primary.request_count(), self.backup.request_count());
        let resp = self.send(None).await;
        assert_eq!(resp.status(), 200);
        let _ = resp.bytes().await;
        match (self.primary.request_count() - p, self.backup.request_count() - b) {
            (1, 0) => "primary",
            (0, 1) => "backup",
            other => panic!("unexpected request counts {other:?}"),
        }
    }

    /// The last line of the request log, after flushing it.
    pub fn last_log_line(&self) -> Value {
        self.proxy.flush_log();
        self.home.log_lines().pop().expect("a request log line")
    }
}

/// One request to `proxy`: the service's usual path and body, plus a
/// session header when given.
pub async fn send(proxy: &Proxy, service: Service, session: Option<&str>) -> reqwest::Response {
    let mut body = body_for(service);
    let mut req = client().post(proxy.url(path_for(service))).header("content-type", "application/json");
    if let Some(s) = session {
        let name = match service {
            Service::Codex => "session_id",
            Service::Claude => "x-claude-code-session-id",
        };
        req = req.header(name, s);
    } else if let Some(obj) = body.as_object_mut() {
        // The Codex body carries its own session (`prompt_cache_key`).
        obj.remove("prompt_cache_key");
    }
    req.body(serde_json::to_vec(&body).unwrap()).send().await.expect("proxy answers")
}

/// Move the test's clock (the load balancer's: tokio's, on this
/// single-threaded test runtime) forward by `by` at once, so a cooldown ends
/// without waiting real seconds. Nothing is in flight meanwhile, so no socket
/// or timeout sees the jump.
pub async fn skip_time(by: Duration) {
    tokio::time::pause();
    tokio::time::advance(by).await;
    tokio::time::resume();
}

/// Poll `check` until it holds; panic with `what` after `timeout`.
pub async fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Poll an async `check` until it returns `Some`; panic after `timeout`.
pub async fn eventually_async<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {timeout:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Generous for a loaded 2-core machine running tests in parallel.
pub const PATIENCE: Duration = Duration::from_secs(10);
