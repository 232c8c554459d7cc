//! `ch doctor [--online] [--json]`: checks with a fix for each problem;
//! exits 1 when any check fails (warnings don't).

use std::process::ExitCode;

use codex_helper_core::doctor::{self, Options, Verdict};
use codex_helper_core::{t, Paths};

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
                Verdict::Pass => t!("cli-doctor-pass"),
                Verdict::Warn => t!("cli-doctor-warn"),
                Verdict::Fail => t!("cli-doctor-fail"),
            };
            // `--json` has the English `message`; people read `shown`.
            outln!("{label}  {}", check.shown.message);
            if let Some(fix) = &check.shown.fix {
                outln!("      {}", t!("cli-doctor-fix", fix = fix.as_str()));
            }
        }
        let s = report.summary;
        outln!("\n{}", t!("cli-doctor-summary", pass = s.pass, warn = s.warn, fail = s.fail));
    }
    Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
