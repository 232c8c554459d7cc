//! The listening side, over raw sockets: an over-limit body written whole
//! before reading still gets its 413 (issue 9 #5); half-sent headers, idle
//! keep-alive connections and connections over the cap are closed, while a
//! long stream is not (issue 9 #6).

use std::time::{Duration, Instant};

use codex_helper_core::Service;
use codex_helper_tests::{canned, client_with_timeout, config_with, MockUpstream, Proxy, Reply, TestHome};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Far longer than anything here should take, even on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(20);

async fn proxy_with(settings: Value) -> (TestHome, MockUpstream, Proxy) {
    let mock = MockUpstream::start().await;
    mock.set_default(Reply::sse(canned::codex_stream("ok", (1, 1, 0))));
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[(&format!("{}/v1", mock.url()), "sk-up")]));
    home.write_settings(&settings);
    let proxy = Proxy::start(&home, Service::Codex).await;
    (home, mock, proxy)
}

/// Reads one HTTP/1.1 response with a Content-Length body (what the proxy
/// sends for its own errors): status line and headers, then the body.
async fn read_response(stream: &mut TcpStream) -> std::io::Result<(u16, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut headers);
        if let httparse::Status::Complete(head_len) = parsed.parse(&buf).expect("a well-formed response head") {
            let status = parsed.code.expect("status");
            let length: usize = parsed
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                .expect("the proxy's own answers have a Content-Length");
            let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
            while buf.len() < head_len + length {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            return Ok((status, head, buf[head_len..head_len + length].to_vec()));
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// One `GET /__codex_helper/health` on `stream`, answered 200 (keeps the
/// connection alive).
async fn health_on(stream: &mut TcpStream, proxy: &Proxy) {
    let request = format!("GET /__codex_helper/health HTTP/1.1\r\nhost: 127.0.0.1:{}\r\n\r\n", proxy.addr.port());
    stream.write_all(request.as_bytes()).await.unwrap();
    let (status, _, _) = read_response(stream).await.expect("the connection stays open");
    assert_eq!(status, 200);
}

/// Waits until the peer closes `stream` (EOF or reset), ignoring any bytes
/// it still sends; `None` if it is still open after `within`.
pub(crate) async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut sink = [0u8; 4096];
    let wait = async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, wait).await.ok().map(|()| started.elapsed())
}

const LIMIT: usize = 1024 * 1024;
const WHOLE: usize = 40 * 1000 * 1000;

/// Like Python's `http.client`: the whole body goes out before a single
/// byte is read, so a server that stops reading and closes resets the
/// connection under the writer.
#[tokio::test]
async fn a_client_writing_a_whole_over_limit_body_before_reading_gets_the_413() {
    let (_home, mock, proxy) = proxy_with(json!({ "proxy": { "max_request_body_bytes": LIMIT } })).await;
    let piece = vec![b'x'; 64 * 1024];
    for chunked in [false, true] {
        let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
        let framing =
            if chunked { "transfer-encoding: chunked".to_string() } else { format!("content-length: {WHOLE}") };
        let head = format!(
            "POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1:{}\r\ncontent-type: application/json\r\n{framing}\r\n\r\n",
            proxy.addr.port()
        );
        let write = async {
            stream.write_all(head.as_bytes()).await?;
            let mut sent = 0;
            while sent < WHOLE {
                let n = piece.len().min(WHOLE - sent);
                if chunked {
                    stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                    stream.write_all(&piece[..n]).await?;
                    stream.write_all(b"\r\n").await?;
                } else {
                    stream.write_all(&piece[..n]).await?;
                }
                sent += n;
            }
            if chunked {
                stream.write_all(b"0\r\n\r\n").await?;
            }
            stream.flush().await?;
            read_response(&mut stream).await
        };
        let answer = tokio::time::timeout(PATIENCE, write).await.expect("the proxy answers in time");
        let (status, _head, body) = answer.unwrap_or_else(|e| panic!("chunked={chunked}: the 413 is lost: {e}"));
        assert_eq!(status, 413, "chunked={chunked}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(&LIMIT.to_string()), "the limit is named: {message}");
        assert!(message.contains("max_request_body_bytes"), "the fix is named: {message}");
    }
    assert_eq!(mock.request_count(), 0, "a refused body never goes upstream");
}

/// The header-read timeout closes a connection that never finishes its head.
#[tokio::test]
async fn half_a_header_is_closed_after_the_header_timeout() {
    let settings = json!({ "proxy": { "request_header_timeout_ms": 500, "keep_alive_timeout_ms": 60_000 } });
    let (_home, _mock, proxy) = proxy_with(settings).await;
    let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
    half_a_head_is_closed_after_500_ms(&mut stream).await;
}

/// Sends half a request head on `stream`; the proxy (request_header_timeout_ms
/// 500) must close the connection then, and not before.
async fn half_a_head_is_closed_after_500_ms(stream: &mut TcpStream) {
    stream.write_all(b"POST /v1/responses HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-ty").await.unwrap();
    let took = closed_within(stream, PATIENCE).await.expect("a half-sent head is closed");
    assert!(took >= Duration::from_millis(400), "not before the header timeout: {took:?}");
}

/// A keep-alive connection that starts its next head and stalls is closed
/// after the header timeout, not the (much longer) idle one: the read that
/// started the head arms the shorter deadline.
#[tokio::test]
async fn half_a_second_header_on_a_keep_alive_connection_is_closed_after_the_header_timeout() {
    let settings = json!({ "proxy": { "request_header_timeout_ms": 500, "keep_alive_timeout_ms": 60_000 } });
    let (_home, _mock, proxy) = proxy_with(settings).await;
    let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
    health_on(&mut stream, &proxy).await;
    half_a_head_is_closed_after_500_ms(&mut stream).await;
}

/// Between requests, a keep-alive connection may idle for
/// `keep_alive_timeout_ms`, then it is closed.
#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let settings = json!({ "proxy": { "request_header_timeout_ms": 60_000, "keep_alive_timeout_ms": 700 } });
    let (_home, _mock, proxy) = proxy_with(settings).await;
    let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
    health_on(&mut stream, &proxy).await;
    // Still open for a second request within the timeout: keep-alive works.
    health_on(&mut stream, &proxy).await;
    let took = closed_within(&mut stream, PATIENCE).await.expect("an idle connection is closed");
    assert!(took >= Duration::from_millis(600), "not before the idle timeout: {took:?}");
}

