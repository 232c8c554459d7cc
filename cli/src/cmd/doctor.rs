//! `ch doctor [--online] [--json]`: checks with a fix for each problem;
//! exits 1 when any check fails (warnings don't).

use std::process::ExitCode;

use codex_helper_core::doctor::{self, Options, Verdict};
use codex_helper_core::Paths;

use crate::args::DoctorArgs;
use crate::output::print_json;

pub fn run(args: DoctorArgs) -> anyhow::Result<ExitCode> {
    let paths = Paths::from_env()?;
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let report = tokio.block_on(doctor::run(&paths, Options { online: args.online }));
    if args.output.json {
        print_json(&report)?;
    } else {
        for check in &report.checks {
            let label = match check.status {
                Verdict::Pass => "PASS",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            outln!("{label}  {}", check.message);
            if let Some(fix) = &check.fix {
                outln!("      fix: {fix}");
            }
        }
        let s = report.summary;
        outln!("\n{} passed, {} warnings, {} failed", s.pass, s.warn, s.fail);
    }
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
