//! `ch switch on|off|status`: point the client at the proxy, or back.

use std::process::ExitCode;

use codex_helper_core::config::Settings;
use codex_helper_core::switch::{self, Restored, SwitchReport};
use codex_helper_core::{Paths, Service};
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
    let verb = if report.already { "still points" } else { "now points" };
    outln!("{} {verb} at the proxy on 127.0.0.1:{port} ({})", service.client_name(), report.file.display());
    match &report.backup {
        Some(b) => outln!("backup of your original file: {}", b.display()),
        None => outln!("there was no file before; `ch switch off` will remove it again"),
    }
    if probe(port).is_none() {
        let flag = service.cli_flag();
        outln!("no proxy answers on port {port} yet: start one with `ch serve{flag} --port {port}`");
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
    let file = report.file.display();
    match report.restored {
        None => outln!("{name} was not switched by codex-helper; nothing to do ({file} untouched)"),
        Some(Restored::Backup) => outln!("{name} restored: {file} is back exactly as it was"),
        Some(Restored::Deleted) => outln!("{name} restored: removed {file}, which codex-helper had created"),
        Some(Restored::FileGone) => outln!("{file} was deleted meanwhile; nothing to put back"),
        Some(Restored::Keys) => {
            outln!("{name} restored: put back {} in {file}; your other edits are kept", list(&report.keys));
            if !report.kept.is_empty() {
                outln!("left as you changed them: {}", list(&report.kept));
            }
        }
    }
    if let Some(b) = &report.backup {
        outln!("the original file is still saved as {}", b.display());
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
        outln!("{name}: error: {err}");
        return;
    }
    let file = line.file.display();
    if !line.client_dir_exists {
        outln!(
            "{name}: not set up on this machine ({} is missing)",
            line.file.parent().unwrap_or(&line.file).display()
        );
        return;
    }
    match line.port {
        Some(port) if line.client_points_at_proxy => {
            let proxy = match (&line.proxy_owner, line.proxy_pid) {
                (Some(owner), Some(pid)) => format!("codex-helper answers there ({owner}, pid {pid})"),
                _ => "but no codex-helper proxy answers there".into(),
            };
            outln!("{name}: points at the proxy on 127.0.0.1:{port} ({file}); {proxy}");
        }
        _ => outln!("{name}: not pointed at a local proxy ({file})"),
    }
    if let Some(b) = &line.backup {
        outln!("  backup: {}", b.display());
    }
    if line.switched_by_codex_helper {
        outln!("  switched by codex-helper: `ch switch off` puts it back");
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
