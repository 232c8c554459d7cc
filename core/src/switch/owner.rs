//! Who will switch a client back: the user (`ch switch on`, no owner) or a
//! running bare `ch` (the owner recorded in the switch record).
//!
//! A record whose owner is dead was left by a crashed run (`kill -9`, power
//! loss): nobody is going to switch back, so the next bare `ch` adopts it and
//! restores on its own exit. Owners are identified by pid *and* start time
//! ([`ProcessId`]) so a reused pid does not look like the owner still alive.

use super::{record, SwitchError};
use crate::paths::Paths;
use crate::process::ProcessId;
use crate::service::Service;

/// Who holds `service`'s switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// Not switched by us.
    Nobody,
    /// `ch switch on`: stays until `ch switch off`.
    User,
    /// A running process will switch back on its exit.
    Running(ProcessId),
    /// Its owner died without switching back.
    Crashed(ProcessId),
}

/// Who holds `service`'s switch, by its record.
pub fn holder(paths: &Paths, service: Service) -> Result<Holder, SwitchError> {
    Ok(match record::load(paths, service)?.map(|r| r.owner) {
        None => Holder::Nobody,
        Some(None) => Holder::User,
        Some(Some(owner)) if owner.is_alive() => Holder::Running(owner),
        Some(Some(owner)) => Holder::Crashed(owner),
    })
}

/// Whether this process owns `service`'s switch (so must undo it on exit).
/// `false` when the record is gone or was taken over by the user.
pub fn is_mine(paths: &Paths, service: Service) -> bool {
    matches!(holder(paths, service), Ok(Holder::Running(owner)) if owner == ProcessId::current())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owner_decides_who_switches_back() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::with_home(dir.path());
        std::fs::create_dir_all(paths.codex_dir()).unwrap();
        assert_eq!(holder(&paths, Service::Codex).unwrap(), Holder::Nobody);
        super::super::switch_on(&paths, Service::Codex, 3999).unwrap();
        assert_eq!(holder(&paths, Service::Codex).unwrap(), Holder::User);
        assert!(!is_mine(&paths, Service::Codex));

        super::super::switch_on_for(&paths, Service::Codex, 3999, Some(ProcessId::current())).unwrap();
        assert!(is_mine(&paths, Service::Codex));
        // `ch switch on` meanwhile keeps a live owner.
        super::super::switch_on(&paths, Service::Codex, 3999).unwrap();
        assert!(is_mine(&paths, Service::Codex));

        let mut rec = record::load(&paths, Service::Codex).unwrap().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = ProcessId { pid: child.id(), start: Some(1) };
        child.wait().unwrap();
        rec.owner = Some(dead);
        record::save(&paths, &rec).unwrap();
        assert_eq!(holder(&paths, Service::Codex).unwrap(), Holder::Crashed(dead));
        // A user's `switch on` over a crashed run's record takes it over.
        super::super::switch_on(&paths, Service::Codex, 3999).unwrap();
        assert_eq!(holder(&paths, Service::Codex).unwrap(), Holder::User);
    }
}
