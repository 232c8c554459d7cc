//! `ch test`: one small real streaming request to each upstream, timed.
//!
//! The request is the smallest turn in the upstream's own protocol
//! (Responses, Anthropic Messages or Chat Completions), sent with its key,
//! its extra headers and its model map, exactly as the proxy would send it,
//! but with a fixed prompt: never anything of the user's. Per upstream:
//!
//! - `connect_ms`: DNS, TCP connect and, for `https`, the TLS handshake
//!   with the upstream's host, made as the proxy makes it (through the
//!   environment's proxy, if any); a connection of its own, so it is not
//!   hidden by a pooled one;
//! - `ttft_ms`: from sending the request to the first piece of answer text;
//! - `tokens_per_s`: output tokens (the usage the stream reports, else one
//!   per text delta) over the time from the first piece to the end.
//!
//! All upstreams are tested at once, each within its own timeout; the
//! results are ranked: answering upstreams first, fastest first.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::{validate_base_url, ConfigFile, Protocol, Upstream};
use crate::config_edit::without_url;
use crate::proxy::target::upstream_url;
use crate::Service;

/// How long one upstream may take, connect to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The model asked for when the upstream's model map doesn't say: the one
/// each client asks for by default.
pub fn default_model(service: Service) -> &'static str {
    match service {
        Service::Codex => "gpt-5",
        Service::Claude => "claude-sonnet-4-5",
    }
}

const PROMPT: &str = "Reply with the single word: ok";
const MAX_TOKENS: u32 = 16;

/// One upstream to test.
#[derive(Clone, Debug)]
pub struct Target {
    pub service: Service,
    pub config: String,
    pub upstream: Upstream,
}

/// Every upstream of `service`'s serving config, or of all its configs.
pub fn targets(file: &ConfigFile, service: Service, all: bool) -> Vec<Target> {
    let section = file.service(service);
    let configs: Vec<_> =
        if all { section.configs.values().collect() } else { section.serving_config().into_iter().collect() };
    configs
        .into_iter()
        .flat_map(|c| c.upstreams.iter().map(|u| Target { service, config: c.name.clone(), upstream: u.clone() }))
        .collect()
}

/// What one upstream did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SpeedResult {
    pub service: Service,
    pub config: String,
    pub base_url: String,
    /// The key's alias, when it has one.
    pub alias: Option<String>,
    pub protocol: Protocol,
    /// The model asked for (after the upstream's model map).
    pub model: String,
    /// `ok`, `http_<code>` (e.g. `http_401`), `timeout`, `unreachable`,
    /// `stream_error` (an answer that broke off or said it failed),
    /// `no_answer` (a stream with no text) or `bad_config`.
    pub status: String,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    pub connect_ms: Option<u64>,
    pub ttft_ms: Option<u64>,
    pub tokens_per_s: Option<f64>,
    pub output_tokens: Option<u64>,
    /// In words, when not `ok` (keys scrubbed).
    pub error: Option<String>,
}

impl SpeedResult {
    pub fn answered(&self) -> bool {
        self.status == "ok"
    }
}

/// Test every target at once, each within `timeout`, and rank them.
pub async fn run(targets: Vec<Target>, timeout: Duration) -> Vec<SpeedResult> {
    let client = match reqwest::Client::builder().connect_timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => {
            return targets
                .iter()
                .map(|t| blank(t, "bad_config", Some(format!("cannot create an HTTP client: {e}"))))
                .collect();
        }
    };
    let runs = targets.iter().map(|t| {
        let client = client.clone();
        async move {
            match tokio::time::timeout(timeout, test_one(&client, t)).await {
                Ok(r) => r,
                Err(_) => {
                    let mut r =
                        blank(t, "timeout", Some(format!("no complete answer within {}s", timeout.as_secs_f64())));
                    r.connect_ms = None;
                    r
                }
            }
        }
    });
    let mut results = futures_util::future::join_all(runs).await;
    rank(&mut results);
    results
}

