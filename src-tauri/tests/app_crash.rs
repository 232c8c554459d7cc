//! Crash safety of the tray app (`codex-helper-app`), headless (no display:
//! no tray, no window; driven over its socket as the window would). It is
//! killed — aborted inside `fsutil::write_atomic` via
//! `CODEX_HELPER_CRASH_AT=<file>:<step>[:<n>]`, as a `kill -9` would — at
//! every write step of routing Codex on, routing it off and moving its
//! port. Then the next start (the app adopts or repairs the switch its dead
//! predecessor left; Quit puts it back) or `switch off` (what
//! `ch switch off` runs) restores config.toml byte for byte. And a SIGTERM
//! at any moment of the start is a clean Quit, never a kill.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use codex_helper_agent::ipc::Client;
use codex_helper_core::{switch, Paths, Service};
use codex_helper_tests::ReservedPort;
use tokio::process::{Child, Command};

const MINE: &str = "# mine\nmodel = \"gpt-5\" # keep\n\n[analytics]\nenabled = false\n";
const STEPS: [&str; 2] = ["before-rename", "after-rename"];
const PATIENCE: Duration = Duration::from_secs(30);

/// A port for the app to serve, held by this test process so nobody else
/// gets it before the app binds it (see [`ReservedPort`]).
fn reserved_port() -> u16 {
    ReservedPort::new().leak()
}

struct Home {
    dir: tempfile::TempDir,
    paths: Paths,
}

impl Home {
    /// A HOME with the user's Codex config.toml, Codex on `port`, Claude off.
    fn new(port: u16) -> Home {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        std::fs::create_dir_all(paths.codex_dir()).unwrap();
        std::fs::write(paths.codex_dir().join("config.toml"), MINE).unwrap();
        let home = Home { dir, paths };
        home.set_port(port);
        home
    }

    fn set_port(&self, port: u16) {
        std::fs::create_dir_all(self.paths.helper_dir()).unwrap();
        let settings = serde_json::json!({ "codex": { "port": port }, "claude": { "enabled": false } });
        std::fs::write(self.paths.settings_file(), settings.to_string()).unwrap();
    }

    fn config_toml(&self) -> String {
        std::fs::read_to_string(self.paths.codex_dir().join("config.toml")).unwrap()
    }

    /// The app, headless, started and answering on its socket.
    async fn start_app(&self, crash_at: Option<&str>) -> (Child, Client) {
        let mut child = self.spawn_app(crash_at);
        let client = Client::new(&self.paths);
        let deadline = Instant::now() + PATIENCE;
        while client.status().await.is_err() {
            assert!(child.try_wait().unwrap().is_none(), "the app exited at start: {}", self.log());
            assert!(Instant::now() < deadline, "the app never answered: {}", self.log());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        (child, client)
    }

    /// The app, headless, just launched.
    fn spawn_app(&self, crash_at: Option<&str>) -> Child {
        let mut command = Command::new(env!("CARGO_BIN_EXE_codex-helper-app"));
        command
            .arg("--hidden")
            .env("HOME", self.dir.path())
            .env("CODEX_HELPER_LANG", "en")
            .env_remove("CODEX_HOME")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env("CODEX_HELPER_WINDOW_BIN", "/nonexistent/codex-helper-window")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file(self.dir.path()));
        match crash_at {
            Some(at) => command.env("CODEX_HELPER_CRASH_AT", at),
            None => command.env_remove("CODEX_HELPER_CRASH_AT"),
        };
        command.kill_on_drop(true).spawn().expect("codex-helper-app starts")
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("app.log")).unwrap_or_default()
    }
}

fn log_file(home: &Path) -> std::fs::File {
    std::fs::OpenOptions::new().create(true).append(true).open(home.join("app.log")).unwrap()
}

/// The app was killed by the crash hook (it aborts: not a clean exit).
async fn assert_crashed(child: &mut Child, at: &str, home: &Home) {
    let status = tokio::time::timeout(PATIENCE, child.wait()).await.expect("the crash hook fired").unwrap();
    assert!(!status.success(), "{at}: aborted, not quit: {}", home.log());
}

