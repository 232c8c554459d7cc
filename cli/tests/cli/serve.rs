//! `ch serve`: proxying, signals, default service, busy ports, bad config.

use std::process::Command;

use codex_helper_core::Service;
use codex_helper_tests::{canned, config_with, read_sse_events, MockUpstream, Reply, TestHome};
use serde_json::json;

use crate::util::{ch, post_codex, serve, Running};
use codex_helper_tests::ReservedPort;

#[tokio::test(flavor = "multi_thread")]
async fn serve_proxies_logs_and_stops_cleanly_on_sigterm() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("hi", (5, 1, 0))));
    let home = TestHome::new();
    home.write_config(&config_with(
        Service::Codex,
        "relays",
        &[(&format!("{}/v1", upstream.url()), "sk-one"), ("http://127.0.0.1:9/v1", "sk-two")],
    ));
    let mut cmd = ch(home.dir.path());
    cmd.args(["serve", "--port", "0"]);
    let running = Running::spawn(cmd);
    let port = running.port();
    assert_ne!(port, 0, "port 0 is one the OS picks");
    assert!(running.first_line.contains(&format!("http://127.0.0.1:{port}")), "{}", running.first_line);
    assert!(running.first_line.contains("Codex"), "{}", running.first_line);
    assert!(running.first_line.contains("`relays` (2 upstreams)"), "{}", running.first_line);

    let resp = post_codex(port).await;
    assert_eq!(resp.status(), 200);
    let read = read_sse_events(resp).await;
    assert_eq!(read.events, canned::codex_stream("hi", (5, 1, 0)));
    assert_eq!(upstream.requests()[0].header("authorization"), Some("Bearer sk-one"));

    let status = running.terminate();
    assert!(status.success(), "exit status {status:?}");
    let lines = home.log_lines();
    assert_eq!(lines.len(), 1, "the log line is on disk after a clean stop: {lines:?}");
    assert_eq!(lines[0]["usage"]["input_tokens"], 5);
}

