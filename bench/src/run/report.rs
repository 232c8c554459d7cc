//! A run's results: the targets as ratios against nginx in the
//! same run (information, never a failure), the harness faults that do fail
//! the run (lost/duplicated/reordered events, nothing served), and the
//! tables printed on stdout (Markdown, so they paste into README.md).

use std::fmt::Write;

use serde::Serialize;

use super::machine::Machine;
use super::{median, Plan, Scenario, TARGETS};
use crate::load::SseReport;
use crate::sse::Integrity;

#[derive(Debug, Serialize)]
pub struct Results {
    pub mode: &'static str,
    pub plan: Plan,
    pub machine: Machine,
    pub nginx_workers: usize,
    pub scenarios: Vec<Scenario>,
    pub sse: Vec<(String, Vec<SseReport>)>,
    /// Each target's first SSE run, not in the medians: every proxy opens
    /// its upstream connections for the streams then (see `measure_sse`).
    pub sse_cold: Vec<(String, SseReport)>,
    /// The same SSE rounds with the proxy on a core of its own (see
    /// `placement`); empty when not measured.
    pub sse_own_core: Vec<(String, Vec<SseReport>)>,
    /// Where the processes were for `sse_own_core`, or why it is empty.
    pub sse_own_core_placement: String,
    pub failover: serde_json::Value,
    pub memory: serde_json::Value,
}

/// One target of issue 11 and how ch did.
#[derive(Debug, Serialize)]
pub struct Check {
    pub name: String,
    pub goal: String,
    pub value: String,
    pub pass: bool,
}

/// SSE medians of one target over the rounds.
#[derive(Debug, Default)]
pub struct SseAgg {
    pub ttfb_p50: f64,
    pub ttfb_p99: f64,
    pub first_event_p50: f64,
    pub ttft_p50: f64,
    pub ttft_p99: f64,
    pub gap_p50: f64,
    pub gap_p99: f64,
    pub integrity: Integrity,
    pub errors: u64,
}

impl SseAgg {
    fn of(rounds: &[(String, Vec<SseReport>)], target: &str) -> SseAgg {
        let Some((_, reports)) = rounds.iter().find(|(t, _)| t == target) else { return SseAgg::default() };
        let mut integrity = Integrity::default();
        reports.iter().for_each(|r| integrity.add(&r.integrity));
        let m = |f: &dyn Fn(&SseReport) -> u64| median(reports.iter().map(|r| f(r) as f64).collect());
        SseAgg {
            ttfb_p50: m(&|r| r.ttfb.p50_us),
            ttfb_p99: m(&|r| r.ttfb.p99_us),
            first_event_p50: m(&|r| r.first_event.p50_us),
            ttft_p50: m(&|r| r.ttft.p50_us),
            ttft_p99: m(&|r| r.ttft.p99_us),
            gap_p50: m(&|r| r.gap.p50_us),
            gap_p99: m(&|r| r.gap.p99_us),
            integrity,
            errors: reports.iter().map(|r| r.errors).sum(),
        }
    }
}

impl Results {
    /// SSE medians of `target`, the proxy sharing the cores.
    pub fn sse(&self, target: &str) -> SseAgg {
        SseAgg::of(&self.sse, target)
    }

    /// SSE medians of `target`, the proxy on a core of its own (`None`: not measured).
    pub fn sse_own_core(&self, target: &str) -> Option<SseAgg> {
        (!self.sse_own_core.is_empty()).then(|| SseAgg::of(&self.sse_own_core, target))
    }

    fn scenario(&self, in_flight: usize, body_bytes: usize) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.in_flight == in_flight && s.body_bytes == body_bytes)
    }
}

/// Added latency of `target` over direct, at a percentile field.
fn added(s: &Scenario, target: &str, pct: fn(&super::Agg) -> f64) -> f64 {
    pct(s.get(target)) - pct(&s.direct)
}

/// `ch / nginx` of two added latencies; nginx's is floored at 1 µs (noise
/// can make it zero or negative).
fn ratio(ch: f64, nginx: f64) -> f64 {
    ch / nginx.max(1.0)
}

