//! The load driver: one keep-alive HTTP/1.1 connection per in-flight slot,
//! each slot sending its next request as soon as the previous answer's
//! body is read; latencies go to an HdrHistogram (µs). The SSE mode runs K
//! streams at once and checks each with [`crate::sse`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http::{header, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::Serialize;
use tokio::net::TcpStream;

use crate::sse::{Dialect, EventSplitter, Integrity, Numbered};

/// Where requests go: a socket address and the path (with query) to POST.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub path: String,
}

impl Target {
    /// From `http://HOST:PORT/path?query`.
    pub fn parse(url: &str) -> anyhow::Result<Target> {
        let uri: http::Uri = url.parse().with_context(|| format!("`{url}` is not a URL"))?;
        let authority = uri.authority().with_context(|| format!("`{url}` has no host:port"))?;
        let addr = std::net::ToSocketAddrs::to_socket_addrs(authority.as_str())
            .with_context(|| format!("cannot resolve `{authority}`"))?
            .next()
            .with_context(|| format!("`{authority}` resolves to nothing"))?;
        let path = uri.path_and_query().map_or("/".to_owned(), |p| p.as_str().to_owned());
        Ok(Target { addr, path })
    }
}

/// When a load run stops.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    After(Duration),
    Requests(u64),
}

/// Latency percentiles in µs.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct Summary {
    pub count: u64,
    pub mean_us: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

impl Summary {
    pub fn of(h: &Histogram<u64>) -> Summary {
        if h.is_empty() {
            return Summary::default();
        }
        Summary {
            count: h.len(),
            mean_us: h.mean(),
            p50_us: h.value_at_quantile(0.50),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
        }
    }
}

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

/// One non-streamed load run.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct LoadReport {
    pub in_flight: usize,
    pub body_bytes: usize,
    pub requests: u64,
    pub errors: u64,
    pub elapsed_s: f64,
    pub rps: f64,
    pub latency: Summary,
}

/// A connected HTTP/1.1 client for one slot.
struct Conn {
    send: SendRequest<Full<Bytes>>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> anyhow::Result<Conn> {
        let stream = TcpStream::connect(addr).await.with_context(|| format!("cannot connect to {addr}"))?;
        stream.set_nodelay(true)?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn { send })
    }

    fn request(target: &Target, body: &Bytes, extra: Option<(&str, &str)>) -> Request<Full<Bytes>> {
        let mut req = Request::post(target.path.as_str())
            .header(header::HOST, target.addr.to_string())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, "Bearer sk-bench-client");
        if let Some((k, v)) = extra {
            req = req.header(k, v);
        }
        req.body(Full::new(body.clone())).expect("a valid request")
    }

    /// Sends one request and reads the whole answer; Ok only for a 200.
    async fn roundtrip(&mut self, req: Request<Full<Bytes>>) -> anyhow::Result<()> {
        self.send.ready().await?;
        let resp = self.send.send_request(req).await?;
        let status = resp.status();
        resp.into_body().collect().await?;
        anyhow::ensure!(status == StatusCode::OK, "status {status}");
        Ok(())
    }
}

