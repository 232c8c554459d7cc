//! `ch` with no command: import, switch on, serve, switch back on exit; or
//! reuse a proxy that already runs.

use codex_helper_core::Service;
use codex_helper_tests::{canned, config_with, read_sse_events, MockUpstream, Reply, TestHome};
use serde_json::json;

use codex_helper_tests::ReservedPort;

use crate::util::{ch, listening_port, post_codex, serve, Running};

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

    // Port 0: the OS picks it, and the client is pointed at the one bound.
    let mut cmd = ch(home.dir.path());
    cmd.args(["--port", "0"]);
    let mut running = Running::spawn(cmd);
    let port = running.port();
    assert_ne!(port, 0);
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
    let mut cmd = ch(home.dir.path());
    cmd.args(["--port", "0"]);
    let mut running = Running::spawn(cmd);
    let imported = running.first_line.clone();
    assert!(imported.contains("imported config"), "{imported}");
    assert!(imported.contains(&format!("{}/v1", upstream.url())), "{imported}");
    assert!(!imported.contains("sk-login-key-99998888"), "the key is masked: {imported}");
    let port = listening_port(&running.line_containing("listening on")).unwrap();

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
    let server = serve(home.dir.path(), &[]);
    let port = server.port().to_string();

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
    let mut cmd = ch(home.dir.path());
    cmd.args(["--port", "0"]);
    let running = Running::spawn(cmd);
    assert!(running.terminate().success());
    let after = std::fs::read_to_string(home.paths.codex_dir().join("config.toml")).unwrap();
    assert_eq!(after, USER_TOML);
}

/// Regression (issue 9 #8): after a `kill -9` of bare `ch`, the next bare
/// `ch` took the leftover record for a switch the user made by hand, and on
/// exit left Codex pointing at a dead port. The record names its owner, so
/// the next run knows the owner died and restores on exit.
#[tokio::test(flavor = "multi_thread")]
async fn after_a_kill_9_the_next_bare_ch_adopts_the_switch_and_restores_on_exit() {
    let home = TestHome::new();
    codex_home(&home, USER_TOML);
    home.write_config(&config_with(Service::Codex, "main", &[("https://relay.example/v1", "sk-relay-3333")]));
    // Both runs serve the configured port: held for them to bind.
    let reserved = ReservedPort::new();
    let port = reserved.port();
    home.write_settings(&json!({ "codex": { "port": port }, "claude": { "enabled": false } }));
    let file = home.paths.codex_dir().join("config.toml");

    let mut first = Running::spawn(ch(home.dir.path()));
    first.line_containing("Codex now points at the proxy");
    first.child.kill().unwrap(); // SIGKILL: no handler runs
    first.child.wait().unwrap();
    assert!(std::fs::read_to_string(&file).unwrap().contains(&format!("127.0.0.1:{port}")), "left switched");

    // The decision to restore is made before serving, so SIGTERM right
    // after the start-up line is enough (see the test above).
    let second = Running::spawn(ch(home.dir.path()));
    assert!(second.terminate().success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), USER_TOML, "restored byte for byte");
    let off = std::process::Command::new(env!("CARGO_BIN_EXE_ch"))
        .env("HOME", home.dir.path())
        .env("CODEX_HELPER_LANG", "en")
        .env_remove("CODEX_HOME")
        .args(["switch", "status", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&off.stdout).unwrap();
    assert_eq!(status[0]["switched_by_codex_helper"], false, "no record left: {status}");
}

/// A switch the user made with `ch switch on` keeps its meaning: bare `ch`
/// serves and leaves it switched on exit.
#[tokio::test(flavor = "multi_thread")]
async fn a_switch_made_by_the_user_stays_after_bare_ch_exits() {
    let home = TestHome::new();
    codex_home(&home, USER_TOML);
    home.write_config(&config_with(Service::Codex, "main", &[("https://relay.example/v1", "sk-relay-4444")]));
    // `ch switch on` and bare `ch` use the configured port: held for `ch`.
    let reserved = ReservedPort::new();
    let port = reserved.port();
    home.write_settings(&json!({ "codex": { "port": port }, "claude": { "enabled": false } }));
    let out = ch(home.dir.path()).args(["switch", "on"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = home.paths.codex_dir().join("config.toml");
    let switched = std::fs::read_to_string(&file).unwrap();

    let mut running = Running::spawn(ch(home.dir.path()));
    running.line_containing("listening on");
    assert!(running.terminate().success());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), switched, "still the user's switch");
}