pub fn targets(r: &Results) -> Vec<Check> {
    let mut out = Vec::new();
    let mut check = |name: String, goal: &str, value: String, pass: bool| {
        out.push(Check { name, goal: goal.to_owned(), value, pass });
    };
    for n in [1, 16] {
        let Some(s) = r.scenario(n, 1024) else { continue };
        for (label, limit, pct) in
            [("p50", 1.3, (|a: &super::Agg| a.p50_us) as fn(&super::Agg) -> f64), ("p99", 1.5, |a| a.p99_us)]
        {
            let (c, g) = (added(s, "ch", pct), added(s, "nginx", pct));
            let x = ratio(c, g);
            check(
                format!("added latency {label}, {n} in flight"),
                &format!("≤ {limit}× nginx"),
                format!("{x:.2}× (ch +{c:.0} µs, nginx +{g:.0} µs)"),
                x <= limit,
            );
        }
    }
    if let Some(s) = r.scenario(16, 1024) {
        let x = s.ch.rps / s.nginx.rps.max(1.0);
        check(
            "throughput, 16 in flight".into(),
            "≥ 0.7× nginx",
            format!("{x:.2}× ({:.0} vs {:.0} req/s)", s.ch.rps, s.nginx.rps),
            x >= 0.7,
        );
        let x = s.ch.cpu_us_per_req / s.nginx.cpu_us_per_req.max(0.01);
        check(
            "CPU per request, 16 in flight".into(),
            "≤ 1.5× nginx",
            format!("{x:.2}× ({:.1} vs {:.1} µs)", s.ch.cpu_us_per_req, s.nginx.cpu_us_per_req),
            x <= 1.5,
        );
    }
    let i = r.sse("ch").integrity;
    check(
        format!("SSE, {} streams: integrity", r.plan.sse_streams),
        "0 lost, duplicated, reordered",
        format!(
            "{} streams, {} events: {} lost, {} dup, {} reordered",
            i.streams, i.events, i.lost, i.duplicated, i.reordered
        ),
        i.is_clean(),
    );
    let (added_ttft, nginx_ttft) = added_ttft_p99(|t| r.sse(t));
    check(
        "SSE added time to first content, p99".into(),
        "≤ 1 ms",
        format!("{added_ttft:.0} µs (nginx {nginx_ttft:.0} µs)"),
        added_ttft <= 1000.0,
    );
    if !r.sse_own_core.is_empty() {
        let (c, g) = added_ttft_p99(|t| SseAgg::of(&r.sse_own_core, t));
        check(
            "SSE added time to first content, p99, proxy on a core of its own".into(),
            "≤ 1 ms",
            format!("{c:.0} µs (nginx {g:.0} µs)"),
            c <= 1000.0,
        );
    }
    let mem = &r.memory;
    let kib = |k: &str| mem[k].as_u64().unwrap_or(0) as f64;
    check(
        "ch idle RSS".into(),
        "≤ 15 MB",
        format!("{:.1} MB", kib("ch_idle_kib") / 1024.0),
        kib("ch_idle_kib") <= 15.0 * 1024.0,
    );
    let growth = kib("ch_after_kib") / kib("ch_settled_kib").max(1.0) - 1.0;
    check(
        format!("ch RSS after {} more requests", mem["ch_after_requests"]),
        "≤ +5% of settled",
        format!(
            "{:+.1}% ({:.1} → {:.1} MB)",
            growth * 100.0,
            kib("ch_settled_kib") / 1024.0,
            kib("ch_after_kib") / 1024.0
        ),
        growth <= 0.05,
    );
    if let Some(idle) = mem["app"]["idle_kib"].as_u64() {
        check("tray app idle RSS".into(), "≤ 40 MB", format!("{:.1} MB", idle as f64 / 1024.0), idle <= 40 * 1024);
    }
    let f = r.failover["added_beyond_refusal_p50_us"].as_f64().unwrap_or(f64::MAX);
    check("failover to a backup, added p50".into(), "≤ 5 ms beyond the refusal", format!("{f:.0} µs"), f <= 5000.0);
    out
}

/// ch's and nginx's time to first content p99 over direct's, from one set
/// of SSE medians.
fn added_ttft_p99(agg: impl Fn(&str) -> SseAgg) -> (f64, f64) {
    let direct = agg("direct").ttft_p99;
    (agg("ch").ttft_p99 - direct, agg("nginx").ttft_p99 - direct)
}

/// Harness faults: what makes the run exit non-zero.
pub fn faults(r: &Results) -> Vec<String> {
    let mut out = Vec::new();
    for s in &r.scenarios {
        for t in TARGETS {
            if s.get(t).requests == 0 {
                out.push(format!("{}: no request through {t} succeeded", s.name));
            }
        }
    }
    for t in TARGETS {
        for (placement, agg) in [("", Some(r.sse(t))), (", proxy on a core of its own", r.sse_own_core(t))] {
            if let Some(i) = agg.map(|a| a.integrity).filter(|i| !i.is_clean()) {
                out.push(format!("SSE through {t}{placement}: integrity violated: {i:?}"));
            }
        }
    }
    for (t, cold) in &r.sse_cold {
        if !cold.integrity.is_clean() {
            out.push(format!("SSE warm-up through {t}: integrity violated: {:?}", cold.integrity));
        }
    }
    for k in ["ch", "ch_failover"] {
        if r.failover[k]["requests"].as_u64() == Some(0) {
            out.push(format!("failover: no request through {k} succeeded"));
        }
    }
    out
}