/// Issue 9 #6: under the usual kind of descriptor limit (here a small one,
/// 128), more idle connections than descriptors used to leave the proxy
/// unable to accept anyone; the cap derived from the limit closes idle
/// ones to let a real client in.
#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_cannot_lock_out_a_real_client_under_a_low_fd_limit() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("hi", (5, 1, 0))));
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[(&format!("{}/v1", upstream.url()), "sk-one")]));
    let mut cmd = Command::new("sh");
    cmd.env("HOME", home.dir.path())
        .env_remove("CODEX_HOME")
        .env_remove("CODEX_HELPER_LOG")
        .env("CODEX_HELPER_LANG", "en");
    cmd.args(["-c", "ulimit -n 128 && exec \"$0\" serve --port 0 --json", env!("CARGO_BIN_EXE_ch")]);
    let running = Running::spawn(cmd);
    let port = running.port();
    let mut idle = Vec::new();
    for _ in 0..200 {
        idle.push(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    let resp = codex_helper_tests::client_with_timeout(std::time::Duration::from_secs(20))
        .post(format!("http://127.0.0.1:{port}/v1/responses"))
        .header("content-type", "application/json")
        .body(codex_helper_tests::codex_body().to_string())
        .send()
        .await
        .expect("a real client is served despite 200 idle connections");
    assert_eq!(resp.status(), 200);
    assert_eq!(read_sse_events(resp).await.events, canned::codex_stream("hi", (5, 1, 0)));
    drop(idle);
    assert!(running.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_command_serves_the_default_service_on_its_configured_port() {
    let home = TestHome::new();
    let mut config = config_with(Service::Claude, "c", &[("https://relay.example", "tok")]);
    config["default_service"] = json!("claude");
    home.write_config(&config);
    // The configured port is what is tested: held for `ch` to bind.
    let (claude_port, codex_port) = (ReservedPort::new(), ReservedPort::new());
    let port = claude_port.port();
    home.write_settings(&json!({ "claude": { "port": port }, "codex": { "port": codex_port.port() } }));
    let running = Running::spawn(ch(home.dir.path()));
    assert!(running.first_line.contains("Claude proxy"), "{}", running.first_line);
    assert!(running.first_line.contains(&format!("127.0.0.1:{port}")), "{}", running.first_line);
    // --codex overrides the default.
    let mut cmd = ch(home.dir.path());
    cmd.args(["serve", "--codex", "--port", "0"]);
    let codex = Running::spawn(cmd);
    assert!(codex.first_line.contains("Codex proxy"), "{}", codex.first_line);
    assert!(codex.first_line.contains("no active config yet"), "{}", codex.first_line);
    assert!(running.terminate().success());
    assert!(codex.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_port_names_the_codex_helper_holding_it() {
    let home = TestHome::new();
    let running = serve(home.dir.path(), &[]);
    let port = running.port().to_string();
    let out = ch(home.dir.path()).args(["serve", "--port", &port]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already served by codex-helper"), "{err}");
    assert!(err.contains(&format!("pid {}", running.child.id())), "{err}");
    assert!(running.terminate().success());
}

#[test]
fn malformed_config_is_reported_with_line_and_column_and_left_alone() {
    let home = TestHome::new();
    let path = home.paths.config_file();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let broken = "{\n  \"codex\": {\n    \"active\": \"a\",\n    \"configs\": { \"a\": { \"upstreams\": [ { \"base_url\": 42 } ] } }\n  }\n}\n";
    std::fs::write(&path, broken).unwrap();
    let out = ch(home.dir.path()).args(["serve", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config.json:4:"), "{err}");
    assert!(err.contains("codex.configs.a.upstreams[0].base_url"), "{err}");
    assert!(err.contains("expected a string"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken, "the file must not be touched");
}

#[test]
fn unknown_default_service_is_rejected_clearly() {
    let home = TestHome::new();
    home.write_config(&json!({ "version": 1, "default_service": "gemini" }));
    let out = ch(home.dir.path()).args(["serve", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("default_service"), "{err}");
    assert!(err.contains("gemini"), "{err}");
}

#[test]
fn conflicting_service_flags_are_a_usage_error() {
    let home = TestHome::new();
    let out = ch(home.dir.path()).args(["serve", "--codex", "--claude"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn both_names_are_the_same_program() {
    let out = Command::new(env!("CARGO_BIN_EXE_codex-helper")).arg("--version").output().unwrap();
    let ch_out = Command::new(env!("CARGO_BIN_EXE_ch")).arg("--version").output().unwrap();
    assert!(out.status.success() && ch_out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).split_whitespace().last(),
        String::from_utf8_lossy(&ch_out.stdout).split_whitespace().last()
    );
}

/// Issue 9 #13: a broken filter.json is said at start-up, not after the
/// first request.
#[tokio::test(flavor = "multi_thread")]
async fn a_broken_filter_file_is_reported_at_start_up() {
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[("http://127.0.0.1:9/v1", "sk-one")]));
    std::fs::write(home.paths.filter_file(), "[{\"op\": \"replace\",\n").unwrap();
    let mut running = serve(home.dir.path(), &[]);
    let stderr = crate::util::stderr_of(&mut running.child);
    assert!(stderr.contains("filter.json:2:") && stderr.contains("refused"), "{stderr}");
}

/// `--port 0 --json`: the port the OS picked, as one JSON line on stdout
/// (the first, and the only one), for scripts; the sentence goes to stderr.
#[tokio::test(flavor = "multi_thread")]
async fn port_0_is_a_free_port_reported_as_one_json_line() {
    let home = TestHome::new();
    home.write_config(&config_with(Service::Codex, "main", &[("http://127.0.0.1:9/v1", "sk-one")]));
    let mut running = serve(home.dir.path(), &["--codex"]);
    let line: serde_json::Value = serde_json::from_str(&running.first_line).expect("one JSON line");
    let port = running.port();
    assert_ne!(port, 0);
    assert_eq!(line, json!({ "listening": format!("127.0.0.1:{port}"), "service": "codex" }));
    let identity = codex_helper_core::probe::probe_port(port).await.expect("ch answers on the port it named");
    assert_eq!(identity.pid, running.child.id());
    let pid = running.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert_eq!(running.next_line(), "", "nothing but JSON lines on stdout");
    let stderr = crate::util::stderr_of(&mut running.child);
    assert!(stderr.contains(&format!("Codex proxy listening on http://127.0.0.1:{port}")), "{stderr}");
}
