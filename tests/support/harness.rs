//! A temporary home with codex-helper's files, and an in-process proxy
//! serving from it on a port-0 loopback listener.

use std::net::SocketAddr;
use std::sync::Arc;

use codex_helper_core::config::Settings;
use codex_helper_core::{Paths, Runtime, Service};
use serde_json::{json, Value};

/// A throwaway `$HOME`.
pub struct TestHome {
    pub dir: tempfile::TempDir,
    pub paths: Paths,
}

impl Default for TestHome {
    fn default() -> Self {
        Self::new()
    }
}

impl TestHome {
    pub fn new() -> TestHome {
        let dir = tempfile::tempdir().expect("temp home");
        let paths = Paths::with_home(dir.path());
        TestHome { dir, paths }
    }

    fn write(&self, path: std::path::PathBuf, value: &Value) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        // Write + rename so a polling reader never sees a half-written file.
        let tmp = path.with_extension("tmp-test");
        std::fs::write(&tmp, serde_json::to_vec_pretty(value).unwrap()).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }

    pub fn write_config(&self, config: &Value) {
        self.write(self.paths.config_file(), config);
    }

    pub fn write_settings(&self, settings: &Value) {
        self.write(self.paths.settings_file(), settings);
    }

    pub fn write_filter(&self, rules: &Value) {
        self.write(self.paths.filter_file(), rules);
    }

    /// Every line of `requests.jsonl`, parsed.
    pub fn log_lines(&self) -> Vec<Value> {
        match std::fs::read_to_string(self.paths.request_log()) {
            Ok(text) => text.lines().map(|l| serde_json::from_str(l).expect("log line is JSON")).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// A config.json with one active config `name` for `service` whose
/// upstreams are `(base_url, auth_token)` pairs, in order.
pub fn config_with(service: Service, name: &str, upstreams: &[(&str, &str)]) -> Value {
    let ups: Vec<Value> = upstreams
        .iter()
        .map(|(url, token)| json!({ "base_url": url, "auth": { "auth_token": token, "api_key": null }, "tags": {} }))
        .collect();
    let section = json!({ "active": name, "configs": { name: { "name": name, "alias": null, "upstreams": ups } } });
    let empty = json!({ "active": null, "configs": {} });
    let (codex, claude) = match service {
        Service::Codex => (section, empty),
        Service::Claude => (empty, section),
    };
    json!({ "version": 1, "codex": codex, "claude": claude, "default_service": null })
}

/// An in-process proxy for one service.
pub struct Proxy {
    pub runtime: Arc<Runtime>,
    pub addr: SocketAddr,
    pub service: Service,
}

impl Proxy {
    /// Serve `service` from `home`'s files (settings.json included).
    pub async fn start(home: &TestHome, service: Service) -> Proxy {
        let settings = Settings::load(&home.paths).expect("settings");
        Proxy::start_with(home, service, settings).await
    }

    pub async fn start_with(home: &TestHome, service: Service, settings: Settings) -> Proxy {
        let runtime = Arc::new(Runtime::with_settings(home.paths.clone(), settings).expect("runtime starts"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let rt = runtime.clone();
        tokio::spawn(async move { rt.serve(service, listener).await });
        Proxy { runtime, addr, service }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Wait until every finished request's log line is on disk.
    pub fn flush_log(&self) {
        assert!(self.runtime.log().flush_blocking(), "log writer flushed");
    }

    /// POST a JSON body to `path` with the test client.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        crate::client()
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(serde_json::to_vec(body).unwrap())
            .send()
            .await
            .expect("proxy answers")
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.runtime.stop();
    }
}

/// A typical Codex request body.
pub fn codex_body() -> Value {
    json!({ "model": "gpt-5", "stream": true, "input": [{ "role": "user", "content": "say hi" }], "prompt_cache_key": "thread-1" })
}

/// A typical Claude request body.
pub fn claude_body() -> Value {
    json!({ "model": "claude-sonnet-4", "stream": true, "max_tokens": 64, "messages": [{ "role": "user", "content": "say hi" }] })
}