/// A connection's one timer follows its deadline as requests come and go:
/// a client sending a request every 150 ms for longer than the 400 ms
/// header timeout keeps its connection (each new head moves the deadline;
/// the timer armed for an older one must not close it).
#[tokio::test]
async fn a_busy_keep_alive_connection_outlives_the_header_timeout() {
    let settings = json!({ "proxy": { "request_header_timeout_ms": 400, "keep_alive_timeout_ms": 60_000 } });
    let (_home, _mock, proxy) = proxy_with(settings).await;
    let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
    let started = Instant::now();
    let mut served = 0;
    while started.elapsed() < Duration::from_millis(1500) {
        health_on(&mut stream, &proxy).await;
        served += 1;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert!(served >= 5, "{served} requests on one connection");
}

/// The idle and header timeouts are about the time between requests: a
/// slow answer and a stream much longer than both are never cut.
#[tokio::test]
async fn a_stream_longer_than_the_idle_timeout_is_not_cut() {
    let settings = json!({ "proxy": { "request_header_timeout_ms": 300, "keep_alive_timeout_ms": 300 } });
    let (_home, mock, proxy) = proxy_with(settings).await;
    let events = canned::codex_stream("a long answer in many pieces", (5, 7, 0));
    mock.set_default(
        Reply::sse(events.clone()).delay(Duration::from_millis(700)).event_delay(Duration::from_millis(150)),
    );
    let resp = client_with_timeout(PATIENCE)
        .post(proxy.url("/v1/responses"))
        .header("content-type", "application/json")
        .body(codex_helper_tests::codex_body().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let read = codex_helper_tests::read_sse_events(resp).await;
    assert_eq!(read.events, events, "every event arrives");
}

/// Over `max_connections`, connections that never sent a request are
/// closed first, oldest first, so a real client still gets in.
#[tokio::test]
async fn idle_connections_over_the_cap_make_room_for_a_real_client() {
    const CAP: usize = 8;
    let (_home, _mock, proxy) = proxy_with(json!({ "proxy": { "max_connections": CAP } })).await;
    let mut idle = Vec::new();
    for _ in 0..3 * CAP {
        idle.push(TcpStream::connect(proxy.addr).await.unwrap());
    }
    let resp = client_with_timeout(PATIENCE)
        .post(proxy.url("/v1/responses"))
        .header("content-type", "application/json")
        .body(codex_helper_tests::codex_body().to_string())
        .send()
        .await
        .expect("a real client is served");
    assert_eq!(resp.status(), 200);
    let _ = resp.bytes().await.unwrap();
    // At most CAP connections are open at once: the real client's, and the
    // newest idle ones.
    let mut closed = 0;
    for stream in idle.iter_mut() {
        if closed_within(stream, Duration::from_millis(200)).await.is_some() {
            closed += 1;
        }
    }
    assert!(closed > 2 * CAP, "{closed} of {} idle connections were closed", 3 * CAP);
}

/// Stopping the proxy closes the listener at once, while an answer that
/// is streaming finishes whole.
#[tokio::test]
async fn shutdown_lets_a_stream_in_flight_finish_and_stops_accepting() {
    let (_home, mock, proxy) = proxy_with(json!({})).await;
    let events = canned::codex_stream("finishing after the stop", (5, 6, 0));
    mock.set_default(Reply::sse(events.clone()).event_delay(Duration::from_millis(100)));
    let resp = client_with_timeout(PATIENCE)
        .post(proxy.url("/v1/responses"))
        .header("content-type", "application/json")
        .body(codex_helper_tests::codex_body().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    proxy.runtime.stop();
    let deadline = Instant::now() + PATIENCE;
    while TcpStream::connect(proxy.addr).await.is_ok() {
        assert!(Instant::now() < deadline, "the listener stays open after the stop");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let read = codex_helper_tests::read_sse_events(resp).await;
    assert_eq!(read.error, None);
    assert_eq!(read.events, events, "the stream in flight is complete");
}

/// h2c (HTTP/2 without TLS, prior knowledge) is served as before.
#[tokio::test]
async fn h2c_is_still_served() {
    let (_home, _mock, proxy) = proxy_with(json!({})).await;
    let client = reqwest::Client::builder().no_proxy().http2_prior_knowledge().timeout(PATIENCE).build().unwrap();
    let resp = client.get(proxy.url("/__codex_helper/health")).send().await.unwrap();
    assert_eq!(resp.version(), http::Version::HTTP_2);
    assert_eq!(resp.status(), 200);
}

/// An idle HTTP/2 connection is closed with a GOAWAY, not just dropped:
/// a client can tell "the server is done with this connection" (open a new
/// one) from a lost connection (fail the requests on it).
#[tokio::test]
async fn an_idle_h2c_connection_is_closed_with_a_goaway() {
    let settings = json!({ "proxy": { "request_header_timeout_ms": 500, "keep_alive_timeout_ms": 500 } });
    let (_home, _mock, proxy) = proxy_with(settings).await;
    let mut stream = TcpStream::connect(proxy.addr).await.unwrap();
    // Preface, empty SETTINGS, then one GET as HEADERS (END_STREAM |
    // END_HEADERS) on stream 1, HPACK-encoded by hand from the static
    // table: :method GET, :scheme http, :path and :authority as literals.
    let mut block = vec![0x82, 0x86];
    for (index, value) in
        [(0x44u8, "/__codex_helper/health".to_string()), (0x41, format!("127.0.0.1:{}", proxy.addr.port()))]
    {
        block.push(index);
        block.push(u8::try_from(value.len()).unwrap());
        block.extend_from_slice(value.as_bytes());
    }
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    out.extend_from_slice(&[0, 0, 0, 0x4, 0, 0, 0, 0, 0]);
    let len = u32::try_from(block.len()).unwrap().to_be_bytes();
    out.extend_from_slice(&[len[1], len[2], len[3], 0x1, 0x5, 0, 0, 0, 1]);
    out.extend_from_slice(&block);
    stream.write_all(&out).await.unwrap();

    // Read frames until the server closes; note their types.
    let mut frames = Vec::new();
    let read = async {
        let mut head = [0u8; 9];
        while stream.read_exact(&mut head).await.is_ok() {
            let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
            let mut payload = vec![0u8; len];
            if stream.read_exact(&mut payload).await.is_err() {
                break;
            }
            frames.push(head[3]);
            if head[3] == 0x4 && head[4] & 0x1 == 0 {
                // Acknowledge the server's SETTINGS, as a client must.
                let _ = stream.write_all(&[0, 0, 0, 0x4, 0x1, 0, 0, 0, 0]).await;
            }
            if head[3] == 0x6 && head[4] & 0x1 == 0 {
                // And its PINGs (graceful shutdown sends one after the
                // first GOAWAY to learn which requests are still coming).
                let mut ack = vec![0, 0, 8, 0x6, 0x1, 0, 0, 0, 0];
                ack.extend_from_slice(&payload);
                let _ = stream.write_all(&ack).await;
            }
        }
    };
    tokio::time::timeout(PATIENCE, read).await.expect("the idle connection is closed");
    const HEADERS: u8 = 0x1;
    const GOAWAY: u8 = 0x7;
    assert!(frames.contains(&HEADERS), "the request was answered: frames {frames:?}");
    assert_eq!(frames.last(), Some(&GOAWAY), "the last frame before the close is a GOAWAY: frames {frames:?}");
}
