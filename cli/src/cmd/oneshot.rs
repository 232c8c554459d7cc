//! `ch` with no command: the one-command helper.
//!
//! 1. If a codex-helper already serves the port (e.g. the desktop app),
//!    point the client at it and leave it be.
//! 2. Otherwise: import a config from the client's own settings when there
//!    is none yet, point the client at the proxy, serve, and on Ctrl+C /
//!    SIGTERM put the client's settings back exactly as they were.

use std::process::ExitCode;

use anyhow::bail;
use codex_helper_core::config::Settings;
use codex_helper_core::{bootstrap, probe, switch, Paths, Runtime, Service};

use crate::args::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    tokio.block_on(oneshot(paths, service, args.port))
}

async fn oneshot(paths: Paths, service: Service, port: Option<u16>) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&paths)?;
    let port = port.unwrap_or(settings.service(service).port);
    let client = service.client_name();

    if let Some(other) = probe::probe_port(port).await {
        if other.service != service {
            bail!(
                "127.0.0.1:{port} is served by codex-helper for {} (pid {}); pick another port for {} with --port N",
                other.service,
                other.pid,
                service.display_name()
            );
        }
        let report = switch::switch_on(&paths, service, port)?;
        let owner = if other.owner == "app" { "the desktop app" } else { "another ch" };
        crate::output::say(format!(
            "codex-helper: 127.0.0.1:{port} is already served by {owner} (pid {}); reusing it. {client} {} it.",
            other.pid,
            if report.changed { "now points at" } else { "already points at" }
        ));
        return Ok(ExitCode::SUCCESS);
    }

    match bootstrap::bootstrap(&paths, service) {
        Ok(Some(imported)) => crate::output::say(format!(
            "codex-helper: imported config `{}` from {}: {} (key {})",
            imported.name,
            imported.source,
            imported.base_url,
            imported.key.as_deref().unwrap_or("none")
        )),
        Ok(None) => {}
        // Nothing to import is not fatal: the proxy explains what to add.
        Err(err) => eprintln!("codex-helper: no config yet and nothing to import: {err:#}"),
    }

    let shutdown = super::serve::Shutdown::install()?;
    let runtime = Runtime::start(paths.clone())?;
    let listener = super::serve::bind(&runtime, service, Some(port)).await?;
    // Only undo what this run did (or adopted): a client the user switched
    // on with `ch switch on` stays switched; a switch left by a run that was
    // killed (its recorded owner is dead) is ours to undo now.
    let me = codex_helper_core::process::ProcessId::current();
    let owner = match switch::owner::holder(&paths, service) {
        Ok(switch::owner::Holder::User) => None,
        Ok(switch::owner::Holder::Crashed(dead)) => {
            crate::output::say(format!(
                "codex-helper: a previous run (pid {}) ended without putting {client} back; this run will",
                dead.pid
            ));
            Some(me)
        }
        _ => Some(me),
    };
    let switched = match switch::switch_on_for(&paths, service, port, owner) {
        Ok(report) => {
            if report.changed {
                crate::output::say(format!(
                    "codex-helper: {client} now points at the proxy ({}); Ctrl+C puts it back",
                    report.file.display()
                ));
            }
            Some(report)
        }
        Err(err) => {
            // Serving is still useful (point the client by hand); say why
            // the automatic part did not happen.
            eprintln!("codex-helper: warning: could not point {client} at the proxy: {err:#}");
            None
        }
    };

    let served = super::serve::serve_until_signal(&runtime, service, listener, shutdown).await;
    if let Some(report) = switched.filter(|_| switch::owner::is_mine(&paths, service)) {
        match switch::switch_off(&paths, service) {
            Ok(_) => eprintln!("codex-helper: {client} settings restored ({})", report.file.display()),
            Err(err) => eprintln!(
                "codex-helper: could not restore {client} settings: {err:#}; run `ch switch off{}`",
                service.cli_flag()
            ),
        }
    }
    served?;
    Ok(ExitCode::SUCCESS)
}
