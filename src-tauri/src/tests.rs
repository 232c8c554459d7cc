//! Command-level tests on Tauri's mock runtime (no display), each in its
//! own temporary HOME, calling commands through the real IPC path, with
//! the resident process's core ([`Agent`]: proxies, socket) running
//! in-process behind them.

use std::net::TcpListener;
use std::sync::Arc;

use codex_helper_agent::ipc::{self, Bound};
use codex_helper_agent::state::Serving;
use codex_helper_agent::Agent;
use codex_helper_core::Paths;
use codex_helper_tests::ReservedPort;
use serde_json::{json, Value};
use tauri::async_runtime::block_on;
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

use crate::commands::specta_builder;
use crate::{app_builder, Options};

const KEY: &str = "sk-test-0123456789abcd";

struct TestApp {
    home: tempfile::TempDir,
    agent: Arc<Agent>,
    #[allow(dead_code)] // kept alive: the commands run in it
    app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
}

/// A port for the app to serve, held for the whole test. The app takes its
/// proxy ports from settings.json (the port is its identity: clients are
/// pointed at it, and these tests move it), so it can't be handed a bound
/// listener or port 0; a [`ReservedPort`] is never free for anyone else
/// between the test picking it and the app binding it.
fn reserved_port() -> u16 {
    ReservedPort::new().leak()
}

/// An app whose Codex proxy serves on `codex_port` (`None`: disabled);
/// Claude is disabled so tests never touch the real default ports.
fn start(codex_port: Option<u16>, prepare: impl FnOnce(&Paths)) -> TestApp {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::with_home(home.path());
    std::fs::create_dir_all(paths.helper_dir()).unwrap();
    let settings = json!({
        "codex": {"port": codex_port.unwrap_or(3211), "enabled": codex_port.is_some()},
        "claude": {"enabled": false},
    });
    std::fs::write(paths.settings_file(), settings.to_string()).unwrap();
    prepare(&paths);
    let agent = block_on(async {
        let Bound::Listener(listener) = ipc::bind(&paths).await.unwrap() else { panic!("a fresh HOME has no app") };
        let agent = Agent::start(paths.clone(), "/nonexistent/codex-helper-window".into()).await.unwrap();
        tauri::async_runtime::spawn(ipc::serve(listener, agent.clone(), Default::default()));
        agent
    });
    let mut app = app_builder(mock_builder(), specta_builder!(MockRuntime), paths, Options::default())
        .build(mock_context(noop_assets()))
        .unwrap();
    // Setup runs on the first turn of the event loop.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    TestApp { home, agent, app, webview }
}

impl TestApp {
    fn invoke(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        let request = InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        };
        get_ipc_response(&self.webview, request).map(|body| body.deserialize::<Value>().unwrap())
    }

    fn paths(&self) -> Paths {
        Paths::with_home(self.home.path())
    }

    fn add(&self, config: &str, base_url: &str) -> Value {
        self.invoke(
            "add_upstream",
            json!({"args": {"service": "codex", "config": config, "base_url": base_url, "auth_token": KEY,
                   "api_key": null, "alias": null, "tags": [["provider_id", "openai"]]}}),
        )
        .unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.agent.state.runtime.shutdown();
    }
}

#[test]
fn add_upstream_then_list_configs_shows_the_masked_key() {
    let t = start(None, |_| {});
    let added = t.add("main", "https://relay.example/v1");
    assert_eq!(added["action"], "added");
    assert_eq!(added["became_active"], true);
    let view = t.invoke("list_configs", json!({"service": "codex"})).unwrap();
    assert_eq!(view["active"], "main");
    let up = &view["configs"][0]["upstreams"][0];
    assert_eq!(up["base_url"], "https://relay.example/v1");
    assert_eq!(up["auth_token"], "sk-…abcd");
    assert!(!view.to_string().contains(KEY), "the key must not travel back in clear");
    let file = std::fs::read_to_string(t.paths().config_file()).unwrap();
    assert!(file.contains(KEY), "config.json keeps the real key");
}

