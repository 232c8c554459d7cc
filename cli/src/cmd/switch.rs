//! `ch switch on|off|status`: point the client at the proxy, or back.

use std::process::ExitCode;

use codex_helper_core::config::Settings;
use codex_helper_core::switch::{self, Restored, SwitchReport};
use codex_helper_core::{t, Paths, Service};
use serde::Serialize;

use crate::args::{SwitchCommand, SwitchOffArgs, SwitchOnArgs, SwitchStatusArgs};
use crate::output::print_json;

pub fn run(args: SwitchCommand) -> anyhow::Result<ExitCode> {
    match args {
        SwitchCommand::On(a) => on(a),
        SwitchCommand::Off(a) => off(a),
        SwitchCommand::Status(a) => status(a),
    }
}

fn on(args: SwitchOnArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let port = match args.port {
        Some(port) => port,
        None => Settings::load(&paths)?.service(service).port,
    };
    let report = switch::switch_on(&paths, service, port)?;
    if args.output.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    let (client, file) = (service.client_name(), report.file.display().to_string());
    if report.already {
        outln!("{}", t!("cli-switch-still-points", client = client, port = port, file = file));
    } else {
        outln!("{}", t!("cli-switch-now-points", client = client, port = port, file = file));
    }
    match &report.backup {
        Some(b) => outln!("{}", t!("cli-switch-backup", path = b.display().to_string())),
        None => outln!("{}", t!("cli-switch-no-file")),
    }
    if probe(port).is_none() {
        outln!("{}", t!("cli-switch-no-proxy", port = port, flag = service.cli_flag()));
    }
    Ok(ExitCode::SUCCESS)
}

fn off(args: SwitchOffArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let report = switch::switch_off(&paths, service)?;
    if args.output.json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    print_off(&report);
    Ok(ExitCode::SUCCESS)
}

fn print_off(report: &SwitchReport) {
    let name = report.service.client_name();
    let file = report.file.display().to_string();
    let file = file.as_str();
    match report.restored {
        None => outln!("{}", t!("cli-switch-off-not-switched", client = name, file = file)),
        Some(Restored::Backup) => outln!("{}", t!("cli-switch-off-backup", client = name, file = file)),
        Some(Restored::Deleted) => outln!("{}", t!("cli-switch-off-deleted", client = name, file = file)),
        Some(Restored::FileGone) => outln!("{}", t!("cli-switch-off-gone", file = file)),
        Some(Restored::Keys) => {
            outln!("{}", t!("cli-switch-off-keys", client = name, keys = list(&report.keys), file = file));
            if !report.kept.is_empty() {
                outln!("{}", t!("cli-switch-off-kept", keys = list(&report.kept)));
            }
        }
    }
    if let Some(b) = &report.backup {
        outln!("{}", t!("cli-switch-off-saved", path = b.display().to_string()));
    }
}

/// One line of `ch switch status --json`.
#[derive(Serialize)]
struct StatusLine {
    service: Service,
    file: std::path::PathBuf,
    client_dir_exists: bool,
    file_exists: bool,
    client_points_at_proxy: bool,
    port: Option<u16>,
    proxy_answering: bool,
    proxy_owner: Option<String>,
    proxy_pid: Option<u32>,
    backup: Option<std::path::PathBuf>,
    switched_by_codex_helper: bool,
    error: Option<String>,
}

fn status(args: SwitchStatusArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let services: Vec<Service> = match (args.service.codex, args.service.claude) {
        (true, _) => vec![Service::Codex],
        (_, true) => vec![Service::Claude],
        _ => Service::ALL.to_vec(),
    };
    let lines: Vec<StatusLine> = services.into_iter().map(|s| status_line(&paths, s)).collect();
    let failed = lines.iter().any(|l| l.error.is_some());
    if args.output.json {
        print_json(&lines)?;
    } else {
        for line in &lines {
            print_status(line);
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn status_line(paths: &Paths, service: Service) -> StatusLine {
    let file = match service {
        Service::Codex => paths.codex_dir().join("config.toml"),
        Service::Claude => paths.claude_dir().join("settings.json"),
    };
    let mut line = StatusLine {
        service,
        file,
        client_dir_exists: false,
        file_exists: false,
        client_points_at_proxy: false,
        port: None,
        proxy_answering: false,
        proxy_owner: None,
        proxy_pid: None,
        backup: None,
        switched_by_codex_helper: false,
        error: None,
    };
    match switch::state(paths, service) {
        Ok(state) => {
            let identity = state.port.and_then(probe);
            line.file = state.file;
            line.client_dir_exists = state.client_dir_exists;
            line.file_exists = state.file_exists;
            line.client_points_at_proxy = state.points_at_proxy;
            line.port = state.port;
            line.proxy_answering = identity.is_some();
            line.proxy_owner = identity.as_ref().map(|i| i.owner.clone());
            line.proxy_pid = identity.map(|i| i.pid);
            line.backup = state.backup;
            line.switched_by_codex_helper = state.recorded;
        }
        Err(err) => line.error = Some(format!("{err:#}")),
    }
    line
}

fn print_status(line: &StatusLine) {
    let name = line.service.client_name();
    if let Some(err) = &line.error {
        outln!("{}", t!("cli-switch-status-error", client = name, error = err.as_str()));
        return;
    }
    let file = line.file.display().to_string();
    if !line.client_dir_exists {
        let dir = line.file.parent().unwrap_or(&line.file).display().to_string();
        outln!("{}", t!("cli-switch-status-absent", client = name, dir = dir));
        return;
    }
    match line.port {
        Some(port) if line.client_points_at_proxy => {
            let proxy = match (&line.proxy_owner, line.proxy_pid) {
                (Some(owner), Some(pid)) => t!("cli-switch-status-answers", owner = owner.as_str(), pid = pid),
                _ => t!("cli-switch-status-no-answer"),
            };
            outln!("{}", t!("cli-switch-status-points", client = name, port = port, file = file, proxy = proxy));
        }
        _ => outln!("{}", t!("cli-switch-status-direct", client = name, file = file)),
    }
    if let Some(b) = &line.backup {
        outln!("  {}", t!("cli-backup", path = b.display().to_string()));
    }
    if line.switched_by_codex_helper {
        outln!("  {}", t!("cli-switch-status-recorded"));
    }
}

fn list(keys: &[String]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// Who answers on 127.0.0.1:`port` (a small runtime: the core stays sync).
fn probe(port: u16) -> Option<codex_helper_core::probe::Identity> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
    rt.block_on(codex_helper_core::probe::probe_port(port))
}
