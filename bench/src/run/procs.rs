//! The processes a run measures: the mock upstream, nginx (own prefix and
//! config), and `ch serve` (own temporary HOME). Each is stopped when its
//! handle drops, gracefully first (nginx's master must take its workers
//! down with it).

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use serde_json::json;

/// A child process, stopped on drop.
pub struct Proc {
    pub name: &'static str,
    pub child: Child,
    pub addr: SocketAddr,
    pub log: PathBuf,
    /// Started in its own process group (wrappers): stop the whole group.
    pub group: bool,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    /// Waits until `addr` accepts connections, failing early if the process exits.
    fn wait_ready(mut self) -> anyhow::Result<Proc> {
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "{} exited ({status}) before listening on {}; its log:\n{}",
                    self.name,
                    self.addr,
                    self.log_tail()
                );
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(self);
            }
            if Instant::now() > until {
                bail!("{} did not listen on {} within 15 s; its log:\n{}", self.name, self.addr, self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let target = if self.group { format!("-{}", self.child.id()) } else { self.child.id().to_string() };
        if !self.group && matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill").args(["-TERM", "--", &target]).stderr(Stdio::null()).status();
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(20));
        }
        // The wrapper may be gone before what it wrapped: end the group.
        if self.group {
            let _ = Command::new("kill").args(["-KILL", "--", &target]).stderr(Stdio::null()).status();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on (bound, then released).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn log_file(dir: &Path, name: &str) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!("{name}.log"));
    let file = std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok((path, file))
}

/// `ch-bench upstream` (this same binary) on a free port; it prints its
/// address as its first line.
pub fn start_upstream(dir: &Path) -> anyhow::Result<Proc> {
    let exe = std::env::current_exe()?;
    let (log, file) = log_file(dir, "upstream")?;
    let mut child = Command::new(exe)
        .arg("upstream")
        .stdout(Stdio::piped())
        .stderr(file)
        .spawn()
        .context("cannot start the mock upstream")?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line)?;
    let addr: SocketAddr =
        line.trim().parse().with_context(|| format!("the upstream printed `{}`, not an address", line.trim()))?;
    Proc { name: "upstream", child, addr, log, group: false }.wait_ready()
}

/// nginx as a plain reverse proxy with keep-alive to `upstream`.
pub fn start_nginx(nginx: &Path, dir: &Path, upstream: SocketAddr, workers: usize) -> anyhow::Result<Proc> {
    let prefix = dir.join("nginx");
    std::fs::create_dir_all(&prefix)?;
    let port = free_port()?;
    let conf = nginx_conf(&prefix, upstream, port, workers, running_as_root());
    std::fs::write(prefix.join("nginx.conf"), conf)?;
    let (log, file) = log_file(dir, "nginx")?;
    let child = Command::new(nginx)
        .arg("-e")
        .arg(prefix.join("error.log"))
        .arg("-p")
        .arg(&prefix)
        .arg("-c")
        .arg(prefix.join("nginx.conf"))
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .with_context(|| format!("cannot start {} (install it: apt-get install -y nginx-light)", nginx.display()))?;
    Proc { name: "nginx", child, addr: SocketAddr::from(([127, 0, 0, 1], port)), log, group: false }.wait_ready()
}

