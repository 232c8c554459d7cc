//! `ch-bench`: codex-helper's benchmark harness (issue 11).
//!
//! - `upstream`: the mock upstream ([`upstream`]), prints its address first.
//! - `load`: the load driver ([`load`]) against one URL, JSON on stdout.
//! - `run`: the whole comparison, direct / nginx / `ch serve` ([`run`]).
//!
//! Layout: [`sse`] splits and checks event streams, [`procfs`] reads CPU
//! and memory from /proc. The driver and the upstream each use one tokio
//! worker thread: on a 2-core machine they share the cores with the proxy
//! being measured, and one thread each keeps that share small and steady.

mod load;
mod procfs;
mod run;
mod sse;
mod upstream;

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "ch-bench",
    about = "codex-helper's benchmark harness: mock upstream, load driver, direct / nginx / ch runs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the mock upstream on 127.0.0.1 (port 0 = any); prints the address first.
    Upstream {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Drive load against one URL and print a JSON report.
    Load(LoadArgs),
    /// Measure direct / nginx / ch in one run; table on stdout, JSON to a file.
    Run(run::RunArgs),
}

#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// e.g. http://127.0.0.1:3211/v1/responses
    #[arg(long)]
    url: String,
    /// Requests (or streams, with --sse) in flight at once.
    #[arg(long, default_value_t = 16)]
    in_flight: usize,
    /// Run this long (ignored with --requests).
    #[arg(long, default_value_t = 3000)]
    duration_ms: u64,
    /// Stop after this many requests instead.
    #[arg(long)]
    requests: Option<u64>,
    /// Request body size in bytes (a Responses request with a long `input`).
    #[arg(long, default_value_t = 1024)]
    body_bytes: usize,
    /// SSE mode: this many content events per stream.
    #[arg(long)]
    sse: Option<u64>,
    /// SSE: streams per in-flight slot, one after another.
    #[arg(long, default_value_t = 1)]
    rounds: u32,
    /// SSE: milliseconds between content events.
    #[arg(long, default_value_t = 10)]
    gap_ms: u64,
    /// SSE: bytes of each delta.
    #[arg(long, default_value_t = 32)]
    size: usize,
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("ch-bench: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn one_thread_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?)
}

fn real_main() -> anyhow::Result<ExitCode> {
    match Cli::parse().command {
        Command::Upstream { port } => one_thread_runtime()?.block_on(async {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
            let mut out = std::io::stdout();
            writeln!(out, "{}", listener.local_addr()?)?;
            out.flush()?;
            upstream::serve(listener).await?;
            Ok(ExitCode::SUCCESS)
        }),
        Command::Load(args) => one_thread_runtime()?.block_on(async {
            let target = load::Target::parse(&args.url)?;
            let json = match args.sse {
                Some(deltas) => {
                    let body = load::request_body(args.body_bytes, true);
                    let r = load::run_sse(&target, args.in_flight, args.rounds, deltas, args.gap_ms, args.size, body)
                        .await?;
                    serde_json::to_string_pretty(&r)?
                }
                None => {
                    let stop = match args.requests {
                        Some(n) => load::Stop::Requests(n),
                        None => load::Stop::After(Duration::from_millis(args.duration_ms)),
                    };
                    let body = load::request_body(args.body_bytes, false);
                    serde_json::to_string_pretty(&load::run(&target, args.in_flight, body, stop).await?)?
                }
            };
            println!("{json}");
            Ok(ExitCode::SUCCESS)
        }),
        Command::Run(args) => run::run(args),
    }
}
