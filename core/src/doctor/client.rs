//! Doctor checks about the clients: does Codex / Claude Code point where a
//! proxy answers, and can `switch off` restore it.

use super::Check;
use crate::config::Settings;
use crate::i18n::localized::both;
use crate::switch::{self, SwitchState};
use crate::t_both;
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
                checks.push(Check::fail(id, both(&e), t_both!("doctor-client-fix-file")));
                continue;
            }
        };
        if !state.client_dir_exists {
            checks.push(Check::pass(id, t_both!("doctor-client-absent", client = name, dir = parent(&state))));
            continue;
        }
        if !state.points_at_proxy {
            checks.push(Check::pass(id, t_both!("doctor-client-direct", client = name, flag = service.cli_flag())));
            continue;
        }
        let port = state.port.unwrap_or_else(|| service.default_port());
        let check = match probe::probe_port(port).await {
            Some(who) if who.service == service => Check::pass(
                id,
                t_both!("doctor-client-ok", client = name, port = port, owner = who.owner.as_str(), pid = who.pid),
            ),
            Some(who) => Check::fail(
                id,
                t_both!("doctor-client-wrong", client = name, port = port, other = who.service.as_str()),
                format!(
                    "`ch switch on{} --port {}`",
                    service.cli_flag(),
                    settings.map_or(service.default_port(), |s| s.service(service).port)
                ),
            ),
            None => Check::fail(
                id,
                t_both!("doctor-client-dead", client = name, port = port),
                t_both!("doctor-client-dead-fix", flag = service.cli_flag(), off = off.as_str()),
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
                t_both!("doctor-backup-no-record", client = name, off = off),
                t_both!("doctor-backup-no-record-fix", file = state.file.display().to_string(), client = name),
            )
        }
        Err(e) => {
            return Check::fail(
                id,
                both(&e),
                t_both!("doctor-backup-delete-fix", file = state.file.display().to_string()),
            )
        }
    };
    match record.backup {
        None => Check::pass(id, t_both!("doctor-backup-created", file = state.file.display().to_string(), off = off)),
        Some(backup) if backup.exists() => Check::pass(
            id,
            t_both!("doctor-backup-ok", off = off, client = name, backup = backup.display().to_string()),
        ),
        Some(backup) => Check::warn(
            id,
            t_both!("doctor-backup-missing", backup = backup.display().to_string(), off = off),
            t_both!("doctor-backup-missing-fix"),
        ),
    }
}

fn parent(state: &SwitchState) -> String {
    state.file.parent().map(|p| p.display().to_string()).unwrap_or_default()
}
