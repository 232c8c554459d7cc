//! End to end with the real clients: the pinned `@openai/codex` and
//! `@anthropic-ai/claude-code` (installed by `npm test`), offline, against
//! a mock upstream standing in for the relay. Only `ch` commands prepare
//! the clients: `ch config add` + `ch switch on`, nothing else.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use codex_helper_tests::{canned, MockUpstream, Reply, ReservedPort, TestHome};

use crate::util::{ch, Running};

/// Where `npm test` installed the real clients.
fn client_bin(name: &str) -> PathBuf {
    let dir = std::env::var_os("CODEX_HELPER_REAL_CLIENTS_BIN").expect(
        "CODEX_HELPER_REAL_CLIENTS_BIN is not set: run the real-client tests through `npm test`, which installs the clients",
    );
    PathBuf::from(dir).join(name)
}

/// Run a real client in `cwd` with `home` as `$HOME` (and nothing of ours).
async fn run_client(home: &Path, cwd: &Path, program: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(client_bin(program));
    cmd.args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env_remove("CODEX_HOME")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_AUTH_TOKEN")
        .env_remove("ANTHROPIC_BASE_URL")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::time::timeout(Duration::from_secs(180), cmd.output())
        .await
        .unwrap_or_else(|_| panic!("{program} did not finish within 180 s"))
        .expect("client runs")
}

/// `ch ARGS` with `home`; panics with its output unless it succeeds.
fn ch_ok(home: &Path, args: &[&str]) -> String {
    let out = ch(home).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ch {args:?} failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The user's own Codex config: what `switch off` must give back byte for
/// byte. The extra settings keep the client offline (see
/// shared/notes/real-clients.md).
const CODEX_CONFIG: &str = r#"# my Codex settings
model = "gpt-5"   # the model I use
check_for_update_on_startup = false

[analytics]
enabled = false

[features]
plugins = false
remote_plugin = false
apps = false
unbounded_connection_retries = false
"#;

const CLAUDE_SETTINGS: &str =
    "{\n  \"theme\": \"dark\",\n  \"env\": {\n    \"MY_FLAG\": \"1\"\n  },\n  \"permissions\": {}\n}\n";

const CLAUDE_ENV: [(&str, &str); 2] = [("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"), ("DISABLE_AUTOUPDATER", "1")];

struct Setup {
    home: TestHome,
    project: PathBuf,
    /// The client is switched to the port before `ch serve` binds it.
    port: String,
    _reserved: ReservedPort,
}

fn setup() -> Setup {
    let home = TestHome::new();
    let project = home.dir.path().join("work").join("my-project");
    std::fs::create_dir_all(&project).unwrap();
    let codex_dir = home.dir.path().join(".codex");
    std::fs::create_dir_all(&codex_dir).unwrap();
    std::fs::write(codex_dir.join("config.toml"), CODEX_CONFIG).unwrap();
    let claude_dir = home.dir.path().join(".claude");
    std::fs::create_dir_all(&claude_dir).unwrap();
    std::fs::write(claude_dir.join("settings.json"), CLAUDE_SETTINGS).unwrap();
    let project = project.canonicalize().unwrap();
    let reserved = ReservedPort::new();
    Setup { home, project, port: reserved.port().to_string(), _reserved: reserved }
}

fn serve(s: &Setup, service_flag: &str) -> Running {
    let mut cmd = ch(s.home.dir.path());
    cmd.args(["serve", service_flag, "--port", &s.port]);
    Running::spawn(cmd)
}

#[tokio::test(flavor = "multi_thread")]
async fn codex_exec_completes_a_turn_through_the_proxy() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::codex_stream("hello from the relay", (20, 5, 1))));
    let s = setup();
    let home = s.home.dir.path();
    let base = format!("{}/v1", upstream.url());
    ch_ok(home, &["config", "add", "main", "--base-url", &base, "--auth-token", "sk-e2e-codex-1234"]);
    ch_ok(home, &["switch", "on", "--codex", "--port", &s.port]);
    let proxy = serve(&s, "--codex");

    let out = run_client(home, &s.project, "codex", &["exec", "--skip-git-repo-check", "--json", "say hi"], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("hello from the relay"), "{}", text(&out));
    let seen = upstream.requests();
    let turn = seen.iter().find(|r| r.method == "POST").expect("the turn reached the upstream");
    assert_eq!(turn.path, "/v1/responses");
    assert_eq!(turn.header("authorization"), Some("Bearer sk-e2e-codex-1234"));

    // The session the client just wrote is found, with its resume command.
    let last = ch_ok(home, &["session", "last", "--path", s.project.to_str().unwrap()]);
    let rollout = find_rollout(&home.join(".codex").join("sessions")).expect("codex wrote a session file");
    let id = session_id_of(&rollout);
    assert!(last.contains(&format!("codex resume {id}")), "{last}");

    assert!(proxy.terminate().success());
    ch_ok(home, &["switch", "off", "--codex"]);
    let after = std::fs::read_to_string(home.join(".codex").join("config.toml")).unwrap();
    assert_eq!(after, CODEX_CONFIG, "switch off gives the user's file back byte for byte");
}