pub fn table(r: &Results, checks: &[Check]) -> String {
    let m = &r.machine;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "\n{} run: {} × {}, {} cores, kernel {}, nginx {} ({} workers), {}\n",
        r.mode, m.nproc, m.cpu_model, m.nproc, m.kernel, m.nginx_version, r.nginx_workers, m.ch_version
    );
    t.push_str(
        "| scenario | via | req/s | p50 µs | p99 µs | p99.9 µs | added p50 | added p99 | added p99.9 | CPU µs/req |\n",
    );
    t.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for s in &r.scenarios {
        for via in TARGETS {
            let a = s.get(via);
            let add = |f: fn(&super::Agg) -> f64| {
                if via == "direct" {
                    "".to_owned()
                } else {
                    format!("{:+.0}", added(s, via, f))
                }
            };
            let _ = writeln!(
                t,
                "| {} | {via} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {:.1} |",
                s.name,
                a.rps,
                a.p50_us,
                a.p99_us,
                a.p999_us,
                add(|a| a.p50_us),
                add(|a| a.p99_us),
                add(|a| a.p999_us),
                a.cpu_us_per_req
            );
        }
    }
    sse_table(
        &mut t,
        &format!(
            "SSE ({} streams × {} events, {} ms apart)",
            r.plan.sse_streams,
            r.plan.sse_deltas + 2,
            r.plan.sse_gap_ms
        ),
        &|via| r.sse(via),
    );
    if r.sse_own_core.is_empty() {
        let _ = writeln!(t, "\nSSE with the proxy on a core of its own: {}", r.sse_own_core_placement);
    } else {
        sse_table(&mut t, &format!("SSE, {}", r.sse_own_core_placement), &|via| {
            r.sse_own_core(via).unwrap_or_default()
        });
    }
    if !r.sse_cold.is_empty() {
        let cold: Vec<String> =
            r.sse_cold.iter().map(|(via, c)| format!("{via} {} / {} µs", c.ttft.p50_us, c.ttft.p99_us)).collect();
        let _ = writeln!(
            t,
            "\nSSE warm-up, each target's first {} streams (new upstream connections; not in the table): TTFT p50 / p99 {}",
            r.plan.sse_streams,
            cold.join(", ")
        );
    }
    let mem = &r.memory;
    let mb = |k: &str| mem[k].as_u64().unwrap_or(0) as f64 / 1024.0;
    let _ = writeln!(
        t,
        "\nMemory (RSS): ch idle {:.1} MB, settled {:.1} MB, after {} more requests {:.1} MB; nginx (master + workers) idle {:.1} MB, after {:.1} MB",
        mb("ch_idle_kib"),
        mb("ch_settled_kib"),
        mem["ch_after_requests"],
        mb("ch_after_kib"),
        mb("nginx_idle_kib"),
        mb("nginx_after_kib")
    );
    if let Some(idle) = mem["app"]["idle_kib"].as_u64() {
        let after = mem["app"]["after_kib"].as_u64().unwrap_or(0);
        let _ = writeln!(
            t,
            "Tray app (RSS): idle {:.1} MB, after {} requests {:.1} MB",
            idle as f64 / 1024.0,
            mem["app"]["requests"],
            after as f64 / 1024.0
        );
    }
    let f = &r.failover;
    let _ = writeln!(
        t,
        "Failover (1 in flight): ch p50 {} µs, with a refusing first upstream {} µs; refusal itself {} µs\n",
        f["ch"]["p50_us"], f["ch_failover"]["p50_us"], f["refused_connect_p50_us"]
    );
    t.push_str("| target (issue 11) | goal | ch | |\n|---|---|---|---|\n");
    for c in checks {
        let _ = writeln!(t, "| {} | {} | {} | {} |", c.name, c.goal, c.value, if c.pass { "PASS" } else { "FAIL" });
    }
    t
}