#[test]
fn add_upstream_reports_a_bad_url_in_words() {
    let t = start(None, |_| {});
    let err = t
        .invoke(
            "add_upstream",
            json!({"args": {"service": "codex", "config": "m", "base_url": "not a url",
            "auth_token": KEY, "api_key": null, "alias": null, "tags": []}}),
        )
        .unwrap_err();
    assert!(err["detail"]["message"].as_str().unwrap().contains("base-url"), "{err}");
}

#[test]
fn update_upstream_keeps_the_stored_key_unless_a_new_one_is_given() {
    let t = start(None, |_| {});
    t.add("main", "https://relay.example/v1");
    let update = |from: &str, to: &str, key: Value| {
        t.invoke(
            "update_upstream",
            json!({"args": {"service": "codex", "config": "main", "base_url": from, "new_base_url": to, "key": key,
                   "alias": null, "tags": [["source", "form"]]}}),
        )
    };
    let stored = || -> Value {
        let file: Value = serde_json::from_str(&std::fs::read_to_string(t.paths().config_file()).unwrap()).unwrap();
        file["codex"]["configs"]["main"]["upstreams"][0].clone()
    };

    // No key: the URL and tags change, the stored key stays.
    let out = update("https://relay.example/v1", "https://relay2.example/v1", Value::Null).unwrap();
    assert_eq!((out["changed"].clone(), out["key_replaced"].clone()), (json!(true), json!(false)));
    let up = stored();
    assert_eq!(up["base_url"], "https://relay2.example/v1");
    assert_eq!(up["auth"]["auth_token"], KEY);
    assert_eq!(up["tags"], json!({"source": "form"}));
    // The running proxy follows at once.
    let snapshot = t.agent.state.runtime.config().snapshot();
    let active = snapshot.active(codex_helper_core::Service::Codex).unwrap();
    assert_eq!(&*active.upstreams[0].base_url, "https://relay2.example/v1");

    // A new key replaces the stored one.
    const NEW: &str = "sk-new-key-77778888";
    let out =
        update("https://relay2.example/v1", "https://relay2.example/v1", json!({"auth_token": NEW, "api_key": null}))
            .unwrap();
    assert_eq!(out["key_replaced"], true);
    assert_eq!(out["upstream"]["auth_token"], "sk-…8888");
    assert_eq!(stored()["auth"]["auth_token"], NEW);

    let view = t.invoke("list_configs", json!({"service": "codex"})).unwrap();
    assert_eq!(view["configs"][0]["upstreams"][0]["auth_token"], "sk-…8888");
    let text = view.to_string();
    assert!(!text.contains(NEW) && !text.contains(KEY), "keys must not travel back in clear: {text}");

    let err = update("https://gone.example/v1", "https://x.example/v1", Value::Null).unwrap_err();
    let message = err["detail"]["message"].as_str().unwrap();
    assert!(message.contains("its upstreams: https://relay2.example/v1"), "{err}");
}

#[test]
fn test_stored_connection_names_an_upstream_instead_of_taking_its_key() {
    let t = start(None, |_| {});
    t.add("main", "https://relay.example/v1");
    let err = t
        .invoke(
            "test_stored_connection",
            json!({"args": {"service": "codex", "config": "other", "base_url": "https://relay.example/v1"}}),
        )
        .unwrap_err();
    assert!(err["detail"]["message"].as_str().unwrap().contains("existing configs: main"), "{err}");
}

#[test]
fn set_active_switches_what_the_proxy_serves() {
    let t = start(None, |_| {});
    t.add("a", "https://a.example/v1");
    t.add("b", "https://b.example/v1");
    let state = &t.agent.state;
    assert_eq!(&*state.runtime.config().snapshot().active(codex_helper_core::Service::Codex).unwrap().name, "a");
    t.invoke("set_active", json!({"args": {"service": "codex", "config": "b"}})).unwrap();
    assert_eq!(t.invoke("list_configs", json!({"service": "codex"})).unwrap()["active"], "b");
    // The running proxy follows at once, without waiting for its file poll.
    assert_eq!(&*state.runtime.config().snapshot().active(codex_helper_core::Service::Codex).unwrap().name, "b");
    let err = t.invoke("set_active", json!({"args": {"service": "codex", "config": "nope"}})).unwrap_err();
    assert!(err["detail"]["message"].as_str().unwrap().contains("existing configs: a, b"), "{err}");
}