/// Runs `in_flight` slots against `target` until `stop`.
pub async fn run(target: &Target, in_flight: usize, body: Bytes, stop: Stop) -> anyhow::Result<LoadReport> {
    let started = Instant::now();
    let budget = Arc::new(AtomicU64::new(match stop {
        Stop::Requests(n) => n,
        Stop::After(_) => u64::MAX,
    }));
    let deadline = match stop {
        Stop::After(d) => Some(started + d),
        Stop::Requests(_) => None,
    };
    let mut slots = Vec::with_capacity(in_flight);
    for _ in 0..in_flight {
        let (target, body, budget) = (target.clone(), body.clone(), budget.clone());
        slots.push(tokio::spawn(async move { slot(target, body, budget, deadline).await }));
    }
    let mut hist = histogram();
    let mut errors = 0;
    for s in slots {
        let (h, e) = s.await?;
        hist.add(&h)?;
        errors += e;
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    Ok(LoadReport {
        in_flight,
        body_bytes: body.len(),
        requests: hist.len(),
        errors,
        elapsed_s,
        rps: hist.len() as f64 / elapsed_s,
        latency: Summary::of(&hist),
    })
}

async fn slot(target: Target, body: Bytes, budget: Arc<AtomicU64>, deadline: Option<Instant>) -> (Histogram<u64>, u64) {
    let mut hist = histogram();
    let mut errors = 0u64;
    let mut conn: Option<Conn> = None;
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_err() {
            break;
        }
        let t0 = Instant::now();
        let result = async {
            if conn.is_none() {
                conn = Some(Conn::open(target.addr).await?);
            }
            let c = conn.as_mut().expect("just opened");
            c.roundtrip(Conn::request(&target, &body, None)).await
        }
        .await;
        match result {
            Ok(()) => {
                let _ = hist.record(t0.elapsed().as_micros().max(1) as u64);
            }
            Err(_) => {
                errors += 1;
                conn = None;
                // A refused or broken connection must not spin the core.
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
    (hist, errors)
}

/// An SSE run: `streams` concurrent streams, `rounds` after one another on
/// the same connections.
#[derive(Debug, Default, Clone, Copy, Serialize)]
pub struct SseReport {
    pub streams: usize,
    pub rounds: u32,
    pub events_per_stream: u64,
    pub gap_ms: u64,
    pub errors: u64,
    /// Request sent → response status and headers.
    pub ttfb: Summary,
    /// Request sent → first event of any kind (`response.created`).
    pub first_event: Summary,
    /// Request sent → first `response.output_text.delta`.
    pub ttft: Summary,
    /// Between consecutive content events of a stream.
    pub gap: Summary,
    pub integrity: Integrity,
}

pub async fn run_sse(
    target: &Target,
    streams: usize,
    rounds: u32,
    deltas: u64,
    gap_ms: u64,
    size: usize,
    body: Bytes,
) -> anyhow::Result<SseReport> {
    let sep = if target.path.contains('?') { '&' } else { '?' };
    let target =
        Target { addr: target.addr, path: format!("{}{sep}sse={deltas}&gap_ms={gap_ms}&size={size}", target.path) };
    // Every slot connects first, then each round starts all streams at
    // once: TTFT measures the proxy, not the driver's connection burst.
    let start = Arc::new(tokio::sync::Barrier::new(streams));
    let expected = Dialect::of_path(&target.path).total_events(deltas);
    let mut tasks = Vec::with_capacity(streams);
    for _ in 0..streams {
        let (target, body, start) = (target.clone(), body.clone(), start.clone());
        tasks.push(tokio::spawn(async move { sse_slot(target, body, rounds, expected, start).await }));
    }
    let (mut ttfb, mut first_event, mut ttft, mut gap) = (histogram(), histogram(), histogram(), histogram());
    let mut integrity = Integrity::default();
    let mut errors = 0;
    for t in tasks {
        let r = t.await?;
        ttfb.add(&r.ttfb)?;
        first_event.add(&r.first_event)?;
        ttft.add(&r.ttft)?;
        gap.add(&r.gap)?;
        integrity.add(&r.integrity);
        errors += r.errors;
    }
    Ok(SseReport {
        streams,
        rounds,
        events_per_stream: expected,
        gap_ms,
        errors,
        ttfb: Summary::of(&ttfb),
        first_event: Summary::of(&first_event),
        ttft: Summary::of(&ttft),
        gap: Summary::of(&gap),
        integrity,
    })
}

struct SlotSse {
    ttfb: Histogram<u64>,
    first_event: Histogram<u64>,
    ttft: Histogram<u64>,
    gap: Histogram<u64>,
    integrity: Integrity,
    errors: u64,
}

async fn sse_slot(
    target: Target,
    body: Bytes,
    rounds: u32,
    expected: u64,
    start: Arc<tokio::sync::Barrier>,
) -> SlotSse {
    let mut out = SlotSse {
        ttfb: histogram(),
        first_event: histogram(),
        ttft: histogram(),
        gap: histogram(),
        integrity: Integrity::default(),
        errors: 0,
    };
    let mut conn: Option<Conn> = None;
    for _ in 0..rounds {
        if conn.is_none() {
            conn = Conn::open(target.addr).await.ok();
        }
        start.wait().await;
        let result = match conn.as_mut() {
            Some(c) => one_stream(c, &target, &body, expected, &mut out).await,
            None => Err(anyhow::anyhow!("cannot connect to {}", target.addr)),
        };
        if result.is_err() {
            out.errors += 1;
            // A stream that failed counts as a stream that did not complete.
            out.integrity.add(&Integrity::of_stream(&[], expected, false));
            conn = None;
        }
    }
    out
}

async fn one_stream(
    c: &mut Conn,
    target: &Target,
    body: &Bytes,
    expected: u64,
    out: &mut SlotSse,
) -> anyhow::Result<()> {
    c.send.ready().await?;
    let t0 = Instant::now();
    let resp = c.send.send_request(Conn::request(target, body, None)).await?;
    anyhow::ensure!(resp.status() == StatusCode::OK, "status {}", resp.status());
    let _ = out.ttfb.record(t0.elapsed().as_micros().max(1) as u64);
    let mut body = resp.into_body();
    let mut splitter = EventSplitter::default();
    let (mut seqs, mut completed) = (Vec::new(), false);
    let mut last_content: Option<Instant> = None;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else { continue };
        let now = Instant::now();
        for event in splitter.feed(&data) {
            let n = Numbered::of(&event);
            if seqs.is_empty() {
                let _ = out.first_event.record((now - t0).as_micros().max(1) as u64);
            }
            if n.is_content() {
                match last_content {
                    None => {
                        let _ = out.ttft.record((now - t0).as_micros().max(1) as u64);
                    }
                    Some(prev) => {
                        let _ = out.gap.record((now - prev).as_micros().max(1) as u64);
                    }
                }
                last_content = Some(now);
            }
            completed |= n.is_completed();
            seqs.push(n.seq);
        }
    }
    out.integrity.add(&Integrity::of_stream(&seqs, expected, completed && splitter.pending() == 0));
    Ok(())
}

/// Time for a TCP connect to `addr` to be refused (a closed port), p50 µs
/// over `tries`: the failed upstream's own time to fail.
pub async fn refused_connect_us(addr: SocketAddr, tries: u32) -> u64 {
    let mut h = histogram();
    for _ in 0..tries {
        let t0 = Instant::now();
        let _ = TcpStream::connect(addr).await;
        let _ = h.record(t0.elapsed().as_micros().max(1) as u64);
    }
    h.value_at_quantile(0.5)
}

/// A Responses request of about `bytes` bytes: a long `input` history, as
/// an agent turn late in a session carries, with Codex's session key
/// (`prompt_cache_key`, which ch pins to an upstream).
pub fn request_body(bytes: usize, stream: bool) -> Bytes {
    session_body(bytes, stream, Some("bench-thread-1"))
}

/// [`request_body`] with another session key, or none (no pin: every
/// request goes through upstream selection, as the failover scenario needs).
pub fn session_body(bytes: usize, stream: bool, session: Option<&str>) -> Bytes {
    let mut input = Vec::new();
    let mut size = 0;
    let mut turn = 0;
    while size + 200 < bytes {
        let text = format!("turn {turn}: {}", "the quick brown fox jumps over the lazy dog ".repeat(3));
        let role = if turn % 2 == 0 { "user" } else { "assistant" };
        size += text.len() + 80;
        input.push(
            serde_json::json!({ "type": "message", "role": role, "content": [{ "type": "input_text", "text": text }] }),
        );
        turn += 1;
    }
    let mut body = serde_json::json!({
        "model": "gpt-5", "stream": stream, "instructions": "You are a coding agent.", "input": input,
    });
    if let Some(key) = session {
        body["prompt_cache_key"] = key.into();
    }
    Bytes::from(serde_json::to_vec(&body).expect("JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_bodies_have_about_the_asked_size() {
        for want in [1024, 200 * 1024] {
            let got = request_body(want, false).len();
            assert!(got > want * 8 / 10 && got < want * 12 / 10, "{want} → {got}");
        }
        let unpinned: serde_json::Value = serde_json::from_slice(&session_body(1024, true, None)).unwrap();
        assert!(unpinned.get("prompt_cache_key").is_none() && unpinned["stream"] == true);
    }

    #[test]
    fn urls_become_targets() {
        let t = Target::parse("http://127.0.0.1:8080/v1/responses?x=1").unwrap();
        assert_eq!((t.addr.port(), t.path.as_str()), (8080, "/v1/responses?x=1"));
        assert!(Target::parse("not a url").is_err());
    }
}
