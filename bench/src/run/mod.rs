//! `ch-bench run`: one run measuring the same workloads direct to the mock
//! upstream, through nginx and through `ch serve`, one target after the
//! other (never at the same time), in interleaved rounds whose medians are
//! reported (the machine is shared and noisy; ratios in one run hold).

mod machine;
mod placement;
mod procs;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use serde::Serialize;
use serde_json::json;

use crate::load::{self, LoadReport, SseReport, Stop, Target};
use crate::procfs;
use procs::Proc;

/// What `ch-bench run` is told.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// A few seconds per scenario and one round (what `npm test` runs).
    #[arg(long)]
    pub quick: bool,
    /// The `ch` binary to measure (e.g. an older build, for before/after).
    #[arg(long, env = "CH_BIN", default_value = "target/release/ch")]
    pub ch: PathBuf,
    /// The nginx binary.
    #[arg(long, env = "NGINX_BIN", default_value = "nginx")]
    pub nginx: PathBuf,
    /// Where the JSON goes (default: bench/results/<date>-full.json, or
    /// bench/results/quick-latest.json with --quick, which git ignores).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also measure the tray app's RSS (idle, and after the memory load):
    /// this `codex-helper-app`, started hidden under xvfb-run and
    /// dbus-run-session.
    #[arg(long, env = "CH_APP_BIN")]
    pub app: Option<PathBuf>,
}

/// How long and how much, per mode.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Plan {
    pub rounds: u32,
    pub measure: Duration,
    pub warmup: Duration,
    pub sse_streams: usize,
    pub sse_rounds: u32,
    pub sse_deltas: u64,
    pub sse_gap_ms: u64,
    pub sse_size: usize,
    pub memory_requests: u64,
}

impl Plan {
    fn of(quick: bool) -> Plan {
        if quick {
            Plan {
                rounds: 1,
                measure: Duration::from_millis(800),
                warmup: Duration::from_millis(200),
                sse_streams: 256,
                sse_rounds: 1,
                sse_deltas: 10,
                sse_gap_ms: 5,
                sse_size: 32,
                memory_requests: 5_000,
            }
        } else {
            Plan {
                rounds: 3,
                measure: Duration::from_secs(3),
                warmup: Duration::from_millis(500),
                sse_streams: 256,
                sse_rounds: 3,
                sse_deltas: 40,
                sse_gap_ms: 10,
                sse_size: 32,
                memory_requests: 100_000,
            }
        }
    }
}

/// The non-streamed scenarios: (in flight, body bytes).
const SCENARIOS: [(usize, usize); 5] = [(1, 1024), (16, 1024), (64, 1024), (1, 200 * 1024), (16, 200 * 1024)];

/// The three ways to reach the upstream.
pub const TARGETS: [&str; 3] = ["direct", "nginx", "ch"];

/// One target's medians over the rounds of a scenario.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Agg {
    pub requests: u64,
    pub errors: u64,
    pub rps: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    /// CPU of the proxy's process tree per request (for direct: the upstream's).
    pub cpu_us_per_req: f64,
    pub rounds: Vec<LoadReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    pub name: String,
    pub in_flight: usize,
    pub body_bytes: usize,
    pub direct: Agg,
    pub nginx: Agg,
    pub ch: Agg,
}

impl Scenario {
    pub fn get(&self, target: &str) -> &Agg {
        match target {
            "direct" => &self.direct,
            "nginx" => &self.nginx,
            _ => &self.ch,
        }
    }
}

pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn aggregate(rounds: Vec<(LoadReport, f64)>) -> Agg {
    let pick = |f: &dyn Fn(&(LoadReport, f64)) -> f64| median(rounds.iter().map(f).collect());
    Agg {
        requests: rounds.iter().map(|r| r.0.requests).sum(),
        errors: rounds.iter().map(|r| r.0.errors).sum(),
        rps: pick(&|r| r.0.rps),
        p50_us: pick(&|r| r.0.latency.p50_us as f64),
        p99_us: pick(&|r| r.0.latency.p99_us as f64),
        p999_us: pick(&|r| r.0.latency.p999_us as f64),
        cpu_us_per_req: pick(&|r| r.1),
        rounds: rounds.into_iter().map(|r| r.0).collect(),
    }
}

/// The processes of one run.
struct World {
    upstream: Proc,
    nginx: Proc,
    ch: Proc,
    ch_failover: Proc,
    /// The failover config's first upstream: a port nobody listens on.
    closed: std::net::SocketAddr,
    clk_tck: u64,
}