#[test]
fn live_status_reports_the_serving_proxy() {
    let port = reserved_port();
    let t = start(Some(port), |_| {});
    t.add("main", "https://relay.example/v1");
    let status = t.invoke("live_status", json!({})).unwrap();
    let codex = &status["services"][0];
    assert_eq!(codex["service"], "codex");
    assert_eq!(codex["serving"], json!({"kind": "serving", "port": port}));
    assert_eq!(codex["active_config"], "main");
    assert_eq!(codex["upstreams"][0]["state"], "ok");
    assert_eq!(codex["upstreams"][0]["label"], "relay.example", "the UI shows core's label");
    assert_eq!(codex["level"], "serving");
    assert_eq!(status["level"], "serving", "the sidebar shows core's level");
    assert_eq!(status["services"][1]["serving"]["kind"], "disabled");
    let identity = tauri::async_runtime::block_on(codex_helper_core::probe::probe_port(port)).expect("proxy answers");
    assert_eq!(identity.owner, "app");
}

/// Regression: with `ch serve` already on the Codex port, the dashboard
/// showed the app's own idle load balancer (owner "app", nothing served)
/// instead of that proxy's live state.
#[test]
fn a_port_served_by_another_helper_shows_that_helpers_live_state() {
    let (port, dead) = (reserved_port(), reserved_port());
    let mut other = None;
    let t = start(Some(port), |paths| {
        let upstream = format!("http://127.0.0.1:{dead}/v1");
        let config = codex_helper_tests::config_with(codex_helper_core::Service::Codex, "main", &[(&upstream, KEY)]);
        std::fs::write(paths.config_file(), config.to_string()).unwrap();
        // `ch serve`, in this process: its own runtime on the app's port.
        other = Some(block_on(async {
            let rt = Arc::new(codex_helper_core::Runtime::start(paths.clone()).unwrap());
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
            let serving = rt.clone();
            tauri::async_runtime::spawn(
                async move { serving.serve(codex_helper_core::Service::Codex, listener).await },
            );
            rt
        }));
    });
    // One request through that proxy, to an upstream that refuses.
    let answer = block_on(
        codex_helper_tests::client()
            .post(format!("http://127.0.0.1:{port}/v1/responses"))
            .header("content-type", "application/json")
            .body(codex_helper_tests::codex_body().to_string())
            .send(),
    )
    .unwrap();
    assert!(answer.status().is_server_error(), "{}", answer.status());

    let status = t.invoke("live_status", json!({})).unwrap();
    let codex = &status["services"][0];
    assert_eq!(codex["serving"]["kind"], "taken_by_helper", "{codex}");
    assert!(codex["live_error"].is_null(), "{codex}");
    assert_eq!(codex["requests"]["total"], 1, "that proxy's counters, not the app's own: {codex}");
    assert_eq!(codex["upstreams"][0]["live"]["failures"], 1, "that proxy's load balancer: {codex}");
    drop(other);
}