/// The relay of issue 12: it serves only `/v1/chat/completions` (a 404 for
/// `/v1/responses`). Its first answer runs a shell command through Codex's
/// `exec_command` tool; once the request carries the tool's output (a
/// `tool` message), it answers with text.
#[tokio::test(flavor = "multi_thread")]
async fn codex_exec_runs_a_tool_through_a_chat_only_relay() {
    let upstream = MockUpstream::start().await;
    upstream.set_router(|req| {
        if req.method != "POST" || req.path != "/v1/chat/completions" {
            return Reply::json(404, canned::openai_error_json("not_found", "only /v1/chat/completions here"));
        }
        let body = req.json();
        let answered = body["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["role"] == "tool"));
        if answered {
            Reply::sse(canned::chat_stream("the tool said bridged-tool-ran", 40, 8))
        } else {
            let args = serde_json::json!({"cmd": "echo bridged-tool-ran"}).to_string();
            Reply::sse(canned::chat_tool_call_stream("call_bridge_1", "exec_command", &args))
        }
    });
    let s = setup();
    let home = s.home.dir.path();
    let base = format!("{}/v1", upstream.url());
    ch_ok(
        home,
        &["config", "add", "main", "--base-url", &base, "--auth-token", "sk-chat-relay-4321", "--protocol", "chat"],
    );
    let listed = ch_ok(home, &["config", "show", "main"]);
    assert!(listed.contains("protocol chat"), "{listed}");
    ch_ok(home, &["switch", "on", "--codex", "--port", &s.port]);
    let proxy = serve(&s, "--codex");

    let args =
        ["exec", "--skip-git-repo-check", "--dangerously-bypass-approvals-and-sandbox", "--json", "run the echo"];
    let out = run_client(home, &s.project, "codex", &args, &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("the tool said bridged-tool-ran"), "{}", text(&out));

    let turns: Vec<_> = upstream.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert!(turns.iter().all(|r| r.path == "/v1/chat/completions"), "only chat requests: {turns:?}");
    assert_eq!(turns.len(), 2, "the call, then its output: {turns:?}");
    let second = turns[1].json();
    let messages = second["messages"].as_array().unwrap();
    let call = messages
        .iter()
        .find(|m| m["role"] == "assistant" && m["tool_calls"].is_array())
        .expect("the call is sent back");
    assert_eq!(call["tool_calls"][0]["id"], "call_bridge_1");
    assert_eq!(call["tool_calls"][0]["function"]["name"], "exec_command");
    let output = messages.iter().find(|m| m["role"] == "tool").expect("the tool's output is sent");
    assert_eq!(output["tool_call_id"], "call_bridge_1");
    let output = output["content"].as_str().unwrap();
    assert!(output.contains("bridged-tool-ran"), "Codex ran the command and sent its output: {output}");
    assert_eq!(turns[1].header("authorization"), Some("Bearer sk-chat-relay-4321"));
    assert!(proxy.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn codex_exec_survives_a_failing_primary() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::json(503, canned::openai_error_json("overloaded", "try later")));
    let backup = MockUpstream::start().await;
    backup.set_default(Reply::sse(canned::codex_stream("served by the backup", (10, 4, 0))));
    let s = setup();
    let home = s.home.dir.path();
    ch_ok(
        home,
        &["config", "add", "main", "--base-url", &format!("{}/v1", primary.url()), "--auth-token", "sk-primary-0001"],
    );
    ch_ok(
        home,
        &["config", "add", "main", "--base-url", &format!("{}/v1", backup.url()), "--auth-token", "sk-backup-0002"],
    );
    ch_ok(home, &["switch", "on", "--port", &s.port]);
    let proxy = serve(&s, "--codex");

    let out = run_client(home, &s.project, "codex", &["exec", "--skip-git-repo-check", "--json", "say hi"], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("served by the backup"), "{}", text(&out));
    assert!(primary.requests().iter().any(|r| r.method == "POST"), "the primary was tried first");
    let turn = backup.requests().into_iter().find(|r| r.method == "POST").expect("the backup served the turn");
    assert_eq!(turn.header("authorization"), Some("Bearer sk-backup-0002"));
    assert!(proxy.terminate().success());
}

/// Failover across protocols: the primary speaks Codex's own Responses API
/// and is down (503); the backup serves only Chat Completions and knows the
/// model by another name. The turn completes through the backup, which
/// gets its own name for the model; the primary got Codex's.
#[tokio::test(flavor = "multi_thread")]
async fn codex_exec_fails_over_from_a_responses_primary_to_a_mapped_chat_backup() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::json(503, canned::openai_error_json("overloaded", "try later")));
    let backup = MockUpstream::start().await;
    backup.set_router(|req| {
        if req.method != "POST" || req.path != "/v1/chat/completions" {
            return Reply::json(404, canned::openai_error_json("not_found", "only /v1/chat/completions here"));
        }
        Reply::sse(canned::chat_stream("mapped backup answered", 12, 3))
    });
    let s = setup();
    let home = s.home.dir.path();
    let primary_url = format!("{}/v1", primary.url());
    ch_ok(home, &["config", "add", "main", "--base-url", &primary_url, "--auth-token", "sk-primary-0001"]);
    let backup_url = format!("{}/v1", backup.url());
    #[rustfmt::skip]
    ch_ok(home, &[
        "config", "add", "main", "--base-url", &backup_url, "--auth-token", "sk-chat-backup-0002",
        "--protocol", "chat", "--model-map", "gpt-5=mock-chat-model",
    ]);
    ch_ok(home, &["switch", "on", "--codex", "--port", &s.port]);
    let proxy = serve(&s, "--codex");

    let out = run_client(home, &s.project, "codex", &["exec", "--skip-git-repo-check", "--json", "say hi"], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("mapped backup answered"), "{}", text(&out));

    let tried = primary.requests().into_iter().find(|r| r.method == "POST").expect("the primary was tried first");
    assert_eq!(tried.path, "/v1/responses");
    assert_eq!(tried.json()["model"], "gpt-5", "the primary has no map: Codex's name");
    let turns: Vec<_> = backup.requests().into_iter().filter(|r| r.method == "POST").collect();
    let turn = turns.first().expect("the backup served the turn");
    assert_eq!(turn.path, "/v1/chat/completions");
    assert_eq!(turn.json()["model"], "mock-chat-model", "the backup's model map applied");
    assert_eq!(turn.header("authorization"), Some("Bearer sk-chat-backup-0002"));
    assert!(proxy.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_print_completes_a_turn_through_the_proxy() {
    let upstream = MockUpstream::start().await;
    upstream.set_default(Reply::sse(canned::claude_stream("hello from the claude relay", 30, 6)));
    let s = setup();
    let home = s.home.dir.path();
    ch_ok(home, &["config", "add", "main", "--claude", "--base-url", &upstream.url(), "--api-key", "sk-ant-e2e-5678"]);
    ch_ok(home, &["switch", "on", "--claude", "--port", &s.port]);
    let proxy = serve(&s, "--claude");

    let out = run_client(home, &s.project, "claude", &["-p", "--output-format", "json", "say hi"], &CLAUDE_ENV).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("hello from the claude relay"), "{}", text(&out));
    let turn = upstream.requests().into_iter().find(|r| r.method == "POST").expect("the turn reached the upstream");
    assert!(turn.path.starts_with("/v1/messages"), "{}", turn.path);
    assert_eq!(turn.header("x-api-key"), Some("sk-ant-e2e-5678"));

    let last = ch_ok(home, &["session", "last", "--claude", "--path", s.project.to_str().unwrap()]);
    assert!(last.contains("claude --resume "), "{last}");

    assert!(proxy.terminate().success());
    ch_ok(home, &["switch", "off", "--claude"]);
    let after = std::fs::read_to_string(home.join(".claude").join("settings.json")).unwrap();
    assert_eq!(after, CLAUDE_SETTINGS, "switch off gives the user's settings back byte for byte");
}

