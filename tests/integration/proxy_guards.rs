//! Requests the proxy answers itself: too large, not from a local program,
//! WebSocket, loops, no config, every upstream failing; and redirects that
//! would carry the key to another host.

use std::time::{Duration, Instant};

use codex_helper_core::Service;
use codex_helper_tests::{canned, client, client_with_timeout, config_with, MockUpstream, Proxy, Reply, TestHome};
use serde_json::json;

use crate::proxy_util::{body_of, json_of, log_lines_eventually, native_error_message, path_of};

const SERVICES: [Service; 2] = [Service::Codex, Service::Claude];

fn ok_reply(service: Service) -> Reply {
    match service {
        Service::Codex => Reply::sse(canned::codex_stream("ok", (1, 1, 0))),
        Service::Claude => Reply::sse(canned::claude_stream("ok", 1, 1)),
    }
}

async fn proxy_for(service: Service, mock: &MockUpstream, settings: Option<serde_json::Value>) -> (TestHome, Proxy) {
    let home = TestHome::new();
    home.write_config(&config_with(service, "main", &[(&format!("{}/v1", mock.url()), "sk-up")]));
    if let Some(s) = settings {
        home.write_settings(&s);
    }
    let proxy = Proxy::start(&home, service).await;
    (home, proxy)
}

/// A JSON body of exactly `len` bytes.
fn body_of_len(len: usize) -> Vec<u8> {
    let head = br#"{"model":"m","input":""#;
    let tail = br#""}"#;
    let mut out = head.to_vec();
    out.resize(len - tail.len(), b'x');
    out.extend_from_slice(tail);
    assert_eq!(out.len(), len);
    out
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_in_the_native_format() {
    let settings = json!({ "proxy": { "max_request_body_bytes": 2048 } });
    for service in SERVICES {
        let mock = MockUpstream::start().await;
        mock.set_default(ok_reply(service));
        let (home, proxy) = proxy_for(service, &mock, Some(settings.clone())).await;

        // Declared length over the limit.
        let resp = client()
            .post(proxy.url(path_of(service)))
            .header("content-type", "application/json")
            .body(body_of_len(4096))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 413, "{service:?}");
        let v = json_of(resp).await;
        let msg = native_error_message(service, &v);
        assert!(msg.contains("2048"), "{service:?}: the limit is named: {msg}");
        if service == Service::Claude {
            assert_eq!(v["error"]["type"], "request_too_large");
        }

        // Chunked, no Content-Length: the limit still holds while reading.
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..8).map(|_| Ok(vec![b' '; 512])).collect();
        let resp = client()
            .post(proxy.url(path_of(service)))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 413, "{service:?}: chunked body over the limit");
        native_error_message(service, &json_of(resp).await);
        assert_eq!(mock.request_count(), 0, "{service:?}: the upstream must never see a refused body");

        // Under the limit: forwarded byte for byte.
        let small = body_of_len(2000);
        let resp = client()
            .post(proxy.url(path_of(service)))
            .header("content-type", "application/json")
            .body(small.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{service:?}");
        let _ = resp.bytes().await.unwrap();
        let got = mock.requests();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body, small);

        let lines = log_lines_eventually(&proxy, &home, 3).await;
        assert_eq!(lines.iter().filter(|l| l["status_code"] == 413).count(), 2, "{lines:?}");
    }
}

#[tokio::test]
async fn chunked_body_under_the_limit_is_forwarded() {
    let mock = MockUpstream::start().await;
    mock.set_default(ok_reply(Service::Codex));
    let (_home, proxy) =
        proxy_for(Service::Codex, &mock, Some(json!({ "proxy": { "max_request_body_bytes": 2048 } }))).await;
    let body = body_of_len(1500);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(100).map(|c| Ok(c.to_vec())).collect();
    let resp = client()
        .post(proxy.url("/v1/responses"))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let _ = resp.bytes().await.unwrap();
    assert_eq!(mock.requests()[0].body, body);
}

