//! One test per bug fixed, named after the bug (ripgrep's `tests/regression.rs`).
//!
//! Each test failed before its fix. From now on every fixed bug adds one
//! here (or, when it needs a unit's internals, beside the code with a
//! `regression_` name), with a line saying what went wrong.

use codex_helper_core::{config_edit, switch, Service};
use codex_helper_tests::{config_with, Proxy, TestHome};

/// A relay that answers `GET /v1/models` with `Bearer sk-up` and nothing
/// else (404 everywhere else); returns its address.
async fn models_only_relay() -> std::net::SocketAddr {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/v1/models",
        get(|headers: http::HeaderMap| async move {
            match headers.get("authorization") {
                Some(v) if v.as_bytes() == b"Bearer sk-up" => (http::StatusCode::OK, "{\"data\":[]}"),
                _ => (http::StatusCode::UNAUTHORIZED, "{}"),
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// "Test connection" for a Codex relay written without `/v1`
/// (`https://relay`) asked `https://relay/models`, a path the proxy never
/// calls (it sends the client's `/v1/models` to `https://relay/v1/models`):
/// a working relay showed "reachable (HTTP 404)", a broken one could pass.
#[tokio::test]
async fn connection_test_of_a_codex_base_url_without_v1_uses_the_proxys_path() {
    let relay = models_only_relay().await;
    let base = format!("http://{relay}");

    // The proxy reaches the relay at its path ...
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[(&base, "sk-up")]));
    let proxy = Proxy::start(&home, Service::Codex).await;
    let through_proxy = codex_helper_tests::client().get(proxy.url("/v1/models")).send().await.unwrap();
    assert_eq!(through_proxy.status(), 200, "the proxy's path");

    // ... and the connection test asks the same one.
    let tested =
        config_edit::test_connection(Service::Codex, "main", &base, Some("sk-up".into()), None, None).await.unwrap();
    assert_eq!((tested.ok, tested.status), (true, Some(200)), "{tested:?}");
}

/// `ch switch status` (and the app) said a Codex CLI pointed at
/// `http://[::ffff:127.0.0.1]:PORT/v1` was not routed through the proxy:
/// the switch's own loopback check missed IPv4-mapped addresses (and
/// `localhost.`, `*.localhost`, `0.0.0.0`), which the proxy's own checks
/// accepted.
#[test]
fn switch_state_sees_a_client_pointed_at_an_ipv4_mapped_loopback_url() {
    let home = TestHome::new();
    for (url, port) in [
        ("http://[::ffff:127.0.0.1]:3211/v1", 3211),
        ("http://localhost.:3212/v1", 3212),
        ("http://codex.localhost:3213/v1", 3213),
    ] {
        let dir = home.paths.codex_dir();
        std::fs::create_dir_all(dir).unwrap();
        let toml =
            format!("model_provider = \"codex-helper\"\n\n[model_providers.codex-helper]\nbase_url = \"{url}\"\n");
        std::fs::write(dir.join("config.toml"), toml).unwrap();
        let state = switch::state(&home.paths, Service::Codex).unwrap();
        assert!(state.points_at_proxy, "{url}: {state:?}");
        assert_eq!(state.port, Some(port), "{url}");
    }
}

/// "Start at login" wrote `Exec="<path>"` unescaped: an install path with
/// `$`, `` ` ``, `"`, `\` or `%` (field codes) made the desktop start the
/// wrong program, or none. The Desktop Entry spec's quoting is used now.
#[test]
fn autostart_entry_escapes_an_install_path_with_reserved_characters() {
    use codex_helper_core::autostart;
    let entry = autostart::entry(std::path::Path::new("/home/a$b/100%/codex-helper-app"));
    let exec = entry.lines().find_map(|l| l.strip_prefix("Exec=")).expect("an Exec line");
    // `$` escaped inside the quotes (`\$`, written `\\$` in the file) and
    // `%` doubled.
    assert_eq!(exec, r#""/home/a\\$b/100%%/codex-helper-app""#);
}

/// The autostart entry named `Icon=codex-helper` while the packages
/// install the icon as `codex-helper-app` (Tauri names it after the main
/// binary): the login entry showed no icon. Both come from one name now.
#[test]
fn autostart_entry_names_the_icon_the_packages_install() {
    use codex_helper_core::autostart;
    let conf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../src-tauri/tauri.conf.json");
    let conf: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&conf).unwrap()).unwrap();
    // The icon the bundler installs: usr/share/icons/hicolor/*/apps/<mainBinaryName>.png.
    let installed = conf["mainBinaryName"].as_str().expect("tauri.conf.json pins mainBinaryName");
    assert_eq!(installed, autostart::APP_BINARY, "the packaged binary is the one the entry starts");
    let entry = autostart::entry(std::path::Path::new("/usr/bin/codex-helper-app"));
    let icon = entry.lines().find_map(|l| l.strip_prefix("Icon=")).expect("an Icon line");
    assert_eq!(icon, installed);
}

/// The proxy held a streaming answer's status line, its headers and its
/// opening events until the first content event (to keep a failover
/// invisible): `response.created` / `message_start`, and even the HTTP
/// headers, came only after the model's whole think time. The headers now
/// go out while the upstream still holds its content back (issue 11).
#[tokio::test]
async fn stream_headers_waited_for_the_models_first_content_event() {
    use crate::stream_splice::{headers_while_held, opening_count};
    for service in Service::ALL {
        let pair = crate::lb_support::Pair::start(service, serde_json::json!({})).await;
        let gate = codex_helper_tests::Gate::new();
        let events = crate::lb_support::ok_stream(service, "from the primary");
        pair.primary.push(
            codex_helper_tests::Reply::sse(events.clone()).gate_after_events(opening_count(service), gate.clone()),
        );
        let resp = headers_while_held(&pair).await;
        gate.open();
        let read = codex_helper_tests::read_sse_events(resp).await;
        assert_eq!(read.error, None, "{service}");
        assert_eq!(read.events, events, "{service}: every event once, in order");
        let line = pair.last_log_line();
        assert_eq!((line["status_code"].as_u64(), line["error"].as_str()), (Some(200), None), "{line}");
        assert_eq!(line["usage"]["output_tokens"], 3, "{line}");
    }
}

/// With the headers out early, a primary whose stream dies before content
/// must not leave its opening events in the client's stream: the backup's
/// stream continues it, so the client reads one well-formed stream (one
/// `response.created` / `message_start`, one terminal event).
#[tokio::test]
async fn a_stream_that_dies_before_content_after_the_headers_went_out_continues_with_the_backup() {
    use crate::stream_splice::{assert_backups_stream, headers_while_held, opening_count};
    for service in Service::ALL {
        let pair = crate::lb_support::Pair::start(service, serde_json::json!({})).await;
        let gate = codex_helper_tests::Gate::new();
        let n = opening_count(service);
        let events = crate::lb_support::ok_stream(service, "from the primary");
        pair.primary
            .push(codex_helper_tests::Reply::sse(events).gate_after_events(n, gate.clone()).reset_after_events(n));
        let resp = headers_while_held(&pair).await;
        gate.open();
        let read = codex_helper_tests::read_sse_events(resp).await;
        assert_backups_stream(service, &read);
        let line = pair.last_log_line();
        assert_eq!(line["status_code"], 200, "{line}");
        let outcomes: Vec<&str> =
            line["attempts"].as_array().unwrap().iter().map(|a| a["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes, ["failed", "ok"], "{line}");
        assert_eq!(line["upstream_base_url"], pair.backup_url.as_str(), "{line}");
        assert_eq!(line["usage"]["output_tokens"], 3, "the backup's usage: {line}");
        assert_eq!(pair.snapshot()[0].consecutive_failures, 1, "{service}");
    }
}

/// `Supervisor::serve(service, Some(0))` returned the address it was asked
/// for, `127.0.0.1:0`, not the one the OS bound: `ch serve --port 0` could
/// not say where it listens. The port it returns, the one in its state
/// (what a client is pointed at) and the one answering are the same.
#[tokio::test]
async fn serving_on_port_0_returns_the_port_actually_bound() {
    use codex_helper_core::supervisor::{Serving, Supervisor};
    let home = TestHome::new();
    let runtime = std::sync::Arc::new(codex_helper_core::Runtime::start(home.paths.clone()).unwrap());
    let supervisor = Supervisor::new(runtime, codex_helper_core::supervisor::event::ignore());
    let addr = supervisor.serve(Service::Codex, Some(0)).await.unwrap();
    assert_ne!(addr.port(), 0, "{addr}");
    assert_eq!(supervisor.serving(Service::Codex), Serving::Serving { port: addr.port() });
    let identity = codex_helper_core::probe::probe_port(addr.port()).await.expect("a codex-helper answers there");
    assert_eq!(identity.service, Service::Codex);
    supervisor.shutdown(std::time::Duration::from_secs(5)).await;
}

/// The desktop app showed its own, idle load balancer for a service whose
/// port another codex-helper served (a `ch serve` started first): every
/// upstream "ok" while that proxy had one cooling down. The live view of
/// such a service is now asked of the serving proxy, as `ch status` does.
#[tokio::test(flavor = "multi_thread")]
async fn a_service_served_by_another_helper_shows_that_proxys_load_balancer() {
    use codex_helper_core::lb::UpstreamState;
    use codex_helper_core::report::{self, Serving, Sources};
    let failing = codex_helper_tests::MockUpstream::start().await;
    failing.set_default(codex_helper_tests::Reply::text(502, "bad gateway"));
    let good = codex_helper_tests::MockUpstream::start().await;
    good.set_default(codex_helper_tests::Reply::sse(codex_helper_tests::canned::codex_stream("hi", (1, 1, 0))));
    let home = TestHome::new();
    home.write_settings(&serde_json::json!({ "lb": { "failure_threshold": 1 } }));
    let (bad_url, good_url) = (format!("{}/v1", failing.url()), format!("{}/v1", good.url()));
    home.write_config(&config_with(Service::Codex, "relays", &[(&bad_url, "sk-a"), (&good_url, "sk-b")]));
    // The other helper (`ch serve`), after one failover.
    let other = Proxy::start(&home, Service::Codex).await;
    let resp = other.post("/v1/responses", &codex_helper_tests::codex_body()).await;
    assert_eq!(resp.status(), 200);
    let _ = resp.bytes().await;

    // This process (the app), whose own load balancer saw nothing.
    let app = codex_helper_core::Runtime::start(home.paths.clone()).unwrap();
    let sources = Sources {
        config: app.config(),
        lb: app.lb(Service::Codex),
        control: app.control(),
        owner: app.owner(),
        settings_problem: None,
    };
    let port = other.addr.port();
    let identity = codex_helper_core::probe::probe_port(port).await.expect("the other helper answers");
    let serving = Serving::TakenByHelper { port, identity };
    let own = report::observe(&sources, Service::Codex, port);
    assert_eq!(own.upstreams[0].state, UpstreamState::Ok, "the app's own view knows nothing");

    let live = report::live_view(&sources, &home.paths, Service::Codex, &serving, port).await.unwrap();
    assert_eq!(live.requests.total, 1, "the other proxy's counters");
    assert_eq!(live.upstreams[0].state, UpstreamState::CoolingDown, "{:?}", live.upstreams);
    assert_eq!(live.upstreams[1].successes, 1);
    // And its own proxy, when it serves the port itself.
    let mine = report::live_view(&sources, &home.paths, Service::Codex, &Serving::Serving { port }, port).await;
    assert_eq!(mine.unwrap().requests.total, 0);
}