/// One SSE table: a row per target.
fn sse_table(t: &mut String, title: &str, agg: &dyn Fn(&str) -> SseAgg) {
    let _ = writeln!(
        t,
        "\n| {title} | headers p50 µs | headers p99 µs | first event p50 µs | TTFT p50 µs | TTFT p99 µs | gap p50 µs | gap p99 µs | lost / dup / reordered | completed | errors |",
    );
    t.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n");
    for via in TARGETS {
        let a = agg(via);
        let i = a.integrity;
        let _ = writeln!(
            t,
            "| {via} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {} / {} / {} | {}/{} | {} |",
            a.ttfb_p50,
            a.ttfb_p99,
            a.first_event_p50,
            a.ttft_p50,
            a.ttft_p99,
            a.gap_p50,
            a.gap_p99,
            i.lost,
            i.duplicated,
            i.reordered,
            i.completed,
            i.streams,
            a.errors
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Agg;

    fn results(ch_requests: u64, sse_lost: u64) -> Results {
        let served = |requests| Agg { requests, rps: 1000.0, p50_us: 50.0, p99_us: 90.0, ..Agg::default() };
        let clean = Integrity { streams: 1, completed: 1, events: 3, ..Integrity::default() };
        let sse = |lost| SseReport { integrity: Integrity { lost, ..clean }, ..SseReport::default() };
        Results {
            mode: "quick",
            plan: Plan::of(true),
            machine: Machine {
                nproc: 2,
                cpu_model: "test".into(),
                kernel: "6".into(),
                mem_total_kib: 1,
                nginx_version: "1".into(),
                ch_version: "ch".into(),
                ch_bin: "ch".into(),
            },
            nginx_workers: 2,
            scenarios: vec![Scenario {
                name: "1 KB body, 16 in flight".into(),
                in_flight: 16,
                body_bytes: 1024,
                direct: served(10),
                nginx: served(10),
                ch: served(ch_requests),
            }],
            sse: TARGETS.iter().map(|t| (t.to_string(), vec![sse(if *t == "ch" { sse_lost } else { 0 })])).collect(),
            sse_cold: Vec::new(),
            sse_own_core: Vec::new(),
            sse_own_core_placement: "not measured: test".into(),
            failover: serde_json::json!({ "ch": { "requests": 5 }, "ch_failover": { "requests": 5 } }),
            memory: serde_json::json!({}),
        }
    }

    #[test]
    fn a_clean_run_has_no_faults_even_when_targets_are_missed() {
        let r = results(10, 0);
        assert_eq!(faults(&r), Vec::<String>::new());
        // Equal latencies: ch adds as much as nginx, but the CPU target is missed.
        let checks = targets(&r);
        assert!(checks.iter().any(|c| !c.pass));
        assert!(table(&r, &checks).contains("| 1 KB body, 16 in flight | ch |"));
    }

    #[test]
    fn lost_events_and_unserved_scenarios_are_faults() {
        let f = faults(&results(0, 1));
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].contains("no request through ch"));
        assert!(f[1].contains("SSE through ch"));
    }

    #[test]
    fn runs_on_a_core_of_their_own_get_their_own_target_table_and_faults() {
        let mut r = results(10, 0);
        let checks = targets(&r);
        assert!(!checks.iter().any(|c| c.name.contains("core of its own")));
        assert!(table(&r, &checks).contains("SSE with the proxy on a core of its own: not measured: test"));

        let sse = |ttft_p99_us, lost| {
            let mut s = SseReport::default();
            s.ttft.p99_us = ttft_p99_us;
            s.integrity = Integrity { streams: 1, completed: 1, events: 3, lost, ..Integrity::default() };
            vec![s]
        };
        r.sse_own_core =
            vec![("direct".into(), sse(10_000, 0)), ("nginx".into(), sse(10_400, 0)), ("ch".into(), sse(11_200, 0))];
        r.sse_own_core_placement = "proxy on CPU 1, driver and upstream on CPU 0".into();
        let checks = targets(&r);
        let own = checks.iter().find(|c| c.name.contains("core of its own")).unwrap();
        assert_eq!((own.value.as_str(), own.pass), ("1200 µs (nginx 400 µs)", false));
        assert!(table(&r, &checks).contains("| SSE, proxy on CPU 1, driver and upstream on CPU 0 |"));
        assert_eq!(faults(&r), Vec::<String>::new());

        r.sse_own_core[2].1 = sse(10_900, 2);
        let own = targets(&r).into_iter().find(|c| c.name.contains("core of its own")).unwrap();
        assert!(own.pass, "{own:?}");
        let f = faults(&r);
        assert!(f.len() == 1 && f[0].contains("ch, proxy on a core of its own"), "{f:?}");
    }
}
