//! Doctor checks about the clients: does Codex / Claude Code point where a
//! proxy answers, and can `switch off` restore it.

use super::Check;
use crate::config::Settings;
use crate::switch::{self, SwitchState};
use crate::{probe, Paths, Service};

/// One `client.<service>` check, plus `backup.<service>` when switched.
pub(super) async fn check_clients(paths: &Paths, settings: Option<&Settings>, checks: &mut Vec<Check>) {
    for service in Service::ALL {
        let id = format!("client.{service}");
        let name = service.client_name();
        let off = format!("`ch switch off{}`", service.cli_flag());
        let state = match switch::state(paths, service) {
            Ok(state) => state,
            Err(e) => {
                checks.push(Check::fail(id, e.to_string(), "fix the file at the place named above"));
                continue;
            }
        };
        if !state.client_dir_exists {
            checks.push(Check::pass(id, format!("{name} is not set up here ({} is missing)", parent(&state))));
            continue;
        }
        if !state.points_at_proxy {
            checks.push(Check::pass(
                id,
                format!(
                    "{name} talks to its upstream directly; `ch switch on{}` routes it through codex-helper",
                    service.cli_flag()
                ),
            ));
            continue;
        }
        let port = state.port.unwrap_or_else(|| service.default_port());
        let check = match probe::probe_port(port).await {
            Some(who) if who.service == service => Check::pass(
                id,
                format!("{name} points at the codex-helper proxy on 127.0.0.1:{port} ({}, pid {})", who.owner, who.pid),
            ),
            Some(who) => Check::fail(
                id,
                format!("{name} points at 127.0.0.1:{port}, which is the {} proxy", who.service),
                format!(
                    "`ch switch on{} --port {}`",
                    service.cli_flag(),
                    settings.map_or(service.default_port(), |s| s.service(service).port)
                ),
            ),
            None => Check::fail(
                id,
                format!("{name} points at 127.0.0.1:{port} but no codex-helper answers there, so its requests fail"),
                format!(
                    "start the proxy with `ch{}` (or `ch serve{}`), or run {off}",
                    service.cli_flag(),
                    service.cli_flag()
                ),
            ),
        };
        checks.push(check);
        checks.push(check_backup(paths, service, &state, &off));
    }
}

fn check_backup(paths: &Paths, service: Service, state: &SwitchState, off: &str) -> Check {
    let id = format!("backup.{service}");
    let name = service.client_name();
    let record = match switch::record::load(paths, service) {
        Ok(Some(record)) => record,
        Ok(None) => {
            return Check::warn(
                id,
                format!("{name} points at a local proxy but codex-helper has no record of switching it, so {off} cannot restore it"),
                format!("edit {} by hand to point {name} where it should go", state.file.display()),
            )
        }
        Err(e) => return Check::fail(id, e.to_string(), format!("delete it, then fix {} by hand", state.file.display())),
    };
    match record.backup {
        None => Check::pass(
            id,
            format!("{} did not exist before `switch on`; {off} removes it again", state.file.display()),
        ),
        Some(backup) if backup.exists() => {
            Check::pass(id, format!("{off} can restore {name}'s settings (backup {})", backup.display()))
        }
        Some(backup) => Check::warn(
            id,
            format!("the backup {} is missing; {off} will put back only the keys it changed", backup.display()),
            "nothing to do unless you want a full copy: keep one by hand before editing",
        ),
    }
}

fn parent(state: &SwitchState) -> String {
    state.file.parent().map(|p| p.display().to_string()).unwrap_or_default()
}
