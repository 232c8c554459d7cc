//! The config a running proxy serves from, kept current.
//!
//! `config.json` is a [`Watched`] file: re-read when its fingerprint
//! changes (checked a few times a second off the request path), turned into a ready-to-use
//! [`Snapshot`] (URLs parsed, auth headers built), and swapped in atomically:
//! a request takes the snapshot with one atomic load and never waits for a
//! reload. A broken edit is reported and the last good snapshot keeps
//! serving.

use std::sync::Arc;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION};
use url::Url;

use crate::config::{ConfigError, ConfigFile, ConfigStore, NamedConfig, Protocol, Upstream};
use crate::lb::UpstreamId;
use crate::watch::{FileProblem, Watched};
use crate::Service;

/// How often the file is checked for changes.
pub use crate::watch::POLL_INTERVAL;

/// One upstream, ready for the request path.
#[derive(Debug)]
pub struct ActiveUpstream {
    pub base_url: Arc<str>,
    /// The base URL taken apart for the request path (`None`: not an
    /// absolute URL, already a `problem`).
    pub target: Option<crate::proxy::target::UpstreamTarget>,
    /// The headers that carry the upstream's key (marked sensitive).
    pub auth: Vec<(HeaderName, HeaderValue)>,
    /// The upstream's extra headers (`"headers"` in the file), checked.
    pub extra_headers: Vec<(HeaderName, HeaderValue)>,
    /// The port, when the host is this machine: to refuse request loops.
    pub loopback_port: Option<u16>,
    /// Why this upstream can't be used as configured.
    pub problem: Option<String>,
    /// The API it speaks.
    pub protocol: Protocol,
    /// It speaks the client's own protocol: requests pass through as they
    /// are. Otherwise they go through a bridge ([`crate::bridge`]).
    pub native: bool,
    /// The client's model name → this upstream's (empty: names go as they are).
    pub model_map: crate::config::ModelMap,
    /// Its `max_concurrent` cap (`None`: no cap, and no counting).
    pub max_concurrent: Option<u32>,
    /// The load balancer's in-flight count for it, looked up on the first
    /// capped request of this snapshot (see [`crate::lb::slots`]).
    pub slot: std::sync::OnceLock<Arc<crate::lb::slots::Slot>>,
    /// How people tell it apart: host and key label (`r.example [work]`).
    pub label: Arc<str>,
}

impl ActiveUpstream {
    /// What the log's attempt says about the protocol: only a bridged one.
    pub fn logged_protocol(&self) -> Option<String> {
        (!self.native).then(|| self.protocol.as_str().to_string())
    }
}

/// The config a service serves from, ready for the request path.
#[derive(Debug)]
pub struct ActiveConfig {
    pub name: Arc<str>,
    pub upstreams: Vec<ActiveUpstream>,
    /// Load-balancer identities, parallel to `upstreams`.
    pub ids: Vec<UpstreamId>,
    /// How requests spread over the upstreams.
    pub strategy: crate::config::Strategy,
}

/// The whole file plus what each service serves from.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub file: ConfigFile,
    codex: Option<Arc<ActiveConfig>>,
    claude: Option<Arc<ActiveConfig>>,
}

impl Snapshot {
    pub fn new(file: ConfigFile) -> Snapshot {
        // Every sink scrubs the keys of the config being served.
        crate::redact::remember_keys(&file);
        let codex = active_config(&file, Service::Codex).map(Arc::new);
        let claude = active_config(&file, Service::Claude).map(Arc::new);
        Snapshot { file, codex, claude }
    }

    /// The config `service` serves from, if it has one with upstreams.
    pub fn active(&self, service: Service) -> Option<&Arc<ActiveConfig>> {
        match service {
            Service::Codex => self.codex.as_ref(),
            Service::Claude => self.claude.as_ref(),
        }
    }
}