#[tokio::test]
async fn foreign_host_and_browser_origin_are_refused() {
    for service in SERVICES {
        let mock = MockUpstream::start().await;
        mock.set_default(ok_reply(service));
        let (home, proxy) = proxy_for(service, &mock, None).await;

        let resp = client()
            .post(proxy.url(path_of(service)))
            .header("host", "evil.example")
            .header("content-type", "application/json")
            .body(body_of(service).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{service:?}: foreign Host");
        let msg = native_error_message(service, &json_of(resp).await);
        assert!(msg.contains("evil.example"), "{msg}");

        let resp = client()
            .post(proxy.url(path_of(service)))
            .header("origin", "https://evil.example")
            .header("content-type", "application/json")
            .body(body_of(service).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{service:?}: browser Origin");
        let msg = native_error_message(service, &json_of(resp).await);
        assert!(msg.contains("https://evil.example"), "{msg}");

        // A DNS-rebinding style Host with our port is still foreign.
        let resp = client()
            .post(proxy.url(path_of(service)))
            .header("host", format!("evil.example:{}", proxy.addr.port()))
            .body(body_of(service).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 403, "{service:?}: foreign Host with our port");

        assert_eq!(mock.request_count(), 0, "{service:?}: refused requests never reach the upstream");
        let lines = log_lines_eventually(&proxy, &home, 3).await;
        assert!(lines.iter().all(|l| l["status_code"] == 403 && l["upstream_base_url"] == ""), "{lines:?}");
    }
}

#[tokio::test]
async fn no_config_at_all_gives_503_in_the_native_format() {
    for service in SERVICES {
        let home = TestHome::new();
        let proxy = Proxy::start(&home, service).await;
        let resp = proxy.post(path_of(service), &body_of(service)).await;
        assert_eq!(resp.status(), 503, "{service:?}");
        assert_eq!(resp.headers().get("content-type").unwrap(), "application/json");
        let v = json_of(resp).await;
        let msg = native_error_message(service, &v);
        assert!(msg.contains("config"), "{service:?}: {msg}");
        if service == Service::Claude {
            assert_eq!(v["error"]["type"], "overloaded_error");
        }
    }
}

#[tokio::test]
async fn every_upstream_failing_names_each_one_and_why() {
    for service in SERVICES {
        let a = MockUpstream::start().await;
        let b = MockUpstream::start().await;
        a.set_default(Reply::text(503, "upstream a is overloaded"));
        b.set_default(Reply::text(503, "upstream b is down for maintenance"));
        let home = TestHome::new();
        let (ua, ub) = (format!("{}/v1", a.url()), format!("{}/v1", b.url()));
        home.write_config(&config_with(service, "main", &[(&ua, "k1"), (&ub, "k2")]));
        let proxy = Proxy::start(&home, service).await;

        let resp = proxy.post(path_of(service), &body_of(service)).await;
        assert_eq!(resp.status(), 503, "{service:?}");
        let msg = native_error_message(service, &json_of(resp).await);
        for (url, why) in [(&ua, "upstream a is overloaded"), (&ub, "upstream b is down for maintenance")] {
            assert!(msg.contains(url.as_str()), "{service:?}: {url} missing from: {msg}");
            assert!(msg.contains(why), "{service:?}: `{why}` missing from: {msg}");
        }
        assert!(msg.contains("503"), "{msg}");
        assert!(!msg.contains("k1") && !msg.contains("k2"), "keys must not appear: {msg}");
        assert_eq!((a.request_count(), b.request_count()), (1, 1));

        let lines = log_lines_eventually(&proxy, &home, 1).await;
        assert_eq!(lines[0]["status_code"], 503);
        assert!(lines[0]["error"].as_str().is_some_and(|e| e.contains("503")), "{}", lines[0]);
    }
}

#[tokio::test]
async fn websocket_upgrade_gets_a_fast_plain_http_answer() {
    for service in SERVICES {
        let mock = MockUpstream::start().await;
        mock.set_default(ok_reply(service));
        let (_home, proxy) = proxy_for(service, &mock, None).await;
        let started = Instant::now();
        let resp = client_with_timeout(Duration::from_secs(10))
            .get(proxy.url("/v1/responses"))
            .header("connection", "Upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
            .header("sec-websocket-version", "13")
            .header("authorization", "Bearer placeholder")
            .send()
            .await
            .expect("a plain HTTP answer");
        let took = started.elapsed();
        assert_eq!(resp.status(), 426, "{service:?}");
        assert!(took < Duration::from_secs(1), "{service:?}: took {took:?}");
        native_error_message(service, &json_of(resp).await);
        assert_eq!(mock.request_count(), 0);
    }
}

#[tokio::test]
async fn via_header_with_our_own_token_is_a_loop() {
    let mock = MockUpstream::start().await;
    mock.set_default(ok_reply(Service::Codex));
    let (_home, proxy) = proxy_for(Service::Codex, &mock, None).await;
    let resp = client()
        .post(proxy.url("/v1/responses"))
        .header("via", format!("1.1 codex-helper-{}", proxy.addr.port()))
        .body(body_of(Service::Codex).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 508);
    let msg = native_error_message(Service::Codex, &json_of(resp).await);
    assert!(msg.contains("loop"), "{msg}");

    // Another proxy's Via (or another codex-helper port) is fine.
    let resp = client()
        .post(proxy.url("/v1/responses"))
        .header("via", "1.1 squid, 1.1 codex-helper-1")
        .body(body_of(Service::Codex).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let _ = resp.bytes().await;
    assert_eq!(mock.request_count(), 1);
    // And what the upstream sees carries our token, so a loop is detectable.
    let got = mock.requests();
    let via: Vec<&str> = got[0].headers.iter().filter(|(n, _)| n == "via").map(|(_, v)| v.as_str()).collect();
    let ours = format!("1.1 codex-helper-{}", proxy.addr.port());
    assert!(via.iter().any(|v| v.contains(&ours)), "via: {via:?}");
    assert!(via.iter().any(|v| v.contains("squid")), "earlier hops are kept: {via:?}");
}

#[tokio::test]
async fn an_upstream_pointing_at_the_proxy_itself_fails_fast() {
    for service in SERVICES {
        let mock = MockUpstream::start().await;
        mock.set_default(ok_reply(service));
        let (home, proxy) = proxy_for(service, &mock, None).await;
        // Spelled `localhost` (and an IPv4-mapped IPv6 address for Claude)
        // so only the port says it is us.
        let host = match service {
            Service::Codex => "localhost",
            Service::Claude => "[::ffff:127.0.0.1]",
        };
        let own = format!("http://{host}:{}/v1", proxy.addr.port());
        home.write_config(&config_with(service, "main", &[(&own, "sk-up")]));

        // Wait for the hot reload: until then the mock keeps answering.
        let deadline = Instant::now() + Duration::from_secs(15);
        let resp = loop {
            let started = Instant::now();
            let resp = client_with_timeout(Duration::from_secs(10))
                .post(proxy.url(path_of(service)))
                .header("content-type", "application/json")
                .body(body_of(service).to_string())
                .send()
                .await
                .expect("the proxy answers instead of looping");
            if resp.status() != 200 {
                assert!(started.elapsed() < Duration::from_secs(3), "{service:?}: took {:?}", started.elapsed());
                break resp;
            }
            let _ = resp.bytes().await;
            assert!(Instant::now() < deadline, "{service:?}: config never reloaded");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(resp.status().is_server_error(), "{service:?}: {}", resp.status());
        let msg = native_error_message(service, &json_of(resp).await);
        assert!(msg.contains(&own), "{service:?}: names the upstream: {msg}");
        assert!(msg.contains("points at this proxy itself"), "{service:?}: says why: {msg}");
    }
}

#[tokio::test]
async fn a_cross_host_redirect_is_passed_to_the_client_without_the_key() {
    for service in SERVICES {
        let elsewhere = MockUpstream::start().await;
        elsewhere.set_default(ok_reply(service));
        let mock = MockUpstream::start().await;
        // Same machine, other port: a different origin all the same.
        let target = format!("{}/v1/stolen", elsewhere.url());
        mock.set_default(Reply::text(307, "moved").header("location", &target));
        let (_home, proxy) = proxy_for(service, &mock, None).await;

        let no_follow =
            reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let resp = no_follow
            .post(proxy.url(path_of(service)))
            .header("content-type", "application/json")
            .body(body_of(service).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 307, "{service:?}");
        assert_eq!(resp.headers().get("location").unwrap().to_str().unwrap(), target);
        assert_eq!(mock.request_count(), 1);
        assert_eq!(elsewhere.request_count(), 0, "{service:?}: the proxy followed a redirect to another host");
    }
}

#[tokio::test]
async fn a_same_host_redirect_is_followed_with_the_body() {
    let mock = MockUpstream::start().await;
    mock.push(Reply::text(307, "moved").header("location", "/v2/responses"));
    mock.push(ok_reply(Service::Codex));
    let (_home, proxy) = proxy_for(Service::Codex, &mock, None).await;
    let resp = proxy.post("/v1/responses", &body_of(Service::Codex)).await;
    assert_eq!(resp.status(), 200);
    let _ = resp.bytes().await.unwrap();
    let got = mock.requests();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].path, "/v2/responses");
    assert_eq!(got[1].method, "POST", "307 keeps the method");
    assert_eq!(got[1].json(), body_of(Service::Codex), "307 keeps the body");
    assert_eq!(got[1].header("authorization"), Some("Bearer sk-up"));
}

#[tokio::test]
async fn the_identity_endpoint_is_guarded_too() {
    let home = TestHome::new();
    let proxy = Proxy::start(&home, Service::Codex).await;
    let ok = client().get(proxy.url("/__codex_helper/health")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let from_page = client()
        .get(proxy.url("/__codex_helper/health"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(from_page.status(), 403);
    let rebound =
        client().get(proxy.url("/__codex_helper/health")).header("host", "evil.example").send().await.unwrap();
    assert_eq!(rebound.status(), 403);
}

/// Issue 9 #12: a no-cors `<img>`/`<script>` GET has no `Origin` but says
/// `Sec-Fetch-Site: cross-site`; it must not reach the upstream with the key.
#[tokio::test]
async fn page_initiated_fetches_without_origin_are_refused() {
    for service in SERVICES {
        let mock = MockUpstream::start().await;
        mock.set_default(ok_reply(service));
        let (_home, proxy) = proxy_for(service, &mock, None).await;
        for site in ["cross-site", "same-site", "same-origin"] {
            let resp = client().get(proxy.url("/v1/models")).header("sec-fetch-site", site).send().await.unwrap();
            assert_eq!(resp.status(), 403, "{service:?}: Sec-Fetch-Site {site}");
            let msg = native_error_message(service, &json_of(resp).await);
            assert!(msg.contains("Sec-Fetch-Site") && msg.contains(site), "{msg}");
        }
        let health = client()
            .get(proxy.url("/__codex_helper/health"))
            .header("sec-fetch-site", "cross-site")
            .send()
            .await
            .unwrap();
        assert_eq!(health.status(), 403, "{service:?}: the health endpoint is guarded too");
        assert_eq!(mock.request_count(), 0, "{service:?}: refused requests never reach the upstream");
        // Typed into the address bar (`none`) is the user, not a page.
        let resp = client().get(proxy.url("/v1/models")).header("sec-fetch-site", "none").send().await.unwrap();
        assert_eq!(resp.status(), 200, "{service:?}");
        let _ = resp.bytes().await;
        assert_eq!(mock.request_count(), 1);
    }
}

/// Issue 9 #12: two `Host` headers are malformed (RFC 9112): 400, never
/// forwarded. reqwest will not send two, so this speaks raw HTTP.
#[tokio::test]
async fn two_host_headers_get_400() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mock = MockUpstream::start().await;
    mock.set_default(ok_reply(Service::Codex));
    let (_home, proxy) = proxy_for(Service::Codex, &mock, None).await;
    for path in ["/v1/models", "/__codex_helper/health"] {
        let mut tcp = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
            port = proxy.addr.port()
        );
        tcp.write_all(req.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), tcp.read_to_end(&mut answer)).await.unwrap().unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 400"), "{path}: {answer}");
        assert!(answer.contains("more than one Host header"), "{path}: {answer}");
    }
    assert_eq!(mock.request_count(), 0);
}
