//! No configured key ever appears unmasked in anything we print or write
//! (issue 9 #11 and "the secrets test"): the proxy at trace level, an
//! upstream that echoes keys in its errors and in a success's headers, and
//! every `ch` command that shows state. Every byte is collected: stdout,
//! stderr, and every file under the test home except config.json (the one
//! file meant to hold keys). The tray's notification texts are not
//! reachable from here.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use codex_helper_core::Service;
use codex_helper_tests::{canned, config_with, MockUpstream, Reply, ReservedPort, TestHome};
use serde_json::json;

use crate::util::{ch, post_codex};

/// Not shaped like a key: only knowing the config finds it.
const ECHOED: &str = "zq9x7w5v3u1t0s8r6p4n2m1k";
/// Shaped like an OpenAI key, in the backup that answers.
const BACKUP: &str = "sk-proj-backupsecret0123456789WXYZ";
/// Configured but not active.
const IDLE: &str = "cr-idle-config-secret-44556677";
/// A Claude key.
const CLAUDE: &str = "sk-ant-api03-claudesecret-abcdefgh9876";
const KEYS: [&str; 4] = [ECHOED, BACKUP, IDLE, CLAUDE];

fn config(first: &str, backup: &str) -> serde_json::Value {
    let mut c = config_with(Service::Codex, "main", &[(first, ECHOED), (backup, BACKUP)]);
    c["codex"]["configs"]["idle"] = json!({ "name": "idle", "alias": null, "upstreams": [
        { "base_url": "https://idle.example/v1", "auth": { "auth_token": IDLE, "api_key": null }, "tags": {} }
    ] });
    c["claude"] = json!({ "active": "c", "configs": { "c": { "name": "c", "alias": null, "upstreams": [
        { "base_url": "https://claude-relay.example", "auth": { "auth_token": null, "api_key": CLAUDE }, "tags": {} }
    ] } } });
    c
}

/// `ch serve` with stderr drained all along (trace output is large; a full
/// pipe would stall the proxy).
struct Serving {
    child: Child,
    stderr: Arc<Mutex<Vec<u8>>>,
    drain: Option<std::thread::JoinHandle<()>>,
}

impl Serving {
    fn start(home: &Path, port: u16) -> Serving {
        let mut child = ch(home)
            .env("CODEX_HELPER_LOG", "trace")
            .args(["serve", "-vv", "--port", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = stderr.clone();
        let mut pipe = child.stderr.take().unwrap();
        let drain = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
        assert!(first.contains("127.0.0.1"), "no start-up line: {first}");
        Serving { child, stderr, drain: Some(drain) }
    }

    /// SIGTERM, wait, and everything it wrote.
    fn stop(mut self) -> String {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        let mut rest = String::new();
        self.child.stdout.take().unwrap().read_to_string(&mut rest).unwrap();
        assert!(self.child.wait().unwrap().success());
        self.drain.take().unwrap().join().unwrap();
        let stderr = String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned();
        format!("{rest}\n{stderr}")
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn assert_no_key(what: &str, text: &str) {
    for key in KEYS {
        assert!(!text.contains(key), "{what} shows the key {key} in clear:\n{text}");
    }
}

/// Every file under `dir` but config.json, as (path, text).
fn files_under(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else if path.file_name().is_some_and(|n| n != "config.json") {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            out.push((path.display().to_string(), text));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_configured_key_appears_unmasked_anywhere() {
    let echoing = MockUpstream::start().await;
    echoing.set_default(Reply::json(
        401,
        json!({ "error": { "message": format!("Incorrect API key provided: {ECHOED}. Authorization: Bearer {ECHOED}"),
                           "type": "invalid_request_error", "code": "invalid_api_key" } }),
    ));
    let backup = MockUpstream::start().await;
    backup.set_default(
        Reply::sse(canned::codex_stream("hi", (3, 1, 0)))
            .header("x-echo-key", BACKUP)
            .header("x-debug", &format!("used Bearer {BACKUP}")),
    );
    let home = TestHome::new();
    home.write_config(&config(&format!("{}/v1", echoing.url()), &format!("{}/v1", backup.url())));
    // The configured port: `ch status` and `ch doctor` look there.
    let (codex_port, claude_port) = (ReservedPort::new(), ReservedPort::new());
    let port = codex_port.port();
    home.write_settings(&json!({ "codex": { "port": port }, "claude": { "port": claude_port.port() } }));
    let serving = Serving::start(home.dir.path(), port);

    // First request: the first upstream refuses with the key in its body.
    for _ in 0..2 {
        let resp = post_codex(port).await;
        let _ = resp.bytes().await;
    }
    assert!(echoing.request_count() >= 1, "the echoing upstream was tried");

    let mut shown = Vec::new();
    let commands: [&[&str]; 9] = [
        &["status"],
        &["status", "--json"],
        &["config", "list"],
        &["config", "list", "--json"],
        &["config", "show", "main"],
        &["config", "show", "main", "--json"],
        &["logs", "--json"],
        &["doctor"],
        &["usage"],
    ];
    for args in commands {
        let out = ch(home.dir.path()).env("CODEX_HELPER_LOG", "trace").args(args).arg("-vv").output().unwrap();
        let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        shown.push((format!("ch {}", args.join(" ")), text));
    }
    shown.push(("ch serve's stdout and stderr".into(), serving.stop()));
    files_under(home.dir.path(), &mut shown);

    // Not vacuous: the echo did reach the log and status, masked.
    let log = std::fs::read_to_string(home.paths.request_log()).unwrap();
    assert!(log.contains("Incorrect API key provided"), "the upstream's error is logged: {log}");
    let status = &shown[1].1;
    assert!(status.contains("Incorrect API key provided"), "status shows the last error: {status}");
    for (what, text) in &shown {
        assert_no_key(what, text);
    }
}