/// The config `service` serves from ([`crate::config::ServiceConfigs::serving_config`]),
/// ready for the request path; `None` when it has no upstreams.
fn active_config(file: &ConfigFile, service: Service) -> Option<ActiveConfig> {
    let named: &NamedConfig = file.service(service).serving_config()?;
    if named.upstreams.is_empty() {
        return None;
    }
    let name: Arc<str> = named.name.as_str().into();
    let upstreams: Vec<ActiveUpstream> = named.upstreams.iter().map(|u| prepare(service, u)).collect();
    let ids = named.upstreams.iter().map(|u| UpstreamId::of(&name, u)).collect();
    Some(ActiveConfig { name, upstreams, ids, strategy: named.strategy() })
}

fn prepare(service: Service, upstream: &Upstream) -> ActiveUpstream {
    let base_url: Arc<str> = upstream.base_url.trim().into();
    let (url, mut problem) = match crate::config::validate_base_url(&base_url) {
        Ok(url) => (url, None),
        // The proxy's problems are logged and served in English.
        Err(message) => (Url::parse("http://invalid.invalid/").expect("static URL"), Some(message.en)),
    };
    let loopback_port = crate::loopback::local_port(&url);
    let auth = match auth_headers(service, upstream) {
        Ok(headers) => headers,
        Err(message) => {
            problem.get_or_insert(message);
            Vec::new()
        }
    };
    let extra_headers = match crate::config::extra_headers::check_extra_headers(&upstream.headers) {
        Ok(headers) => headers,
        Err(message) => {
            problem.get_or_insert(format!("its extra header {}", message.en));
            Vec::new()
        }
    };
    let protocol = upstream.protocol(service);
    if let Err(message) = protocol.usable_by(service) {
        problem.get_or_insert(format!("its protocol {}", message.en));
    }
    let native = protocol == Protocol::native(service);
    let target = crate::proxy::target::UpstreamTarget::of(&url);
    ActiveUpstream {
        base_url,
        target,
        auth,
        extra_headers,
        loopback_port,
        problem,
        protocol,
        native,
        model_map: upstream.model_map.clone(),
        max_concurrent: upstream.max_concurrent,
        slot: std::sync::OnceLock::new(),
        label: format!("{} [{}]", crate::config::host_label(&upstream.base_url), upstream.key_label()).into(),
    }
}

/// Codex: `Authorization: Bearer <auth_token or api_key>`. Claude:
/// `auth_token` as a Bearer token and `api_key` as `x-api-key`, as Claude
/// Code itself sends them.
pub(crate) fn auth_headers(service: Service, upstream: &Upstream) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
    let nonempty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let token = nonempty(&upstream.auth.auth_token);
    let api_key = nonempty(&upstream.auth.api_key);
    let mut out = Vec::new();
    let mut push = |name: HeaderName, value: String| -> Result<(), String> {
        let mut v = HeaderValue::from_str(&value).map_err(|_| {
            "its key contains characters that can't be sent in an HTTP header (a stray newline?); re-enter it"
                .to_string()
        })?;
        v.set_sensitive(true);
        out.push((name, v));
        Ok(())
    };
    match service {
        Service::Codex => {
            if let Some(key) = token.or(api_key) {
                push(AUTHORIZATION, format!("Bearer {key}"))?;
            }
        }
        Service::Claude => {
            if let Some(token) = token {
                push(AUTHORIZATION, format!("Bearer {token}"))?;
            }
            if let Some(key) = api_key {
                push(HeaderName::from_static("x-api-key"), key)?;
            }
        }
    }
    Ok(out)
}

/// The config of a running proxy, reloaded when the file changes: a
/// [`Watched`] snapshot (see [`crate::watch`]).
pub struct LiveConfig {
    store: ConfigStore,
    watched: Arc<Watched<Snapshot>>,
}

impl LiveConfig {
    /// Load the file now; a broken file is an error the user must fix
    /// before serving.
    pub fn load(store: ConfigStore) -> Result<LiveConfig, ConfigError> {
        let reader = store.clone();
        let watched = Watched::start(store.path().to_path_buf(), "config", move |_: &std::path::Path| {
            reader.load().map(Snapshot::new)
        })?;
        Ok(LiveConfig { store, watched: Arc::new(watched) })
    }

