//! `ch serve [--codex|--claude] [--port N]`: the proxy in the foreground.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use codex_helper_core::{Paths, Runtime, Service};
use tokio::net::TcpListener;

use crate::args::ServeArgs;

/// How long in-flight responses may take to finish after Ctrl+C.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    tokio.block_on(serve(paths, service, args.port))
}

async fn serve(paths: Paths, service: Service, port: Option<u16>) -> anyhow::Result<ExitCode> {
    let shutdown = Shutdown::install()?;
    let runtime = Runtime::start(paths)?;
    let listener = bind(&runtime, service, port).await?;
    serve_until_signal(&runtime, service, listener, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}

/// Listen for `service` on its loopback port (or `port`), explaining a busy
/// port, and print the start-up line.
pub(crate) async fn bind(runtime: &Runtime, service: Service, port: Option<u16>) -> anyhow::Result<TcpListener> {
    let addr = runtime.listen_addr(service, port);
    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) if err.kind() == std::io::ErrorKind::AddrInUse => bail!(port_taken(service, addr).await),
        Err(err) => return Err(err).with_context(|| format!("cannot listen on {addr}")),
    };
    crate::output::say(startup_line(runtime, service, addr));
    for warning in loop_warnings(runtime, service, addr) {
        tracing::warn!("{warning}");
    }
    Ok(listener)
}

/// Serve until Ctrl+C / SIGTERM, then let responses in flight finish (for a
/// while) and write the last log lines.
pub(crate) async fn serve_until_signal(
    runtime: &Runtime,
    service: Service,
    listener: TcpListener,
    mut shutdown: Shutdown,
) -> anyhow::Result<()> {
    let server = runtime.serve(service, listener);
    tokio::pin!(server);
    tokio::select! {
        result = &mut server => {
            runtime.shutdown();
            return result.context("the proxy stopped unexpectedly");
        }
        () = shutdown.wait() => {}
    }
    eprintln!("codex-helper: stopping (waiting up to {} s for responses in flight)…", DRAIN_TIMEOUT.as_secs());
    runtime.stop();
    if tokio::time::timeout(DRAIN_TIMEOUT, &mut server).await.is_err() {
        eprintln!("codex-helper: some responses were still streaming; closing them");
    }
    runtime.shutdown();
    Ok(())
}

/// `codex-helper: Codex proxy on http://127.0.0.1:3211 → config `main` (2 upstreams)`
fn startup_line(runtime: &Runtime, service: Service, addr: SocketAddr) -> String {
    let snapshot = runtime.config().snapshot();
    let serving = match snapshot.active(service) {
        Some(active) => {
            let n = active.upstreams.len();
            format!("config `{}` ({n} upstream{})", active.name, if n == 1 { "" } else { "s" })
        }
        None => format!(
            "no active config yet: add a `{service}` config with upstreams to {} (it is picked up without a restart)",
            runtime.config().store().path().display()
        ),
    };
    format!("codex-helper: {} proxy listening on http://{addr} → {serving}", service.display_name())
}

/// Upstreams that point back at this very proxy would loop forever.
fn loop_warnings(runtime: &Runtime, service: Service, addr: SocketAddr) -> Vec<String> {
    let snapshot = runtime.config().snapshot();
    let Some(active) = snapshot.active(service) else { return Vec::new() };
    active
        .upstreams
        .iter()
        .filter(|u| u.loopback_port == Some(addr.port()))
        .map(|u| format!("upstream {} points at this proxy itself and will be skipped; fix its base_url in ~/.codex-helper/config.json", u.base_url))
        .collect()
}

/// Explain a busy port: another codex-helper (and which), or something else.
async fn port_taken(service: Service, addr: SocketAddr) -> String {
    match codex_helper_core::probe::probe(addr, Duration::from_secs(2)).await {
        Some(other) => format!(
            "{addr} is already served by codex-helper ({} proxy run by the {}, pid {}); use that one, stop it, or pick another port with --port N",
            other.service, if other.owner == "app" { "desktop app" } else { "CLI" }, other.pid
        ),
        None => format!(
            "cannot listen on {addr}: the port is in use by another program; stop it or pick another port with --port N (the {} default is {})",
            service.display_name(),
            service.default_port()
        ),
    }
}

/// Ctrl+C / SIGTERM, listened for from the moment it is created: a signal
/// that arrives while the proxy is still starting must stop it cleanly too
/// (and not kill it before the client's settings are put back).
pub(crate) struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    /// Must be called inside the tokio runtime.
    pub(crate) fn install() -> anyhow::Result<Shutdown> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Shutdown { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(not(unix))]
        Ok(Shutdown {})
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
