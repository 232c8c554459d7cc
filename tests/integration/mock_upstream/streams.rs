//! Mock upstream SSE behaviour: cut, stalled, delayed, gzipped, unchunked
//! and malformed streams, as seen through reqwest.

use std::io::Read;
use std::time::Duration;

use codex_helper_tests::{canned, client, client_with_timeout, read_sse_events, MockUpstream, Reply, SseEvent};
use tokio::time::Instant;

/// The exact bytes a list of events is written as (before any compression).
fn encoded(events: &[SseEvent]) -> Vec<u8> {
    events.iter().flat_map(SseEvent::to_bytes).collect()
}

#[tokio::test]
async fn reset_after_events_delivers_exactly_n_events_then_an_error() {
    let mock = MockUpstream::start().await;
    let events = canned::codex_stream("hello there world", (10, 5, 2));
    mock.push(Reply::sse(events.clone()).reset_after_events(3));
    let read = read_sse_events(client().post(mock.url()).send().await.unwrap()).await;
    assert_eq!(read.events, events[..3]);
    assert!(read.error.is_some(), "stream should break");

    // Control: the same stream without the cut arrives whole and clean.
    mock.push(Reply::sse(events.clone()));
    let read = read_sse_events(client().post(mock.url()).send().await.unwrap()).await;
    assert_eq!((read.events, read.error), (events, None));
}

#[tokio::test]
async fn stall_after_events_goes_silent_until_the_client_gives_up() {
    let mock = MockUpstream::start().await;
    let events = canned::claude_stream("a b c", 7, 3);
    mock.push(Reply::sse(events.clone()).stall_after_events(2));
    let start = Instant::now();
    let c = client_with_timeout(Duration::from_millis(300));
    let read = read_sse_events(c.post(mock.url()).send().await.unwrap()).await;
    assert_eq!(read.events, events[..2]);
    let error = read.error.expect("the client timeout should end the stall");
    assert!(error.contains("timed out") || error.contains("timeout"), "{error}");
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn event_delay_spaces_out_events() {
    let mock = MockUpstream::start().await;
    let events = canned::claude_stream("a b", 1, 2)[..3].to_vec();
    mock.push(Reply::sse(events.clone()).event_delay(Duration::from_millis(100)));
    let start = Instant::now();
    let read = read_sse_events(client().get(mock.url()).send().await.unwrap()).await;
    assert_eq!((read.events, read.error), (events, None));
    assert!(start.elapsed() >= Duration::from_millis(200), "{:?}", start.elapsed());
}

#[tokio::test]
async fn gzip_sse_inflates_to_the_same_bytes() {
    let mock = MockUpstream::start().await;
    let events = canned::codex_stream("compressed words here", (1, 2, 0));
    mock.push(Reply::sse(events.clone()).gzip());
    let resp = client().post(mock.url()).send().await.unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let raw = resp.bytes().await.unwrap();
    assert_ne!(raw.as_ref(), encoded(&events).as_slice(), "body should be compressed");
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(raw.as_ref()).read_to_end(&mut inflated).unwrap();
    assert_eq!(inflated, encoded(&events));
}

#[tokio::test]
async fn gzip_sse_events_are_decodable_as_they_arrive() {
    // The stream never finishes, so events are only visible if each one was
    // sync-flushed out of the compressor.
    let mock = MockUpstream::start().await;
    let events = canned::codex_stream("one two", (1, 2, 0));
    mock.push(Reply::sse(events.clone()).gzip().stall_after_events(2));
    let c = client_with_timeout(Duration::from_millis(300));
    let read = read_sse_events(c.get(mock.url()).send().await.unwrap()).await;
    assert_eq!(read.events, events[..2]);
    assert!(read.error.is_some());
}

#[tokio::test]
async fn no_chunked_sse_is_delimited_by_eof() {
    let mock = MockUpstream::start().await;
    let events = canned::claude_stream("plain old body", 5, 6);
    mock.push(Reply::sse(events.clone()).no_chunked());
    let resp = client().get(mock.url()).send().await.unwrap();
    assert!(resp.headers().get("transfer-encoding").is_none());
    assert!(resp.headers().get("content-length").is_none());
    assert_eq!(resp.headers()["connection"], "close");
    let read = read_sse_events(resp).await;
    assert_eq!((read.events, read.error), (events, None));
}

#[tokio::test]
async fn raw_events_are_sent_verbatim() {
    let mock = MockUpstream::start().await;
    let raw = "data: {not json\n\n: comment\nevent: half";
    mock.push(Reply::sse(vec![SseEvent::raw(raw)]));
    assert_eq!(client().get(mock.url()).send().await.unwrap().text().await.unwrap(), raw);

    mock.push(Reply::sse(vec![SseEvent::raw(raw)]));
    let read = read_sse_events(client().get(mock.url()).send().await.unwrap()).await;
    // The trailing partial event is dropped, as the SSE spec requires.
    assert_eq!(read.events, vec![SseEvent::text(None, "{not json")]);
}