/// Answering upstreams first, by time to first token then tokens/s; the
/// rest after, in config order (the sort is stable).
pub fn rank(results: &mut [SpeedResult]) {
    results.sort_by(|a, b| {
        b.answered().cmp(&a.answered()).then_with(|| {
            if !a.answered() {
                return std::cmp::Ordering::Equal;
            }
            let ttft = |r: &SpeedResult| r.ttft_ms.unwrap_or(u64::MAX);
            ttft(a).cmp(&ttft(b)).then_with(|| {
                b.tokens_per_s
                    .unwrap_or(0.0)
                    .partial_cmp(&a.tokens_per_s.unwrap_or(0.0))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
        })
    });
}

fn model_for(t: &Target) -> String {
    let asked = default_model(t.service);
    t.upstream.model_map.target(asked).unwrap_or(asked).to_string()
}

fn blank(t: &Target, status: &str, error: Option<String>) -> SpeedResult {
    SpeedResult {
        service: t.service,
        config: t.config.clone(),
        base_url: t.upstream.base_url.clone(),
        alias: t.upstream.alias.clone(),
        protocol: t.upstream.protocol(t.service),
        model: model_for(t),
        status: status.to_string(),
        http_status: None,
        connect_ms: None,
        ttft_ms: None,
        tokens_per_s: None,
        output_tokens: None,
        error: error.map(crate::redact::scrub_owned),
    }
}

/// The path and body of the smallest streamed turn in `protocol`.
fn request(protocol: Protocol, model: &str) -> (&'static str, Value) {
    match protocol {
        Protocol::Responses => (
            "/v1/responses",
            json!({"model": model, "input": PROMPT, "stream": true, "store": false, "max_output_tokens": MAX_TOKENS}),
        ),
        Protocol::Anthropic => (
            "/v1/messages",
            json!({"model": model, "max_tokens": MAX_TOKENS, "stream": true,
                   "messages": [{"role": "user", "content": PROMPT}]}),
        ),
        Protocol::Chat => (
            "/v1/chat/completions",
            json!({"model": model, "max_tokens": MAX_TOKENS, "stream": true,
                   "stream_options": {"include_usage": true},
                   "messages": [{"role": "user", "content": PROMPT}]}),
        ),
    }
}

fn headers(t: &Target, protocol: Protocol) -> Result<Vec<(HeaderName, HeaderValue)>, String> {
    // The credential as the proxy sends it to this kind of upstream.
    let mut out = crate::live::auth_headers(t.service, &t.upstream)?;
    if protocol == Protocol::Anthropic {
        out.push((HeaderName::from_static("anthropic-version"), HeaderValue::from_static("2023-06-01")));
    }
    out.extend(crate::config::extra_headers::check_extra_headers(&t.upstream.headers).map_err(|m| m.here)?);
    Ok(out)
}

async fn test_one(client: &reqwest::Client, t: &Target) -> SpeedResult {
    let protocol = t.upstream.protocol(t.service);
    let base = match validate_base_url(&t.upstream.base_url) {
        Ok(b) => b,
        Err(e) => return blank(t, "bad_config", Some(format!("base_url {}", e.en))),
    };
    let headers = match headers(t, protocol) {
        Ok(h) => h,
        Err(e) => return blank(t, "bad_config", Some(e)),
    };
    let mut out = blank(t, "ok", None);
    let connect = match crate::proxy::client::tls_config() {
        Ok(tls) => connect_time(&base, tls).await,
        Err(e) => Err(e.to_string()),
    };
    match connect {
        Ok(ms) => out.connect_ms = Some(ms),
        Err(e) => {
            out.status = "unreachable".into();
            out.error = Some(crate::redact::scrub_owned(e));
            return out;
        }
    }
    let (path, body) = request(protocol, &out.model);
    let mut req = client.post(upstream_url(&base, path)).json(&body);
    for (name, value) in headers {
        req = req.header(name, value);
    }
    let sent = Instant::now();
    let mut resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            out.status = if e.is_connect() { "unreachable" } else { "stream_error" }.into();
            out.error = Some(crate::redact::scrub_owned(without_url(&e)));
            return out;
        }
    };
    let status = resp.status().as_u16();
    out.http_status = Some(status);
    if !resp.status().is_success() {
        out.status = format!("http_{status}");
        let text = resp.text().await.unwrap_or_default();
        out.error = Some(crate::redact::scrub_owned(text.chars().take(300).collect()));
        return out;
    }
    let mut reader = StreamReader::new(protocol);
    let mut first: Option<Instant> = None;
    loop {
        match resp.chunk().await {
            Ok(Some(bytes)) => {
                if reader.feed(&bytes) && first.is_none() {
                    first = Some(Instant::now());
                }
            }
            Ok(None) => break,
            Err(e) => {
                reader.failure.get_or_insert_with(|| format!("the stream broke off: {}", without_url(&e)));
                break;
            }
        }
    }
    let end = Instant::now();
    if let Some(why) = reader.failure {
        out.status = "stream_error".into();
        out.error = Some(crate::redact::scrub_owned(why));
        return out;
    }
    let Some(first) = first else {
        out.status = "no_answer".into();
        out.error = Some("the stream ended without any answer text".into());
        return out;
    };
    out.ttft_ms = Some(first.duration_since(sent).as_millis() as u64);
    let tokens = reader.output_tokens.unwrap_or(reader.deltas);
    out.output_tokens = Some(tokens);
    let secs = end.duration_since(first).as_secs_f64();
    // A whole answer in one read has no measurable rate.
    out.tokens_per_s = (secs > 0.0005 && tokens > 0).then(|| ((tokens as f64 / secs) * 10.0).round() / 10.0);
    out
}

