//! `ch test [--all] [--json]`: a small real streaming request to each
//! upstream of the active config (every config's with `--all`), ranked.
//! Exit code 0 when at least one upstream answered.

use std::process::ExitCode;
use std::time::Duration;

use codex_helper_core::config::ConfigStore;
use codex_helper_core::speedtest::{self, SpeedResult};
use codex_helper_core::Paths;
use serde::Serialize;

use crate::args::TestArgs;

/// The `--json` document.
#[derive(Serialize)]
struct Report<'a> {
    service: codex_helper_core::Service,
    all: bool,
    /// Ranked: answering upstreams first, fastest first.
    results: &'a [SpeedResult],
}

pub fn run(args: TestArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let service = super::pick_service(args.service, &paths)?;
    let file = ConfigStore::new(&paths).load()?;
    codex_helper_core::redact::remember_keys(&file);
    let targets = speedtest::targets(&file, service, args.all);
    if targets.is_empty() {
        let service = service.as_str();
        if args.all {
            anyhow::bail!(codex_helper_core::t!("cli-test-none-all", service = service));
        }
        anyhow::bail!(codex_helper_core::t!("cli-test-none", service = service));
    }
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let results = tokio.block_on(speedtest::run(targets, Duration::from_secs(args.timeout)));
    if args.output.json {
        crate::output::print_json(&Report { service, all: args.all, results: &results })?;
    } else {
        print_text(&results);
    }
    Ok(if results.iter().any(SpeedResult::answered) { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

fn print_text(results: &[SpeedResult]) {
    use codex_helper_core::t;
    let mut table = vec![vec![
        "#".to_string(),
        t!("cli-col-config"),
        t!("cli-col-upstream"),
        t!("cli-col-protocol"),
        t!("cli-col-model"),
        t!("cli-col-status"),
        t!("cli-col-connect"),
        "TTFT".to_string(),
        "TOK/S".to_string(),
    ]];
    let ms = |v: Option<u64>| v.map_or("-".into(), |v| format!("{v} ms"));
    for (i, r) in results.iter().enumerate() {
        let upstream = match &r.alias {
            Some(alias) => format!("{} ({alias})", r.base_url),
            None => r.base_url.clone(),
        };
        table.push(vec![
            (i + 1).to_string(),
            r.config.clone(),
            upstream,
            r.protocol.to_string(),
            r.model.clone(),
            r.status.clone(),
            ms(r.connect_ms),
            ms(r.ttft_ms),
            r.tokens_per_s.map_or("-".into(), |t| format!("{t:.1}")),
        ]);
    }
    super::usage::print_table(&table, 6);
    for (i, r) in results.iter().enumerate() {
        if let Some(e) = &r.error {
            outln!("  #{}: {e}", i + 1);
        }
    }
}
