//! What the bench reads from /proc: CPU time and parent of a process
//! (`/proc/PID/stat`), its resident memory (`/proc/PID/status`), and a
//! process tree's total CPU (nginx is a master plus workers).

use std::path::Path;

/// The fields of `/proc/PID/stat` the bench uses, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    pub ppid: u32,
    pub utime: u64,
    pub stime: u64,
    /// CPU of children that were waited for (exited workers, helpers).
    pub cutime: u64,
    pub cstime: u64,
}

impl Stat {
    pub fn ticks(&self) -> u64 {
        self.utime + self.stime + self.cutime + self.cstime
    }
}

/// Parses one `/proc/PID/stat` line. The command name is in parentheses
/// and may itself contain spaces and `)`, so fields are counted from the
/// last `)`.
pub fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17).
    let num = |i: usize| f.get(i)?.parse::<u64>().ok();
    Some(Stat { ppid: num(1)? as u32, utime: num(11)?, stime: num(12)?, cutime: num(13)?, cstime: num(14)? })
}

/// `VmRSS` of a `/proc/PID/status` text, in KiB.
pub fn parse_vm_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line["VmRSS:".len()..].split_whitespace().next()?.parse().ok()
}

pub fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

pub fn rss_kib(pid: u32) -> Option<u64> {
    parse_vm_rss_kib(&std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// CPU ticks of `pid` and all its live descendants (and, through
/// cutime/cstime, of the ones that exited and were waited for).
pub fn tree_ticks(pid: u32) -> u64 {
    let all = all_stats(Path::new("/proc"));
    tree_ticks_in(pid, &all)
}

/// Summed `VmRSS` of `pid` and its live descendants, in KiB.
pub fn tree_rss_kib(pid: u32) -> u64 {
    let all = all_stats(Path::new("/proc"));
    tree_pids(pid, &all).into_iter().filter_map(rss_kib).sum()
}

/// The live descendants of `pid` (not `pid` itself).
pub fn descendants(pid: u32) -> Vec<u32> {
    let all = all_stats(Path::new("/proc"));
    tree_pids(pid, &all).into_iter().filter(|p| *p != pid).collect()
}

fn tree_ticks_in(root: u32, all: &[(u32, Stat)]) -> u64 {
    let pids = tree_pids(root, all);
    all.iter().filter(|(p, _)| pids.contains(p)).map(|(_, s)| s.ticks()).sum()
}

/// `root` (if it is alive) and every live descendant.
fn tree_pids(root: u32, all: &[(u32, Stat)]) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        if all.iter().any(|(p, _)| *p == pid) {
            out.push(pid);
        }
        stack.extend(all.iter().filter(|(_, s)| s.ppid == pid).map(|(p, _)| *p));
    }
    out
}

fn all_stats(proc_dir: &Path) -> Vec<(u32, Stat)> {
    let Ok(dir) = std::fs::read_dir(proc_dir) else { return Vec::new() };
    dir.filter_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        Some((pid, stat(pid)?))
    })
    .collect()
}

/// Clock ticks per second for /proc's times: `getconf CLK_TCK`, else the
/// USER_HZ every mainstream Linux uses (100).
pub fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse().ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    // A real line, with a command name that has a space and a parenthesis.
    const STAT: &str = "4242 (nginx: (worker) x) S 4200 4200 4200 0 -1 4194624 1520 0 0 0 \
                        731 262 5 7 20 0 1 0 123456 15962112 2345 18446744073709551615 1 1 0 0 0 0 0 \
                        4096 0 0 0 0 17 1 0 0 0 0 0";

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let s = parse_stat(STAT).unwrap();
        assert_eq!(s, Stat { ppid: 4200, utime: 731, stime: 262, cutime: 5, cstime: 7 });
        assert_eq!(s.ticks(), 1005);
    }

    #[test]
    fn a_truncated_stat_line_is_refused() {
        assert_eq!(parse_stat("12 (ch) S 1 2 3"), None);
        assert_eq!(parse_stat("no parenthesis"), None);
    }

    #[test]
    fn vm_rss_is_read_in_kib() {
        let status = "Name:\tch\nVmPeak:\t  20000 kB\nVmRSS:\t   10136 kB\nRssAnon:\t 4000 kB\n";
        assert_eq!(parse_vm_rss_kib(status), Some(10136));
        assert_eq!(parse_vm_rss_kib("Name:\tkthreadd\n"), None);
    }

    #[test]
    fn a_tree_sums_the_master_and_its_workers_only() {
        let s = |ppid, utime| Stat { ppid, utime, stime: 1, cutime: 0, cstime: 0 };
        let all = vec![(10, s(1, 100)), (11, s(10, 50)), (12, s(10, 60)), (13, s(12, 5)), (20, s(1, 999))];
        assert_eq!(tree_ticks_in(10, &all), 101 + 51 + 61 + 6);
        assert_eq!(tree_ticks_in(99, &all), 0);
    }

    #[test]
    fn this_process_can_be_read() {
        let me = std::process::id();
        assert!(stat(me).is_some());
        assert!(rss_kib(me).unwrap() > 0);
    }
}