impl World {
    fn target(&self, name: &str) -> Target {
        let addr = match name {
            "direct" => self.upstream.addr,
            "nginx" => self.nginx.addr,
            "ch-failover" => self.ch_failover.addr,
            _ => self.ch.addr,
        };
        Target { addr, path: "/v1/responses".into() }
    }

    /// The process whose CPU a run through `name` is charged.
    fn pid(&self, name: &str) -> u32 {
        match name {
            "direct" => self.upstream.pid(),
            "nginx" => self.nginx.pid(),
            "ch-failover" => self.ch_failover.pid(),
            _ => self.ch.pid(),
        }
    }
}

pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let plan = Plan::of(args.quick);
    let mode = if args.quick { "quick" } else { "full" };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let dir = tempfile::Builder::new().prefix("ch-bench-").tempdir()?;
    let ch = std::fs::canonicalize(&args.ch).with_context(|| {
        format!(
            "no ch binary at {} (build it: cargo build --release -p codex-helper --bin ch, or set CH_BIN)",
            args.ch.display()
        )
    })?;
    let machine = machine::describe(&args.nginx, &ch);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());

    let upstream = procs::start_upstream(dir.path())?;
    let nginx = procs::start_nginx(&args.nginx, dir.path(), upstream.addr, workers)?;
    let base = format!("http://{}/v1", upstream.addr);
    let ch_proc = procs::start_ch(&ch, dir.path(), "ch", std::slice::from_ref(&base), false)?;
    let closed = std::net::SocketAddr::from(([127, 0, 0, 1], procs::free_port()?));
    let ch_failover = procs::start_ch(&ch, dir.path(), "ch-failover", &[format!("http://{closed}/v1"), base], true)?;
    let world = World { upstream, nginx, ch: ch_proc, ch_failover, closed, clk_tck: procfs::clock_ticks_per_second() };
    eprintln!(
        "bench: {mode} run; upstream {}, nginx {}, ch {} ({})",
        world.upstream.addr,
        world.nginx.addr,
        world.ch.addr,
        ch.display()
    );

    // Idle memory first, before any request reached ch.
    std::thread::sleep(Duration::from_millis(500));
    let ch_idle_kib = procfs::rss_kib(world.ch.pid()).unwrap_or(0);
    let nginx_idle_kib = procfs::tree_rss_kib(world.nginx.pid());

    // Failover first, while both ch instances are equally fresh (the
    // plain one is compared against the failover one).
    let failover = measure_failover(&rt, &world, plan)?;

    let mut scenarios = Vec::new();
    for (in_flight, body_bytes) in SCENARIOS {
        let body = load::request_body(body_bytes, false);
        let mut per: [Vec<(LoadReport, f64)>; 3] = Default::default();
        for _ in 0..plan.rounds {
            for (i, t) in TARGETS.iter().enumerate() {
                per[i].push(measure(&rt, &world, t, in_flight, &body, plan)?);
            }
        }
        let [direct, nginx, ch] = per.map(aggregate);
        let name = format!("{} KB body, {in_flight} in flight", body_bytes / 1024);
        eprintln!("bench: {name}: rps direct {:.0}, nginx {:.0}, ch {:.0}", direct.rps, nginx.rps, ch.rps);
        scenarios.push(Scenario { name, in_flight, body_bytes, direct, nginx, ch });
    }

    let sse = measure_sse(&rt, &world, plan)?;

    // Memory after the load: settled (after every scenario above), then
    // after `memory_requests` more.
    let ch_settled_kib = procfs::rss_kib(world.ch.pid()).unwrap_or(0);
    let body = load::request_body(1024, false);
    let mem_run = rt.block_on(load::run(&world.target("ch"), 16, body, Stop::Requests(plan.memory_requests)))?;
    std::thread::sleep(Duration::from_millis(300));
    let ch_after_kib = procfs::rss_kib(world.ch.pid()).unwrap_or(0);
    let nginx_after_kib = procfs::tree_rss_kib(world.nginx.pid());
    let mut memory = json!({
        "ch_idle_kib": ch_idle_kib, "ch_settled_kib": ch_settled_kib, "ch_after_kib": ch_after_kib,
        "ch_after_requests": mem_run.requests, "ch_after_errors": mem_run.errors,
        "nginx_idle_kib": nginx_idle_kib, "nginx_after_kib": nginx_after_kib,
    });
    memory["app"] = match &args.app {
        Some(app) => measure_app(&rt, app, dir.path(), &format!("http://{}/v1", world.upstream.addr), plan)?,
        None => json!("not measured (pass --app PATH or set CH_APP_BIN)"),
    };

    let results = report::Results {
        mode,
        plan,
        machine,
        nginx_workers: workers,
        scenarios,
        sse: sse.shared,
        sse_cold: sse.cold,
        sse_own_core: sse.own_core,
        sse_own_core_placement: sse.own_core_placement,
        failover,
        memory,
    };
    let checks = report::targets(&results);
    let faults = report::faults(&results);
    println!("{}", report::table(&results, &checks));

    let out = args.out.unwrap_or_else(|| {
        let name = if args.quick { "quick-latest.json".to_owned() } else { format!("{}-full.json", machine::today()) };
        PathBuf::from("bench/results").join(name)
    });
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let doc = json!({ "results": results, "targets": checks, "faults": faults });
    std::fs::write(&out, serde_json::to_vec_pretty(&doc)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("bench: JSON in {}", out.display());
    drop(world);
    if std::env::var_os("CH_BENCH_KEEP").is_some() {
        eprintln!("bench: kept the run's homes and logs in {}", dir.keep().display());
    }
    if faults.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &faults {
            eprintln!("bench: FAULT: {f}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// One warm-up plus one measured run through `target`, with the CPU its
/// process tree used during the measured part.
fn measure(
    rt: &tokio::runtime::Runtime,
    world: &World,
    target: &str,
    in_flight: usize,
    body: &Bytes,
    plan: Plan,
) -> anyhow::Result<(LoadReport, f64)> {
    let t = world.target(target);
    rt.block_on(load::run(&t, in_flight, body.clone(), Stop::After(plan.warmup)))?;
    let pid = world.pid(target);
    let before = procfs::tree_ticks(pid);
    let report = rt.block_on(load::run(&t, in_flight, body.clone(), Stop::After(plan.measure)))?;
    let ticks = procfs::tree_ticks(pid).saturating_sub(before);
    let cpu =
        if report.requests == 0 { 0.0 } else { ticks as f64 * 1e6 / world.clk_tck as f64 / report.requests as f64 };
    Ok((report, cpu))
}

/// Each target's SSE reports, one per round.
type SseRounds = Vec<(String, Vec<SseReport>)>;

/// What [`measure_sse`] measured.
struct SseRuns {
    /// The proxy sharing every core with the driver and the upstream.
    shared: SseRounds,
    /// Each target's first run, apart (see `measure_sse`).
    cold: Vec<(String, SseReport)>,
    /// The proxy on a core of its own (see `placement`); empty when not measured.
    own_core: SseRounds,
    /// Where the processes were for `own_core`, or why it was not measured.
    own_core_placement: String,
}

/// SSE through each target, `plan.rounds` times interleaved, after one
/// warm-up run per target. The non-streamed scenarios warm up before each
/// measurement too; here it matters more: the scenarios before opened at
/// most 64 upstream connections, and a proxy's first 256 concurrent
/// streams pay for 256 new ones at once (ch: TTFT p99 ~+20 ms over a warm
/// pool; nginx, which keeps 32: ~1 s outliers). The warm-up's numbers are
/// kept and printed apart (`sse_cold`). Then the same rounds with the
/// proxy on a core of its own.
fn measure_sse(rt: &tokio::runtime::Runtime, world: &World, plan: Plan) -> anyhow::Result<SseRuns> {
    let body = load::request_body(1024, true);
    let run = |t: &str, rounds: u32| {
        rt.block_on(load::run_sse(
            &world.target(t),
            plan.sse_streams,
            rounds,
            plan.sse_deltas,
            plan.sse_gap_ms,
            plan.sse_size,
            body.clone(),
        ))
    };
    let mut cold = Vec::new();
    for t in TARGETS {
        let r = run(t, 1)?;
        eprintln!("bench: SSE warm-up via {t}: ttft p50 {} µs p99 {} µs", r.ttft.p50_us, r.ttft.p99_us);
        cold.push((t.to_string(), r));
    }
    let shared = sse_rounds(&run, plan, "")?;
    let (own_core, own_core_placement) = measure_sse_own_core(world, &run, plan)?;
    Ok(SseRuns { shared, cold, own_core, own_core_placement })
}

/// The SSE rounds again with the proxy on a core of its own (see
/// `placement`), and where everything ran, or why they were not measured.
fn measure_sse_own_core(
    world: &World,
    run: &dyn Fn(&str, u32) -> anyhow::Result<SseReport>,
    plan: Plan,
) -> anyhow::Result<(SseRounds, String)> {
    let Some(split) = placement::Split::of_this_process() else {
        return Ok((Vec::new(), "not measured: one CPU".to_owned()));
    };
    let mut proxies = vec![world.nginx.pid(), world.ch.pid()];
    proxies.extend(procfs::descendants(world.nginx.pid()));
    let others = [world.upstream.pid(), std::process::id()];
    let described = placement::Placement::describe(&split);
    let placed = match placement::Placement::apply(split, &proxies, &others) {
        Ok(placed) => placed,
        Err(e) => {
            eprintln!("bench: SSE with the proxy on a core of its own not measured: {e:#}");
            return Ok((Vec::new(), format!("not measured: {e:#}")));
        }
    };
    // One unrecorded run each first (the move left every process's caches
    // on the other CPU), whose events are checked all the same.
    for t in TARGETS {
        let r = run(t, 1)?;
        anyhow::ensure!(
            r.integrity.is_clean(),
            "SSE through {t} ({described}), warm-up: integrity violated: {:?}",
            r.integrity
        );
    }
    let rounds = sse_rounds(run, plan, &format!(" ({described})"))?;
    drop(placed);
    Ok((rounds, described))
}

/// `plan.rounds` interleaved SSE runs of `plan.sse_rounds` streams per slot
/// through each target.
fn sse_rounds(
    run: &dyn Fn(&str, u32) -> anyhow::Result<SseReport>,
    plan: Plan,
    label: &str,
) -> anyhow::Result<SseRounds> {
    let mut out: SseRounds = TARGETS.iter().map(|t| (t.to_string(), Vec::new())).collect();
    for _ in 0..plan.rounds {
        for (i, t) in TARGETS.iter().enumerate() {
            let r = run(t, plan.sse_rounds)?;
            eprintln!(
                "bench: SSE via {t}{label}: ttft p50 {} µs p99 {} µs, integrity clean: {}",
                r.ttft.p50_us,
                r.ttft.p99_us,
                r.integrity.is_clean()
            );
            out[i].1.push(r);
        }
    }
    Ok(out)
}

/// The tray app's RSS: idle (a few seconds after its proxy listens), then
/// after `memory_requests` through its Codex proxy.
fn measure_app(
    rt: &tokio::runtime::Runtime,
    app: &std::path::Path,
    dir: &std::path::Path,
    upstream: &str,
    plan: Plan,
) -> anyhow::Result<serde_json::Value> {
    let proc = procs::start_app(app, dir, upstream)?;
    std::thread::sleep(Duration::from_secs(3));
    let pid =
        procs::app_pid(proc.pid(), app).context("the tray app started but its process was not found under xvfb-run")?;
    let idle = procfs::rss_kib(pid).unwrap_or(0);
    let target = Target { addr: proc.addr, path: "/v1/responses".into() };
    let run =
        rt.block_on(load::run(&target, 16, load::request_body(1024, false), Stop::Requests(plan.memory_requests)))?;
    std::thread::sleep(Duration::from_millis(300));
    let after = procfs::rss_kib(pid).unwrap_or(0);
    eprintln!("bench: tray app RSS idle {idle} KiB, after {} requests {after} KiB", run.requests);
    Ok(
        json!({ "bin": app.display().to_string(), "idle_kib": idle, "after_kib": after, "requests": run.requests, "errors": run.errors, "rps": run.rps }),
    )
}

/// ch with a first upstream that refuses connections (kept out of
/// cooldown, so each request tries it first), against ch with only the
/// good one, one request in flight.
fn measure_failover(rt: &tokio::runtime::Runtime, world: &World, plan: Plan) -> anyhow::Result<serde_json::Value> {
    // No session key: a pinned session would skip the failed upstream.
    let body = load::session_body(1024, false, None);
    let (mut plain, mut failover) = (Vec::new(), Vec::new());
    for _ in 0..plan.rounds {
        plain.push(measure(rt, world, "ch", 1, &body, plan)?);
        failover.push(measure(rt, world, "ch-failover", 1, &body, plan)?);
    }
    let refused_us = rt.block_on(load::refused_connect_us(world.closed, 200));
    let (plain, failover) = (aggregate(plain), aggregate(failover));
    let added = failover.p50_us - plain.p50_us - refused_us as f64;
    Ok(json!({
        "refused_connect_p50_us": refused_us,
        "ch": { "p50_us": plain.p50_us, "p99_us": plain.p99_us, "requests": plain.requests, "errors": plain.errors },
        "ch_failover": { "p50_us": failover.p50_us, "p99_us": failover.p99_us, "requests": failover.requests, "errors": failover.errors },
        "added_beyond_refusal_p50_us": added,
    }))
}
