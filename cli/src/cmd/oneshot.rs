//! `ch` with no command: the one-command helper, a thin adapter over the
//! core [`Supervisor`](codex_helper_core::supervisor::Supervisor).
//!
//! 1. If a codex-helper already serves the port (e.g. the desktop app),
//!    point the client at it and leave it be.
//! 2. Otherwise: import a config from the client's own settings when there
//!    is none yet, serve, point the client at the proxy (adopting a switch
//!    a killed run left), and on Ctrl+C / SIGTERM put the client's settings
//!    back exactly as they were.

use std::process::ExitCode;

use anyhow::bail;
use codex_helper_core::config::Settings;
use codex_helper_core::supervisor::{clients, Claim, SupervisorError};
use codex_helper_core::{bootstrap, t, Paths, Service};

use super::serve::Style;
use crate::args::ServeArgs;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    tokio.block_on(oneshot(paths, service, args.port, Style::of(&args)))
}

async fn oneshot(paths: Paths, service: Service, port: Option<u16>, style: Style) -> anyhow::Result<ExitCode> {
    let settings = Settings::load(&paths)?;
    let port = port.unwrap_or(settings.service(service).port);
    let client = service.client_name();

    // Port 0 is a new port the OS picks: nobody can be serving it yet.
    let running = if port == 0 { Ok(None) } else { clients::point_at_running(&paths, service, port).await };
    match running {
        Ok(None) => {}
        Ok(Some(reused)) => {
            let owner =
                if reused.identity.owner == "app" { t!("cli-oneshot-owner-app") } else { t!("cli-oneshot-owner-ch") };
            let pid = reused.identity.pid;
            style.say(if reused.report.changed {
                t!("cli-oneshot-reusing", port = port, owner = owner, pid = pid, client = client)
            } else {
                t!("cli-oneshot-reusing-already", port = port, owner = owner, pid = pid, client = client)
            });
            return Ok(ExitCode::SUCCESS);
        }
        Err(SupervisorError::OtherService { identity, .. }) => bail!(t!(
            "cli-oneshot-other-service",
            port = port,
            other = identity.service.as_str(),
            pid = identity.pid,
            service = service.display_name()
        )),
        Err(err) => return Err(err.into()),
    }

    match bootstrap::bootstrap(&paths, service) {
        Ok(Some(imported)) => style.say(t!(
            "cli-oneshot-imported",
            config = imported.name.to_string(),
            source = imported.source.to_string(),
            url = imported.base_url.to_string(),
            key = imported.key.clone().unwrap_or_else(|| t!("cli-oneshot-key-none"))
        )),
        Ok(None) => {}
        // Nothing to import is not fatal: the proxy explains what to add.
        Err(err) => eprintln!("{}", t!("cli-oneshot-nothing-to-import", error = format!("{err:#}"))),
    }

    let shutdown = super::serve::Shutdown::install()?;
    let supervisor = super::serve::supervisor(paths, style)?;
    super::serve::bind(&supervisor, service, Some(port)).await?;
    // Only this run's switch (or one a killed run left) is undone on exit:
    // a client the user switched on with `ch switch on` stays switched.
    if let Err(err) = supervisor.point_client(service, Claim::KeepUsers) {
        // Serving is still useful (point the client by hand); say why the
        // automatic part did not happen.
        eprintln!("{}", t!("cli-oneshot-cannot-point", client = client, error = format!("{err:#}")));
    }
    super::serve::serve_until_signal(&supervisor, service, shutdown).await?;
    Ok(ExitCode::SUCCESS)
}