    pub fn store(&self) -> &ConfigStore {
        &self.store
    }

    /// The watched file, for the runtime's [`crate::watch::Watcher`].
    pub fn watched(&self) -> &Arc<Watched<Snapshot>> {
        &self.watched
    }

    /// What requests serve from right now (one atomic load).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.watched.get()
    }

    /// Follow reloads: the value is a counter bumped after each one.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.watched.subscribe()
    }

    /// Why the file on disk is not being served, if it is broken.
    pub fn problem(&self) -> Option<String> {
        self.watched.problem().map(|p| p.to_string())
    }

    /// The problem, typed (file, line, column, key).
    pub fn file_problem(&self) -> Option<Arc<FileProblem>> {
        self.watched.problem()
    }

    /// Re-read the file if it changed. `Some(Ok)` after a reload,
    /// `Some(Err)` when the new contents are broken (the last good config
    /// keeps serving), `None` when nothing changed.
    pub fn reload_if_changed(&self) -> Option<Result<(), FileProblem>> {
        self.watched.check()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(json: &str) -> ConfigFile {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn claude_keys_map_to_their_headers() {
        let f = file(
            r#"{"claude":{"active":"c","configs":{"c":{"name":"c","upstreams":[
                {"base_url":"https://a.example","auth":{"auth_token":"tok","api_key":null}},
                {"base_url":"https://b.example","auth":{"auth_token":null,"api_key":"key"}}]}}}}"#,
        );
        let snap = Snapshot::new(f);
        let active = snap.active(Service::Claude).unwrap();
        assert_eq!(active.upstreams[0].auth[0].0, AUTHORIZATION);
        assert_eq!(active.upstreams[0].auth[0].1, "Bearer tok");
        assert_eq!(active.upstreams[1].auth[0].0, "x-api-key");
        assert_eq!(active.upstreams[1].auth[0].1, "key");
        assert!(active.upstreams[0].auth[0].1.is_sensitive());
        assert!(snap.active(Service::Codex).is_none());
    }

    #[test]
    fn codex_uses_token_or_api_key_as_bearer() {
        let f = file(
            r#"{"codex":{"active":null,"configs":{"m":{"name":"m","upstreams":[
                {"base_url":"http://127.0.0.1:3211/v1","auth":{"api_key":"sk-x"}}]}}}}"#,
        );
        let snap = Snapshot::new(f);
        let active = snap.active(Service::Codex).expect("first config used when none is active");
        assert_eq!(&*active.name, "m");
        assert_eq!(active.upstreams[0].auth[0].1, "Bearer sk-x");
        assert_eq!(active.upstreams[0].loopback_port, Some(3211));
    }

    #[test]
    fn broken_edit_keeps_the_last_good_config() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, r#"{"codex":{"active":"a","configs":{"a":{"name":"a","upstreams":[{"base_url":"https://a.example/v1","auth":{}}]}}}}"#).unwrap();
        let live = LiveConfig::load(ConfigStore::at(&path)).unwrap();
        assert!(live.reload_if_changed().is_none());
        let changes = live.subscribe();
        std::fs::write(&path, "{ not json").unwrap();
        assert!(matches!(live.reload_if_changed(), Some(Err(_))));
        assert!(live.problem().unwrap().contains("config.json"));
        assert_eq!(&*live.snapshot().active(Service::Codex).unwrap().name, "a");
        std::fs::write(&path, r#"{"codex":{"active":"b","configs":{"b":{"name":"b","upstreams":[{"base_url":"https://b.example/v1","auth":{}}]}}}}"#).unwrap();
        assert!(matches!(live.reload_if_changed(), Some(Ok(()))));
        assert_eq!(&*live.snapshot().active(Service::Codex).unwrap().name, "b");
        assert!(live.problem().is_none());
        assert_eq!(*changes.borrow(), 2, "each reload attempt is announced");
    }
}
