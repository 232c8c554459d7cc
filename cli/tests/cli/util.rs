//! Running the real `ch` binary with a temporary `$HOME`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

pub fn ch(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ch"));
    // English whatever the machine's locale: the asserts read English
    // (`language.rs` runs `ch` in other languages on purpose, via [`ch_in`]).
    cmd.env("HOME", home).env_remove("CODEX_HOME").env_remove("CODEX_HELPER_LOG").env("CODEX_HELPER_LANG", "en");
    cmd
}

/// `ch` with the language left to `lang_env` (name, value; `None` removes
/// the variable): no `CODEX_HELPER_LANG` unless given, no locale but these.
pub fn ch_in(home: &Path, lang_env: &[(&str, Option<&str>)]) -> Command {
    let mut cmd = ch(home);
    for name in ["CODEX_HELPER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"] {
        cmd.env_remove(name);
    }
    for (name, value) in lang_env {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    cmd
}

/// `ch serve --port 0 --json` with `args`: the proxy on a port the OS
/// picked, bound once by `ch` itself (no port picked, released and hoped
/// for); [`Running::port`] reads it from the start-up line. A port that
/// must be known before `ch` starts (written in settings.json) is a
/// [`codex_helper_tests::ReservedPort`].
pub fn serve(home: &Path, args: &[&str]) -> Running {
    let mut cmd = ch(home);
    cmd.args(["serve", "--port", "0", "--json"]).args(args);
    Running::spawn(cmd)
}

/// The port a start-up line names: `{"listening":"127.0.0.1:PORT",…}`
/// (`--json`) or `… listening on http://127.0.0.1:PORT …`.
pub fn listening_port(line: &str) -> Option<u16> {
    let addr = match serde_json::from_str::<serde_json::Value>(line) {
        Ok(v) => v["listening"].as_str()?.to_string(),
        Err(_) => line.split("listening on http://").nth(1)?.split_whitespace().next()?.to_string(),
    };
    addr.parse::<std::net::SocketAddr>().ok().map(|a| a.port())
}

/// A running `ch` with its first stdout line (the start-up line). Its
/// stdout stays open (a closed pipe would be a different situation).
pub struct Running {
    pub child: Child,
    pub first_line: String,
    stdout: BufReader<ChildStdout>,
}

impl Running {
    pub fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("ch starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(!line.is_empty(), "ch printed no start-up line; stderr: {}", stderr_of(&mut child));
        Running { child, first_line: line, stdout }
    }

    /// The port this `ch` listens on, from its start-up line.
    pub fn port(&self) -> u16 {
        listening_port(&self.first_line).unwrap_or_else(|| panic!("no port in {:?}", self.first_line))
    }

    /// The next stdout line ("" at the end).
    pub fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line
    }

    /// Read stdout lines until one contains `needle`; returns it.
    pub fn line_containing(&mut self, needle: &str) -> String {
        let mut seen = vec![self.first_line.clone()];
        if self.first_line.contains(needle) {
            return self.first_line.clone();
        }
        loop {
            let line = self.next_line();
            assert!(!line.is_empty(), "no stdout line contains {needle:?}; saw {seen:?}");
            if line.contains(needle) {
                return line;
            }
            seen.push(line);
        }
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "ch did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn stderr_of(child: &mut Child) -> String {
    let _ = child.kill();
    let out = child.stderr.take().map(|mut e| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut e, &mut s).ok();
        s
    });
    out.unwrap_or_default()
}

/// A Codex turn sent to the proxy on 127.0.0.1:`port`.
pub async fn post_codex(port: u16) -> reqwest::Response {
    codex_helper_tests::client()
        .post(format!("http://127.0.0.1:{port}/v1/responses"))
        .header("content-type", "application/json")
        .body(codex_helper_tests::codex_body().to_string())
        .send()
        .await
        .unwrap()
}