/// DNS + TCP connect (+ TLS for `https`) to the URL's host, in ms.
async fn connect_time(url: &url::Url, tls: rustls::ClientConfig) -> Result<u64, String> {
    let host = url.host_str().unwrap_or_default();
    let port = url.port_or_known_default().unwrap_or_default();
    let took = crate::proxy::client::time_connect(url, DEFAULT_TIMEOUT, tls)
        .await
        .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
    Ok(took.as_millis() as u64)
}

/// The parts of an SSE answer the test needs: text pieces, the output
/// token count, and whether it said it failed.
struct StreamReader {
    protocol: Protocol,
    buf: Vec<u8>,
    deltas: u64,
    output_tokens: Option<u64>,
    failure: Option<String>,
}

impl StreamReader {
    fn new(protocol: Protocol) -> StreamReader {
        StreamReader { protocol, buf: Vec::new(), deltas: 0, output_tokens: None, failure: None }
    }

    /// Takes more bytes; true when they held a piece of answer text.
    fn feed(&mut self, bytes: &[u8]) -> bool {
        self.buf.extend_from_slice(bytes);
        let mut text = false;
        while let Some(nl) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=nl).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(data) = line.trim_end().strip_prefix("data:") else { continue };
            let data = data.trim();
            if data.is_empty() || data == "[DONE]" {
                continue;
            }
            match serde_json::from_str::<Value>(data) {
                Ok(v) => text |= self.event(&v),
                Err(_) => {
                    self.failure
                        .get_or_insert_with(|| format!("not JSON in the stream: {}", &data[..data.len().min(120)]));
                }
            }
        }
        text
    }

    fn event(&mut self, v: &Value) -> bool {
        let kind = v["type"].as_str().unwrap_or("");
        let non_empty = |t: &Value| t.as_str().is_some_and(|s| !s.is_empty());
        if kind == "error"
            || kind == "response.failed"
            || (v.get("error").is_some_and(|e| !e.is_null()) && kind.is_empty())
        {
            let e = if kind == "response.failed" { &v["response"]["error"] } else { &v["error"] };
            let msg = e["message"].as_str().map(str::to_string).unwrap_or_else(|| e.to_string());
            self.failure.get_or_insert(format!("the upstream said: {msg}"));
            return false;
        }
        let piece = match self.protocol {
            Protocol::Responses => {
                if let Some(n) = v["response"]["usage"]["output_tokens"].as_u64() {
                    self.output_tokens = Some(n);
                }
                kind == "response.output_text.delta" && non_empty(&v["delta"])
            }
            Protocol::Anthropic => {
                if let Some(n) = v["usage"]["output_tokens"].as_u64() {
                    self.output_tokens = Some(n);
                }
                kind == "content_block_delta" && (non_empty(&v["delta"]["text"]) || non_empty(&v["delta"]["thinking"]))
            }
            Protocol::Chat => {
                if let Some(n) = v["usage"]["completion_tokens"].as_u64() {
                    self.output_tokens = Some(n);
                }
                let delta = &v["choices"][0]["delta"];
                non_empty(&delta["content"]) || non_empty(&delta["reasoning_content"]) || non_empty(&delta["reasoning"])
            }
        };
        self.deltas += u64::from(piece);
        piece
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(status: &str, ttft: Option<u64>, tps: Option<f64>, url: &str) -> SpeedResult {
        SpeedResult {
            service: Service::Codex,
            config: "c".into(),
            base_url: url.into(),
            alias: None,
            protocol: Protocol::Responses,
            model: "gpt-5".into(),
            status: status.into(),
            http_status: None,
            connect_ms: None,
            ttft_ms: ttft,
            tokens_per_s: tps,
            output_tokens: None,
            error: None,
        }
    }

    #[test]
    fn answering_upstreams_rank_first_fastest_first_failures_keep_their_order() {
        let mut r = vec![
            result("http_401", None, None, "a"),
            result("ok", Some(300), Some(50.0), "b"),
            result("timeout", None, None, "c"),
            result("ok", Some(100), Some(10.0), "d"),
            result("ok", Some(100), Some(20.0), "e"),
        ];
        rank(&mut r);
        let order: Vec<_> = r.iter().map(|r| r.base_url.as_str()).collect();
        assert_eq!(order, ["e", "d", "b", "a", "c"]);
    }

    #[test]
    fn the_reader_finds_text_usage_and_failures_in_each_protocol() {
        let mut chat = StreamReader::new(Protocol::Chat);
        assert!(!chat.feed(b"data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"));
        assert!(chat.feed(b"data: {\"choices\":[{\"delta\":{\"content\":\"o\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"completion_tokens\":7}}\n\ndata: [DONE]\n\n"));
        assert_eq!((chat.deltas, chat.output_tokens, chat.failure.as_deref()), (1, Some(7), None));

        let mut msgs = StreamReader::new(Protocol::Anthropic);
        // Split mid-line: the rest comes in the next read.
        assert!(!msgs.feed(
            b"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\","
        ));
        assert!(msgs.feed(b"\"text\":\"ok\"}}\n\n"));
        msgs.feed(
            b"data: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
        );
        assert_eq!(msgs.failure.as_deref(), Some("the upstream said: Overloaded"));

        let mut resp = StreamReader::new(Protocol::Responses);
        assert!(resp.feed(b"data: {\"type\":\"response.output_text.delta\",\"delta\":\"ok\"}\n"));
        resp.feed(b"data: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"output_tokens\":2}}}\n");
        assert_eq!((resp.deltas, resp.output_tokens), (1, Some(2)));
    }

    /// Regression: `connect_ms` used to stop at TCP, so an upstream whose
    /// TLS handshake was slow looked fast. A mock upstream that accepts TCP
    /// at once and answers TLS after 400 ms (its certificate from
    /// core/testdata/tls, a test CA's, valid until 2126).
    #[tokio::test]
    async fn connect_ms_includes_the_tls_handshake_for_https() {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        use std::sync::Arc;
        const HANDSHAKE_DELAY_MS: u64 = 400;
        let ca = CertificateDer::from(include_bytes!("../testdata/tls/ca.der").to_vec());
        let leaf = CertificateDer::from(include_bytes!("../testdata/tls/leaf.der").to_vec());
        let key =
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(include_bytes!("../testdata/tls/leaf.key.der").to_vec()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![leaf], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(HANDSHAKE_DELAY_MS)).await;
                    let _tls = acceptor.accept(tcp).await;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                });
            }
        });
        let client = |trusted: bool| {
            let mut roots = rustls::RootCertStore::empty();
            if trusted {
                roots.add(ca.clone()).unwrap();
            }
            rustls::ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth()
        };
        let https = url::Url::parse(&format!("https://127.0.0.1:{port}/v1")).unwrap();
        let ms = connect_time(&https, client(true)).await.expect("the handshake completes");
        assert!(ms >= HANDSHAKE_DELAY_MS, "connect_ms {ms} must include the {HANDSHAKE_DELAY_MS} ms TLS handshake");
        // Plain HTTP to the same port: TCP only, nothing waits for TLS.
        let http = url::Url::parse(&format!("http://127.0.0.1:{port}/v1")).unwrap();
        let ms = connect_time(&http, client(true)).await.unwrap();
        assert!(ms < HANDSHAKE_DELAY_MS, "{ms}");
        // A certificate the upstream's roots don't vouch for: no connection, and why.
        let err = connect_time(&https, client(false)).await.unwrap_err();
        assert!(err.contains(&format!("127.0.0.1:{port}")) && err.to_lowercase().contains("certificate"), "{err}");
    }

    #[test]
    fn each_protocol_gets_its_own_small_request() {
        for p in Protocol::ALL {
            let (path, body) = request(p, "m");
            assert_eq!(body["model"], "m");
            assert_eq!(body["stream"], true);
            assert!(path.starts_with("/v1/"), "{path}");
            assert!(!body.to_string().contains("tools"), "no tools, the smallest turn");
        }
    }
}
