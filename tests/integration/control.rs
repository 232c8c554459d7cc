//! The control status endpoint: only the token holder, only from loopback,
//! only in our protocol version; each refusal a typed kind.

use codex_helper_core::control::{self, ControlError, WireError, PROTOCOL_VERSION, STATUS_PATH, VERSION_HEADER};
use codex_helper_core::Service;
use codex_helper_tests::{claude_body, config_with, MockUpstream, Proxy, Reply, TestHome};
use serde_json::Value;

async fn get(proxy: &Proxy, auth: Option<&str>, origin: Option<&str>) -> (u16, Value) {
    let mut req = codex_helper_tests::client().get(proxy.url(STATUS_PATH));
    if let Some(auth) = auth {
        req = req.header("authorization", auth);
    }
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn status_needs_the_token_and_reports_live_state() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::json(401, serde_json::json!({ "error": "bad key" })));
    let home = TestHome::new();
    home.write_config(&config_with(Service::Claude, "c", &[(&upstream.url(), "sk-abc-0123456789")]));
    let proxy = Proxy::start(&home, Service::Claude).await;
    let token = control::read_token(&home.paths).expect("the runtime created the token");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(control::token_path(&home.paths)).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);

    for auth in [None, Some("Bearer nope".to_string()), Some(format!("Bearer {}x", token)), Some(token.clone())] {
        let (status, body) = get(&proxy, auth.as_deref(), None).await;
        assert_eq!(status, 401, "{auth:?}");
        assert!(body["error"]["message"].as_str().unwrap().contains("control_token"), "{body}");
    }
    let bearer = format!("Bearer {token}");
    let (status, _) = get(&proxy, Some(&bearer), Some("https://evil.example")).await;
    assert_eq!(status, 403, "the browser guard applies too");

    let resp = proxy.post("/v1/messages", &claude_body()).await;
    assert_eq!(resp.status(), 401);

    let (status, body) = get(&proxy, Some(&bearer), None).await;
    assert_eq!(status, 200);
    assert_eq!(body["service"], "claude");
    assert_eq!(body["owner"], "cli");
    assert_eq!(body["pid"], std::process::id());
    assert_eq!(body["port"], proxy.addr.port());
    assert_eq!(body["active_config"], "c");
    assert!(body["config_problem"].is_null());
    assert_eq!(body["requests"], serde_json::json!({ "total": 1, "errors": 1 }));
    assert_eq!(body["upstreams"][0]["last_status"], 401);
    assert_eq!(body["upstreams"][0]["failures"], 1);
    let typed: codex_helper_core::report::LiveState = serde_json::from_value(body).expect("the documented shape");
    assert_eq!(typed.upstreams.len(), 1);
    assert!(typed.started_at_ms > 0);
}

#[tokio::test]
async fn a_broken_config_edit_shows_as_config_problem() {
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "m", &[("https://a.example/v1", "sk-abc-0123456789")]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    let token = control::read_token(&home.paths).unwrap();
    std::fs::write(home.paths.config_file(), "{ broken").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let live = control::fetch_status(proxy.addr.port(), &token, std::time::Duration::from_secs(2)).await.unwrap();
        if let Some(problem) = live.config_problem {
            assert!(problem.contains("config.json"), "{problem}");
            assert_eq!(live.active_config.as_deref(), Some("m"), "the last good config keeps serving");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the problem was never reported");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// `fetch_status` against `port`, with `token`.
async fn fetch(port: u16, token: &str) -> Result<codex_helper_core::report::LiveState, ControlError> {
    control::fetch_status(port, token, std::time::Duration::from_secs(2)).await
}

#[tokio::test]
async fn every_refusal_is_its_own_kind_at_both_ends() {
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "m", &[("https://a.example/v1", "sk-abc-0123456789")]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    let token = control::read_token(&home.paths).unwrap();
    let port = proxy.addr.port();

    let live = fetch(port, &token).await.expect("the right token and version");
    assert_eq!((live.service, live.port, live.active_config.as_deref()), (Service::Codex, port, Some("m")));
    assert_eq!(fetch(port, &"0".repeat(64)).await.unwrap_err(), ControlError::Unauthorized);

    // What the server answers a client of another version, or a bad header.
    for (header, status, error) in [
        ("99", 400, ControlError::UnsupportedVersion { server: PROTOCOL_VERSION, client: 99 }),
        ("one", 400, ControlError::BadRequest { reason: format!("{VERSION_HEADER} is not a number") }),
    ] {
        let resp = codex_helper_tests::client()
            .get(proxy.url(STATUS_PATH))
            .bearer_auth(&token)
            .header(VERSION_HEADER, header)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), status, "{header}");
        assert_eq!(resp.headers()[VERSION_HEADER], PROTOCOL_VERSION.to_string().as_str(), "ours, to compare");
        let body: Value = resp.json().await.unwrap();
        let wire: WireError = serde_json::from_value(body["error"].clone()).unwrap();
        assert_eq!(wire.status, Some(status));
        assert_eq!(wire.message, error.to_string());
        assert_eq!(wire.into_error(), error, "{body}");
    }
}

#[tokio::test]
async fn a_proxy_of_another_version_or_none_at_all_is_named_as_such() {
    // A proxy from before versions: same path, no version header.
    let old = MockUpstream::start().await;
    old.set_default(Reply::json(200, serde_json::json!({ "service": "codex" })));
    let error = fetch(old.addr().port(), &"0".repeat(64)).await.unwrap_err();
    assert_eq!(error, ControlError::UnsupportedVersion { server: 0, client: PROTOCOL_VERSION });
    assert!(error.to_string().contains("restart"), "{error}");

    // Nothing listens (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    assert!(matches!(fetch(port, &"0".repeat(64)).await, Err(ControlError::NotRunning { .. })));
}