/// The two ways back: the next app start (with its Quit), or `switch off`.
async fn assert_restored(home: &Home, by_app: bool, at: &str) {
    if by_app {
        let (mut child, client) = home.start_app(None).await;
        client.quit().await.unwrap();
        let status = tokio::time::timeout(PATIENCE, child.wait()).await.expect("Quit ends the app").unwrap();
        assert!(status.success(), "{at}: {}", home.log());
    } else {
        switch::switch_off(&home.paths, Service::Codex).unwrap();
    }
    assert_eq!(home.config_toml(), MINE, "{at} (next start by the app: {by_app}): back byte for byte");
    let state = switch::state(&home.paths, Service::Codex).unwrap();
    assert!(!state.recorded, "{at}: no switch record left: {state:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_while_routing_codex_on_the_next_start_or_switch_off_puts_it_back() {
    for file in ["config.toml.codex-helper.bak", "codex.json", "config.toml"] {
        for step in STEPS {
            for by_app in [true, false] {
                let at = format!("{file}:{step}");
                let home = Home::new(reserved_port());
                let (mut child, client) = home.start_app(Some(&at)).await;
                assert!(client.route(Service::Codex, true).await.is_err(), "{at}: the app died answering");
                assert_crashed(&mut child, &at, &home).await;
                assert_restored(&home, by_app, &at).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_while_routing_codex_off_the_next_start_or_switch_off_puts_it_back() {
    for step in STEPS {
        for by_app in [true, false] {
            // The first config.toml write routes Codex on; the second, off.
            let at = format!("config.toml:{step}:2");
            let port = reserved_port();
            let home = Home::new(port);
            let (mut child, client) = home.start_app(Some(&at)).await;
            client.route(Service::Codex, true).await.unwrap();
            assert!(home.config_toml().contains(&format!("127.0.0.1:{port}")));
            assert!(client.route(Service::Codex, false).await.is_err(), "{at}: the app died answering");
            assert_crashed(&mut child, &at, &home).await;
            assert_restored(&home, by_app, &at).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_while_moving_the_codex_port_the_next_start_or_switch_off_puts_it_back() {
    for file in ["codex.json", "config.toml"] {
        for step in STEPS {
            for by_app in [true, false] {
                // The first write of each routes Codex on; the second
                // re-points it at the moved proxy.
                let at = format!("{file}:{step}:2");
                let old = reserved_port();
                let home = Home::new(old);
                let (mut child, client) = home.start_app(Some(&at)).await;
                client.route(Service::Codex, true).await.unwrap();
                assert!(home.config_toml().contains(&format!("127.0.0.1:{old}")));
                // Both held at once: never the same port.
                let new = reserved_port();
                home.set_port(new);
                assert!(client.apply_settings().await.is_err(), "{at}: the app died answering");
                assert_crashed(&mut child, &at, &home).await;
                // The next start serves the new port.
                assert_restored(&home, by_app, &at).await;
            }
        }
    }
}

/// The app's switch names the app as its owner: a live app's switch is
/// left alone by another start (the repair), and its Quit puts it back.
#[tokio::test(flavor = "multi_thread")]
async fn the_apps_switch_names_the_app_as_its_owner() {
    let port = reserved_port();
    let home = Home::new(port);
    let (mut child, client) = home.start_app(None).await;
    client.route(Service::Codex, true).await.unwrap();
    let record = switch::record::load(&home.paths, Service::Codex).unwrap().expect("a record");
    let owner = record.owner.expect("the app owns its switch");
    assert_eq!(owner.pid, child.id().unwrap(), "the app's pid");
    assert!(owner.is_alive());
    assert_eq!(switch::owner::holder(&home.paths, Service::Codex).unwrap(), switch::owner::Holder::Running(owner));
    client.quit().await.unwrap();
    assert!(tokio::time::timeout(PATIENCE, child.wait()).await.unwrap().unwrap().success());
    assert_eq!(home.config_toml(), MINE);
}

/// Regression: a SIGTERM right after start (the session ending while it
/// starts the app, `kill` from a script, a package test) killed the app
/// with status 143: its handler was installed only once the proxies
/// served. It is the first thing the app sets up now, so the signal waits
/// and becomes a clean Quit. The app is signalled the moment its socket
/// exists, which is before it serves anything.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_right_after_start_quits_cleanly() {
    for round in 0..5 {
        let home = Home::new(reserved_port());
        let mut child = home.spawn_app(None);
        let socket = codex_helper_agent::ipc::socket_path(&home.paths);
        let deadline = Instant::now() + PATIENCE;
        while !socket.exists() {
            assert!(child.try_wait().unwrap().is_none(), "the app exited at start: {}", home.log());
            assert!(Instant::now() < deadline, "no socket: {}", home.log());
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let pid = child.id().unwrap().to_string();
        let kill = std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(kill.success());
        let status = tokio::time::timeout(PATIENCE, child.wait()).await.expect("SIGTERM ends the app").unwrap();
        assert_eq!(status.code(), Some(0), "round {round}: {status}: {}", home.log());
        assert_eq!(home.config_toml(), MINE);
    }
}
