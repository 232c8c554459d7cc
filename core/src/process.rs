//! Which process owns something we left on disk (a switch record, a temp
//! file), and whether that process is still running.
//!
//! A pid alone is not an identity: after a crash the pid may be reused by an
//! unrelated process, which would make a dead owner look alive forever. On
//! Linux the process's start time (`/proc/PID/stat` field 22, in clock ticks
//! since boot) pins the identity; elsewhere we only have the pid, and a live
//! pid is taken as the owner (the safe side: we never undo a running
//! process's work).

use serde::{Deserialize, Serialize};

/// One process, as recorded by itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    pub pid: u32,
    /// Start time in clock ticks since boot (Linux); `None` where unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
}

impl ProcessId {
    /// This process.
    pub fn current() -> ProcessId {
        let pid = std::process::id();
        ProcessId { pid, start: start_time(pid) }
    }

    /// Whether this very process (not just its pid) is still running.
    pub fn is_alive(&self) -> bool {
        if self.pid == std::process::id() {
            return self.start.is_none() || self.start == start_time(self.pid);
        }
        match (self.start, start_time(self.pid)) {
            // The pid was reused if the start times differ.
            (Some(recorded), Some(now)) => recorded == now,
            (_, None) if cfg!(target_os = "linux") => false,
            _ => pid_alive(self.pid),
        }
    }
}

/// Whether some process has `pid` (any owner).
pub fn pid_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        return start_time(pid).is_some();
    }
    // No /proc: `kill -0` asks the kernel without sending anything (we
    // forbid `unsafe`, so no direct libc call).
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Field 22 of `/proc/PID/stat` (Linux only). The command name (field 2)
/// is in parentheses and may itself hold spaces and `)`, so fields are
/// counted after the *last* `)`.
fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

fn parse_start_time(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // After ")": field 3 (state) is the first; field 22 is the 20th.
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_is_field_22_even_with_odd_command_names() {
        let stat = "1234 (we ird) cmd)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 12345 67 \
                    18446744073709551615";
        assert_eq!(parse_start_time(stat), Some(987654));
        assert_eq!(parse_start_time("garbage"), None);
        assert_eq!(parse_start_time("1 (x) S 1"), None);
    }

    #[test]
    fn this_process_is_alive_and_a_dead_one_is_not() {
        let me = ProcessId::current();
        assert!(me.is_alive());
        if cfg!(target_os = "linux") {
            assert!(me.start.is_some());
            let reused = ProcessId { pid: me.pid, start: me.start.map(|s| s + 1) };
            assert!(!reused.is_alive(), "same pid, other start time: another process");
        }
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        // Reaped: the pid is free (reuse within these microseconds would
        // take a full wrap of the pid space).
        assert!(!pid_alive(pid));
        assert!(!ProcessId { pid, start: None }.is_alive());
    }
}