/// Claude Code through a relay that serves only `/v1/chat/completions`
/// (issue 12): the first answer calls its `Bash` tool; Claude Code runs the
/// command and sends the output back (a `tool_result`, which reaches the
/// relay as a `tool` message); the relay then answers with text. Side
/// requests without tools (titles…) get text.
#[tokio::test(flavor = "multi_thread")]
async fn claude_print_runs_a_tool_through_a_chat_only_relay() {
    let upstream = MockUpstream::start().await;
    upstream.set_router(|req| {
        if req.method != "POST" || req.path != "/v1/chat/completions" {
            return Reply::json(404, canned::openai_error_json("not_found", "only /v1/chat/completions here"));
        }
        let body = req.json();
        let answered = body["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["role"] == "tool"));
        let has_bash = body["tools"].as_array().is_some_and(|t| t.iter().any(|t| t["function"]["name"] == "Bash"));
        if answered {
            Reply::sse(canned::chat_stream("the tool said claude-tool-ran", 40, 8))
        } else if has_bash {
            let args = serde_json::json!({"command": "echo claude-tool-ran", "description": "Echo a word"}).to_string();
            Reply::sse(canned::chat_tool_call_stream("call_claude_1", "Bash", &args))
        } else {
            Reply::sse(canned::chat_stream("A title", 5, 2))
        }
    });
    let s = setup();
    let home = s.home.dir.path();
    let base = format!("{}/v1", upstream.url());
    ch_ok(
        home,
        &[
            "config",
            "add",
            "main",
            "--claude",
            "--base-url",
            &base,
            "--auth-token",
            "sk-kimi-1234",
            "--protocol",
            "chat",
        ],
    );
    let listed = ch_ok(home, &["config", "show", "main", "--claude"]);
    assert!(listed.contains("protocol chat"), "{listed}");
    ch_ok(home, &["switch", "on", "--claude", "--port", &s.port]);
    let proxy = serve(&s, "--claude");

    let args = ["-p", "--output-format", "json", "--allowedTools=Bash", "run echo claude-tool-ran"];
    let out = run_client(home, &s.project, "claude", &args, &CLAUDE_ENV).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("the tool said claude-tool-ran"), "{}", text(&out));

    let turns: Vec<_> = upstream.requests().into_iter().filter(|r| r.method == "POST").collect();
    assert!(turns.iter().all(|r| r.path == "/v1/chat/completions"), "only chat requests: {turns:?}");
    let answered = turns
        .iter()
        .map(|r| r.json())
        .find(|b| b["messages"].as_array().is_some_and(|m| m.iter().any(|m| m["role"] == "tool")))
        .expect("the tool's result was sent back");
    let messages = answered["messages"].as_array().unwrap();
    let call = messages
        .iter()
        .find(|m| m["role"] == "assistant" && m["tool_calls"].is_array())
        .expect("the call is sent back");
    assert_eq!(call["tool_calls"][0]["id"], "toolu_call_claude_1");
    assert_eq!(call["tool_calls"][0]["function"]["name"], "Bash");
    let result = messages.iter().find(|m| m["role"] == "tool").unwrap();
    assert_eq!(result["tool_call_id"], "toolu_call_claude_1");
    let output = result["content"].as_str().unwrap();
    assert!(output.contains("claude-tool-ran"), "Claude Code ran the command and sent its output: {output}");
    assert!(!output.starts_with("Error: "), "the command succeeded: {output}");
    assert!(turns.iter().all(|r| r.header("authorization") == Some("Bearer sk-kimi-1234")));
    assert!(proxy.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_print_survives_a_failing_primary() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::reset());
    let backup = MockUpstream::start().await;
    backup.set_default(Reply::sse(canned::claude_stream("claude via the backup", 12, 3)));
    let s = setup();
    let home = s.home.dir.path();
    ch_ok(home, &["config", "add", "main", "--claude", "--base-url", &primary.url(), "--auth-token", "tok-primary-1"]);
    ch_ok(home, &["config", "add", "main", "--claude", "--base-url", &backup.url(), "--auth-token", "tok-backup-2"]);
    ch_ok(home, &["switch", "on", "--claude", "--port", &s.port]);
    let proxy = serve(&s, "--claude");

    let out = run_client(home, &s.project, "claude", &["-p", "--output-format", "json", "say hi"], &CLAUDE_ENV).await;
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("claude via the backup"), "{}", text(&out));
    let turn = backup.requests().into_iter().find(|r| r.method == "POST").expect("the backup served the turn");
    assert_eq!(turn.header("authorization"), Some("Bearer tok-backup-2"));
    assert!(proxy.terminate().success());
}

