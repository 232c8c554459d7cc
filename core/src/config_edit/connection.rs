//! "Test connection": one real request to a relay with its key, before it
//! is saved (or with the stored key, for one already saved), so a typo in
//! the URL or a rejected key shows at once.
//!
//! `GET /v1/models`, joined to the base URL by the proxy's own
//! [`upstream_url`] (so `https://relay` is tested at `https://relay/v1/models`
//! and `https://relay/v1` at the same URL, as the proxy calls them). It is
//! cheap and authenticated. Any HTTP answer means the relay is reachable;
//! 401/403 mean it rejected the key. A reachable relay is then asked which
//! API it speaks ([`super::detect`]).

use std::time::{Duration, Instant};

use serde::Serialize;

use super::detect::{detect, Detection};
use super::update::locate;
use super::ConfigsError;
use crate::config::{validate_base_url, ConfigFile, Protocol, Upstream, UpstreamAuth};
use crate::proxy::target::upstream_url;
use crate::Service;

const TIMEOUT: Duration = Duration::from_secs(15);

/// The client path the test asks for.
const MODELS: &str = "/v1/models";

/// What the relay said.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConnectionTest {
    /// Reachable and the key was not rejected.
    pub ok: bool,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    pub latency_ms: u32,
    /// In words, for the form (never contains the key).
    pub message: String,
    /// Which API paths it answers, and the `protocol` to set when the one
    /// configured is not among them; `null` when it was not reachable.
    pub detection: Option<Detection>,
}

/// Send one request to `base_url` with the key the proxy would send, then
/// the protocol probes, judged against `protocol` (`None`: the client's
/// own). `config` names the config in a suggested command.
pub async fn test_connection(
    service: Service,
    config: &str,
    base_url: &str,
    auth_token: Option<String>,
    api_key: Option<String>,
    protocol: Option<Protocol>,
) -> Result<ConnectionTest, ConfigsError> {
    let upstream = Upstream {
        base_url: base_url.to_string(),
        auth: UpstreamAuth { auth_token, api_key, ..Default::default() },
        protocol,
        ..Default::default()
    };
    send(service, config, &upstream).await
}

/// [`test_connection`] for an upstream already saved, with its stored key:
/// the UI never holds that key, so it names the upstream instead.
pub async fn test_stored_connection(
    file: &ConfigFile,
    service: Service,
    config: &str,
    base_url: &str,
) -> Result<ConnectionTest, ConfigsError> {
    let index = locate(file, service, config, base_url)?;
    let upstream = file.service(service).configs[config].upstreams[index].clone();
    send(service, config, &upstream).await
}

async fn send(service: Service, config: &str, upstream: &Upstream) -> Result<ConnectionTest, ConfigsError> {
    let base = validate_base_url(&upstream.base_url).map_err(|message| ConfigsError::BadUrl { message })?;
    let headers = crate::live::auth_headers(service, upstream)
        .map_err(|_| ConfigsError::BadKey { what: "key", problem: "contains characters that can't be sent" })?;
    // Built as the proxy builds it for a client's `GET /v1/models` (both
    // clients spell it that way through the proxy), so a relay passes the
    // test exactly when the proxy can reach it.
    let url = upstream_url(&base, MODELS);
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| ConfigsError::BadUrl { message: format!("cannot create an HTTP client: {e}").into() })?;
    let mut request = client.get(url);
    if service == Service::Claude {
        request = request.header("anthropic-version", "2023-06-01");
    }
    // The upstream's extra headers too: a gateway may route by one.
    let extra = crate::config::extra_headers::check_extra_headers(&upstream.headers)
        .map_err(|message| ConfigsError::BadHeader { message })?;
    for (name, value) in headers.into_iter().chain(extra) {
        request = request.header(name, value);
    }
    let started = Instant::now();
    let result = request.send().await;
    let latency_ms = started.elapsed().as_millis().min(u32::MAX as u128) as u32;
    Ok(match result {
        Ok(response) => {
            let status = response.status().as_u16();
            let (ok, message) = match status {
                401 | 403 => (false, format!("reachable, but the key was rejected (HTTP {status})")),
                200..=299 => (true, format!("ok (HTTP {status})")),
                _ => (true, format!("reachable (HTTP {status})")),
            };
            let detection = Some(detect(&client, service, config, upstream).await);
            ConnectionTest { ok, status: Some(status), latency_ms, message, detection }
        }
        Err(err) => {
            let why = if err.is_timeout() {
                format!("no answer within {}s", TIMEOUT.as_secs())
            } else if err.is_connect() {
                "cannot connect (wrong host or port, or the relay is down)".to_string()
            } else {
                "request failed".to_string()
            };
            let message = format!("{why}: {}", without_url(&err));
            ConnectionTest { ok: false, status: None, latency_ms, message, detection: None }
        }
    })
}

/// reqwest's message without the URL it repeats (it may carry a query).
pub(crate) fn without_url(err: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
    let mut last = err.to_string();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

#[cfg(test)]
mod tests {
    use axum::routing::get;
    use axum::Router;
    use http::{HeaderMap, StatusCode};

    use super::*;
    use crate::config::{ConfigStore, Settings};
    use crate::config_edit::{add_upstream, NewUpstream};
    use crate::Paths;

    const KEY: &str = "sk-test-0123456789abcd";

    /// A relay on a free local port that accepts only `Bearer KEY`; returns
    /// its base URL.
    async fn relay() -> String {
        let app = Router::new().route(
            "/v1/models",
            get(|headers: HeaderMap| async move {
                let expected = format!("Bearer {KEY}");
                match headers.get("authorization") {
                    Some(v) if v.as_bytes() == expected.as_bytes() => StatusCode::OK,
                    _ => StatusCode::UNAUTHORIZED,
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/v1")
    }

    #[tokio::test]
    async fn a_stored_upstream_is_tested_with_its_stored_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(&Paths::with_home(dir.path()));
        let base = relay().await;
        let new = NewUpstream { base_url: base.clone(), auth_token: Some(KEY.into()), ..Default::default() };
        add_upstream(&store, &Settings::default(), Service::Codex, "main", new).unwrap();
        let file = store.load().unwrap();

        let stored = test_stored_connection(&file, Service::Codex, "main", &base).await.unwrap();
        assert!(stored.ok && stored.status == Some(200), "{stored:?}");
        // It serves no API path at all: the detection says to check the URL.
        let hint = stored.detection.and_then(|d| d.suggestion).unwrap_or_default();
        assert!(hint.contains("check the base URL"), "{hint}");
        // The relay rejects a request without the key, so the 200 above
        // came from the stored one.
        let bare = test_connection(Service::Codex, "main", &base, None, None, None).await.unwrap();
        assert_eq!((bare.ok, bare.status), (false, Some(401)), "{bare:?}");

        let err = test_stored_connection(&file, Service::Codex, "main", "https://c.example/v1").await.unwrap_err();
        assert!(matches!(err, ConfigsError::UnknownUpstream { .. }), "{err}");
    }
}