#[test]
fn a_busy_port_is_reported_not_fatal() {
    let busy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let t = start(Some(port), |_| {});
    match t.agent.state.serving(codex_helper_core::Service::Codex) {
        Serving::Failed { port: p, message } => {
            assert_eq!(p, port);
            assert!(message.contains("another program"), "{message}");
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

#[test]
fn switch_on_off_round_trip() {
    let port = reserved_port();
    let t = start(Some(port), |paths| std::fs::create_dir_all(paths.codex_dir()).unwrap());
    t.add("main", "https://relay.example/v1");
    let on = t.invoke("switch_on", json!({"service": "codex"})).unwrap();
    assert_eq!(on["port"], port);
    let states = t.invoke("switch_status", json!({})).unwrap();
    assert_eq!(states[0]["points_at_proxy"], true);
    assert_eq!(states[0]["port"], port);
    assert_eq!(t.agent.state.switched(), vec![codex_helper_core::Service::Codex]);
    t.invoke("switch_off", json!({"service": "codex"})).unwrap();
    let states = t.invoke("switch_status", json!({})).unwrap();
    assert_eq!(states[0]["points_at_proxy"], false);
    assert!(t.agent.state.switched().is_empty());
}

#[test]
fn a_client_left_on_a_dead_proxy_is_switched_back_when_its_service_is_off() {
    let dead = reserved_port();
    let t = start(None, |paths| {
        std::fs::create_dir_all(paths.codex_dir()).unwrap();
        codex_helper_core::switch::switch_on(paths, codex_helper_core::Service::Codex, dead).unwrap();
    });
    let state = codex_helper_core::switch::state(&t.paths(), codex_helper_core::Service::Codex).unwrap();
    assert!(!state.points_at_proxy && !state.recorded, "repaired at start: {state:?}");
}

#[test]
fn a_client_on_the_port_the_app_serves_is_left_alone() {
    let port = reserved_port();
    let t = start(Some(port), |paths| {
        std::fs::create_dir_all(paths.codex_dir()).unwrap();
        codex_helper_core::switch::switch_on(paths, codex_helper_core::Service::Codex, port).unwrap();
    });
    let state = codex_helper_core::switch::state(&t.paths(), codex_helper_core::Service::Codex).unwrap();
    assert!(state.points_at_proxy && state.port == Some(port));
}

#[test]
fn settings_round_trip_keeps_other_keys() {
    let t = start(None, |paths| {
        std::fs::write(
            paths.settings_file(),
            r#"{"codex":{"enabled":false},"claude":{"enabled":false},"logs":{"max_files":7}}"#,
        )
        .unwrap()
    });
    let mut s = t.invoke("get_settings", json!({})).unwrap();
    assert_eq!(s["app"], json!({"start_hidden": false, "start_at_login": false}));
    s["app"]["start_hidden"] = json!(true);
    s["claude"]["port"] = json!(4000);
    let restart = t.invoke("save_settings", json!({"settings": s})).unwrap();
    assert_eq!(restart, false, "preferences and a turned-off service's port need no restart");
    let port = reserved_port();
    s["codex"]["enabled"] = json!(true);
    s["codex"]["port"] = json!(port);
    let restart = t.invoke("save_settings", json!({"settings": s})).unwrap();
    assert_eq!(restart, false, "the running app applies it");
    assert_eq!(t.agent.state.serving(codex_helper_core::Service::Codex), Serving::Serving { port });
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(t.paths().settings_file()).unwrap()).unwrap();
    assert_eq!(saved["app"]["start_hidden"], true);
    assert_eq!(saved["claude"]["port"], 4000);
    assert_eq!(saved["logs"]["max_files"], 7);
}

#[test]
fn quit_switches_back_what_the_app_switched_and_stops_the_proxy() {
    let port = reserved_port();
    let t = start(Some(port), |paths| std::fs::create_dir_all(paths.codex_dir()).unwrap());
    t.add("main", "https://relay.example/v1");
    t.invoke("switch_on", json!({"service": "codex"})).unwrap();
    block_on(t.agent.shutdown()); // Quit = this, then the GTK loop ends
    let state = codex_helper_core::switch::state(&t.paths(), codex_helper_core::Service::Codex).unwrap();
    assert!(!state.points_at_proxy, "switched back on Quit: {state:?}");
    let answer = tauri::async_runtime::block_on(codex_helper_core::probe::probe_port(port));
    assert!(answer.is_none(), "the proxy stopped");
}

#[test]
fn start_at_login_writes_and_removes_the_autostart_entry() {
    let t = start(None, |_| {});
    let mut s = t.invoke("get_settings", json!({})).unwrap();
    s["app"]["start_at_login"] = json!(true);
    t.invoke("save_settings", json!({"settings": s})).unwrap();
    let entry = codex_helper_core::autostart::entry_file(&t.paths());
    let text = std::fs::read_to_string(&entry).expect("the autostart entry exists");
    let exec = text.lines().find_map(|l| l.strip_prefix("Exec=")).expect("an Exec line");
    assert!(exec.trim_matches('"').ends_with("/codex-helper-app"), "starts the tray process, not the window: {exec}");
    s["app"]["start_at_login"] = json!(false);
    t.invoke("save_settings", json!({"settings": s})).unwrap();
    assert!(!entry.exists(), "turned off: the entry is gone");
}

#[test]
fn resume_opens_the_terminal_in_the_project_with_the_clients_command() {
    let t = start(None, |_| {});
    // A stand-in terminal: records where it ran and what it was asked to run.
    let record = t.home.path().join("terminal.txt");
    let terminal = t.home.path().join("fake-terminal");
    std::fs::write(&terminal, format!("#!/bin/sh\necho \"$PWD|$*\" > '{}'\n", record.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&terminal, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::env::set_var(crate::commands::sessions::TERMINAL_ENV, &terminal);
    let project = t.home.path().join("project");
    std::fs::create_dir_all(&project).unwrap();

    t.invoke(
        "open_resume_terminal",
        json!({"args": {"service": "codex", "session_id": "0199-abc_DEF", "cwd": project.to_string_lossy()}}),
    )
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !record.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let got = std::fs::read_to_string(&record).expect("the terminal ran");
    assert_eq!(got.trim(), format!("{}|-e codex resume 0199-abc_DEF", project.display()));

    let err = t
        .invoke("open_resume_terminal", json!({"args": {"service": "codex", "session_id": "x; rm -rf ~", "cwd": "/"}}))
        .unwrap_err();
    assert!(err["detail"]["message"].as_str().unwrap().contains("is not a session id"), "{err}");
    std::env::set_var(crate::commands::sessions::TERMINAL_ENV, t.home.path().join("no-such-terminal"));
    let err = t
        .invoke(
            "open_resume_terminal",
            json!({"args": {"service": "claude", "session_id": "s1", "cwd": project.to_string_lossy()}}),
        )
        .unwrap_err();
    let message = err["detail"]["message"].as_str().unwrap();
    assert!(message.contains("claude --resume s1") && message.contains("CODEX_HELPER_TERMINAL"), "{message}");
    std::env::remove_var(crate::commands::sessions::TERMINAL_ENV);
}

#[test]
fn a_port_changed_in_settings_moves_the_proxy_and_the_client_follows() {
    let old = reserved_port();
    let t = start(Some(old), |paths| std::fs::create_dir_all(paths.codex_dir()).unwrap());
    t.add("main", "https://relay.example/v1");
    let before = std::fs::read(t.paths().codex_dir().join("config.toml")).ok();
    t.invoke("switch_on", json!({"service": "codex"})).unwrap();

    let new = reserved_port();
    let mut s = t.invoke("get_settings", json!({})).unwrap();
    s["codex"]["port"] = json!(new);
    assert_eq!(t.invoke("save_settings", json!({"settings": s.clone()})).unwrap(), false);
    let probe = |port| block_on(codex_helper_core::probe::probe_port(port));
    assert_eq!(probe(new).expect("the proxy answers on the new port").owner, "app");
    let client = codex_helper_core::switch::state(&t.paths(), codex_helper_core::Service::Codex).unwrap();
    assert_eq!(client.port, Some(new), "Codex follows its proxy: {client:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while probe(old).is_some() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(probe(old).is_none(), "the old port is released");

    // Turned off: nothing serves Codex any more, so its client goes back.
    s["codex"]["enabled"] = json!(false);
    t.invoke("save_settings", json!({"settings": s})).unwrap();
    assert_eq!(t.agent.state.serving(codex_helper_core::Service::Codex), Serving::Disabled);
    let client = codex_helper_core::switch::state(&t.paths(), codex_helper_core::Service::Codex).unwrap();
    assert!(!client.points_at_proxy, "{client:?}");
    assert_eq!(std::fs::read(t.paths().codex_dir().join("config.toml")).ok(), before, "restored byte for byte");
}
