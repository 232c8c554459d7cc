//! Mock upstream behaviour checked on the raw socket, where reqwest would
//! hide the difference (RST vs FIN, exact framing, pipelining).

use codex_helper_tests::{canned, MockUpstream, Reply, SseEvent};

/// Writes raw bytes, then reads until EOF or an error; returns what arrived
/// and how the read ended, so tests can tell RST from FIN.
async fn raw_exchange(mock: &MockUpstream, request: &str) -> (String, std::io::Result<()>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        match sock.read(&mut buf).await {
            Ok(0) => break Ok(()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break Err(e),
        }
    };
    (String::from_utf8_lossy(&got).into_owned(), end)
}

const GET_CLOSE: &str = "GET /raw HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";

#[tokio::test]
async fn resets_are_tcp_rst_not_fin() {
    let mock = MockUpstream::start().await;
    mock.push(Reply::reset());
    let (got, end) = raw_exchange(&mock, GET_CLOSE).await;
    assert_eq!(got, "");
    assert_eq!(end.unwrap_err().kind(), std::io::ErrorKind::ConnectionReset);

    mock.push(Reply::sse(canned::claude_stream("x", 1, 1)).reset_after_events(1));
    let (got, end) = raw_exchange(&mock, GET_CLOSE).await;
    assert!(got.contains("event: message_start") && !got.contains("content_block_start"), "{got}");
    assert!(!got.ends_with("0\r\n\r\n"), "no terminating chunk expected: {got}");
    assert_eq!(end.unwrap_err().kind(), std::io::ErrorKind::ConnectionReset);

    // Control: a normal reply with `connection: close` ends with a clean FIN.
    let (got, end) = raw_exchange(&mock, GET_CLOSE).await;
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n") && got.ends_with("{\"ok\":true}"), "{got}");
    end.unwrap();
}

#[tokio::test]
async fn pipelined_requests_and_chunk_framing_on_the_wire() {
    let mock = MockUpstream::start().await;
    mock.push(Reply::sse(vec![SseEvent::text(None, "[DONE]")]));
    let two = "POST /a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n\
               POST /b HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi";
    let (got, end) = raw_exchange(&mock, two).await;
    end.unwrap();
    let first = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n\
                 transfer-encoding: chunked\r\n\r\ne\r\ndata: [DONE]\n\n\r\n0\r\n\r\n";
    assert!(got.starts_with(first), "{got}");
    assert!(got[first.len()..].starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    let bodies: Vec<_> = mock.requests().into_iter().map(|r| (r.path, r.body)).collect();
    assert_eq!(bodies, [("/a".to_string(), b"abc".to_vec()), ("/b".to_string(), b"hi".to_vec())]);
}