/// The nginx configuration: what an operator would write for a local
/// reverse proxy in front of an LLM API (keep-alive upstream, HTTP/1.1,
/// no response buffering so SSE flows), with request bodies kept in memory
/// (ch buffers them too, for filtering) and a buffered access log (ch
/// writes a log line per request from a background writer).
pub fn nginx_conf(prefix: &Path, upstream: SocketAddr, port: u16, workers: usize, root: bool) -> String {
    let p = prefix.display();
    let user = if root { "user root;\n" } else { "" };
    format!(
        "{user}daemon off;\nmaster_process on;\nworker_processes {workers};\npid {p}/nginx.pid;\n\
         error_log {p}/error.log warn;\nworker_rlimit_nofile 16384;\n\
         events {{ worker_connections 8192; }}\n\
         http {{\n  access_log {p}/access.log combined buffer=64k;\n\
           client_body_temp_path {p}/client_body;\n  proxy_temp_path {p}/proxy;\n\
           fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n\
           client_max_body_size 64m;\n  client_body_buffer_size 1m;\n\
           upstream mock {{ server {upstream}; keepalive 32; }}\n\
           server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
               proxy_pass http://mock;\n      proxy_http_version 1.1;\n\
               proxy_set_header Connection \"\";\n      proxy_buffering off;\n\
               proxy_read_timeout 300s;\n    }}\n  }}\n}}\n"
    )
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// A temporary HOME whose config.json lists `upstreams` (base URLs) in
/// order for Codex, served on `port`. `always_retry_first` keeps a failing
/// first upstream out of cooldown, so every request pays the failover
/// (what the failover scenario measures).
fn write_home(
    dir: &Path,
    name: &str,
    upstreams: &[String],
    always_retry_first: bool,
    port: u16,
) -> anyhow::Result<PathBuf> {
    let home = dir.join(format!("home-{name}"));
    let helper = home.join(".codex-helper");
    std::fs::create_dir_all(&helper)?;
    std::fs::create_dir_all(home.join(".codex"))?;
    let ups: Vec<_> = upstreams
        .iter()
        .map(|u| json!({ "base_url": u, "auth": { "auth_token": "sk-bench-upstream", "api_key": null }, "tags": {} }))
        .collect();
    let config = json!({
        "version": 1,
        "codex": { "active": "bench", "configs": { "bench": { "name": "bench", "alias": null, "upstreams": ups } } },
        "claude": { "active": null, "configs": {} },
        "default_service": null,
    });
    std::fs::write(helper.join("config.json"), serde_json::to_vec_pretty(&config)?)?;
    let mut settings = json!({
        "codex": { "port": port, "enabled": true },
        "claude": { "enabled": false },
        // 256 concurrent streams plus the driver's slots: above the default cap.
        "proxy": { "max_connections": 4096 },
        "app": { "start_hidden": true, "start_at_login": false },
    });
    if always_retry_first {
        settings["lb"] = json!({ "failure_threshold": u32::MAX });
    }
    std::fs::write(helper.join("settings.json"), serde_json::to_vec_pretty(&settings)?)?;
    Ok(home)
}

/// `ch serve --codex --port P` under its own temporary HOME (see [`write_home`]).
pub fn start_ch(
    ch: &Path,
    dir: &Path,
    name: &'static str,
    upstreams: &[String],
    always_retry_first: bool,
) -> anyhow::Result<Proc> {
    let port = free_port()?;
    let home = write_home(dir, name, upstreams, always_retry_first, port)?;
    let (log, file) = log_file(dir, name)?;
    let child = Command::new(ch)
        .args(["serve", "--codex", "--port", &port.to_string()])
        .env("HOME", &home)
        .env("CODEX_HOME", home.join(".codex"))
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .with_context(|| {
            format!("cannot start {} (build it: cargo build --release -p codex-helper --bin ch)", ch.display())
        })?;
    Proc { name, child, addr: SocketAddr::from(([127, 0, 0, 1], port)), log, group: false }.wait_ready()
}

/// The tray app (`codex-helper-app`, started hidden) under a virtual
/// display (xvfb-run) and a private session bus (dbus-run-session), as
/// the GUI suite runs it; ready once its Codex proxy listens. Its own pid
/// (under the wrappers) is found with [`app_pid`].
pub fn start_app(app: &Path, dir: &Path, upstream: &str) -> anyhow::Result<Proc> {
    let port = free_port()?;
    let home = write_home(dir, "app", &[upstream.to_owned()], false, port)?;
    let run = dir.join("app-run");
    std::fs::create_dir_all(&run)?;
    let (log, file) = log_file(dir, "app")?;
    let child = Command::new("xvfb-run")
        .args(["-a", "-s", "-screen 0 1280x800x24 -nolisten tcp", "dbus-run-session", "--"])
        .arg(app)
        .env("HOME", &home)
        .env("CODEX_HOME", home.join(".codex"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_RUNTIME_DIR", &run)
        .env("NO_AT_BRIDGE", "1")
        .env("LANG", "C.UTF-8")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .process_group(0)
        .spawn()
        .context(
            "cannot start the tray app under xvfb-run and dbus-run-session (scripts/setup.sh test installs them)",
        )?;
    Proc { name: "app", child, addr: SocketAddr::from(([127, 0, 0, 1], port)), log, group: true }.wait_ready()
}

/// The pid of the process running `app` among `wrapper`'s descendants.
pub fn app_pid(wrapper: u32, app: &Path) -> Option<u32> {
    let want = std::fs::canonicalize(app).ok()?;
    crate::procfs::descendants(wrapper)
        .into_iter()
        .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == want))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nginx_config_keeps_upstream_connections_alive_and_streams() {
        let conf = nginx_conf(Path::new("/tmp/x"), "127.0.0.1:9".parse().unwrap(), 8080, 2, false);
        for needle in [
            "worker_processes 2;",
            "keepalive 32;",
            "proxy_http_version 1.1;",
            "proxy_set_header Connection \"\";",
            "proxy_buffering off;",
            "listen 127.0.0.1:8080;",
            "server 127.0.0.1:9;",
        ] {
            assert!(conf.contains(needle), "{needle} missing in\n{conf}");
        }
        assert!(!conf.contains("user root"));
    }
}
