//! Pointing clients at the proxy and back, and repairing what a crashed run
//! left. Who will switch a client back is the switch record's owner:
//!
//! - this process, when it pointed the client ([`Claim::Take`], or bare
//!   `ch` over nobody's switch); its shutdown puts the client back;
//! - nobody (`ch switch on`): the user's, left as it is on exit;
//! - a process that died (`kill -9`, power loss): its switch is adopted by
//!   the next run (bare `ch`, or an app serving the port it points at), or
//!   put back when nothing serves that port any more.

use crate::paths::Paths;
use crate::probe::{self, Identity};
use crate::status::{port_holder, PortHolder};
use crate::switch::owner::{self, Holder};
use crate::switch::{self, SwitchReport};
use crate::Service;

use super::{Event, Serving, Supervisor, SupervisorError};

/// Whose switch pointing a client makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This process's (the app's route toggle): put back on its exit.
    Take,
    /// This process's, unless the user switched it on with `ch switch on`
    /// (bare `ch`: a user's switch stays after it exits).
    KeepUsers,
}

/// A codex-helper already served the port; the client was pointed at it.
#[derive(Debug)]
pub struct Reused {
    pub identity: Identity,
    pub report: SwitchReport,
}

/// If a codex-helper for `service` already answers on `port`, point the
/// client at it (the user's switch: that proxy's owner is not ours to stop)
/// and say who it is. `None`: nothing serves the port.
pub async fn point_at_running(paths: &Paths, service: Service, port: u16) -> Result<Option<Reused>, SupervisorError> {
    let Some(identity) = probe::probe_port(port).await else { return Ok(None) };
    if identity.service != service {
        return Err(SupervisorError::OtherService { service, port, identity });
    }
    let report = switch::switch_on(paths, service, port)?;
    Ok(Some(Reused { identity, report }))
}

impl Supervisor {
    /// Point `service`'s client at the port this supervisor serves it on
    /// (or another codex-helper does).
    pub fn point_client(&self, service: Service, claim: Claim) -> Result<SwitchReport, SupervisorError> {
        let port = match self.serving(service) {
            Serving::Disabled => return Err(SupervisorError::ServiceOff { service }),
            Serving::Failed { message, .. } => return Err(SupervisorError::NotServing { service, message }),
            serving => serving.usable_port().expect("serving, or served by another codex-helper"),
        };
        let paths = self.runtime.paths();
        let owner = match owner::holder(paths, service) {
            Ok(Holder::User) if claim == Claim::KeepUsers => None,
            Ok(Holder::Crashed(dead)) => {
                self.emit(Event::Adopted { service, dead });
                Some(self.me)
            }
            _ => Some(self.me),
        };
        let report = switch::switch_on_for(paths, service, port, owner)?;
        self.mark_mine(service, owner.is_some());
        self.emit(Event::Pointed { service, report: &report });
        Ok(report)
    }

    /// Put `service`'s client back as it was before it was switched.
    pub fn restore_client(&self, service: Service) -> Result<SwitchReport, SupervisorError> {
        let report = switch::switch_off(self.runtime.paths(), service)?;
        self.mark_mine(service, false);
        self.emit(Event::Restored { service, report: &report });
        Ok(report)
    }

    /// The tray's toggle: the opposite of where the client points now.
    pub fn toggle_client(&self, service: Service) -> Result<SwitchReport, SupervisorError> {
        let routed = switch::state(self.runtime.paths(), service).is_ok_and(|s| s.points_at_proxy);
        if routed {
            self.restore_client(service)
        } else {
            self.point_client(service, Claim::Take)
        }
    }

    /// Put back every client this run pointed that is still its own (the
    /// user may have taken one over, or switched it off, meanwhile).
    pub(super) fn restore_mine(&self) {
        for service in self.switched() {
            if !owner::is_mine(self.runtime.paths(), service) {
                self.mark_mine(service, false);
                continue;
            }
            if let Err(SupervisorError::Switch(error)) = self.restore_client(service) {
                self.emit(Event::SwitchFailed { service, on: false, error: &error });
            }
        }
    }

    /// At start: a client codex-helper switched (a record) whose switch
    /// nobody alive will put back. If this supervisor serves the port it
    /// points at, the switch is adopted (put back on exit); if nothing
    /// answers there, it is put back now. A live owner's switch, and the
    /// user's on a port that answers, are left alone.
    pub async fn repair_clients(&self) {
        let paths = self.runtime.paths().clone();
        for service in Service::ALL {
            let Ok(client) = switch::state(&paths, service) else { continue };
            if !client.recorded {
                continue;
            }
            let holder = owner::holder(&paths, service).unwrap_or(Holder::User);
            if matches!(holder, Holder::Running(other) if other != self.me) {
                continue; // its owner runs and will put it back
            }
            let crashed = match holder {
                Holder::Crashed(dead) => Some(dead),
                _ => None,
            };
            let (true, Some(port)) = (client.points_at_proxy, client.port) else {
                // A crash between the record and the client file: nothing
                // points at us, the leftover record goes (changes nothing).
                if crashed.is_some() {
                    self.repair(service, None);
                }
                continue;
            };
            if self.serving(service) == (Serving::Serving { port }) {
                if let Some(dead) = crashed {
                    self.adopt(service, port, dead);
                }
                continue;
            }
            if matches!(port_holder(port).await, PortHolder::CodexHelper(_)) {
                continue;
            }
            self.repair(service, Some(port));
        }
    }

    /// A dead run's switch onto the port we serve: ours to put back now.
    fn adopt(&self, service: Service, port: u16, dead: crate::process::ProcessId) {
        self.emit(Event::Adopted { service, dead });
        match switch::switch_on_for(self.runtime.paths(), service, port, Some(self.me)) {
            Ok(_) => self.mark_mine(service, true),
            Err(error) => self.emit(Event::SwitchFailed { service, on: true, error: &error }),
        }
    }

    /// Put back a client pointed at `port`, where no proxy runs any more.
    fn repair(&self, service: Service, port: Option<u16>) {
        match switch::switch_off(self.runtime.paths(), service) {
            Ok(report) => {
                self.mark_mine(service, false);
                if let Some(port) = port {
                    self.emit(Event::Repaired { service, port, report: &report });
                }
            }
            Err(error) => self.emit(Event::SwitchFailed { service, on: false, error: &error }),
        }
    }

    /// A client pointed at `old` (a proxy that moved or stopped) goes where
    /// the proxy is now, or back to where it was before it was switched on.
    pub(super) fn follow_client(&self, service: Service, old: Option<u16>, new: Option<u16>) {
        let paths = self.runtime.paths();
        let Ok(client) = switch::state(paths, service) else { return };
        if !client.points_at_proxy || old.is_none() || client.port != old || new == old {
            return;
        }
        match new {
            // Whoever owned the switch (a live owner is kept) still does.
            Some(port) => match switch::switch_on_for(paths, service, port, None) {
                Ok(report) => {
                    self.mark_mine(service, owner::is_mine(paths, service));
                    self.emit(Event::Pointed { service, report: &report });
                }
                Err(error) => self.emit(Event::SwitchFailed { service, on: true, error: &error }),
            },
            None => {
                if let Err(SupervisorError::Switch(error)) = self.restore_client(service) {
                    self.emit(Event::SwitchFailed { service, on: false, error: &error });
                }
            }
        }
    }
}
