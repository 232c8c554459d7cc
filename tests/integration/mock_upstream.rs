//! Tests of the mock upstream itself: if it lies, every proxy test built on
//! it lies too.

use std::io::Read;
use std::time::Duration;

use codex_helper_tests::{
    canned, client, client_with_timeout, read_sse_events, MockUpstream, Reply, SseEvent, SseStream,
};
use serde_json::json;
use tokio::time::Instant;

mod streams;
mod wire;

#[tokio::test]
async fn replies_are_served_fifo_then_the_default() {
    let mock = MockUpstream::start().await;
    mock.push(Reply::json(201, json!({"n": 1})));
    mock.push(Reply::text(503, "busy"));
    let c = client();

    let r1 = c.get(mock.url()).send().await.unwrap();
    assert_eq!(r1.status(), 201);
    assert_eq!(r1.headers()["content-type"], "application/json");
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&r1.bytes().await.unwrap()).unwrap(), json!({"n": 1}));

    let r2 = c.get(mock.url()).send().await.unwrap();
    assert_eq!(r2.status(), 503);
    assert_eq!(r2.text().await.unwrap(), "busy");

    // Queue exhausted: the initial default, as often as asked.
    for _ in 0..2 {
        let r = c.get(mock.url()).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&r.bytes().await.unwrap()).unwrap(),
            json!({"ok": true})
        );
    }
    assert_eq!(mock.queued(), 0);

    mock.set_default(Reply::text(418, "teapot"));
    let r = c.get(mock.url()).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (418, "teapot".to_string()));
    assert_eq!(mock.request_count(), 5);
}

#[tokio::test]
async fn records_method_path_query_headers_and_body() {
    let mock = MockUpstream::start().await;
    let body = json!({"model": "gpt-5", "stream": true});
    client()
        .post(format!("{}/v1/messages?beta=true", mock.url()))
        .header("X-Api-Key", "sk-test")
        .header("Anthropic-Version", "2023-06-01")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    client().get(format!("{}/v1/models", mock.url())).send().await.unwrap();

    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/messages?beta=true");
    assert!(r.headers.iter().any(|(n, v)| n == "x-api-key" && v == "sk-test"), "{:?}", r.headers);
    assert_eq!(r.header("ANTHROPIC-VERSION"), Some("2023-06-01"));
    assert_eq!(r.header("content-length"), Some(body.to_string().len().to_string().as_str()));
    assert_eq!(r.header("x-missing"), None);
    assert_eq!(r.json(), body);
    assert_eq!((reqs[1].method.as_str(), reqs[1].path.as_str()), ("GET", "/v1/models"));
    assert!(reqs[1].body.is_empty());

    mock.clear_requests();
    assert_eq!(mock.request_count(), 0);
    assert!(mock.requests().is_empty());
}

#[tokio::test]
async fn chunked_request_bodies_are_decoded_and_the_connection_reused() {
    let mock = MockUpstream::start().await;
    let c = client();
    for round in 0..2 {
        // A streamed body of unknown length makes reqwest use chunked encoding.
        let parts: Vec<Result<&'static str, std::io::Error>> = vec![Ok("{\"a\":"), Ok("[1,2,"), Ok("3]}")];
        let resp = c
            .post(format!("{}/upload?round={round}", mock.url()))
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(parts)))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.bytes().await.unwrap();
    }
    let reqs = mock.requests();
    assert_eq!(reqs.len(), 2);
    for (i, r) in reqs.iter().enumerate() {
        assert_eq!(r.header("transfer-encoding"), Some("chunked"));
        assert_eq!(r.path, format!("/upload?round={i}"));
        assert_eq!(r.json(), json!({"a": [1, 2, 3]}));
    }
    // Only exact consumption of the chunked framing lets the second request parse.
    assert_eq!(reqs[0].connection, reqs[1].connection);
    assert_eq!(mock.connection_count(), 1);
}

#[tokio::test]
async fn keep_alive_answers_sequential_requests_on_one_connection() {
    let mock = MockUpstream::start().await;
    mock.push(Reply::text(200, "first"));
    mock.push(Reply::sse(vec![SseEvent::new("x", json!({"type": "x"}))]));
    mock.push(Reply::text(200, "third"));
    let c = client();
    assert_eq!(c.get(mock.url()).send().await.unwrap().text().await.unwrap(), "first");
    let sse = read_sse_events(c.get(mock.url()).send().await.unwrap()).await;
    assert_eq!(sse.names(), ["x"]);
    assert_eq!(sse.error, None);
    assert_eq!(c.get(mock.url()).send().await.unwrap().text().await.unwrap(), "third");
    assert_eq!(mock.connection_count(), 1);
    assert!(mock.requests().iter().all(|r| r.connection == 0));
}

#[tokio::test]
async fn connection_close_is_honoured() {
    let mock = MockUpstream::start().await;
    let c = client();
    for _ in 0..2 {
        let r = c.get(mock.url()).header("connection", "close").send().await.unwrap();
        assert_eq!(r.headers()["connection"], "close");
        r.bytes().await.unwrap();
    }
    assert_eq!(mock.connection_count(), 2);
}

#[tokio::test]
async fn delay_holds_back_the_status_line() {
    let mock = MockUpstream::start().await;
    mock.push(Reply::text(200, "late").delay(Duration::from_millis(150)));
    mock.push(Reply::text(200, "too late").delay(Duration::from_millis(500)));

    let start = Instant::now();
    let r = client().get(mock.url()).send().await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(150), "{:?}", start.elapsed());
    assert_eq!(r.text().await.unwrap(), "late");

    let err = client_with_timeout(Duration::from_millis(100)).get(mock.url()).send().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test]
async fn reset_before_response_is_a_client_error_and_the_request_is_recorded() {
    let mock = MockUpstream::start().await;
    mock.push(Reply::reset());
    let c = client();
    let err = c.post(mock.url()).body("hello").send().await.unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");
    assert_eq!(mock.requests()[0].body, b"hello");
    // The server survives and the next request gets the default.
    assert_eq!(c.get(mock.url()).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn gzip_plain_body() {
    let mock = MockUpstream::start().await;
    let body = canned::claude_json("hi", 3, 4);
    mock.push(Reply::json(200, body.clone()).gzip());
    let raw = client().get(mock.url()).send().await.unwrap().bytes().await.unwrap();
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(raw.as_ref()).read_to_end(&mut inflated).unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&inflated).unwrap(), body);
}

#[tokio::test]
async fn retry_after_status_and_custom_headers() {
    let mock = MockUpstream::start().await;
    mock.push(
        Reply::json(200, canned::openai_error_json("rate_limit_exceeded", "slow down"))
            .status(429)
            .retry_after(7)
            .header("X-Request-Id", "req_1")
            .header("content-type", "application/problem+json"),
    );
    let r = client().get(mock.url()).send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    assert_eq!(r.headers()["x-request-id"], "req_1");
    // `header` replaces rather than duplicates.
    assert_eq!(r.headers().get_all("content-type").iter().count(), 1);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn dropping_the_mock_closes_stalled_streams_and_the_listener() {
    let mock = MockUpstream::start().await;
    let addr = mock.addr();
    mock.push(Reply::sse(canned::codex_failed("server_error", "boom")).stall_after_events(1));
    let mut stream = SseStream::new(client().get(mock.url()).send().await.unwrap());
    assert!(matches!(stream.next_event().await, Some(Ok(_))));
    drop(mock);
    let next = tokio::time::timeout(Duration::from_secs(5), stream.next_event()).await;
    assert!(matches!(next, Ok(Some(Err(_)))), "{next:?}");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
