//! CPU placement for the SSE runs that give the proxy a core of its own.
//!
//! On a machine of few cores the mock upstream, which stands in for a relay
//! on the internet, and the load driver, which stands in for the agents,
//! share the cores with the proxy being measured. With 256 streams opening
//! at once that sharing is most of what a proxy adds to the time to first
//! content (every process of the three is busy at the same moment), and it
//! is a cost a real relay does not put on its user's machine. So the SSE
//! runs are also measured with the proxy (nginx's master and workers, or
//! every thread of `ch serve`) on the last allowed CPU and the driver and
//! the upstream on the others, and reported apart from the shared runs.
//! `taskset` (util-linux) does the pinning: each process's threads, not
//! just its first one.

use std::process::{Command, Stdio};

use anyhow::{bail, Context};

/// The CPUs this process may run on, split into the proxy's and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub proxy: Vec<usize>,
    pub rest: Vec<usize>,
    pub all: Vec<usize>,
}

impl Split {
    /// The last allowed CPU for the proxy, the others for everything else;
    /// `None` with fewer than two.
    pub fn of(allowed: &[usize]) -> Option<Split> {
        let (last, rest) = allowed.split_last()?;
        if rest.is_empty() {
            return None;
        }
        Some(Split { proxy: vec![*last], rest: rest.to_vec(), all: allowed.to_vec() })
    }

    /// From this process's `Cpus_allowed_list` in /proc/self/status.
    pub fn of_this_process() -> Option<Split> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
        Split::of(&parse_cpu_list(line.trim())?)
    }
}

/// Parses a kernel CPU list such as `0-3,6,8-9`.
pub fn parse_cpu_list(text: &str) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    for part in text.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (usize, usize) = (a.parse().ok()?, b.parse().ok()?);
                if a > b {
                    return None;
                }
                out.extend(a..=b);
            }
            None => out.push(part.parse().ok()?),
        }
    }
    (!out.is_empty()).then_some(out)
}

fn cpu_list(cpus: &[usize]) -> String {
    cpus.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",")
}

/// Puts every thread of `pid` on `cpus`.
fn pin(pid: u32, cpus: &[usize]) -> anyhow::Result<()> {
    let list = cpu_list(cpus);
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", &list, &pid.to_string()])
        .stdout(Stdio::null())
        .status()
        .context("cannot run taskset (install util-linux) to place the processes on CPUs")?;
    if !status.success() {
        bail!("taskset -a -p -c {list} {pid} failed ({status})");
    }
    Ok(())
}

/// Processes placed by [`Placement::apply`], put back on every allowed CPU
/// when dropped (the runs after the SSE ones use the whole machine).
pub struct Placement {
    split: Split,
    pids: Vec<u32>,
}

impl Placement {
    /// `proxies` (each with its threads) on the proxy's CPU, `others` on the
    /// rest. On an error, whatever was already placed is put back.
    pub fn apply(split: Split, proxies: &[u32], others: &[u32]) -> anyhow::Result<Placement> {
        let mut placed = Placement { split, pids: Vec::new() };
        for (pids, cpus) in [(proxies, placed.split.proxy.clone()), (others, placed.split.rest.clone())] {
            for &pid in pids {
                pin(pid, &cpus)?;
                placed.pids.push(pid);
            }
        }
        Ok(placed)
    }

    /// What the report says about the placement, e.g. "proxy on CPU 1, driver and upstream on CPU 0".
    pub fn describe(split: &Split) -> String {
        format!("proxy on CPU {}, driver and upstream on CPU {}", cpu_list(&split.proxy), cpu_list(&split.rest))
    }
}

impl Drop for Placement {
    fn drop(&mut self) {
        for &pid in &self.pids {
            if let Err(e) = pin(pid, &self.split.all) {
                eprintln!("bench: could not put process {pid} back on every CPU: {e:#}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse_as_the_kernel_writes_them() {
        assert_eq!(parse_cpu_list("0-1"), Some(vec![0, 1]));
        assert_eq!(parse_cpu_list("0-2,5,7-8"), Some(vec![0, 1, 2, 5, 7, 8]));
        assert_eq!(parse_cpu_list("3"), Some(vec![3]));
        assert_eq!(parse_cpu_list(""), None);
        assert_eq!(parse_cpu_list("2-1"), None);
        assert_eq!(parse_cpu_list("a"), None);
    }

    #[test]
    fn the_proxy_gets_the_last_cpu_and_one_cpu_is_not_enough() {
        let s = Split::of(&[0, 1, 2, 3]).unwrap();
        assert_eq!((s.proxy, s.rest), (vec![3], vec![0, 1, 2]));
        assert_eq!(Split::of(&[5]), None);
        assert_eq!(Split::of(&[]), None);
        assert!(Split::of_this_process().is_none_or(|s| !s.rest.is_empty() && s.proxy.len() == 1));
    }

    /// A real pin of a real process, read back from /proc, then undone.
    #[test]
    fn a_placement_pins_every_thread_and_puts_it_back_when_dropped() {
        let Some(split) = Split::of_this_process() else { return };
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let allowed = |pid: u32| {
            let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
            let l = s.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).unwrap().trim().to_owned();
            parse_cpu_list(&l).unwrap()
        };
        let placed = Placement::apply(split.clone(), &[child.id()], &[]).unwrap();
        assert_eq!(allowed(child.id()), split.proxy);
        drop(placed);
        assert_eq!(allowed(child.id()), split.all);
        child.kill().unwrap();
        child.wait().unwrap();
    }
}
