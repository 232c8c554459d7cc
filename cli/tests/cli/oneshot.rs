//! `ch` with no command: import, switch on, serve, switch back on exit; or
//! reuse a proxy that already runs.

use codex_helper_core::Service;
use codex_helper_tests::{canned, config_with, read_sse_events, MockUpstream, Reply, TestHome};
use serde_json::json;

use crate::util::{ch, free_port, post_codex, Running};

const USER_TOML: &str = "# mine\nmodel = \"gpt-5\"\n\n[tui]\nnotifications = true\n";

fn codex_home(home: &TestHome, config_toml: &str) {
    std::fs::create_dir_all(home.paths.codex_dir()).unwrap();
    std::fs::write(home.paths.codex_dir().join("config.toml"), config_toml).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_ch_points_codex_at_the_proxy_and_puts_it_back_on_exit() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("one command", (3, 2, 0))));
    let home = TestHome::new();
    codex_home(&home, USER_TOML);
    home.write_config(&config_with(Service::Codex, "main", &[(&format!("{}/v1", upstream.url()), "sk-main-4242")]));
    let port = free_port();
    home.write_settings(&json!({ "codex": { "port": port }, "claude": { "port": free_port() } }));

    let mut running = Running::spawn(ch(home.dir.path()));
    assert!(running.first_line.contains(&format!("127.0.0.1:{port}")), "{}", running.first_line);
    running.line_containing("Codex now points at the proxy");
    let switched = std::fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap();
    assert!(switched.contains(&format!("http://127.0.0.1:{port}/v1")), "{switched}");
    assert!(switched.contains("notifications = true"), "the user's keys stay: {switched}");

    let read = read_sse_events(post_codex(port).await).await;
    assert_eq!(read.events, canned::codex_stream("one command", (3, 2, 0)));
    assert_eq!(upstream.requests()[0].header("authorization"), Some("Bearer sk-main-4242"));

    assert!(running.terminate().success());
    let after = std::fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap();
    assert_eq!(after, USER_TOML, "Ctrl+C / SIGTERM restores the file byte for byte");
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_ch_imports_the_codex_login_when_there_is_no_config() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("imported", (1, 1, 0))));
    let home = TestHome::new();
    let user_toml = format!(
        "model_provider = \"relay\"\n\n[model_providers.relay]\nname = \"relay\"\nbase_url = \"{}/v1\"\nwire_api = \"responses\"\n",
        upstream.url()
    );
    codex_home(&home, &user_toml);
    std::fs::write(
        home.paths.codex_dir().join("auth.json"),
        r#"{"auth_mode":"apikey","OPENAI_API_KEY":"sk-login-key-99998888"}"#,
    )
    .unwrap();
    let port = free_port();
    home.write_settings(&json!({ "codex": { "port": port }, "claude": { "port": free_port() } }));

    let mut running = Running::spawn(ch(home.dir.path()));
    let imported = running.first_line.clone();
    assert!(imported.contains("imported config"), "{imported}");
    assert!(imported.contains(&format!("{}/v1", upstream.url())), "{imported}");
    assert!(!imported.contains("sk-login-key-99998888"), "the key is masked: {imported}");
    running.line_containing("listening on");

    let resp = post_codex(port).await;
    assert_eq!(resp.status(), 200);
    let _ = read_sse_events(resp).await;
    assert_eq!(upstream.requests()[0].header("authorization"), Some("Bearer sk-login-key-99998888"));
    assert!(running.terminate().success());
    let after = std::fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap();
    assert_eq!(after, user_toml);
}

#[tokio::test(flavor = "multi_thread")]
async fn bare_ch_reuses_a_proxy_that_already_serves_the_port() {
    let home = TestHome::new();
    codex_home(&home, USER_TOML);
    home.write_config(&config_with(Service::Codex, "main", &[("https://relay.example/v1", "sk-relay-1111")]));
    let port = free_port().to_string();
    let mut serve = ch(home.dir.path());
    serve.args(["serve", "--port", &port]);
    let server = Running::spawn(serve);

    let out = ch(home.dir.path()).args(["--port", &port]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("already served by another ch"), "{stdout}");
    assert!(stdout.contains(&format!("pid {}", server.child.id())), "{stdout}");
    let switched = std::fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap();
    assert!(switched.contains(&format!("http://127.0.0.1:{port}/v1")), "{switched}");
    assert!(server.terminate().success(), "the running proxy was left alone until now");
}

/// Regression: a signal that arrived right after the start-up line, before
/// the handlers were installed, killed `ch` with the client still switched.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_right_after_start_up_still_restores_the_client() {
    let home = TestHome::new();
    codex_home(&home, USER_TOML);
    home.write_config(&config_with(Service::Codex, "main", &[("https://relay.example/v1", "sk-relay-2222")]));
    home.write_settings(&json!({ "codex": { "port": free_port() }, "claude": { "port": free_port() } }));
    let running = Running::spawn(ch(home.dir.path()));
    assert!(running.terminate().success());
    let after = std::fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap();
    assert_eq!(after, USER_TOML);
}
