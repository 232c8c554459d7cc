//! Soak: minutes of mixed traffic through the in-process proxy, with
//! memory and descriptors sampled every second (`npm run soak`: 30 min).
//!
//! It runs only when `CODEX_HELPER_SOAK_SECS` is set, and alone
//! (`--test-threads=1`, filter `soak::`): it measures the whole test
//! process, so other tests running beside it would move the numbers.
//!
//! Traffic, from several workers at once: streams whose first upstream
//! resets before any content (failover to the second), plain streams,
//! over-limit bodies written whole (413 + lingering close), half-sent
//! heads and idle connections. Every answer is checked.
//!
//! Flat means: after a settling period (a fifth of the run), the median
//! RSS of the last window (a minute, or a fifth of a short run) is within
//! 10 % (+2 MiB of allocator noise) of the first window's, the largest
//! descriptor count of the last window is no higher than the first's plus
//! pool slack, and once traffic stops the count goes back to the baseline
//! taken before it began (plus the pools' idle connections).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use codex_helper_core::Service;
use codex_helper_tests::{canned, client_with_timeout, config_with, MockUpstream, Proxy, Reply, TestHome};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WORKERS: usize = 4;
/// Idle pooled connections that may outlive the traffic: per worker, one
/// client→proxy and one proxy→upstream per upstream, two ends each.
const POOL_SLACK: usize = WORKERS * 6 + 8;
const LIMIT: usize = 256 * 1024;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_memory_and_descriptors_stay_flat() {
    let Some(secs) = std::env::var("CODEX_HELPER_SOAK_SECS").ok().and_then(|s| s.parse::<u64>().ok()) else {
        return;
    };
    assert!(secs >= 20, "CODEX_HELPER_SOAK_SECS must be at least 20 to say anything");
    let events = canned::codex_stream("soak", (3, 4, 0));
    let flaky = MockUpstream::start().await;
    flaky.set_default(Reply::sse(events.clone()).reset_after_events(1));
    let good = MockUpstream::start().await;
    good.set_default(Reply::sse(events.clone()));
    let home = TestHome::new();
    home.write_config(&config_with(
        Service::Codex,
        "main",
        &[(&format!("{}/v1", flaky.url()), "sk-a"), (&format!("{}/v1", good.url()), "sk-b")],
    ));
    home.write_settings(&json!({
        "proxy": { "max_request_body_bytes": LIMIT, "request_header_timeout_ms": 1000, "keep_alive_timeout_ms": 2000 },
        "lb": { "cooldown_ms": 2000, "max_cooldown_ms": 4000 },
    }));
    let proxy = Proxy::start(&home, Service::Codex).await;
    let baseline_fds = open_fds();

    let running = Arc::new(AtomicBool::new(true));
    let served = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let (running, served, events) = (running.clone(), served.clone(), events.clone());
        let addr = proxy.addr;
        workers.push(tokio::spawn(async move {
            let client = client_with_timeout(Duration::from_secs(30));
            let big = vec![b'x'; 4 * LIMIT];
            let mut i = w;
            while running.load(Ordering::Relaxed) {
                match i % 6 {
                    0 => {
                        let mut s = TcpStream::connect(addr).await.unwrap();
                        let head = format!(
                            "POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: {}\r\n\r\n",
                            big.len()
                        );
                        s.write_all(head.as_bytes()).await.unwrap();
                        s.write_all(&big).await.expect("the body is drained, not reset");
                        let mut answer = vec![0u8; 64];
                        s.read_exact(&mut answer[..12]).await.unwrap();
                        assert!(answer.starts_with(b"HTTP/1.1 413"), "{}", String::from_utf8_lossy(&answer));
                    }
                    1 => {
                        let mut s = TcpStream::connect(addr).await.unwrap();
                        s.write_all(b"GET /v1/responses HTTP/1.1\r\nhost: 127.0").await.unwrap();
                    }
                    _ => {
                        let resp = client
                            .post(format!("http://{addr}/v1/responses"))
                            .header("content-type", "application/json")
                            .body(codex_helper_tests::codex_body().to_string())
                            .send()
                            .await
                            .unwrap();
                        assert_eq!(resp.status(), 200);
                        let read = codex_helper_tests::read_sse_events(resp).await;
                        assert_eq!(read.events, events);
                    }
                }
                served.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }

    let mut samples: Vec<(u64, usize)> = Vec::new();
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        tokio::time::sleep(Duration::from_secs(1)).await;
        // The mocks record every request; that memory is the test's, not the proxy's.
        flaky.clear_requests();
        good.clear_requests();
        samples.push((rss_kib(), open_fds()));
        assert!(workers.iter().all(|w| !w.is_finished()), "a worker failed");
    }
    running.store(false, Ordering::Relaxed);
    for w in workers {
        w.await.expect("every answer was right");
    }

    if std::env::var_os("CODEX_HELPER_SOAK_VERBOSE").is_some() {
        eprintln!("soak samples (RSS KiB, fds): {samples:?}");
    }
    let settle = samples.len() / 5;
    let window = (samples.len() / 5).clamp(1, 60);
    let first = &samples[settle..settle + window];
    let last = &samples[samples.len() - window..];
    let rss_first = median(first.iter().map(|s| s.0).collect());
    let rss_last = median(last.iter().map(|s| s.0).collect());
    let fds_first = first.iter().map(|s| s.1).max().unwrap();
    let fds_last = last.iter().map(|s| s.1).max().unwrap();
    eprintln!(
        "soak: {secs} s, {} requests; RSS median {rss_first} KiB → {rss_last} KiB; fds max {fds_first} → {fds_last} (baseline {baseline_fds})",
        served.load(Ordering::Relaxed)
    );
    assert!(rss_last <= rss_first + rss_first / 10 + 2048, "RSS grew: {rss_first} → {rss_last} KiB");
    assert!(fds_last <= fds_first + POOL_SLACK, "descriptors grew: {fds_first} → {fds_last}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = open_fds();
        if now <= baseline_fds + POOL_SLACK {
            break;
        }
        assert!(Instant::now() < deadline, "descriptors stay open after the traffic: {now} (baseline {baseline_fds})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