/// The primary answers `200` and its opening events, so the client already
/// has its headers, then its connection resets before content: the backup's
/// stream continues the same response, and the real client completes the
/// turn from it (issue 11, time to first byte).
#[tokio::test(flavor = "multi_thread")]
async fn codex_exec_reads_one_stream_when_the_primary_breaks_after_its_headers() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::sse(canned::codex_stream("from the primary", (10, 4, 0))).reset_after_events(2));
    let backup = MockUpstream::start().await;
    backup.set_default(Reply::sse(canned::codex_stream("served by the backup", (10, 4, 0))));
    let s = setup();
    let home = s.home.dir.path();
    for (url, key) in [(primary.url(), "sk-primary-0001"), (backup.url(), "sk-backup-0002")] {
        ch_ok(home, &["config", "add", "main", "--base-url", &format!("{url}/v1"), "--auth-token", key]);
    }
    ch_ok(home, &["switch", "on", "--port", &s.port]);
    let proxy = serve(&s, "--codex");

    let out = run_client(home, &s.project, "codex", &["exec", "--skip-git-repo-check", "--json", "say hi"], &[]).await;
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("served by the backup") && !stdout.contains("from the primary"), "{}", text(&out));
    assert!(backup.requests().iter().any(|r| r.method == "POST"), "the backup served the turn");
    assert!(proxy.terminate().success());
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_print_reads_one_stream_when_the_primary_breaks_after_its_headers() {
    let primary = MockUpstream::start().await;
    primary.set_default(Reply::sse(canned::claude_stream("from the primary", 12, 3)).reset_after_events(1));
    let backup = MockUpstream::start().await;
    backup.set_default(Reply::sse(canned::claude_stream("claude via the backup", 12, 3)));
    let s = setup();
    let home = s.home.dir.path();
    for (url, key) in [(primary.url(), "tok-primary-1"), (backup.url(), "tok-backup-2")] {
        ch_ok(home, &["config", "add", "main", "--claude", "--base-url", &url, "--auth-token", key]);
    }
    ch_ok(home, &["switch", "on", "--claude", "--port", &s.port]);
    let proxy = serve(&s, "--claude");

    let out = run_client(home, &s.project, "claude", &["-p", "--output-format", "json", "say hi"], &CLAUDE_ENV).await;
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("claude via the backup") && !stdout.contains("from the primary"), "{}", text(&out));
    assert!(proxy.terminate().success());
}

/// The newest `rollout-*.jsonl` under `dir`.
fn find_rollout(dir: &Path) -> Option<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).ok()?.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("rollout-")) {
                found.push(p);
            }
        }
    }
    found.sort();
    found.pop()
}

/// The session id on a rollout file's first line.
fn session_id_of(rollout: &Path) -> String {
    let text = std::fs::read_to_string(rollout).unwrap();
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    first["payload"]["id"].as_str().expect("session_meta has an id").to_string()
}
